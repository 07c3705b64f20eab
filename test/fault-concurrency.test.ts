/**
 * Fault test 1 of 3 (issue 12): concurrent intake workers. Four workers, each on its own clone, run
 * `gitgus intake --maildir … --push` at the same time against ONE origin served by Git's own
 * `git http-backend` on 127.0.0.1. Half the mail opens tickets, half replies to tickets that ANOTHER worker
 * created. Then: every mail stored exactly once, numbers unique and gap-free, replies on the right ticket,
 * `git fsck --strict` clean, and a redelivery wave recorded as duplicates — nothing stored twice.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTemps, git, makeHelpdesk, runGitgus, tempDir } from './helpers.ts';
import { checkExactlyOnce, deliver, gitAsync, jsonResults, leftovers, makeMaildir, newTicketMail, replyMail, runIntakeProcess, uncleanPaths, unprocessed, highestTicket, type PlannedMail } from './fault-helpers.ts';
import { serveGitHttp, type GitHttpServer } from './git-http.ts';

const WORKERS = 4;
const PER_WAVE = 20;

let server: GitHttpServer;
afterAll(async () => {
  await server?.close();
  cleanupTemps();
});

interface Worker {
  clone: string;
  maildir: string;
}

describe('four intake workers on separate clones, one origin over git http-backend', () => {
  const workers: Worker[] = [];
  const all: PlannedMail[] = [];
  let before = 0;
  let origin = '';
  const stats = { runs: 0, refused: 0, tempfail: 0, results: new Map<string, number>() };

  beforeAll(async () => {
    const seed = makeHelpdesk();
    // The first intake of a helpdesk builds its Message-ID index: done once here, not raced by four workers.
    expect(runGitgus(['intake', '--reindex', '--root', seed]).status).toBe(0);
    before = highestTicket(seed);
    const served = tempDir('gitgus-served-');
    origin = path.join(served, 'helpdesk.git');
    git(seed, ['clone', '-q', '--bare', seed, origin]);
    git(origin, ['config', 'http.receivepack', 'true']);
    server = await serveGitHttp(served);
    for (let n = 0; n < WORKERS; n += 1) {
      const clone = path.join(tempDir(`gitgus-worker${n}-`), 'helpdesk');
      await gitAsync(served, ['clone', '-q', server.url('helpdesk.git'), clone]);
      const maildir = makeMaildir(path.join(tempDir(`gitgus-maildir${n}-`), 'Maildir'));
      mkdirSync(maildir, { recursive: true });
      workers.push({ clone, maildir });
    }
  });

  /** Runs every worker until its Maildir is empty (a run that gives up with 75 leaves mail for the next). */
  async function wave(): Promise<void> {
    await Promise.all(
      workers.map(async (worker) => {
        for (let run = 0; run < 12 && unprocessed(worker.maildir) > 0; run += 1) {
          const result = await runIntakeProcess(['--maildir', worker.maildir, '--push', '--json', '--root', worker.clone], { GITGUS_PUSH_DEADLINE_SECONDS: '20' });
          stats.runs += 1;
          stats.refused += (result.stderr.match(/push refused/g) ?? []).length;
          if (result.status === 75) stats.tempfail += 1;
          else expect(result.status, result.stderr).toBe(0);
          expect(result.stderr).not.toMatch(/\n\s+at /);
          for (const item of jsonResults(result.stdout)) stats.results.set(item.action, (stats.results.get(item.action) ?? 0) + 1);
        }
        expect(unprocessed(worker.maildir)).toBe(0);
      }),
    );
  }

  it('takes in new tickets and cross-worker replies exactly once, numbered without gaps, threaded right', async () => {
    const byWorker: PlannedMail[][] = workers.map(() => []);
    // Wave 1: new tickets.
    workers.forEach((worker, n) => {
      const mails = Array.from({ length: PER_WAVE }, (_, i) => newTicketMail(`w1.${n}.${i}@conc.example`, `Wave 1 worker ${n} problem ${i}`));
      byWorker[n]?.push(...mails);
      all.push(...mails);
      deliver(worker.maildir, mails);
    });
    await wave();
    // Wave 2: replies to the tickets the NEXT worker created, and new tickets.
    const wave2New: PlannedMail[][] = [];
    workers.forEach((worker, n) => {
      const parents = byWorker[(n + 1) % WORKERS] as PlannedMail[];
      const replies = parents.map((parent, i) => replyMail(`w2r.${n}.${i}@conc.example`, parent));
      const fresh = Array.from({ length: PER_WAVE }, (_, i) => newTicketMail(`w2.${n}.${i}@conc.example`, `Wave 2 worker ${n} problem ${i}`));
      wave2New.push(fresh);
      all.push(...replies, ...fresh);
      deliver(worker.maildir, [...replies, ...fresh]);
    });
    await wave();
    // Wave 3: replies to wave 2's new tickets from the worker two places on.
    workers.forEach((worker, n) => {
      const replies = (wave2New[(n + 2) % WORKERS] as PlannedMail[]).map((parent, i) => replyMail(`w3r.${n}.${i}@conc.example`, parent));
      all.push(...replies);
      deliver(worker.maildir, replies);
    });
    await wave();

    const report = checkExactlyOnce(origin, all, before, 'main');
    const created = all.filter((mail) => mail.kind === 'new').length;
    const replies = all.filter((mail) => mail.kind === 'reply').length;
    process.stdout.write(
      `concurrency: ${WORKERS} workers, ${all.length} mails (${created} new, ${replies} cross-worker replies), ${stats.runs} intake runs, ${stats.refused} refused pushes retried, ${stats.tempfail} runs exited 75; ` +
        `results ${JSON.stringify(Object.fromEntries(stats.results))}; stored ${report.stored - 0} message ids; duplicates ${report.duplicates.length}, lost ${report.lost.length}, misthreaded ${report.misthreaded.length}; tickets #${report.numbers.first}–#${report.numbers.last}\n`,
    );
    expect(report.lost).toEqual([]);
    expect(report.duplicates).toEqual([]);
    expect(report.misthreaded).toEqual([]);
    expect(report.numbers.gaps).toEqual([]);
    expect(report.numbers.repeated).toEqual([]);
    expect(report.numbers.count).toBe(created);
    expect((stats.results.get('created') ?? 0) + (stats.results.get('appended') ?? 0)).toBe(all.length);
    // The workers really raced: some pushes were refused and answered by a retry.
    expect(stats.refused).toBeGreaterThan(0);
    expect(git(origin, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
    for (const worker of workers) {
      expect(uncleanPaths(worker.clone)).toEqual([]);
      expect(leftovers(worker.clone)).toEqual([]);
    }
  }, 240_000);

  it('records a redelivery wave as duplicates and stores nothing twice', async () => {
    const stored = checkExactlyOnce(origin, all, before, 'main').stored;
    const ticketsBefore = checkExactlyOnce(origin, all, before, 'main').numbers.count;
    const counted = new Map(stats.results);
    // 25 earlier mails per worker, each to a worker that did NOT take it in the first time.
    workers.forEach((worker, n) => {
      const again = all.filter((_, i) => i % WORKERS === (n + 1) % WORKERS).slice(0, 25);
      deliver(worker.maildir, again);
    });
    await wave();
    const duplicates = (stats.results.get('duplicate') ?? 0) - (counted.get('duplicate') ?? 0);
    const report = checkExactlyOnce(origin, all, before, 'main');
    process.stdout.write(`redelivery: ${WORKERS * 25} mails again → ${duplicates} recorded as duplicates; stored ${report.stored} (before ${stored}); duplicates ${report.duplicates.length}\n`);
    expect(duplicates).toBe(WORKERS * 25);
    expect((stats.results.get('created') ?? 0) - (counted.get('created') ?? 0)).toBe(0);
    expect((stats.results.get('appended') ?? 0) - (counted.get('appended') ?? 0)).toBe(0);
    expect(report.stored).toBe(stored);
    expect(report.numbers.count).toBe(ticketsBefore);
    expect(report.duplicates).toEqual([]);
    expect(git(origin, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
  }, 180_000);
});
