/**
 * A worker thread that prepares tickets (site/lib/ticket-prepare.ts) for the content loader, so parsing
 * and Markdown rendering use every core. It receives batches of ticket folders with their digests, writes
 * each prepared page to the cache, and answers with the public summaries (or the problems found).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { GitgusError, ValidationError, type Problem } from '../../lib/errors.ts';
import { createTicketTextRenderer } from './markdown.ts';
import { addressPolicy } from './privacy.ts';
import type { PublicTicket } from './public.ts';
import { prepareTicket, readTicketSource, ticketDigest, writePrepared } from './ticket-prepare.ts';

export interface WorkerSetup {
  root: string;
  visible: string[];
  salt: string;
}

export interface WorkerRequest {
  folders: { folder: string; number: number }[];
}

export interface WorkerAnswer {
  done: { number: number; summary: PublicTicket }[];
  problems: Problem[];
}

const setup = workerData as WorkerSetup;
const policy = addressPolicy(setup.visible);
const render = createTicketTextRenderer(policy);

parentPort?.on('message', (request: WorkerRequest) => {
  const answer: WorkerAnswer = { done: [], problems: [] };
  for (const { folder, number } of request.folders) {
    try {
      const source = readTicketSource(setup.root, folder);
      const { summary, prepared } = prepareTicket(source, ticketDigest(source, setup.salt), policy, render);
      writePrepared(setup.root, number, prepared);
      answer.done.push({ number, summary });
    } catch (error) {
      if (error instanceof ValidationError) answer.problems.push(...error.problems);
      else if (error instanceof GitgusError) answer.problems.push({ file: folder, message: error.message });
      else answer.problems.push({ file: folder, message: `could not be prepared: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` });
    }
  }
  parentPort?.postMessage(answer);
});
