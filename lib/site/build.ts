/**
 * Building a helpdesk's static site: `astro build` in its own process — incremental when the kept output
 * and its manifest can be reused (site/lib/incremental.ts, site/lib/manifest.ts) — then the search index
 * by ticket-number range (site/lib/search-index.ts). Shared by `gitgus build`, the tests and the bench
 * (none of them imports the command).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GitgusError } from '../errors.ts';
import { loadSettings } from '../store/load.ts';
import { ENV_BASE, ENV_NOW, ENV_OUT, ENV_PART, ENV_ROOT, siteOptions } from '../../site/lib/env.ts';
import { ENV_CODE_HASH, ENV_COMMIT, ENV_INCREMENTAL } from '../../site/lib/incremental.ts';
import { manifestPath, manifestProblem, readManifest, siteCodeHash, writeManifest } from '../../site/lib/manifest.ts';
import { updateSearchIndex } from '../../site/lib/search-index.ts';
import { runGit } from '../git/native.ts';

/** The gitgus project, where astro.config.mjs and site/ live (the helpdesk may be elsewhere). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BuildOptions {
  /** Helpdesk checkout to build (default: the one containing the current folder). */
  root: string;
  /** Output folder (default: `<root>/dist`). */
  out?: string;
  /** Reference time for colours and ages (default: the helpdesk's last data commit). */
  now?: string;
  /** Path prefix the site is served under (default: from helpdesk.yml `siteUrl`). */
  base?: string;
  /** Build the Pagefind search index after the site (default true). */
  search?: boolean;
  /** Receives Astro's and Pagefind's progress lines (default: discarded). */
  log?: (line: string) => void;
  /** Receives the one line that says a build is full and why (the command prints it). */
  say?: (line: string) => void;
  /** Render every page even when the kept output could be reused. */
  full?: boolean;
  /** Build this site part (helpdesk.yml `siteParts`) instead of the main site. */
  part?: string;
}

export interface BuildResult {
  outDir: string;
  /** The site part built (undefined: the main site). */
  part?: string;
  /** The helpdesk commit built, and the hash of the code that built it (site/lib/manifest.ts). */
  commit?: string;
  codeHash: string;
  /** Whether only changed pages were rendered, and why not when a full build was needed. */
  mode: 'full' | 'incremental';
  reason?: string;
  /** Pages rendered by this build (all of them in a full build). */
  rendered: number;
  /** Pages removed because they no longer exist. */
  removed: number;
  /** HTML pages written. */
  pages: number;
  siteSeconds: number;
  /** Undefined when the search index was not built. */
  searchSeconds?: number;
  searchPages?: number;
  /** Search index ranges (site/lib/search-index.ts), and how many this build indexed again. */
  searchRanges?: number;
  searchIndexed?: number;
}

const YOUNG_GENERATION = '--max-semi-space-size=8';
let buildCount = 0;

function astroEntry(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('astro/package.json')), 'bin', 'astro.mjs');
}

/**
 * Runs `astro build` for a helpdesk in its own process: the site code is this project's, the data is the
 * helpdesk's (passed through GITGUS_ROOT), and each build gets a fresh heap.
 */
function runAstro(options: BuildOptions, outDir: string, incremental: Record<string, string>): Promise<void> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...incremental,
    [ENV_ROOT]: options.root,
    [ENV_OUT]: outDir,
    ASTRO_TELEMETRY_DISABLED: '1',
    // Node's compile cache grows by hundreds of MB per content change (docs/spike.md).
    NODE_DISABLE_COMPILE_CACHE: process.env.NODE_DISABLE_COMPILE_CACHE ?? '1',
  };
  if (options.now) env[ENV_NOW] = options.now;
  if (options.base) env[ENV_BASE] = options.base;
  if (options.part) env[ENV_PART] = options.part;
  return new Promise((resolve, reject) => {
    // A small young generation: the build allocates many short-lived page strings, and V8's default
    // semi-spaces (sized for its large default heap) kept ~200 MB more resident at 10,000 tickets
    // (1.11 GB → 0.91 GB peak) for no measurable gain in time. The heap limit itself is untouched.
    // Astro keeps its intermediate server build in `<cwd>/.astro/.prerender` when the output folder is not
    // inside its working folder: two builds started from this project (tests, the bench, two helpdesks)
    // overwrote each other's chunks there. Each build runs from its own folder inside the project (the
    // chunks must stay where they resolve the project's node_modules), removed when the build ends.
    const workFolder = path.join(PROJECT_ROOT, '.astro', `build-${process.pid}-${(buildCount += 1)}`);
    mkdirSync(workFolder, { recursive: true });
    const child = spawn(process.execPath, [YOUNG_GENERATION, astroEntry(), 'build', '--root', PROJECT_ROOT], { cwd: workFolder, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        options.log?.(line);
        tail.push(line);
        if (tail.length > 40) tail.shift();
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => reject(new GitgusError('E_SITE_BUILD', `could not start astro: ${error.message}`, { cause: error })));
    child.on('close', (code) => {
      rmSync(workFolder, { recursive: true, force: true });
      if (code === 0) resolve();
      else reject(new GitgusError('E_SITE_BUILD', `the site build failed (astro exited with ${code}):\n${tail.join('\n')}`, { hint: 'Run `gitgus check` to find invalid tickets or units.', data: { exitCode: code } }));
    });
  });
}

