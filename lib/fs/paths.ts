/**
 * Turning repository paths into file-system paths, refusing any that would leave the helpdesk root
 * (a Message-ID or attachment name from a mail must never write outside its ticket folder).
 */
import path from 'node:path';
import { GitgusError } from '../errors.ts';

export function resolveInside(root: string, repoPath: string): string {
  if (repoPath.includes('\0') || path.isAbsolute(repoPath) || repoPath.split(/[\\/]/).some((part) => part === '..')) {
    throw new GitgusError('E_PATH_ESCAPE', `refusing path outside the helpdesk: ${JSON.stringify(repoPath)}`, { data: { path: repoPath } });
  }
  const absoluteRoot = path.resolve(root);
  const full = path.resolve(absoluteRoot, repoPath);
  if (full !== absoluteRoot && !full.startsWith(absoluteRoot + path.sep)) {
    throw new GitgusError('E_PATH_ESCAPE', `refusing path outside the helpdesk: ${JSON.stringify(repoPath)}`, { data: { path: repoPath } });
  }
  return full;
}
