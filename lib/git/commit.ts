/**
 * gitgus's ONE native Git write path. Every writer commits through here: mail intake (single mail and
 * batch, Maildir, IMAP), GitHub intake, tick, and the ticket-changing commands (reply, set, assign,
 * route, relate, …). Each commit goes through the same five steps:
 *
 *   1. objects  — `git fast-import` builds blobs, trees and commits from the parent in C
 *                 (lib/git/fast-import.ts). No ref moves.
 *   2. intent   — the paths the commits touch are written to `.git/gitgus-intent` BEFORE the branch moves.
 *   3. publish  — `git update-ref <branch> <new> <old>`: an atomic compare-and-swap under Git's ref lock.
 *                 A commit another writer made in between makes it fail (E_GIT_RACE); nothing moved then.
 *   4. follow   — the work tree and Git's index get the committed content of those paths.
 *   5. done     — the intent file is removed.
 *
 * A kill at any instant leaves the branch at <old> or at <new>, never in between, and the next writer's
 * `repairCheckout` (run by guardCheckout, lib/git/guard.ts) makes the intent's paths in the work tree and
 * index equal to whatever the branch holds, so they are clean again. The intent is written before the
 * branch moves on purpose: a journal written after it lags the commit, and a kill in that gap left
 * staged deletions of message files that no later run repaired (issue 12).
 *
 * The other Git processes, and what each is for: `git cat-file --batch` reads (lib/git/cat-file.ts),
 * `git push`/`fetch`/`reset` move between this checkout and origin (lib/git/push.ts), and
 * `refs/gitgus/notify` is written by its own compare-and-swap of a one-file commit (lib/notify/state.ts).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, rmdirSync, statSync, writeFileSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { formatCommitMessage, type CommitMessage } from '../core/commit-message.ts';
import { GitgusError } from '../errors.ts';
import { faultPoint } from '../fault.ts';
import { resolveInside } from '../fs/paths.ts';
import { FastImportWriter } from './fast-import.ts';
import { guardCheckout } from './guard.ts';
import { gitDir, runGit } from './native.ts';

export interface FileChange {
  /** Repository path with `/`. */
  path: string;
  /** New content; `null` deletes the file. */
  content: string | Uint8Array | null;
}

interface CommitOptions {
  dir: string;
  changes: FileChange[];
  message: CommitMessage;
  author: { name: string; email: string };
  /** Commit time; defaults to now. Generators pass historical times. */
  date?: Date;
  /** Refresh Git's index for the changed paths (default true). */
  updateIndex?: boolean;
}

const ZERO_OID = '0000000000000000000000000000000000000000';
const INTENT_FILE = 'gitgus-intent';

interface Intent {
  ref: string;
  old: string | undefined;
  new: string;
  paths: string[];
}

function intentPath(dir: string): string {
  return path.join(gitDir(dir), INTENT_FILE);
}

