/**
 * Mail intake figures (issue: ≥ 50 messages/s on 165,000 tickets with one commit per message; a single
 * `gitgus intake < one.eml` ≤ 1 s there). Each next to the anchor of native `git add` + `git commit`
 * per commit in the same repository, measured in the same run.
 *
 * Works on the cached synthetic helpdesk with Git history and puts it back afterwards (reset to its
 * original commit), so other bench modules see it unchanged. At the large size, GITGUS_BENCH_HELPDESK_<N>
 * (e.g. GITGUS_BENCH_HELPDESK_165000=/work/bench-data/ggus-165000) names a repacked helpdesk made by the
 * generator: the bench works on a full clone of it (`git clone` hard-links the objects and checks out the
 * whole work tree, as CI has it) and never writes into the original. GITGUS_BENCH_INTAKE_SIZES=165000
 * runs only the sizes listed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { highestTicketOnDisk } from '../lib/intake/index-store.ts';
import { time, type BenchContext, type BenchFigure } from './_harness.ts';
import { rng } from '../scripts/example/synthetic.ts';

const LAUNCHER = path.join(import.meta.dirname, '..', 'bin', 'gitgus.js');

function git(dir: string, args: string[]): string {
  const result = spawnSync('git', args, { cwd: dir, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

function gitgus(args: string[], input?: Buffer): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [LAUNCHER, ...args], { encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 });
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

const WORDS = 'proxy expired pilot jobs fail storage element transfer timeout certificate renewal queue batch system site downtime ticket voms role cvmfs squid frontier dcache xrootd gridftp webdav token'.split(' ');

function mail(n: number, options: { subject: string; inReplyTo?: string; from: string; text: string }): string {
  return [
    `From: ${options.from}`,
    'To: helpdesk@ggus.example',
    `Subject: ${options.subject}`,
    `Message-ID: <bench.${n}@uni.example>`,
    ...(options.inReplyTo ? [`In-Reply-To: <${options.inReplyTo}>`] : []),
    'Date: Fri, 27 Nov 2026 09:14:03 +0000',
    'Authentication-Results: mx.ggus.example; dmarc=pass header.from=uni.example',
    'Content-Type: text/plain; charset=utf-8',
    '',
    options.text,
    '',
  ].join('\n');
}

/** 1,000 mixed messages: 60% new tickets, 20% replies by subject tag to existing tickets, 20% In-Reply-To replies to new ones. */
function mixedMbox(count: number, highest: number, seed = 7): string {
  // Deterministic (the synthetic generator's mulberry32), so every run feeds the same mail.
  const next = rng(seed);
  const parts: string[] = [];
  const created: number[] = [];
  for (let n = 1; n <= count; n += 1) {
    const text = Array.from({ length: 150 }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ');
    const kind = next();
    let message: string;
    if (kind < 0.6 || created.length === 0) {
      message = mail(n, { subject: `Bench problem ${n}: ${WORDS[n % WORDS.length]} fails`, from: `User ${n % 97} <user${n % 97}@uni.example>`, text });
      created.push(n);
    } else if (kind < 0.8) {
      const ticket = highest - Math.floor(next() * 50);
      message = mail(n, { subject: `Re: [GGUS #${ticket}] update`, from: `User ${n % 97} <user${n % 97}@uni.example>`, text });
    } else {
      const target = created[Math.floor(next() * created.length)] as number;
      message = mail(n, { subject: `Re: Bench problem ${target}`, inReplyTo: `bench.${target}@uni.example`, from: `User ${target % 97} <user${target % 97}@uni.example>`, text });
    }
    parts.push(`From user@uni.example Fri Nov 27 09:14:03 2026\n${message.replace(/^From /gm, '>From ')}`);
  }
  return parts.join('\n');
}

/**
 * A full clone of a prepared helpdesk in the bench's work folder (made once, reused while its HEAD matches
 * the original's; the run puts it back to that commit afterwards).
 */
function cloneOfPrepared(ctx: BenchContext, source: string, size: number): string {
  const dir = path.join(ctx.workdir, `intake-clone-${size}`);
  const wanted = git(source, ['rev-parse', 'HEAD']).trim();
  if (existsSync(path.join(dir, '.git'))) {
    if (git(dir, ['rev-parse', 'HEAD']).trim() === wanted) return dir;
    rmSync(dir, { recursive: true, force: true });
  }
  const started = performance.now();
  git(ctx.workdir, ['clone', '-q', source, dir]);
  ctx.log(`${size} tickets: cloned ${source} with a full checkout in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

/** Native `git add` + `git commit` of one new file, averaged over `count` commits: the anchor. */
function nativeCommitSeconds(dir: string, count: number): number {
  const folder = path.join(dir, 'bench-native');
  mkdirSync(folder, { recursive: true });
  const start = performance.now();
  for (let i = 0; i < count; i += 1) {
    const file = path.join('bench-native', `file-${i}.txt`);
    writeFileSync(path.join(dir, file), `native commit ${i}\n`);
    git(dir, ['add', '--', file]);
    git(dir, ['-c', 'user.name=bench', '-c', 'user.email=bench@example', 'commit', '-q', '--no-verify', '-m', `native ${i}`]);
  }
  return (performance.now() - start) / 1000 / count;
}

interface BenchIntakeOptions {
  ctx: BenchContext;
  sizes?: number[];
  messages?: number;
}

async function benchIntake(options: BenchIntakeOptions): Promise<BenchFigure[]> {
  const { ctx } = options;
  const count = options.messages ?? 1000;
  const figures: BenchFigure[] = [];
  const only = process.env.GITGUS_BENCH_INTAKE_SIZES?.split(',').map(Number);
  for (const size of (options.sizes ?? [ctx.sizes.small, ctx.sizes.large]).filter((n) => !only || only.includes(n))) {
    const prepared = process.env[`GITGUS_BENCH_HELPDESK_${size}`];
    const dir = prepared ? cloneOfPrepared(ctx, prepared, size) : await ctx.helpdesk(size, { history: true });
    const original = git(dir, ['rev-parse', 'HEAD']).trim();
    try {
      // Untimed setup: the first intake in a helpdesk builds the Message-ID index once from every message file.
      const reindex = await time(() => gitgus(['intake', '--reindex', '--root', dir]));
      if (reindex.value.status !== 0) throw new Error(`intake --reindex failed: ${reindex.value.stderr}`);
      ctx.log(`${size} tickets: one-time Message-ID index build ${reindex.seconds.toFixed(1)} s`);

      const anchor = nativeCommitSeconds(dir, 20);
      const mbox = path.join(ctx.workdir, `intake-${size}.mbox`);
      writeFileSync(mbox, mixedMbox(count, highestTicketOnDisk(dir)));
      const batch = await time(() => gitgus(['intake', '--mbox', mbox, '--root', dir, '--json']));
      if (batch.value.status !== 0) throw new Error(`intake --mbox failed: ${batch.value.stderr.slice(0, 2000)}`);
      const results = batch.value.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { action: string });
      const actions = Object.entries(results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.action]: (acc[r.action] ?? 0) + 1 }), {}))
        .map(([a, n]) => `${n} ${a}`)
        .join(', ');
      const perMessage = batch.seconds / count;
      figures.push({
        name: `intake --mbox, ${count} mixed messages, ${size.toLocaleString('en')} tickets`,
        figure: { label: 'per message (one commit each)', seconds: perMessage, note: `${(count / batch.seconds).toFixed(0)} msg/s; ${actions}` },
        anchor: { label: 'native git add + commit, per commit', seconds: anchor, note: `${(1 / anchor).toFixed(0)} commits/s` },
        goal: size >= 100_000 ? '≥ 50 msg/s' : undefined,
        met: size >= 100_000 ? count / batch.seconds >= 50 : undefined,
      });

      const one = Buffer.from(
        mixedMbox(1, highestTicketOnDisk(dir), 99)
          .replace(/^From [^\n]*\n/, '')
          .replace('bench.1@', 'bench.single@'),
      );
      const single = await time(() => gitgus(['intake', '--root', dir], one));
      if (single.value.status !== 0) throw new Error(`single intake failed: ${single.value.stderr}`);
      const nodeStart = await time(() => spawnSync(process.execPath, ['-e', '']));
      figures.push({
        name: `gitgus intake < one.eml, ${size.toLocaleString('en')} tickets`,
        figure: { label: 'one message, whole process', seconds: single.seconds },
        anchor: { label: 'native git add + commit + node start', seconds: anchor + nodeStart.seconds },
        goal: size >= 100_000 ? '≤ 1 s' : undefined,
        met: size >= 100_000 ? single.seconds <= 1 : undefined,
      });
    } finally {
      git(dir, ['reset', '-q', '--hard', original]);
      git(dir, ['clean', '-q', '-fd', '--', 'intake', 'tickets', 'bench-native']);
    }
  }
  return figures;
}

export default function benchIntakeModule(ctx: BenchContext): Promise<BenchFigure[]> {
  return benchIntake({ ctx });
}
