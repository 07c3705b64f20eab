/**
 * Which helpdesk the site is built from, and where it goes. `gitgus build` sets these variables; a plain
 * `npx astro build` in this project builds the bundled example helpdesk into ./dist.
 */
import path from 'node:path';
import { GitgusError } from '../../lib/errors.ts';
import type { SitePart } from '../../lib/core/site-parts.ts';
import { loadSettings } from '../../lib/store/load.ts';

interface SiteOptions {
  /** Absolute path of the helpdesk checkout (the folder holding helpdesk.yml). */
  root: string;
  /** Absolute path of the output folder. */
  outDir: string;
  /** The helpdesk's public address (helpdesk.yml `siteUrl`), for feeds and absolute links. */
  siteUrl: string;
  /** Path prefix the site is served under, from `siteUrl` (a part: its `url`) unless GITGUS_BASE says otherwise. */
  base: string;
  /** The site part this build makes (helpdesk.yml `siteParts`, GITGUS_PART); undefined for the main site. */
  part?: SitePart;
  /** Every part (empty without `siteParts`). */
  parts: SitePart[];
  /** Path prefix of the main site: `base` in the main build, the path of `siteUrl` in a part's. */
  mainBase: string;
}

export const ENV_ROOT = 'GITGUS_ROOT';
export const ENV_OUT = 'GITGUS_OUT';
export const ENV_BASE = 'GITGUS_BASE';
/** The name of the site part to build (helpdesk.yml `siteParts`); unset: the main site. */
export const ENV_PART = 'GITGUS_PART';
/** The time colours and ages are computed at (ISO); defaults to the helpdesk's last data commit. */
export const ENV_NOW = 'GITGUS_NOW';

export function helpdeskRootFrom(env: Record<string, string | undefined>): string {
  return path.resolve(env[ENV_ROOT] ?? process.cwd());
}

export function siteOptions(env: Record<string, string | undefined>): SiteOptions {
  const root = helpdeskRootFrom(env);
  const settings = loadSettings(root);
  const outDir = path.resolve(env[ENV_OUT] ?? path.join(root, 'dist'));
  const parts = settings.siteParts ?? [];
  const wanted = env[ENV_PART];
  const part = wanted === undefined || wanted === '' ? undefined : parts.find((candidate) => candidate.name === wanted);
  if (wanted !== undefined && wanted !== '' && !part) {
    throw new GitgusError('E_ARGUMENT', `helpdesk.yml has no site part named '${wanted}'`, { hint: parts.length === 0 ? 'Add siteParts to helpdesk.yml first (see the README, "Site parts").' : `Parts: ${parts.map((p) => p.name).join(', ')}.` });
  }
  const mainBase = normalizeBase(new URL(settings.siteUrl).pathname);
  const base = normalizeBase(env[ENV_BASE] ?? (part ? new URL(part.url).pathname : mainBase));
  const options: SiteOptions = { root, outDir, siteUrl: settings.siteUrl, base, parts, mainBase: part ? mainBase : base };
  if (part) options.part = part;
  return options;
}

function normalizeBase(base: string): string {
  const trimmed = base.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '/' : `/${trimmed}/`;
}
