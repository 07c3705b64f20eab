/**
 * Figures for issue 4: the pull-request check on a GGUS-scale helpdesk, and the one-pass history of every
 * ticket next to native `git log --name-only` on the same repository (docs/design.md §7).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseTicket, serializeTicket } from '../lib/core/documents.ts';
import { messageFile } from '../lib/core/edit.ts';
import { ticketIndexPath } from '../lib/core/paths.ts';
import type { Status } from '../lib/core/schema/ticket.ts';
import { readTicketEvents } from '../lib/git/history-index.ts';
import { time, type BenchContext, type BenchFigure, type Measure } from './_harness.ts';

const LAUNCHER = path.join(import.meta.dirname, '..', 'bin', 'gitgus.js');
/** A TPM member of the synthetic helpdesk (scripts/example/units.ts): TPM may make every working transition. */
const AUTHOR = 'tpm-shifter';
const RUNS = 3;

function git(dir: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const result = spawnSync('git', args, { cwd: dir, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024, ...(options.input === undefined ? {} : { input: options.input }), env: { ...process.env, ...options.env } });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** What TPM does with an open ticket in a typical pull request: take it, or ask the submitter. */
function nextStatus(status: Status): Status | undefined {
  if (status === 'in progress') return 'waiting for reply';
  if (status === 'new' || status === 'assigned' || status === 'reopened' || status === 'on hold' || status === 'waiting for reply') return 'in progress';
  return undefined;
}

/**
 * A pull-request commit on top of HEAD that changes the status of `count` open tickets and adds a reply to
 * each, built with plumbing (a temporary index) so the helpdesk's working tree is never touched.
 */
function makePullRequestCommit(dir: string, count: number): string {
  const head = git(dir, ['rev-parse', 'HEAD']).trim();
  const files: { path: string; content: string }[] = [];
  const last = Number(
    git(dir, ['ls-tree', '--name-only', `${head}:tickets`])
      .trim()
      .split('\n')
      .sort((a, b) => Number(a) - Number(b))
      .at(-1),
  );
  for (let number = (last + 1) * 1000 - 1; files.length < count * 2 && number > 0; number -= 1) {
    const file = ticketIndexPath(number);
    let text: string;
    try {
      text = readFileSync(path.join(dir, file), 'utf8');
    } catch {
      continue;
    }
    const doc = parseTicket(text, file);
    const status = nextStatus(doc.ticket.status);
    if (!status) continue;
    files.push({ path: file, content: serializeTicket({ ticket: { ...doc.ticket, status }, body: doc.body }, file) });
    files.push(
      messageFile(number, {
        message: { date: '2026-11-28T10:00:00Z', author: { name: 'Tom Processor', github: AUTHOR, role: 'tpm', unit: 'tpm' }, visibility: 'public', source: 'pull-request' },
        body: 'We are looking into it; could you send the job ids of a few failed jobs?\n',
      }),
    );
  }
  const index = path.join(os.tmpdir(), `gitgus-bench-index-${process.pid}`);
  const env = { GIT_INDEX_FILE: index };
  try {
    git(dir, ['read-tree', head], { env });
    for (const file of files) {
      const oid = git(dir, ['hash-object', '-w', '--stdin'], { input: file.content }).trim();
      git(dir, ['update-index', '--add', '--cacheinfo', `100644,${oid},${file.path}`], { env });
    }
    const tree = git(dir, ['write-tree'], { env }).trim();
    return git(dir, ['-c', 'user.name=Tom Processor', '-c', `user.email=${AUTHOR}@users.noreply.github.com`, 'commit-tree', tree, '-p', head, '-m', `Pull request: ${count} tickets`]).trim();
  } finally {
    rmSync(index, { force: true });
  }
}

async function fastest(label: string, run: () => unknown): Promise<Measure> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < RUNS; i += 1) best = Math.min(best, (await time(run)).seconds);
  return { label: `${label} (best of ${RUNS})`, seconds: best };
}

/** `gitgus check --base` on a pull request touching 10 tickets, next to the CLI's own start-up in the same run. */
async function benchPullRequestCheck(ctx: BenchContext, tickets = ctx.sizes.large): Promise<BenchFigure> {
  const dir = await ctx.helpdesk(tickets, { history: true });
  const pr = makePullRequestCommit(dir, 10);
  const check = () => {
    const result = spawnSync(process.execPath, [LAUNCHER, 'check', '--base', 'HEAD', '--head', pr, '--author', AUTHOR, '--root', dir], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`the bench pull request was refused:\n${result.stderr.slice(0, 3000)}`);
  };
  const floor = () => spawnSync(process.execPath, [LAUNCHER, '--version'], { encoding: 'utf8' });
  const figure = await fastest('check --base, 10 tickets', check);
  const anchor = await fastest('gitgus --version (process start)', floor);
  return { name: `gitgus check --base, ${tickets.toLocaleString('en')} tickets`, figure, anchor, goal: '≤ 2 s', met: figure.seconds <= 2 };
}

/** Native `git log --name-only`, streamed into a path → commits map in Node: the anchor of the history figure. */
async function nativeNameOnlyIndex(dir: string): Promise<number> {
  const child = spawn('git', ['log', '--name-only', '--no-renames', '--format=%x00%H %at'], { cwd: dir });
  const index = new Map<string, string[]>();
  let rest = '';
  let commit = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('\0')) commit = line.slice(1, 41);
      else if (line !== '') {
        const list = index.get(line);
        if (list) list.push(commit);
        else index.set(line, [commit]);
      }
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error('git log --name-only failed');
  return index.size;
}

/** The one-pass history of every ticket (readTicketEvents) next to native `git log --name-only` on the same repository. */
async function benchHistory(ctx: BenchContext, tickets = ctx.sizes.large): Promise<BenchFigure> {
  const dir = await ctx.helpdesk(tickets, { history: true });
  const commits = Number(git(dir, ['rev-list', '--count', 'HEAD']).trim());
  let events = 0;
  // Alternate the two, so load from other work on the machine hits both alike.
  let anchorBest = Number.POSITIVE_INFINITY;
  let figureBest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 2; i += 1) {
    anchorBest = Math.min(anchorBest, (await time(() => nativeNameOnlyIndex(dir))).seconds);
    const walked = await time(() => readTicketEvents(dir));
    figureBest = Math.min(figureBest, walked.seconds);
    events = [...walked.value.values()].reduce((sum, list) => sum + list.length, 0);
  }
  const figure: Measure = { label: `readTicketEvents, all tickets (${events.toLocaleString('en')} events)`, seconds: figureBest, peakMb: process.memoryUsage().rss / 1e6 };
  const anchor: Measure = { label: `git log --name-only into a Map (${commits.toLocaleString('en')} commits)`, seconds: anchorBest };
  return { name: `history of every ticket, ${tickets.toLocaleString('en')} tickets`, figure, anchor, goal: '≤ 1.5× native', met: figureBest / anchorBest <= 1.5 };
}

export default async function benchReview(ctx: BenchContext): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  figures.push(await benchPullRequestCheck(ctx));
  figures.push(await benchHistory(ctx));
  return figures;
}
