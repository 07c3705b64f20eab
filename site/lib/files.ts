/** File reads the site needs beyond lib/store/load.ts, through the same path guard. IO only. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolveInside } from '../../lib/fs/paths.ts';

/** Names in a folder of the helpdesk, sorted; none when the folder does not exist. */
export function listFolder(root: string, repoPath: string): string[] {
  const dir = resolveInside(root, repoPath);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** The bytes of a file of the helpdesk, or undefined when it is missing. */
export function readBytes(root: string, repoPath: string): Uint8Array | undefined {
  const file = resolveInside(root, repoPath);
  return existsSync(file) ? readFileSync(file) : undefined;
}
