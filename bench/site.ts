/**
 * Site figures: `gitgus build` (without search) on 10,000 and 50,000 synthetic tickets, each next to the
 * default Astro configuration of the same pages in the same run — the glob content loader and Astro's own
 * Markdown rendering (docs/spike.md: 41 s and 2.7–3.5 GB at 10,000; fails at 50,000 on the default
 * heap). Pagefind's indexing is reported separately, next to reading the pages it indexes.
 *
 * Goals (issue 6): 10,000 tickets in ≤ 15 s with ≤ 1 GB peak memory; 50,000 in ≤ 75 s on the default heap.
 * A third row per size shows what bounds any Astro build of that many pages here: Astro alone, making
 * the same number of pages that print only their number.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSearchIndex, PROJECT_ROOT } from '../lib/site/build.ts';
import { listFiles, time, type BenchContext, type BenchFigure, type Measure } from './_harness.ts';

const LAUNCHER = path.join(PROJECT_ROOT, 'bin', 'gitgus.js');
const ASTRO = path.join(PROJECT_ROOT, 'node_modules', 'astro', 'bin', 'astro.mjs');

/** Runs a command under /usr/bin/time -v: wall time, peak RSS of the largest process, and the outcome. */
function measured(label: string, command: string[], options: { cwd: string; env?: Record<string, string> }): Measure & { ok: boolean; output: string } {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-v', ...command], { cwd: options.cwd, env: { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1', ...options.env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  const peakKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1] ?? 0);
  const output = `${result.stdout}\n${result.stderr}`;
  const ok = result.status === 0;
  const measure: Measure & { ok: boolean; output: string } = { label, seconds, peakMb: peakKb / 1024, ok, output };
  if (!ok) {
    // The most telling cause first: the data store passing V8's string limit, then running out of heap.
    const reason = [/Invalid string length/, /heap out of memory/, /RangeError[^\n]*/, /\w*Error: [^\n]*/].map((pattern) => pattern.exec(output)?.[0]).find(Boolean) ?? `exit ${result.status}`;
    measure.note = `failed after ${seconds.toFixed(0)} s: ${reason}`;
  }
  return measure;
}

