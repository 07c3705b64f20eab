/**
 * What a pull request changes, read with native git: the paths that differ between the merge base with
 * `<base>` and the head (a commit, or the working tree), and the text of any path on either side.
 * `git diff --name-status` compares trees without opening unchanged files, so the cost follows the size
 * of the change, not of the helpdesk.
 */
import { readFileSync } from 'node:fs';
import { GitgusError } from '../errors.ts';
import { resolveInside } from '../fs/paths.ts';
import { BlobReader } from './cat-file.ts';
import { runGit } from './native.ts';

export interface PathChange {
  path: string;
  status: 'A' | 'M' | 'D';
  /** Git's file mode on the head side (`100644`, `100755`, `120000` symlink, `160000` submodule); absent when deleted. */
  mode?: string;
}

/** The full id of a commit named by `ref`; E_GIT_REF with the fix when there is none. */
export function resolveCommit(dir: string, ref: string, what: string): string {
  const result = runGit(dir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { allowFailure: true });
  if (result.status !== 0) {
    throw new GitgusError('E_GIT_REF', `${what} '${ref}' is not a commit in this repository`, {
      hint: 'Fetch it first (in GitHub Actions: actions/checkout with fetch-depth: 0, or git fetch origin <base branch>).',
    });
  }
  return result.stdout.trim();
}

/** The commit the change starts from: the merge base of `base` and the head, as GitHub compares a pull request. */
export function changeBase(dir: string, base: string, head: string | undefined): string {
  const baseOid = resolveCommit(dir, base, 'base');
  const headOid = resolveCommit(dir, head ?? 'HEAD', 'head');
  const mergeBase = runGit(dir, ['merge-base', baseOid, headOid], { allowFailure: true });
  if (mergeBase.status !== 0) throw new GitgusError('E_GIT_REF', `'${base}' and '${head ?? 'HEAD'}' share no history`, { hint: 'Pass the branch the pull request goes into as --base.' });
  return mergeBase.stdout.trim();
}

/** `git diff --raw -z`: `:<old mode> <new mode> <old oid> <new oid> <status>\0<path>\0` per change. */
function parseRaw(output: string): PathChange[] {
  const parts = output.split('\0');
  const out: PathChange[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const [, newMode = '', , , code = ''] = (parts[i] as string).replace(/^:/, '').split(' ');
    const path = parts[i + 1] as string;
    const status = code.startsWith('A') ? 'A' : code.startsWith('D') ? 'D' : 'M';
    out.push({ path, status, ...(status === 'D' ? {} : { mode: newMode }) });
  }
  return out;
}

/**
 * Paths that differ between commit `from` and `head` (a commit), or the working tree when `head` is
 * undefined (untracked files count as added; ignored ones do not).
 */
export function changedPaths(dir: string, from: string, head: string | undefined): PathChange[] {
  // --raw carries the modes, so a symlink or submodule entry cannot pass for a file.
  const diff = runGit(dir, ['diff', '--raw', '-z', '--no-renames', '--no-ext-diff', '--no-abbrev', from, ...(head ? [head] : []), '--']);
  const changes = parseRaw(diff.stdout);
  if (head === undefined) {
    const untracked = runGit(dir, ['ls-files', '-z', '--others', '--exclude-standard']).stdout.split('\0').filter(Boolean);
    changes.push(...untracked.map((path) => ({ path, status: 'A' as const, mode: '100644' })));
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Files under `folder` at a commit (e.g. every unit file at the base). */
export function listFiles(dir: string, commit: string, folder: string): string[] {
  return runGit(dir, ['ls-tree', '-z', '--name-only', '--full-tree', `${commit}:${folder}`], { allowFailure: true })
    .stdout.split('\0')
    .filter(Boolean)
    .map((name) => `${folder}/${name}`);
}

/** Reads paths on both sides: `<commit>:<path>` through one cat-file process, the working tree from disk. */
export class TreeReader {
  private readonly reader: BlobReader;
  private readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
    this.reader = new BlobReader(dir);
  }

  /** The path's text at `commit`, or in the working tree when `commit` is undefined; undefined when absent. */
  read(commit: string | undefined, path: string): Promise<string | undefined> {
    if (commit !== undefined) return this.reader.readIfPresent(`${commit}:${path}`);
    try {
      return Promise.resolve(readFileSync(resolveInside(this.dir, path), 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return Promise.resolve(undefined);
      throw error;
    }
  }

  /** Sends the queued reads; await them after this. */
  flush(): void {
    this.reader.flush();
  }

  close(): void {
    this.reader.close();
  }

  get failed(): Promise<never> {
    return this.reader.failed;
  }
}
