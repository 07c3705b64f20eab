/**
 * The content loader for tickets. It stores one small public summary per ticket and no bodies.
 *
 * Astro's default glob loader keeps every body and its rendered HTML in one data store, which passes
 * V8's string limit at about 44k tickets (docs/spike.md). Here each ticket is prepared once per
 * change (site/lib/ticket-prepare.ts: parsed with the CLI's own parsers, projected to public, rendered
 * through the sanitizer) into its own cache file, and each ticket page reads only that file. Worker
 * threads, one per core, read and hash every ticket; tickets whose files did not change since the last
 * build (same digest) are skipped, changed ones are prepared there too.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Loader } from 'astro/loaders';
import { ValidationError } from '../../lib/errors.ts';
import { loadSettings } from '../../lib/store/load.ts';
import { listTicketFolders, ticketBlobs } from './ticket-blobs.ts';
import { createTicketTextRenderer } from './markdown.ts';
import { sitePolicy } from './public.ts';
import { prepareBatch, prunePrepared, renderSalt, type BatchResult, type PrepareJob } from './ticket-prepare.ts';
import type { WorkerAnswer, WorkerRequest, WorkerSetup } from './ticket-worker.ts';
import { startHistory } from './history.ts';

/** Below this many tickets, starting workers costs more than it saves. */
const WORKER_THRESHOLD = 200;
const BATCH = 64;
/**
 * A worker holds one ticket at a time, but V8 lets garbage pile up to a large default heap; a small
 * old generation makes it collect early, which keeps the build's peak memory down (about 150 MB a worker).
 */
const WORKER_HEAP_MB = 160;

/** Every batch's answer, gathered. */
function gather(results: BatchResult, answer: BatchResult): void {
  results.done.push(...answer.done);
  results.unchanged.push(...answer.unchanged);
  results.problems.push(...answer.problems);
}

/** Reads, hashes and (when changed) prepares tickets on worker threads, one per core. */
async function prepareOnWorkers(jobs: PrepareJob[], setup: WorkerSetup, results: BatchResult): Promise<void> {
  const count = Math.max(1, Math.min(availableParallelism(), 4, Math.ceil(jobs.length / BATCH)));
  let next = 0;
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(new URL('./ticket-worker.ts', import.meta.url), { workerData: setup, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
      const send = () => {
        if (next >= jobs.length) {
          void worker.terminate().then(() => resolve());
          return;
        }
        const request: WorkerRequest = { jobs: jobs.slice(next, next + BATCH) };
        next += BATCH;
        worker.postMessage(request);
      };
      worker.on('message', (answer: WorkerAnswer) => {
        gather(results, answer);
        send();
      });
      worker.on('error', reject);
      send();
    });
  await Promise.all(Array.from({ length: count }, runWorker));
}

export function ticketsLoader(root: string): Loader {
  return {
    name: 'gitgus-tickets',
    load: async ({ store, logger }) => {
      // The Git history walk runs in parallel with preparing tickets; the pages pick it up.
      void startHistory(root);
      const policy = sitePolicy(loadSettings(root));
      const salt = renderSalt(policy);
      const seen = new Set<string>();
      const jobs: PrepareJob[] = [];
      // With Git, the digest of every ticket comes from the blob ids in Git's index: only changed tickets
      // are read at all (at 165,000 tickets reading every file took minutes). Without Git, workers read
      // and hash every ticket.
      const blobs = ticketBlobs(root, salt);
      let unchangedByBlob = 0;
      for (const folder of listTicketFolders(root, blobs)) {
        seen.add(folder.number);
        const stored = store.get(folder.number)?.digest;
        const known = typeof stored === 'string' ? stored : undefined;
        const digest = blobs?.digests.get(folder.path);
        if (digest !== undefined && digest === known) {
          unchangedByBlob += 1;
          continue;
        }
        const job: PrepareJob = { folder: folder.path, number: Number(folder.number), known };
        if (digest !== undefined) job.digest = digest;
        jobs.push(job);
      }
      const results: BatchResult = { done: [], unchanged: [], problems: [] };
      // Below the threshold the same batch runs on this thread: starting workers would cost more.
      if (jobs.length > WORKER_THRESHOLD) await prepareOnWorkers(jobs, { root, visible: [...policy.visible], salt }, results);
      else gather(results, prepareBatch(root, jobs, salt, policy, createTicketTextRenderer(policy)));
      const problems = results.problems;
      // Summaries go into the store in one burst at the end: every store.set schedules a save of the whole
      // store, and sets spread over the workers' run made Astro serialize 10k entries again and again.
      for (const { number, summary } of results.done) store.set({ id: String(number), data: summary as unknown as Record<string, unknown>, digest: summary.digest ?? '' });
      for (const id of store.keys()) if (!seen.has(id)) store.delete(id);
      const pruned = prunePrepared(root, seen);
      if (problems.length > 0) {
        throw new ValidationError(problems, `The helpdesk has invalid tickets (run \`gitgus check\` for details):\n${problems.map((p) => `${p.file}${p.field ? `: ${p.field}` : ''}: ${p.message}`).join('\n')}`);
      }
      logger.info(`${seen.size} tickets (${results.done.length} prepared, ${results.unchanged.length + unchangedByBlob} unchanged${pruned > 0 ? `, ${pruned} gone from the cache` : ''})`);
    },
  };
}
