/**
 * Intake under contention (issue 12: "throughput of 4 concurrent workers against one origin ≥ 80% of one
 * worker's"). One origin served by `git http-backend` on 127.0.0.1 (test/git-http.ts, as in the
 * concurrency fault test); the same number of new-ticket mails taken in by ONE worker, then split over
 * FOUR workers on separate clones pushing at the same time (each rerun after an exit 75 until its Maildir
 * is empty). The figure is the four workers' total messages/s next to the one worker's, as a ratio.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { deliver, gitAsync, makeMaildir, newTicketMail, runIntakeProcess, unprocessed } from '../test/fault-helpers.ts';
import { serveGitHttp } from '../test/git-http.ts';
import type { BenchContext, BenchFigure } from './_harness.ts';

function git(dir: string, args: string[]): void {
  const result = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
}

const LAUNCHER = path.join(import.meta.dirname, '..', 'bin', 'gitgus.js');

interface Round {
  seconds: number;
  runs: number;
  refused: number;
}

async function round(ctx: BenchContext, label: string, seed: string, workers: number, mails: number): Promise<Round> {
  const base = path.join(ctx.workdir, `contention-${label}`);
  rmSync(base, { recursive: true, force: true });
  const served = path.join(base, 'served');
  mkdirSync(served, { recursive: true });
  const origin = path.join(served, 'helpdesk.git');
  git(base, ['clone', '-q', '--bare', seed, origin]);
  git(origin, ['config', 'http.receivepack', 'true']);
  const server = await serveGitHttp(served);
  try {
    const clones: { clone: string; maildir: string }[] = [];
    for (let n = 0; n < workers; n += 1) {
      const clone = path.join(base, `worker${n}`);
      await gitAsync(base, ['clone', '-q', server.url('helpdesk.git'), clone]);
      const maildir = makeMaildir(path.join(base, `maildir${n}`));
      const share = Array.from({ length: Math.ceil(mails / workers) }, (_, i) => newTicketMail(`bench.${label}.${n}.${i}@contention.example`, `Contention ${label} worker ${n} problem ${i}`));
      deliver(maildir, share);
      clones.push({ clone, maildir });
    }
    let runs = 0;
    let refused = 0;
    const started = performance.now();
    await Promise.all(
      clones.map(async ({ clone, maildir }) => {
        for (let attempt = 0; attempt < 20 && unprocessed(maildir) > 0; attempt += 1) {
          const result = await runIntakeProcess(['--maildir', maildir, '--push', '--chunk-size', '25', '--root', clone], { GITGUS_PUSH_DEADLINE_SECONDS: '60' }, 600_000);
          runs += 1;
          refused += (result.stderr.match(/push refused/g) ?? []).length;
          if (result.status !== 0 && result.status !== 75) throw new Error(`intake failed (${result.status}): ${result.stderr.slice(0, 2000)}`);
        }
        if (unprocessed(maildir) > 0) throw new Error(`${maildir}: mail left after 20 runs`);
      }),
    );
    return { seconds: (performance.now() - started) / 1000, runs, refused };
  } finally {
    await server.close();
  }
}

export default async function benchContention(ctx: BenchContext): Promise<BenchFigure[]> {
  const seed = path.join(ctx.workdir, 'contention-seed');
  rmSync(seed, { recursive: true, force: true });
  mkdirSync(seed, { recursive: true });
  // The example helpdesk, with its Message-ID index built once (as every worker's clone would have it).
  for (const entry of ['helpdesk.yml', 'units', 'tickets']) spawnSync('cp', ['-r', path.join(import.meta.dirname, '..', entry), seed]);
  git(seed, ['init', '-q', '-b', 'main']);
  git(seed, ['add', '-A']);
  git(seed, ['-c', 'user.name=bench', '-c', 'user.email=bench@example', 'commit', '-q', '-m', 'seed']);
  const reindex = spawnSync(process.execPath, [LAUNCHER, 'intake', '--reindex', '--root', seed], { encoding: 'utf8' });
  if (reindex.status !== 0) throw new Error(reindex.stderr);
  const mails = 200;
  const one = await round(ctx, 'one', seed, 1, mails);
  const four = await round(ctx, 'four', seed, 4, mails);
  const rateOne = mails / one.seconds;
  const rateFour = mails / four.seconds;
  const ratio = rateFour / rateOne;
  ctx.log(`contention: 1 worker ${rateOne.toFixed(1)} msg/s (${one.runs} runs); 4 workers ${rateFour.toFixed(1)} msg/s in all (${four.runs} runs, ${four.refused} refused pushes retried); ratio ${(ratio * 100).toFixed(0)}%`);
  return [
    {
      name: `intake, ${mails} new tickets, 4 workers on separate clones pushing to one origin over git http-backend`,
      figure: { label: '4 workers, total', seconds: four.seconds / mails, note: `${rateFour.toFixed(1)} msg/s; ${four.refused} refused pushes retried; ratio to one worker ${(ratio * 100).toFixed(0)}%` },
      anchor: { label: '1 worker, same mails', seconds: one.seconds / mails, note: `${rateOne.toFixed(1)} msg/s` },
      goal: '4 workers ≥ 80% of one worker’s msg/s',
      met: ratio >= 0.8,
    },
  ];
}
