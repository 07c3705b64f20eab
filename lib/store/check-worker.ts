/** A worker thread of `gitgus check`: parses batches of ticket files into verdicts (lib/store/check-verdict.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { verdictOf, type VerdictJob } from './check-verdict.ts';

const { root } = workerData as { root: string };

parentPort?.on('message', (jobs: VerdictJob[]) => {
  parentPort?.postMessage(jobs.map((job) => verdictOf(root, job)));
});