/** Indexes the ticket pages (their `data-pagefind-body`) into `<out>/pagefind/`. */
export async function buildSearchIndex(outDir: string): Promise<number> {
  const pagefind = await import('pagefind');
  const { index, errors } = await pagefind.createIndex({});
  if (!index) throw new GitgusError('E_SEARCH_INDEX', `Pagefind could not start: ${errors.join('; ')}`);
  try {
    const added = await index.addDirectory({ path: outDir });
    if (added.errors.length > 0) throw new GitgusError('E_SEARCH_INDEX', `Pagefind could not index the site: ${added.errors.join('; ')}`);
    const written = await index.writeFiles({ outputPath: path.join(outDir, 'pagefind') });
    if (written.errors.length > 0) throw new GitgusError('E_SEARCH_INDEX', `Pagefind could not write its index: ${written.errors.join('; ')}`);
    return added.page_count;
  } finally {
    await pagefind.close();
  }
}

/** The device of a path, or of its nearest existing parent when it does not exist yet. */
function deviceOf(target: string): number {
  let current = path.resolve(target);
  while (!existsSync(current)) current = path.dirname(current);
  return statSync(current).dev;
}

/**
 * Astro moves its output into the output folder with rename(), which fails (EXDEV) across file systems:
 * a site built from here into another disk (`--out /srv/www/…`, a tmpfs) is built next to this project
 * first and then copied. Like Astro, the output folder is emptied first, keeping a `.git` in it.
 */
