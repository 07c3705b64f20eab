/**
 * Committing a change set in-process with isomorphic-git.
 *
 * The commit is built from trees, not through the index: only the trees on the changed paths are read
 * and rewritten (a handful of small objects thanks to sharding), so the cost does not grow with the
 * helpdesk. isomorphic-git's `add` + `commit` rewrites the whole index (~200 ms per commit at 10k files).
 * The index is refreshed afterwards for just the changed paths, or left to `syncIndex` after a batch.
 */
import fs from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import { formatCommitMessage, type CommitMessage } from '../core/commit-message.ts';
import { GitgusError } from '../errors.ts';
import { resolveInside } from '../fs/paths.ts';

export interface FileChange {
  /** Repository path with `/`. */
  path: string;
  /** New content; `null` deletes the file. */
  content: string | Uint8Array | null;
}

export interface CommitOptions {
  dir: string;
  changes: FileChange[];
  message: CommitMessage;
  author: { name: string; email: string };
  /** Commit time; defaults to now. Generators pass historical times. */
  date?: Date;
  /** Refresh the index for the changed paths (default). Batch jobs pass false and call `syncIndex` once. */
  updateIndex?: boolean;
  /** isomorphic-git object cache, shared across commits of one run. */
  cache?: object;
}

type TreeEntry = { mode: string; path: string; oid: string; type: 'blob' | 'tree' | 'commit' };

function toBytes(content: string | Uint8Array): Uint8Array {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
}

/** Writes the tree at `oid` with `changes` (paths relative to it) applied; undefined when it ends empty. */
async function rewriteTree(dir: string, cache: object, oid: string | undefined, changes: Map<string, string | null>): Promise<string | undefined> {
  const entries = new Map<string, TreeEntry>();
  if (oid) {
    const { tree } = await git.readTree({ fs, dir, oid, cache });
    for (const entry of tree) entries.set(entry.path, entry);
  }
  const nested = new Map<string, Map<string, string | null>>();
  for (const [changePath, blob] of changes) {
    const slash = changePath.indexOf('/');
    if (slash < 0) {
      if (blob === null) entries.delete(changePath);
      else entries.set(changePath, { mode: '100644', path: changePath, oid: blob, type: 'blob' });
      continue;
    }
    const head = changePath.slice(0, slash);
    const group = nested.get(head) ?? new Map<string, string | null>();
    group.set(changePath.slice(slash + 1), blob);
    nested.set(head, group);
  }
  for (const [name, group] of nested) {
    const existing = entries.get(name);
    if (existing && existing.type !== 'tree') throw new GitgusError('E_GIT', `cannot write inside ${name}: it is a file in the repository`);
    const subtree = await rewriteTree(dir, cache, existing?.oid, group);
    if (subtree === undefined) entries.delete(name);
    else entries.set(name, { mode: '040000', path: name, oid: subtree, type: 'tree' });
  }
  if (entries.size === 0) return undefined;
  return git.writeTree({ fs, dir, tree: [...entries.values()] });
}

async function currentBranchRef(dir: string): Promise<string> {
  const branch = await git.currentBranch({ fs, dir, fullname: true });
  if (!branch) throw new GitgusError('E_GIT_DETACHED', 'HEAD is detached: gitgus commits only onto a branch.', { hint: 'Run `git switch main` first.' });
  return branch;
}

async function headOid(dir: string, ref: string): Promise<string | undefined> {
  try {
    return await git.resolveRef({ fs, dir, ref });
  } catch (error) {
    if ((error as { code?: string }).code === 'NotFoundError') return undefined;
    throw error;
  }
}

/**
 * Commits `changes` on the current branch and writes them to the working tree. Returns the new commit id.
 * Throws E_GIT_RACE when the branch moved while the commit was being built (another writer won).
 */
export async function commitChanges(options: CommitOptions): Promise<string> {
  const { dir, changes } = options;
  if (changes.length === 0) throw new GitgusError('E_NOTHING_TO_COMMIT', 'nothing to commit: the change set is empty');
  const cache = options.cache ?? {};
  for (const change of changes) resolveInside(dir, change.path);

  const ref = await currentBranchRef(dir);
  const parent = await headOid(dir, ref);
  const baseTree = parent ? (await git.readCommit({ fs, dir, oid: parent, cache })).commit.tree : undefined;

  const blobs = new Map<string, string | null>();
  for (const change of changes) {
    blobs.set(change.path, change.content === null ? null : await git.writeBlob({ fs, dir, blob: toBytes(change.content) }));
  }
  const tree = (await rewriteTree(dir, cache, baseTree, blobs)) ?? (await git.writeTree({ fs, dir, tree: [] }));
  if (tree === baseTree) throw new GitgusError('E_NOTHING_TO_COMMIT', 'nothing to commit: the files already have this content');

  const when = options.date ?? new Date();
  const signature = {
    name: options.author.name,
    email: options.author.email,
    timestamp: Math.floor(when.getTime() / 1000),
    timezoneOffset: 0,
  };
  const oid = await git.writeCommit({
    fs,
    dir,
    commit: { message: formatCommitMessage(options.message), tree, parent: parent ? [parent] : [], author: signature, committer: signature },
  });

  // Compare-and-swap on the branch: refuse to overwrite a commit someone else made meanwhile.
  const now = await headOid(dir, ref);
  if (now !== parent) throw new GitgusError('E_GIT_RACE', `${ref} moved while committing; retry on the new tip`, { data: { expected: parent, found: now } });
  await git.writeRef({ fs, dir, ref, value: oid, force: true });

  await writeWorkingTree(dir, changes);
  if (options.updateIndex !== false) await syncIndex(dir, changes.map((change) => change.path), cache);
  return oid;
}

async function writeWorkingTree(dir: string, changes: FileChange[]): Promise<void> {
  for (const change of changes) {
    const full = resolveInside(dir, change.path);
    if (change.content === null) {
      await rm(full, { force: true });
      removeEmptyParents(dir, path.dirname(full));
    } else {
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, toBytes(change.content));
    }
  }
}

function removeEmptyParents(root: string, start: string): void {
  let dir = start;
  const top = path.resolve(root);
  while (dir.startsWith(top + path.sep)) {
    try {
      if (fs.readdirSync(dir).length > 0) return;
      fs.rmdirSync(dir);
    } catch {
      return;
    }
    dir = path.dirname(dir);
  }
}

/** Makes the index match the working tree for `paths` (added, changed or deleted), in one index write. */
async function syncIndex(dir: string, paths: string[], cache: object = {}): Promise<void> {
  const present: string[] = [];
  for (const repoPath of paths) {
    if (fs.existsSync(resolveInside(dir, repoPath))) present.push(repoPath);
    else await git.remove({ fs, dir, filepath: repoPath, cache });
  }
  if (present.length > 0) await git.add({ fs, dir, filepath: present, cache });
}
