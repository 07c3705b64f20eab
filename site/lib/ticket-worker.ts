/**
 * A worker thread that prepares tickets (site/lib/ticket-prepare.ts) for the content loader, so reading,
 * hashing, parsing and Markdown rendering use every core. It receives batches of tickets with the digest
 * each had in the last build, writes each changed ticket's prepared page to the cache, and answers with
 * the public summaries of the changed ones, the numbers of the unchanged ones, and the problems found.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Problem } from '../../lib/errors.ts';
import { createTicketTextRenderer } from './markdown.ts';
import { addressPolicy } from '../../lib/core/privacy.ts';
import type { PublicTicket } from './public.ts';
import { prepareJob, preparationProblems, type PrepareJob } from './ticket-prepare.ts';

export interface WorkerSetup {
  root: string;
  visible: string[];
  salt: string;
}

export interface WorkerRequest {
  jobs: PrepareJob[];
}

export interface WorkerAnswer {
  done: { number: number; summary: PublicTicket }[];
  unchanged: number[];
  problems: Problem[];
}

const setup = workerData as WorkerSetup;
const policy = addressPolicy(setup.visible);
const render = createTicketTextRenderer(policy);

parentPort?.on('message', (request: WorkerRequest) => {
  const answer: WorkerAnswer = { done: [], unchanged: [], problems: [] };
  for (const job of request.jobs) {
    try {
      const outcome = prepareJob(setup.root, job, setup.salt, policy, render);
      if (outcome.kind === 'unchanged') answer.unchanged.push(job.number);
      else answer.done.push({ number: job.number, summary: outcome.summary });
    } catch (error) {
      answer.problems.push(...preparationProblems(error, job.folder));
    }
  }
  parentPort?.postMessage(answer);
});
