/**
 * The manifest kept beside a built site (`<out>.gitgus.json`): which code built it, from which commit,
 * and every output page with its key (site/lib/page-keys.ts) and file. The next build renders only the
 * pages whose key changed, removes the files of pages that are gone, and falls back to a full build when
 * the manifest cannot be trusted (missing, another version, other code, an output file missing).
 *
 * Every output file is a pure function of (code hash, its page's key), so an incremental build writes
 * the same bytes as a cold build of the same commit.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const MANIFEST_VERSION = 1;

export interface ManifestPage {
  /** The page's key; absent for pages rendered every time. */
  key?: string;
  /** Output file, relative to the output folder. */
  file: string;
}

export interface SearchRange {
  /** First ticket number of the range. */
  from: number;
  /** A hash of the records indexed for it. */
  key: string;
  /** Index files written for it, relative to the output folder. */
  files: string[];
}

export interface SiteManifest {
  version: number;
  codeHash: string;
  /** The helpdesk commit the output was built from (undefined without Git). */
  commit?: string;
  /** Pathname → page. */
  pages: Record<string, ManifestPage>;
  /** The search index's ranges (site/lib/search-index.ts); absent when it was not built. */
  search?: SearchRange[];
  /** What the last build did. */
  last: { mode: 'full' | 'incremental'; rendered: number; removed: number; reason?: string };
}

/** Where the manifest of an output folder lives: beside it, so the folder itself is exactly the site. */
export function manifestPath(outDir: string): string {
  return `${path.resolve(outDir)}.gitgus.json`;
}

export function readManifest(outDir: string): SiteManifest | undefined {
  const file = manifestPath(outDir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SiteManifest;
  } catch {
    return undefined;
  }
}

export function writeManifest(outDir: string, manifest: SiteManifest): void {
  const file = manifestPath(outDir);
  const temporary = `${file}.${process.pid}.tmp`;
  // Pages in path order: the same build writes the same manifest.
  const pages = Object.fromEntries(Object.entries(manifest.pages).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  writeFileSync(temporary, `${JSON.stringify({ ...manifest, pages })}\n`);
  renameSync(temporary, file);
}

function hashTree(hash: ReturnType<typeof createHash>, root: string, relative: string): void {
  const full = path.join(root, relative);
  if (!existsSync(full)) return;
  if (statSync(full).isFile()) {
    hash.update(relative).update('\0').update(readFileSync(full)).update('\0');
    return;
  }
  for (const name of readdirSync(full).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    hashTree(hash, root, path.join(relative, name));
  }
}

/**
 * A hash of everything besides the data that decides the output: the site's and the library's code, the
 * Astro config, the locked dependency versions, Node's version, and the build's settings (base path).
 * Another hash means a full build.
 */
export function siteCodeHash(projectRoot: string, settings: Record<string, string | undefined>): string {
  const hash = createHash('sha256').update(`manifest ${MANIFEST_VERSION}\0node ${process.version}\0${JSON.stringify(settings)}\0`);
  for (const part of ['astro.config.mjs', 'package-lock.json', 'site', 'lib']) hashTree(hash, projectRoot, part);
  return hash.digest('hex');
}

/** The output file of a page's pathname (`format: 'directory'`): endpoints keep their name. */
export function outputFile(pathname: string, endpoint: boolean): string {
  const clean = pathname.replace(/^\/+/, '');
  if (endpoint) return clean;
  return clean === '' ? 'index.html' : `${clean.replace(/\/+$/, '')}/index.html`;
}

/** Why an output folder and its manifest cannot be reused for `codeHash`, or undefined when they can. */
export function manifestProblem(outDir: string, manifest: SiteManifest | undefined, codeHash: string): string | undefined {
  if (!manifest) return existsSync(manifestPath(outDir)) ? 'the manifest is unreadable' : 'no manifest of an earlier build';
  if (manifest.version !== MANIFEST_VERSION) return `the manifest is of version ${manifest.version}, this build writes ${MANIFEST_VERSION}`;
  if (manifest.codeHash !== codeHash) return 'the site code, its dependencies or the build settings changed';
  for (const page of Object.values(manifest.pages)) {
    if (!existsSync(path.join(outDir, page.file))) return `the output lacks ${page.file}`;
  }
  return undefined;
}
