/** File reads the site needs beyond lib/store/load.ts, through the same path guard. IO only. */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { isRegularInside, resolveInside } from '../../lib/fs/paths.ts';

/** Names in a folder of the helpdesk, sorted; none when the folder does not exist. */
/** Names of the regular files in a folder of the helpdesk, sorted; none when the folder does not exist or is a link. */
export function listFolder(root: string, repoPath: string): string[] {
  const dir = resolveInside(root, repoPath);
  const stat = lstatSync(dir, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
}

/**
 * The bytes of a file of the helpdesk, or undefined when it is missing — or is not a regular file at its
 * own real path (a symbolic link to /etc/passwd or to another ticket's internal note is never published).
 */
export function readBytes(root: string, repoPath: string): Uint8Array | undefined {
  return isRegularInside(root, repoPath) ? readFileSync(resolveInside(root, repoPath)) : undefined;
}
