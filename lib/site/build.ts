/**
 * Building a helpdesk's static site: `astro build` in its own process, then the Pagefind index. Shared by
 * `gitgus build`, the tests and the bench (none of them imports the command).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GitgusError } from '../errors.ts';
import { loadSettings } from '../store/load.ts';
import { ENV_BASE, ENV_NOW, ENV_OUT, ENV_ROOT } from '../../site/lib/env.ts';

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
}

export interface BuildResult {
  outDir: string;
  /** HTML pages written. */
  pages: number;
  siteSeconds: number;
  /** Undefined when the search index was not built. */
  searchSeconds?: number;
  searchPages?: number;
}

const YOUNG_GENERATION = '--max-semi-space-size=8';

function astroEntry(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('astro/package.json')), 'bin', 'astro.mjs');
}

function countHtml(dir: string): number {
  let count = 0;
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) count += countHtml(full);
    else if (name.endsWith('.html')) count += 1;
  }
  return count;
}

/**
 * Runs `astro build` for a helpdesk in its own process: the site code is this project's, the data is the
 * helpdesk's (passed through GITGUS_ROOT), and each build gets a fresh heap.
 */
function runAstro(options: BuildOptions, outDir: string): Promise<void> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    [ENV_ROOT]: options.root,
    [ENV_OUT]: outDir,
    ASTRO_TELEMETRY_DISABLED: '1',
    // Node's compile cache grows by hundreds of MB per content change (research/spike.md).
    NODE_DISABLE_COMPILE_CACHE: process.env.NODE_DISABLE_COMPILE_CACHE ?? '1',
  };
  if (options.now) env[ENV_NOW] = options.now;
  if (options.base) env[ENV_BASE] = options.base;
  return new Promise((resolve, reject) => {
    // A small young generation: the build allocates many short-lived page strings, and V8's default
    // semi-spaces (sized for its large default heap) kept ~200 MB more resident at 10,000 tickets
    // (1.11 GB → 0.91 GB peak) for no measurable gain in time. The heap limit itself is untouched.
    const child = spawn(process.execPath, [YOUNG_GENERATION, astroEntry(), 'build', '--root', PROJECT_ROOT], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
async function buildAcrossDevices(options: BuildOptions, outDir: string): Promise<void> {
  const staging = path.join(PROJECT_ROOT, '.astro', `out-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    await runAstro(options, staging);
    mkdirSync(outDir, { recursive: true });
    for (const name of readdirSync(outDir)) if (name !== '.git') rmSync(path.join(outDir, name), { recursive: true, force: true });
    cpSync(staging, outDir, { recursive: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Builds a helpdesk's static site (and its search index). */
export async function buildSite(options: BuildOptions): Promise<BuildResult> {
  loadSettings(options.root);
  const outDir = path.resolve(options.out ?? path.join(options.root, 'dist'));
  const started = performance.now();
  if (deviceOf(outDir) === deviceOf(PROJECT_ROOT)) await runAstro(options, outDir);
  else await buildAcrossDevices(options, outDir);
  const result: BuildResult = { outDir, pages: existsSync(outDir) ? countHtml(outDir) : 0, siteSeconds: (performance.now() - started) / 1000 };
  if (options.search !== false) {
    const searchStarted = performance.now();
    result.searchPages = await buildSearchIndex(outDir);
    result.searchSeconds = (performance.now() - searchStarted) / 1000;
  }
  return result;
}