/** Written through a rename, so a kill never leaves half an intent. */
function writeIntent(dir: string, intent: Intent): void {
  const file = intentPath(dir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(intent)}\n`);
  renameSync(`${file}.tmp`, file);
}

/**
 * Puts the paths of an interrupted write back to what the branch holds, in the work tree and in Git's
 * index (the branch moved or it did not: either way these paths then match it). Returns the paths
 * repaired; none when no write was interrupted.
 */
export function repairCheckout(dir: string): string[] {
  const file = intentPath(dir);
  rmSync(`${file}.tmp`, { force: true });
  if (!existsSync(file)) return [];
  let intent: Intent;
  try {
    intent = JSON.parse(readFileSync(file, 'utf8')) as Intent;
  } catch {
    rmSync(file, { force: true });
    return [];
  }
  const paths = intent.paths.filter((repoPath) => {
    try {
      resolveInside(dir, repoPath);
      return true;
    } catch {
      return false;
    }
  });
  if (paths.length > 0) {
    const head = runGit(dir, ['rev-parse', '--verify', '--quiet', 'HEAD'], { allowFailure: true }).stdout.trim();
    const present = new Set<string>();
    if (head !== '') {
      const check = runGit(dir, ['cat-file', '--batch-check=%(objecttype)'], { input: paths.map((repoPath) => `HEAD:${repoPath}\n`).join('') }).stdout.split('\n');
      paths.forEach((repoPath, at) => {
        if (check[at] === 'blob') present.add(repoPath);
      });
    }
    if (present.size > 0) {
      runGit(dir, ['--literal-pathspecs', 'checkout', '-f', 'HEAD', '--pathspec-from-file=-', '--pathspec-file-nul'], { input: [...present].map((repoPath) => `${repoPath}\0`).join('') });
    }
    const absent = paths.filter((repoPath) => !present.has(repoPath));
    for (const repoPath of absent) {
      const full = resolveInside(dir, repoPath);
      rmSync(full, { force: true });
      removeEmptyParents(dir, path.dirname(full));
    }
    if (absent.length > 0) runGit(dir, ['update-index', '--force-remove', '-z', '--stdin'], { input: absent.map((repoPath) => `${repoPath}\0`).join('') });
  }
  rmSync(file, { force: true });
  return paths;
}

interface PublishOptions {
  /** The branch (full ref name). */
  ref: string;
  /** The tip the commits were built on (undefined: the branch has no commit yet). */
  parent: string | undefined;
  /** The new tip. */
  tip: string;
  /** What the commits wrote, path → content (null: deleted), for the work tree and index. */
  files: ReadonlyMap<string, string | Uint8Array | null>;
  /** Refresh Git's index for these paths (default true). */
  updateIndex?: boolean;
  /** The reflog line. */
  reason: string;
}

/**
 * Steps 2–5: moves `ref` from `parent` to `tip` by compare-and-swap and makes the work tree and index
 * follow. Throws E_GIT_RACE, moving nothing, when the branch is no longer at `parent`.
 */
export function publishCommits(dir: string, options: PublishOptions): void {
  const paths = [...options.files.keys()];
  for (const repoPath of paths) resolveInside(dir, repoPath);
  faultPoint('objects-written');
  writeIntent(dir, { ref: options.ref, old: options.parent, new: options.tip, paths });
  faultPoint('before-ref-update');
  const swap = runGit(dir, ['update-ref', '-m', options.reason.replace(/\n/g, ' ').slice(0, 200), options.ref, options.tip, options.parent ?? ZERO_OID], { allowFailure: true });
  if (swap.status !== 0) {
    rmSync(intentPath(dir), { force: true });
    const found = runGit(dir, ['rev-parse', '--verify', '--quiet', options.ref], { allowFailure: true }).stdout.trim();
    throw new GitgusError('E_GIT_RACE', `${options.ref} moved while committing; retry on the new tip`, { data: { expected: options.parent, found, detail: swap.stderr.trim() } });
  }
  faultPoint('after-ref-update');
  let written = 0;
  for (const [repoPath, content] of options.files) {
    const full = resolveInside(dir, repoPath);
    if (content === null) {
      rmSync(full, { force: true });
      removeEmptyParents(dir, path.dirname(full));
    } else {
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
    written += 1;
    if (written === Math.ceil(paths.length / 2)) faultPoint('worktree');
  }
  if (options.updateIndex !== false) syncIndex(dir, paths);
  rmSync(intentPath(dir), { force: true });
}

/**
 * Commits `changes` on the current branch and writes them to the working tree. Returns the new commit id.
 * Throws E_GIT_RACE when the branch moved while the commit was being built (another writer won).
 */
export async function commitChanges(options: CommitOptions): Promise<string> {
  const { dir, changes } = options;
  if (changes.length === 0) throw new GitgusError('E_NOTHING_TO_COMMIT', 'nothing to commit: the change set is empty');
  for (const change of changes) resolveInside(dir, change.path);
  // Shared with the enclosing writer of this process (withChangeContext, the intake session), which took it
  // before reading; waits for another process's.
  const guard = guardCheckout(dir, 'gitgus commit');
  try {
    if (guard.repaired.length > 0) {
      // Taken here first, the lock repaired files the caller may already have read in their stale state:
      // committing now could write an interrupted change back to its old value. Refuse; a rerun reads the repaired files.
      throw new GitgusError('E_STALE_READ', `an interrupted earlier write was repaired (${guard.repaired.slice(0, 3).join(', ')}) after this change was prepared from the files; nothing was committed`, {
        hint: 'Run the command again: it now reads the repaired files. (A writer must take the lock before reading: withChangeContext, lib/store/change-context.ts.)',
      });
    }
    const writer = FastImportWriter.start(dir);
    writer.commit({ changes, message: options.message, author: options.author, date: options.date ?? new Date() });
    const [tip] = await writer.close();
    if (tip === undefined) throw new GitgusError('E_GIT', 'git fast-import wrote no commit');
    const trees = runGit(dir, ['rev-parse', `${tip}^{tree}`, ...(writer.parent ? [`${writer.parent}^{tree}`] : [])]).stdout.split('\n');
    if (writer.parent && trees[0] === trees[1]) throw new GitgusError('E_NOTHING_TO_COMMIT', 'nothing to commit: the files already have this content');
    const files = new Map<string, string | Uint8Array | null>(changes.map((change) => [change.path, change.content]));
    publishCommits(dir, { ref: writer.ref, parent: writer.parent, tip, files, ...(options.updateIndex === undefined ? {} : { updateIndex: options.updateIndex }), reason: `gitgus: ${formatCommitMessage(options.message).split('\n')[0] ?? ''}` });
    return tip;
  } finally {
    guard.release();
  }
}

function removeEmptyParents(root: string, start: string): void {
  let dir = start;
  const top = path.resolve(root);
  while (dir.startsWith(top + path.sep)) {
    try {
      if (readdirSync(dir).length > 0) return;
      rmdirSync(dir);
    } catch {
      return;
    }
    dir = path.dirname(dir);
  }
}

/** An index this large is written split (see syncIndex); ~6,000 tickets' worth of entries. */
const SPLIT_INDEX_BYTES = 4 * 1024 * 1024;
const splitChecked = new Set<string>();

/**
 * A large checkout gets `core.splitIndex=true` in its own config, once: Git then writes only the changed
 * entries to `.git/index` and keeps the rest in a shared index it rewrites now and then
 * (splitIndex.maxPercentChange), instead of rewriting the whole 124 MB index of a 165,000-ticket helpdesk
 * for each message. A checkout whose owner set core.splitIndex either way is left as it is.
 */
function preferSplitIndex(dir: string): void {
  if (splitChecked.has(dir)) return;
  splitChecked.add(dir);
  let size = 0;
  try {
    size = statSync(path.join(gitDir(dir), 'index')).size;
  } catch {
    return;
  }
  if (size < SPLIT_INDEX_BYTES) return;
  if (runGit(dir, ['config', '--get', 'core.splitIndex'], { allowFailure: true }).stdout.trim() !== '') return;
  runGit(dir, ['config', 'core.splitIndex', 'true']);
}

/**
 * Makes Git's index match the working tree for `paths` (added, changed or deleted) with native
 * `git update-index`: it rewrites the index in C, measured 10× faster than isomorphic-git's `add` (the path it replaced) at
 * 60,000 files (0.05 s vs 0.5 s); a large index is written split (preferSplitIndex). bench/intake.ts has
 * the figures at 165,000 tickets.
 */
function syncIndex(dir: string, paths: string[]): void {
  if (paths.length === 0) return;
  for (const repoPath of paths) resolveInside(dir, repoPath);
  preferSplitIndex(dir);
  runGit(dir, ['update-index', '--add', '--remove', '-z', '--stdin'], { input: paths.map((repoPath) => `${repoPath}\0`).join('') });
}