async function buildAcrossDevices(options: BuildOptions, outDir: string, incremental: Record<string, string>): Promise<void> {
  const staging = path.join(PROJECT_ROOT, '.astro', `out-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  rmSync(manifestPath(staging), { force: true });
  try {
    // The staging folder starts as a copy of the kept output, so an incremental build still renders only
    // what changed; the result is copied back.
    if (existsSync(outDir)) cpSync(outDir, staging, { recursive: true, filter: (source) => path.basename(source) !== '.git' });
    if (existsSync(manifestPath(outDir))) cpSync(manifestPath(outDir), manifestPath(staging));
    await runAstro(options, staging, incremental);
    mkdirSync(outDir, { recursive: true });
    emptyOutput(outDir);
    cpSync(staging, outDir, { recursive: true });
    cpSync(manifestPath(staging), manifestPath(outDir));
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(manifestPath(staging), { force: true });
  }
}

/** Empties an output folder like Astro does, keeping a `.git` in it (a gh-pages style checkout). */
function emptyOutput(outDir: string): void {
  if (!existsSync(outDir)) return;
  for (const name of readdirSync(outDir)) if (name !== '.git') rmSync(path.join(outDir, name), { recursive: true, force: true });
}

/** The helpdesk's HEAD commit, or undefined without Git. */
function headCommit(root: string): string | undefined {
  const result = runGit(root, ['rev-parse', '--verify', '--quiet', 'HEAD'], { allowFailure: true });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * Decides whether this build can reuse the output folder: only with a manifest of this code (site/lib/
 * manifest.ts). Otherwise the folder is emptied and every page renders, and `reason` says why.
 */
function prepareOutput(options: BuildOptions, outDir: string): { env: Record<string, string>; reason?: string } {
  const codeHash = siteCodeHash(PROJECT_ROOT, { base: options.base, search: String(options.search !== false), ...(options.part ? { part: options.part } : {}) });
  const env: Record<string, string> = { [ENV_CODE_HASH]: codeHash };
  const commit = headCommit(options.root);
  if (commit) env[ENV_COMMIT] = commit;
  const reason = options.full ? 'a full build was asked for (--full)' : manifestProblem(outDir, readManifest(outDir), codeHash);
  if (reason === undefined) return { env: { ...env, [ENV_INCREMENTAL]: '1' } };
  emptyOutput(outDir);
  rmSync(manifestPath(outDir), { force: true });
  return { env, reason };
}

/** Where a build goes by default: `dist/` for the main site, `dist-<part>/` beside it for a part. */
function defaultOut(root: string, part?: string): string {
  return path.join(root, part ? `dist-${part}` : 'dist');
}

/** Builds a helpdesk's static site (and its search index). */
export async function buildSite(options: BuildOptions): Promise<BuildResult> {
  loadSettings(options.root);
  // Names the part or refuses an unknown one (E_ARGUMENT) before anything is emptied.
  siteOptions({ [ENV_ROOT]: options.root, ...(options.part ? { [ENV_PART]: options.part } : {}) });
  const outDir = path.resolve(options.out ?? defaultOut(options.root, options.part));
  const started = performance.now();
  const { env, reason } = prepareOutput(options, outDir);
  // One line when the build cannot be incremental, saying why.
  if (reason !== undefined) options.say?.(`full build: ${reason}`);
  if (deviceOf(outDir) === deviceOf(PROJECT_ROOT)) await runAstro(options, outDir, env);
  else await buildAcrossDevices(options, outDir, env);
  const manifest = readManifest(outDir);
  const pages = manifest ? Object.values(manifest.pages).filter((page) => page.file.endsWith('.html')).length : 0;
  const result: BuildResult = {
    outDir,
    ...(options.part ? { part: options.part } : {}),
    ...(manifest?.commit ? { commit: manifest.commit } : {}),
    codeHash: manifest?.codeHash ?? env[ENV_CODE_HASH] ?? '',
    mode: reason === undefined ? 'incremental' : 'full',
    rendered: manifest?.last.rendered ?? 0,
    removed: manifest?.last.removed ?? 0,
    pages,
    siteSeconds: (performance.now() - started) / 1000,
  };
  if (reason !== undefined) result.reason = reason;
  if (options.search !== false && manifest) {
    const searchStarted = performance.now();
    const base = siteOptions({ [ENV_ROOT]: options.root, [ENV_OUT]: outDir, ...(options.base ? { [ENV_BASE]: options.base } : {}), ...(options.part ? { [ENV_PART]: options.part } : {}) }).base;
    const { ranges, result: search } = await updateSearchIndex(options.root, outDir, base, manifest);
    writeManifest(outDir, { ...manifest, search: ranges });
    result.searchPages = search.records;
    result.searchRanges = search.ranges;
    result.searchIndexed = search.indexed;
    result.searchSeconds = (performance.now() - searchStarted) / 1000;
  }
  return result;
}

/**
 * Why a site part must be built again, or undefined when its published copy is current. `published` is
 * the commit message of the part's published tip (`Commit:` and `Code:` lines, written by the Pages
 * workflow from `gitgus build --json`). A part's pages are a function of the code, helpdesk.yml, units/
 * and its own tickets, so a push that touched none of them leaves it as it is: the workflow neither builds
 * nor uploads it. (Two inputs come from outside those files and wait for the part's next build: the
 * priority colour of an open ticket in a part, which moves with the reference time, and the title of a
 * ticket outside the part that one of its tickets links to.)
 */
export function partBuildReason(options: BuildOptions & { part: string }, published: string): string | undefined {
  const { part } = siteOptions({ [ENV_ROOT]: options.root, [ENV_PART]: options.part });
  if (!part) return `no part named ${options.part}`;
  const commit = /^Commit: ([0-9a-f]{40,64})$/m.exec(published)?.[1];
  const code = /^Code: ([0-9a-f]{64})$/m.exec(published)?.[1];
  if (!commit || !code) return 'nothing of it is published yet';
  const codeHash = siteCodeHash(PROJECT_ROOT, { base: options.base, search: String(options.search !== false), part: options.part });
  if (code !== codeHash) return 'the site code, its dependencies or the build settings changed';
  if (runGit(options.root, ['cat-file', '-e', `${commit}^{commit}`], { allowFailure: true }).status !== 0) return `it was published from ${commit.slice(0, 12)}, which is not in this history`;
  const changed = runGit(options.root, ['diff', '--name-only', '-z', '--no-renames', commit, 'HEAD', '--', 'helpdesk.yml', 'units', 'tickets']).stdout.split('\0');
  for (const file of changed) {
    if (file === 'helpdesk.yml' || file.startsWith('units/')) return `${file} changed`;
    const number = Number(/^tickets\/[^/]+\/(\d+)\//.exec(file)?.[1]);
    if (number >= part.tickets.from && number <= part.tickets.to) return `ticket #${number} changed`;
  }
  return undefined;
}
