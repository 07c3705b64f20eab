/**
 * Turning repository paths into file-system paths, refusing any that would leave the helpdesk root
 * (a Message-ID or attachment name from a mail must never write outside its ticket folder).
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, realpathSync } from 'node:fs';
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

/** Not a regular file, or reached through a link: helpdesk data is regular files at their own path only. */
export function notRegular(repoPath: string, what: string): GitgusError {
  return new GitgusError('E_NOT_REGULAR_FILE', `refusing ${JSON.stringify(repoPath)}: ${what}; helpdesk data is read from regular files only, so nothing can point outside its ticket folder`, {
    data: { path: repoPath },
    hint: 'Replace the link with the file itself (gitgus check --base refuses symbolic links and submodules in pull requests).',
  });
}

/**
 * Reads a helpdesk file, refusing a symbolic link as its last part (O_NOFOLLOW: no extra system call) and
 * anything but a regular file. Folders on the way are guarded where they are listed (listTicketFolders).
 */
export function readRegularFile(root: string, repoPath: string): Buffer {
  const full = resolveInside(root, repoPath);
  let fd: number;
  try {
    fd = openSync(full, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw notRegular(repoPath, 'it is a symbolic link');
    throw error;
  }
  try {
    if (!fstatSync(fd).isFile()) throw notRegular(repoPath, 'it is not a regular file');
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether `repoPath` is a regular file whose real path is exactly where it claims to be: no symbolic link
 * in any part of it (a linked files/ folder or ticket folder counts). For what is published byte for byte.
 */
export function isRegularInside(root: string, repoPath: string): boolean {
  const full = resolveInside(root, repoPath);
  try {
    if (!lstatSync(full).isFile()) return false;
    return realpathSync(full) === path.join(realpathSync(root), ...repoPath.split('/'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
}
