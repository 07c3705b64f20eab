/**
 * GGUS-volume figures (issue 11), each next to its anchor from the same run:
 * - cold site build with the search index, next to Astro alone writing as many empty pages;
 * - rebuild after one ticket got a message, and after 50 tickets changed, next to the cold build; the
 *   output after both is compared byte for byte with a cold build of the same commit in a fresh clone;
 * - output size (bytes per ticket page and per search entry) and the upload artifact (a tar of the
 *   output, as actions/upload-pages-artifact makes it: bytes, files, time), next to the 1 GB Pages limit;
 * - `gitgus check` cold and after one changed ticket, next to the sequential check of every file;
 * - the event history after one new commit (cached), next to the full one-pass walk;
 * - clone, `git status` and repository size.
 *
 * Helpdesks come from GITGUS_BENCH_DATA=DIR (`DIR/ggus-<N>`, made by bench/generate.ts and repacked, see
 * the README's Benchmarks section) when present, else from the generator. Each run works on its own clone.
 * GITGUS_BENCH_SIZES=10000,165000 picks sizes; GITGUS_BENCH_FLOOR=0 skips the Astro-alone anchor;
 * GITGUS_BENCH_PARTS=site,check,history picks parts (clone, status and size are always measured).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readTicketEvents } from '../lib/git/history-index.ts';
import { readTicketEventsCached } from '../lib/git/history-cache.ts';
import { PROJECT_ROOT } from '../lib/site/build.ts';
import { checkTree } from '../lib/store/check-tree.ts';
import { historyCachePath } from '../site/lib/history.ts';
import { writeFloorProject } from './site.ts';
import { time, type BenchContext, type BenchFigure, type Measure } from './_harness.ts';

const LAUNCHER = path.join(PROJECT_ROOT, 'bin', 'gitgus.js');
const ASTRO = path.join(PROJECT_ROOT, 'node_modules', 'astro', 'bin', 'astro.mjs');
const GB = 1024 ** 3;

function run(command: string[], cwd: string, env: Record<string, string> = {}): { seconds: number; peakMb: number; stdout: string; stderr: string } {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-v', ...command], { cwd, env: { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1', ...env }, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed (${result.status}):\n${result.stderr.slice(-3000)}`);
  const peakKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1] ?? 0);
  return { seconds, peakMb: peakKb / 1024, stdout: result.stdout, stderr: result.stderr };
}

function git(dir: string, args: string[]): string {
  const result = spawnSync('git', args, { cwd: dir, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

function duBytes(target: string): number {
  return Number(spawnSync('du', ['-sb', target], { encoding: 'utf8' }).stdout.split('\t')[0]);
}

function countFiles(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;
}

function build(helpdesk: string, out: string, extra: string[] = []): { seconds: number; peakMb: number; result: { mode: string; rendered: number; pages: number; searchIndexed?: number; reason?: string } } {
  const measured = run([process.execPath, LAUNCHER, 'build', '--root', helpdesk, '--out', out, '--json', ...extra], PROJECT_ROOT);
  return { seconds: measured.seconds, peakMb: measured.peakMb, result: JSON.parse(measured.stdout) as { mode: string; rendered: number; pages: number; searchIndexed?: number } };
}

/** A message added to ticket `number`, as intake writes one (a copy of its last message, a new name). */
function addMessage(helpdesk: string, number: number, key: string): void {
  const folder = path.join(helpdesk, 'tickets', String(Math.floor(number / 1000)), String(number), 'messages');
  const last = readdirSync(folder)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .at(-1) as string;
  const text = readFileSync(path.join(folder, last), 'utf8').replace(/\n---\n[\s\S]*$/, `\n---\nA new answer (${key}): the site was rebuilt for this message.\n`);
  writeFileSync(path.join(folder, `20261130T120000Z-${key}.md`), text);
}

function setStatus(helpdesk: string, number: number, status: string): void {
  const file = path.join(helpdesk, 'tickets', String(Math.floor(number / 1000)), String(number), 'index.md');
  writeFileSync(
    file,
    readFileSync(file, 'utf8')
      .replace(/^status: .*$/m, `status: ${status}`)
      .replace(/^priority: .*$/m, 'priority: very urgent'),
  );
}

