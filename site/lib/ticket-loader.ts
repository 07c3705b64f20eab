/**
 * The content loader for tickets. It stores one small public summary per ticket and no bodies.
 *
 * Astro's default glob loader keeps every body and its rendered HTML in one data store, which passes
 * V8's string limit at about 44k tickets (research/spike.md). Here each ticket is prepared once per
 * change (site/lib/ticket-prepare.ts: parsed with the CLI's own parsers, projected to public, rendered
 * through the sanitizer) into its own cache file, and each ticket page reads only that file. Tickets whose
 * files did not change since the last build (same digest) are skipped; changed ones are prepared on
 * worker threads, one per core.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Loader } from 'astro/loaders';
import { ValidationError, type Problem } from '../../lib/errors.ts';
import { listTicketFolders, loadSettings } from '../../lib/store/load.ts';
import { createTicketTextRenderer } from './markdown.ts';
import { sitePolicy, type PublicTicket } from './public.ts';
import { prepareTicket, preparedPath, readTicketSource, renderSalt, ticketDigest, writePrepared, type TicketSource } from './ticket-prepare.ts';
import type { WorkerAnswer, WorkerRequest, WorkerSetup } from './ticket-worker.ts';
import { existsSync } from 'node:fs';
import { startHistory } from './history.ts';

export { parseTicketSource, readTicketSource } from './ticket-prepare.ts';

/** Below this many changed tickets, starting workers costs more than it saves. */
const WORKER_THRESHOLD = 200;
const BATCH = 64;

interface Job {
  folder: string;
  number: number;
}

/** Prepares tickets on worker threads; resolves with every summary and problem. */
async function prepareOnWorkers(jobs: Job[], setup: WorkerSetup, onDone: (number: number, summary: PublicTicket) => void): Promise<Problem[]> {
  const problems: Problem[] = [];
  const count = Math.max(1, Math.min(availableParallelism(), 4, Math.ceil(jobs.length / BATCH)));
  let next = 0;
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(new URL('./ticket-worker.ts', import.meta.url), { workerData: setup });
      const send = () => {
        if (next >= jobs.length) {
          void worker.terminate().then(() => resolve());
          return;
        }
        const request: WorkerRequest = { folders: jobs.slice(next, next + BATCH) };
        next += BATCH;
        worker.postMessage(request);
      };
      worker.on('message', (answer: WorkerAnswer) => {
        for (const { number, summary } of answer.done) onDone(number, summary);
        problems.push(...answer.problems);
        send();
      });
      worker.on('error', reject);
      send();
    });
  await Promise.all(Array.from({ length: count }, runWorker));
  return problems;
}

export function ticketsLoader(root: string): Loader {
  return {
    name: 'gitgus-tickets',
    load: async ({ store, logger }) => {
      // The Git history walk runs in parallel with preparing tickets; the pages pick it up.
      startHistory(root);
      const policy = sitePolicy(loadSettings(root));
      const salt = renderSalt(policy);
      const problems: Problem[] = [];
      const seen = new Set<string>();
      const jobs: Job[] = [];
      const sources = new Map<number, TicketSource>();
      for (const folder of listTicketFolders(root)) {
        const id = folder.number;
        const number = Number(id);
        seen.add(id);
        let source: TicketSource;
        try {
          source = readTicketSource(root, folder.path);
        } catch (error) {
          problems.push({ file: `${folder.path}/index.md`, message: error instanceof Error ? error.message : String(error) });
          continue;
        }
        const digest = ticketDigest(source, salt);
        if (store.get(id)?.digest === digest && existsSync(preparedPath(root, number))) continue;
        jobs.push({ folder: folder.path, number });
        if (jobs.length <= WORKER_THRESHOLD) sources.set(number, source);
      }
      // Summaries go into the store in one burst at the end: every store.set schedules a save of the whole
      // store, and sets spread over the workers' run made Astro serialize 10k entries again and again.
      const prepared: [number, PublicTicket][] = [];
      const save = (number: number, summary: PublicTicket) => {
        prepared.push([number, summary]);
      };
      if (jobs.length > WORKER_THRESHOLD) {
        problems.push(...(await prepareOnWorkers(jobs, { root, visible: [...policy.visible], salt }, save)));
      } else if (jobs.length > 0) {
        const render = createTicketTextRenderer(policy);
        for (const job of jobs) {
          const source = sources.get(job.number) as TicketSource;
          try {
            const { summary, prepared } = prepareTicket(source, ticketDigest(source, salt), policy, render);
            writePrepared(root, job.number, prepared);
            save(job.number, summary);
          } catch (error) {
            if (error instanceof ValidationError) problems.push(...error.problems);
            else if (error instanceof Error && 'code' in error) problems.push({ file: job.folder, message: error.message });
            else throw error;
          }
        }
      }
      for (const [number, summary] of prepared) store.set({ id: String(number), data: summary as unknown as Record<string, unknown>, digest: summary.digest ?? '' });
      for (const id of store.keys()) if (!seen.has(id)) store.delete(id);
      if (problems.length > 0) {
        throw new ValidationError(problems, `The helpdesk has invalid tickets (run \`gitgus check\` for details):\n${problems.map((p) => `${p.file}${p.field ? `: ${p.field}` : ''}: ${p.message}`).join('\n')}`);
      }
      logger.info(`${seen.size} tickets (${jobs.length} prepared, ${seen.size - jobs.length} unchanged)`);
    },
  };
}