/** A fresh Astro project in `dir` with these source files, building into `dir/dist`. */
function writeAstroProject(dir: string, files: Record<string, string>): void {
  rmSync(dir, { recursive: true, force: true });
  const all: Record<string, string> = {
    'astro.config.mjs': `import { defineConfig } from 'astro/config';\nexport default defineConfig({ outDir: ${JSON.stringify(path.join(dir, 'dist'))}, cacheDir: ${JSON.stringify(path.join(dir, '.cache'))} });\n`,
    ...files,
  };
  for (const [file, content] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
}

/**
 * The anchor: the same site made the way Astro's documentation suggests — glob loaders for tickets and
 * messages, `render()` with Astro's Markdown renderer, one page per ticket, a paginated queue, unit pages.
 * Written into the bench folder at run time, so it is always this Astro version's default behaviour.
 */
function writeAnchorProject(dir: string, helpdesk: string): void {
  writeAstroProject(dir, {
    'src/content.config.ts': `import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { TicketSchema } from ${JSON.stringify(path.join(PROJECT_ROOT, 'lib/core/schema/ticket.ts'))};
import { MessageSchema } from ${JSON.stringify(path.join(PROJECT_ROOT, 'lib/core/schema/message.ts'))};
import { isoSeconds } from ${JSON.stringify(path.join(PROJECT_ROOT, 'lib/core/time.ts'))};
import { z } from 'astro/zod';
const base = ${JSON.stringify(path.join(helpdesk, 'tickets'))};
// Astro's YAML reader turns timestamps into Date objects; the helpdesk's schemas keep them as ISO text.
const isoText = (value) => value instanceof Date ? isoSeconds(value) : Array.isArray(value) ? value.map(isoText) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isoText(v)])) : value;
export const collections = {
  tickets: defineCollection({ loader: glob({ pattern: '*/*/index.md', base }), schema: z.preprocess(isoText, TicketSchema) }),
  messages: defineCollection({ loader: glob({ pattern: '*/*/messages/*.md', base }), schema: z.preprocess(isoText, MessageSchema) }),
};
`,
    'src/pages/tickets/[number].astro': `---
import { getCollection, render } from 'astro:content';
export async function getStaticPaths() {
  const tickets = await getCollection('tickets');
  const messages = await getCollection('messages');
  const byTicket = new Map();
  for (const m of messages) { const key = m.id.split('/')[1]; byTicket.set(key, [...(byTicket.get(key) ?? []), m]); }
  return tickets.map((t) => ({ params: { number: String(t.data.number) }, props: { ticket: t, messages: byTicket.get(String(t.data.number)) ?? [] } }));
}
const { ticket, messages } = Astro.props;
const { Content } = await render(ticket);
const rendered = await Promise.all(messages.map(async (m) => ({ m, Content: (await render(m)).Content })));
---
<html><body><h1>#{ticket.data.number} {ticket.data.title}</h1><p>{ticket.data.status} {ticket.data.priority} {ticket.data.unit}</p>
<Content />
{rendered.map(({ m, Content }) => <article><h2>{m.data.author.name} {m.data.date}</h2><Content /></article>)}
</body></html>
`,
    'src/pages/queue/[...page].astro': `---
import { getCollection } from 'astro:content';
export async function getStaticPaths({ paginate }) {
  const tickets = (await getCollection('tickets')).sort((a, b) => b.data.number - a.data.number);
  return paginate(tickets, { pageSize: 50 });
}
const { page } = Astro.props;
---
<html><body><table>{page.data.map((t) => <tr><td><a href={'/tickets/' + t.data.number + '/'}>#{t.data.number}</a></td><td>{t.data.title}</td><td>{t.data.status}</td><td>{t.data.unit}</td></tr>)}</table></body></html>
`,
    'src/pages/units/[unit].astro': `---
import { getCollection } from 'astro:content';
export async function getStaticPaths() {
  const tickets = await getCollection('tickets');
  return [...new Set(tickets.map((t) => t.data.unit))].map((unit) => ({ params: { unit }, props: { tickets: tickets.filter((t) => t.data.unit === unit) } }));
}
const { tickets } = Astro.props;
---
<html><body><ul>{tickets.map((t) => <li><a href={'/tickets/' + t.data.number + '/'}>#{t.data.number} {t.data.title}</a></li>)}</ul></body></html>
`,
  });
}

/**
 * What bounds any Astro build of this size: an Astro project whose one route makes as many pages as our
 * build wrote, each printing only its number — no content collection, no data, no layout. Its time is
 * Astro's own start-up, bundling and per-page cost on this machine.
 */
export function writeFloorProject(dir: string, pages: number): void {
  writeAstroProject(dir, {
    'src/pages/p/[n].astro': `---
export function getStaticPaths() {
  return Array.from({ length: ${pages} }, (_, n) => ({ params: { n: String(n) } }));
}
const { n } = Astro.params;
---
<html><body><p>{n}</p></body></html>
`,
  });
}

interface SiteRun {
  ours: Measure;
  anchor: Measure;
  floor: Measure;
  pages: number;
}

/** One size: our build next to the default-configuration anchor, each in its own process on the default heap. */
async function benchSiteBuild(ctx: BenchContext, tickets: number): Promise<SiteRun> {
  const helpdesk = await ctx.helpdesk(tickets, { history: true });
  const out = path.join(ctx.workdir, `site-${tickets}`);
  // A cold build: no output, no cache (moved aside, not deleted: see BenchContext.discard).
  ctx.discard(out);
  ctx.discard(path.join(helpdesk, '.astro'));
  ctx.log(`gitgus build, ${tickets} tickets`);
  const ours = measured('gitgus build (front-matter loader)', [process.execPath, LAUNCHER, 'build', '--root', helpdesk, '--out', out, '--no-search', '--json'], { cwd: PROJECT_ROOT });
  if (!ours.ok) throw new Error(`gitgus build failed on ${tickets} tickets:\n${ours.output.slice(-3000)}`);
  const pages = listFiles(out).filter((f) => f.endsWith('.html')).length;

  const anchorDir = path.join(ctx.workdir, `site-anchor-${tickets}`);
  ctx.discard(anchorDir);
  writeAnchorProject(anchorDir, helpdesk);
  ctx.log(`default Astro configuration, ${tickets} tickets`);
  const anchor = measured('default Astro glob loader + render()', [process.execPath, ASTRO, 'build', '--root', anchorDir], { cwd: anchorDir, env: { ASTRO_TELEMETRY_DISABLED: '1' } });
  ctx.discard(anchorDir);

  const floorDir = path.join(ctx.workdir, `site-floor-${tickets}`);
  ctx.discard(floorDir);
  writeFloorProject(floorDir, pages);
  ctx.log(`Astro alone, ${pages} empty pages`);
  const floor = measured(`astro build, ${pages} pages that print only their number`, [process.execPath, ASTRO, 'build', '--root', floorDir], { cwd: floorDir, env: { ASTRO_TELEMETRY_DISABLED: '1' } });
  ctx.discard(floorDir);
  return { ours: { label: ours.label, seconds: ours.seconds, peakMb: ours.peakMb ?? 0, note: `${pages} pages` }, anchor: stripRun(anchor), floor: stripRun(floor), pages };
}

function stripRun(measure: Measure & { ok?: boolean; output?: string }): Measure {
  const out: Measure = { label: measure.label, seconds: measure.ok === false ? Number.NaN : measure.seconds };
  if (measure.peakMb !== undefined) out.peakMb = measure.peakMb;
  if (measure.note !== undefined) out.note = measure.note;
  return out;
}

/** Pagefind over a built site, next to merely reading the HTML it indexes. */
async function benchSearchIndex(ctx: BenchContext, tickets: number): Promise<BenchFigure> {
  const out = path.join(ctx.workdir, `site-${tickets}`);
  const html = listFiles(out).filter((f) => f.endsWith('.html'));
  const read = await time(() => html.reduce((bytes, file) => bytes + readFileSync(file).length, 0));
  const index = await time(() => buildSearchIndex(out));
  return {
    name: `Pagefind index, ${tickets.toLocaleString('en')} tickets (${index.value} pages)`,
    figure: { label: 'pagefind (Node API)', seconds: index.seconds },
    anchor: { label: 'read the HTML', seconds: read.seconds },
  };
}

export default async function benchSite(ctx: BenchContext): Promise<BenchFigure[]> {
  const quick = ctx.sizes.large < 50_000;
  const sizes = quick ? [ctx.sizes.small, ctx.sizes.large] : [10_000, 50_000];
  const figures: BenchFigure[] = [];
  for (const tickets of sizes) {
    const run = await benchSiteBuild(ctx, tickets);
    const goal = tickets <= 10_000 ? { seconds: 15, mb: 1024, text: '≤ 15 s, ≤ 1 GB' } : { seconds: 75, mb: Number.POSITIVE_INFINITY, text: '≤ 75 s, default heap' };
    const figure: BenchFigure = { name: `site build, ${tickets.toLocaleString('en')} tickets`, figure: run.ours, anchor: run.anchor };
    if (tickets === 10_000 || tickets === 50_000) {
      figure.goal = goal.text;
      figure.met = run.ours.seconds <= goal.seconds && (run.ours.peakMb ?? 0) <= goal.mb;
    }
    figures.push(figure);
    figures.push({ name: `what bounds it: Astro alone, ${run.pages.toLocaleString('en')} empty pages`, figure: run.floor, anchor: run.ours });
    figures.push(await benchSearchIndex(ctx, tickets));
    ctx.discard(path.join(ctx.workdir, `site-${tickets}`));
  }
  return figures;
}
