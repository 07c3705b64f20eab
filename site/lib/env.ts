/**
 * Which helpdesk the site is built from, and where it goes. `gitgus build` sets these variables; a plain
 * `npx astro build` in this project builds the bundled example helpdesk into ./dist.
 */
import path from 'node:path';
import { loadSettings } from '../../lib/store/load.ts';

export interface SiteOptions {
  /** Absolute path of the helpdesk checkout (the folder holding helpdesk.yml). */
  root: string;
  /** Absolute path of the output folder. */
  outDir: string;
  /** The helpdesk's public address (helpdesk.yml `siteUrl`), for feeds and absolute links. */
  siteUrl: string;
  /** Path prefix the site is served under, from `siteUrl` unless GITGUS_BASE says otherwise. */
  base: string;
}

export const ENV_ROOT = 'GITGUS_ROOT';
export const ENV_OUT = 'GITGUS_OUT';
export const ENV_BASE = 'GITGUS_BASE';
/** The time colours and ages are computed at (ISO); defaults to the helpdesk's last data commit. */
export const ENV_NOW = 'GITGUS_NOW';

export function helpdeskRootFrom(env: Record<string, string | undefined>): string {
  return path.resolve(env[ENV_ROOT] ?? process.cwd());
}

export function siteOptions(env: Record<string, string | undefined>): SiteOptions {
  const root = helpdeskRootFrom(env);
  const settings = loadSettings(root);
  const outDir = path.resolve(env[ENV_OUT] ?? path.join(root, 'dist'));
  const base = normalizeBase(env[ENV_BASE] ?? new URL(settings.siteUrl).pathname);
  return { root, outDir, siteUrl: settings.siteUrl, base };
}

function normalizeBase(base: string): string {
  const trimmed = base.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '/' : `/${trimmed}/`;
}
