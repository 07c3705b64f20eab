/**
 * A worker thread that prepares tickets (site/lib/ticket-prepare.ts) for the content loader, so reading,
 * hashing, parsing and Markdown rendering use every core. It receives batches of tickets with the digest
 * each had in the last build, writes each changed ticket's prepared page to the cache, and answers with
 * the public summaries of the changed ones, the numbers of the unchanged ones, and the problems found.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createTicketTextRenderer } from './markdown.ts';
import { addressPolicy } from '../../lib/core/privacy.ts';
import { prepareBatch, type BatchResult, type PrepareJob } from './ticket-prepare.ts';

export interface WorkerSetup {
  root: string;
  visible: string[];
  salt: string;
}

export interface WorkerRequest {
  jobs: PrepareJob[];
}

export type WorkerAnswer = BatchResult;

const setup = workerData as WorkerSetup;
const policy = addressPolicy(setup.visible);
const render = createTicketTextRenderer(policy);

parentPort?.on('message', (request: WorkerRequest) => {
  const answer: WorkerAnswer = prepareBatch(setup.root, request.jobs, setup.salt, policy, render);
  parentPort?.postMessage(answer);
});