function commitAll(helpdesk: string, message: string): void {
  git(helpdesk, ['add', '-A']);
  git(helpdesk, ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.org', 'commit', '-q', '-m', message]);
}

function differing(a: string, b: string): number {
  const result = spawnSync('diff', ['-rq', a, b], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return result.stdout.split('\n').filter((line) => line !== '').length;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

async function benchScale(ctx: BenchContext, tickets: number, options: { data?: string; floor?: boolean; parts?: Set<string> }): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const part = (name: string) => options.parts === undefined || options.parts.has(name);
  const given = options.data ? path.join(options.data, `ggus-${tickets}`) : undefined;
  const source = given && existsSync(path.join(given, '.git')) ? given : await ctx.helpdesk(tickets, { history: true });
  if (source === given && !existsSync(path.join(source, '.git', 'REPACKED'))) ctx.log(`${source} is not repacked yet: reads are on fast-import packs`);
  const label = tickets.toLocaleString('en');
  ctx.log(
    `load average at the start: ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
  );

  // Clone (as a fresh CI runner does: the objects are copied, not hard-linked), status, sizes.
  const work = path.join(ctx.workdir, `scale-${tickets}`);
  ctx.discard(work);
  const clone = await time(() => run(['git', 'clone', '-q', '--no-local', source, path.join(work, 'helpdesk')], ctx.workdir));
  const helpdesk = path.join(work, 'helpdesk');
  writeFileSync(path.join(helpdesk, '.git', 'info', 'exclude'), '.astro/\n');
  const status = await time(() => git(helpdesk, ['status', '--porcelain']));
  const statusAgain = await time(() => git(helpdesk, ['status', '--porcelain']));
  const repoBytes = duBytes(path.join(helpdesk, '.git'));
  const treeBytes = duBytes(helpdesk) - repoBytes;
  figures.push({
    name: `clone and status, ${label} tickets`,
    figure: { label: 'git clone --no-local', seconds: clone.seconds, note: `.git ${mb(repoBytes)}, work tree ${mb(treeBytes)}` },
    anchor: { label: 'git status (first / again)', seconds: status.seconds, note: `again ${statusAgain.seconds.toFixed(2)} s` },
    goal: 'reported',
  });

  // The newest ticket number: the generator numbers the tickets up to #165000.
  const newest = 165_000;
  if (part('site')) {
    // Cold build with the search index.
    const out = path.join(work, 'dist');
    ctx.log(`cold build with search, ${label} tickets`);
    const cold = build(helpdesk, out);
    const pageCount = cold.result.pages;
    let floor: Measure = { label: 'Astro alone, empty pages (not run)', seconds: Number.NaN };
    if (options.floor !== false) {
      const floorDir = path.join(ctx.workdir, `scale-floor-${tickets}`);
      ctx.discard(floorDir);
      writeFloorProject(floorDir, pageCount);
      ctx.log(`Astro alone, ${pageCount} empty pages`);
      const measured = run([process.execPath, ASTRO, 'build', '--root', floorDir], floorDir, { ASTRO_TELEMETRY_DISABLED: '1' });
      floor = { label: `Astro alone, ${pageCount.toLocaleString('en')} empty pages`, seconds: measured.seconds, peakMb: measured.peakMb };
      ctx.discard(floorDir);
    }
    const coldMeasure: Measure = { label: 'gitgus build, cold, search included', seconds: cold.seconds, peakMb: cold.peakMb, note: `${pageCount} pages` };
    figures.push({
      name: `cold site build + search, ${label} tickets`,
      figure: coldMeasure,
      anchor: floor,
      goal: tickets >= 165_000 ? '≤ 5 min, ≤ 4 GB' : tickets <= 10_000 ? '≤ 15 s' : '≤ 75 s',
      met: cold.seconds <= (tickets >= 165_000 ? 300 : tickets <= 10_000 ? 15 : 75) && cold.peakMb <= 4096,
    });

    // Output size and the upload artifact.
    const outBytes = duBytes(out);
    const outFiles = countFiles(out);
    const ticketPages = readdirSync(path.join(out, 'tickets'));
    const pageBytes = ticketPages.reduce((sum, name) => sum + (existsSync(path.join(out, 'tickets', name, 'index.html')) ? statSync(path.join(out, 'tickets', name, 'index.html')).size : 0), 0);
    const searchBytes = duBytes(path.join(out, 'pagefind'));
    const tar = path.join(work, 'artifact.tar');
    const tarred = await time(() => run(['tar', '--dereference', '--hard-dereference', '--directory', out, '-cf', tar, '--exclude=.git', '--exclude=.github', '.'], work));
    const tarBytes = statSync(tar).size;
    rmSync(tar, { force: true });
    figures.push({
      name: `output size, ${label} tickets`,
      figure: {
        label: 'output',
        seconds: Number.NaN,
        note: `${mb(outBytes)} in ${outFiles.toLocaleString('en')} files; ticket page ${(pageBytes / ticketPages.length / 1024).toFixed(1)} KB; search ${mb(searchBytes)} = ${(searchBytes / tickets / 1024).toFixed(2)} KB per entry`,
      },
      anchor: { label: 'GitHub Pages limit', seconds: Number.NaN, note: '1 GB' },
      goal: '≤ 1 GB',
      met: outBytes <= GB,
    });
    figures.push({
      name: `upload artifact, ${label} tickets`,
      figure: { label: 'tar of the output (upload-pages-artifact)', seconds: tarred.seconds, note: `${mb(tarBytes)}, ${outFiles.toLocaleString('en')} files` },
      anchor: coldMeasure,
      goal: 'reported',
    });

    // One ticket gets a message.
    addMessage(helpdesk, newest - 3, 'bench0001');
    commitAll(helpdesk, 'one message');
    ctx.log('rebuild after one message');
    const one = build(helpdesk, out);
    figures.push({
      name: `rebuild after one message, ${label} tickets`,
      figure: {
        label: `incremental (${one.result.rendered} pages rendered, ${one.result.searchIndexed ?? 0} search ranges)`,
        seconds: one.seconds,
        peakMb: one.peakMb,
        note: one.result.mode === 'incremental' ? undefined : `FULL: ${one.result.reason}`,
      },
      anchor: coldMeasure,
      goal: '≤ 30 s',
      met: one.result.mode === 'incremental' && one.seconds <= 30,
    });

    // A busy day: 50 tickets change (messages to 30, status/priority to 20, spread over the archive).
    for (let i = 0; i < 30; i += 1) addMessage(helpdesk, newest - 10 - i * Math.floor(tickets / 40), `bench1${String(i).padStart(3, '0')}`);
    for (let i = 0; i < 20; i += 1) setStatus(helpdesk, newest - 20 - i * Math.floor(tickets / 25), 'reopened');
    commitAll(helpdesk, 'a busy day');
    ctx.log('rebuild after 50 changed tickets');
    const fifty = build(helpdesk, out);
    figures.push({
      name: `rebuild after 50 changed tickets, ${label} tickets`,
      figure: { label: `incremental (${fifty.result.rendered} pages rendered, ${fifty.result.searchIndexed ?? 0} search ranges)`, seconds: fifty.seconds, peakMb: fifty.peakMb },
      anchor: coldMeasure,
      goal: '≤ 60 s',
      met: fifty.result.mode === 'incremental' && fifty.seconds <= 60,
    });

    // The incremental output next to a cold build of the same commit, byte for byte.
    ctx.log('cold build of the same commit in a fresh clone, to compare');
    const fresh = path.join(work, 'fresh');
    run(['git', 'clone', '-q', helpdesk, fresh], work);
    const freshOut = path.join(work, 'fresh-dist');
    const second = build(fresh, freshOut);
    const differences = differing(out, freshOut);
    figures.push({
      name: `incremental output = cold build of the same commit, ${label} tickets`,
      figure: { label: 'files that differ', seconds: Number.NaN, note: String(differences) },
      anchor: { label: 'second cold build', seconds: second.seconds, peakMb: second.peakMb },
      goal: 'byte-identical',
      met: differences === 0,
    });
    ctx.discard(fresh);
    ctx.discard(freshOut);
  }

  if (part('check')) {
    // gitgus check: cold (no verdict cache), after one changed ticket, and the sequential check.
    rmSync(path.join(helpdesk, '.git', 'gitgus'), { recursive: true, force: true });
    ctx.log('gitgus check, cold');
    const checkCold = run([process.execPath, LAUNCHER, 'check', '--root', helpdesk], PROJECT_ROOT);
    addMessage(helpdesk, newest - 5, 'bench2000');
    ctx.log('gitgus check after one change');
    const checkOne = run([process.execPath, LAUNCHER, 'check', '--root', helpdesk], PROJECT_ROOT);
    commitAll(helpdesk, 'one message for the check');
    ctx.log('gitgus check after that change was committed (a new shard tree id)');
    const checkCommitted = run([process.execPath, LAUNCHER, 'check', '--root', helpdesk], PROJECT_ROOT);
    ctx.log('sequential check of every file');
    const sequential = await time(() => checkTree(helpdesk, { cache: false }));
    const anchor: Measure = { label: 'sequential check (every file read on one thread)', seconds: sequential.seconds };
    figures.push({ name: `gitgus check, cold, ${label} tickets`, figure: { label: 'verdicts parsed on worker threads', seconds: checkCold.seconds, peakMb: checkCold.peakMb }, anchor, goal: '≤ 45 s', met: checkCold.seconds <= 45 });
    figures.push({
      name: `gitgus check after one change, ${label} tickets`,
      figure: { label: 'uncommitted: shards by tree id, verdicts by blob id', seconds: checkOne.seconds, peakMb: checkOne.peakMb },
      anchor,
      goal: '≤ 3 s',
      met: checkOne.seconds <= 3,
    });
    figures.push({
      name: `gitgus check after one change committed, ${label} tickets`,
      figure: { label: 'committed: one shard listed again', seconds: checkCommitted.seconds, peakMb: checkCommitted.peakMb },
      anchor,
      goal: '≤ 3 s',
      met: checkCommitted.seconds <= 3,
    });
  }

  if (part('history')) {
    // Event history after one new commit.
    addMessage(helpdesk, newest - 7, 'bench3000');
    commitAll(helpdesk, 'one more message');
    const cacheFile = historyCachePath(helpdesk);
    const cachedWalk = await time(() => readTicketEventsCached(helpdesk, `${cacheFile}.bench`));
    // The new commit adds a message (an event); the cache is brought to HEAD and one shard file rewritten.
    addMessage(helpdesk, newest - 6, 'bench3001');
    commitAll(helpdesk, 'a new commit');
    const appended = await time(() => readTicketEventsCached(helpdesk, `${cacheFile}.bench`, '', { tickets: [newest - 6] }));
    // A reader of every ticket (the site) then reads every shard file: the cost of the whole cache.
    const everything = await time(() => readTicketEventsCached(helpdesk, `${cacheFile}.bench`));
    const full = await time(() => readTicketEvents(helpdesk));
    figures.push({
      name: `event history after one new commit, ${label} tickets`,
      figure: {
        label: `cached, ${appended.value.walk} (${appended.value.written.length} shard file rewritten), one ticket read`,
        seconds: appended.seconds,
        note: `first (full) ${cachedWalk.seconds.toFixed(1)} s; every ticket from the cache ${everything.seconds.toFixed(1)} s (${everything.value.walk})`,
      },
      anchor: { label: 'full one-pass walk', seconds: full.seconds },
      goal: '≤ 2 s',
      met: appended.value.walk === 'appended' && appended.seconds <= 2,
    });
  }
  ctx.log(
    `load average at the end: ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
  );
  return figures;
}

export default async function benchScaleModule(ctx: BenchContext): Promise<BenchFigure[]> {
  const data = process.env.GITGUS_BENCH_DATA;
  const only = process.env.GITGUS_BENCH_SIZES;
  const sizes = only ? only.split(',').map(Number) : [ctx.sizes.small, ctx.sizes.large];
  const figures: BenchFigure[] = [];
  const parts = process.env.GITGUS_BENCH_PARTS ? new Set(process.env.GITGUS_BENCH_PARTS.split(',')) : undefined;
  for (const tickets of sizes) figures.push(...(await benchScale(ctx, tickets, { data, floor: process.env.GITGUS_BENCH_FLOOR !== '0', ...(parts ? { parts } : {}) })));
  return figures;
}
