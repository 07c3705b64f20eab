/**
 * The files of a helpdesk checkout with the Git blob id of what is on disk now, from Git's index instead of
 * reading every file: `git ls-files -s` gives the id of each tracked file, and `git ls-files -m -d -o`
 * names the few that differ from the index (edited, deleted, new), which are read and hashed here.
 * A blob id is a hash of the content, so anything keyed by it (the check's verdicts, the site's ticket
 * digests) can never be stale. At 165,000 tickets (~990,000 files) this costs about a second where reading
 * every file costs minutes.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { runGit } from './native.ts';

/** Git's id of a blob with these bytes (`git hash-object`). */
export function blobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function isWorkTree(root: string): boolean {
  const result = runGit(root, ['rev-parse', '--show-prefix'], { allowFailure: true });
  // The helpdesk must be the top of its work tree: paths below are relative to it.
  return result.status === 0 && result.stdout.trim() === '';
}

function nulList(text: string): string[] {
  return text.split('\0').filter((entry) => entry !== '');
}

/**
 * Repository path → blob id of the file as it is on disk, for every file under `prefixes` (tracked or
 * new, not ignored); `link:<id>` for a symbolic link. Undefined when `root` is not the top of a Git work tree (the caller then reads the
 * files). Paths use `/`.
 */
export function listFilesWithBlobs(root: string, prefixes: readonly string[]): Map<string, string> | undefined {
  if (!isWorkTree(root)) return undefined;
  const files = new Map<string, string>();
  const staged = runGit(root, ['ls-files', '-s', '-z', '--', ...prefixes]).stdout;
  for (const entry of nulList(staged)) {
    // `<mode> <blob> <stage>\t<path>`
    const tab = entry.indexOf('\t');
    const [mode = '', blob = ''] = entry.slice(0, tab).split(' ');
    // A symbolic link (120000) is listed with a `link:` id, so whoever reads it meets it (and refuses it)
    // and no verdict of a regular file with the same bytes is ever taken for it; submodules are skipped.
    if (mode.startsWith('100')) files.set(entry.slice(tab + 1), blob);
    else if (mode === '120000') files.set(entry.slice(tab + 1), `link:${blob}`);
  }
  const dirty = runGit(root, ['ls-files', '-m', '-d', '-o', '--exclude-standard', '-z', '--', ...prefixes]).stdout;
  for (const file of new Set(nulList(dirty))) {
    const full = path.join(root, file);
    // lstat: a symbolic link is not followed out of the checkout.
    const stat = lstatSync(full, { throwIfNoEntry: false });
    if (stat?.isFile()) files.set(file, blobId(readFileSync(full)));
    else if (stat?.isSymbolicLink()) files.set(file, `link:${blobId(Buffer.from(readlinkSync(full)))}`);
    else files.delete(file);
  }
  return files;
}

/**
 * Repository path → blob id of every file under `prefixes` as committed at `rev` (`git ls-tree -r`): the
 * same shape as `listFilesWithBlobs`, without looking at the work tree (no lstat of any file).
 */
export function listCommittedFilesWithBlobs(root: string, rev: string, prefixes: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  const listed = runGit(root, ['ls-tree', '-r', '-z', '--full-tree', rev, '--', ...prefixes]).stdout;
  for (const entry of nulList(listed)) {
    // `<mode> <type> <id>\t<path>`
    const tab = entry.indexOf('\t');
    const [mode = '', , blob = ''] = entry.slice(0, tab).split(' ');
    if (mode.startsWith('100')) files.set(entry.slice(tab + 1), blob);
    else if (mode === '120000') files.set(entry.slice(tab + 1), `link:${blob}`);
  }
  return files;
}
