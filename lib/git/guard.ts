/**
 * One gitgus writer per checkout at a time, and the clean-up after one that was killed.
 *
 * `guardCheckout` takes `.git/gitgus.lock` (created exclusively, holding the writer's pid). A lock whose
 * process no longer exists was left by a killed writer: it is taken over, and what that writer can have
 * left behind is cleaned up, saying so —
 *   - Git's own lock files (`index.lock`, `HEAD.lock`, `refs/**\/*.lock`, `packed-refs.lock`), once they
 *     stay untouched for a moment (a Git child of the killed writer may still be finishing);
 *   - `objects/pack/tmp_*` and `.tmp-*` files of a killed `git fast-import`, `index-pack` or repack, and
 *     fast-import's crash reports, so they never pile up;
 *   - a write interrupted between its intent and its end (lib/git/commit.ts repairCheckout).
 * A live holder is waited for, with backoff, up to a time bound; then E_BUSY (exit status 75, "try later").
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitgusError } from '../errors.ts';
import { repairCheckout } from './commit.ts';
import { gitDir } from './native.ts';
import { isoSeconds } from '../core/time.ts';

export const RUN_LOCK = 'gitgus.lock';

export interface CheckoutGuard {
  /** What was repaired or removed, one line each, for the run's log. */
  notes: string[];
  /** The work-tree paths an interrupted write had left and taking this lock repaired (none for a shared lock). */
  repaired: string[];
  release(): void;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Holder {
  pid: number;
  host: string;
  started: string;
  what: string;
}

function readHolder(file: string): Holder | undefined {
  try {
    const [pid, host, started, ...what] = readFileSync(file, 'utf8').trim().split(' ');
    return { pid: Number(pid), host: host ?? '', started: started ?? '', what: what.join(' ') };
  } catch {
    return undefined;
  }
}

/** Stale: its process is gone (same machine), or it is older than six hours (another machine). */
function stale(holder: Holder | undefined, file: string): boolean {
  if (holder === undefined || !Number.isSafeInteger(holder.pid)) {
    // Half-written by a writer killed right after creating it.
    try {
      return Date.now() - statSync(file).mtimeMs > 2000;
    } catch {
      return true;
    }
  }
  if (holder.host === os.hostname()) return !alive(holder.pid);
  return Date.now() - Date.parse(holder.started) > 6 * 3600 * 1000;
}

/** Git lock files anywhere a writer of ours takes one. */
function gitLockFiles(git: string): string[] {
  const found: string[] = [];
  for (const name of ['index.lock', 'HEAD.lock', 'packed-refs.lock', 'config.lock', 'shallow.lock', 'FETCH_HEAD.lock', 'ORIG_HEAD.lock']) {
    if (existsSync(path.join(git, name))) found.push(path.join(git, name));
  }
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.lock')) found.push(full);
    }
  };
  walk(path.join(git, 'refs'));
  return found;
}

/** Temporary files of killed pack writers; `olderThanMs` spares those of a Git process still running. */
export function orphanedTempFiles(git: string, olderThanMs: number): string[] {
  const now = Date.now();
  const out: string[] = [];
  const pack = path.join(git, 'objects', 'pack');
  const candidates = [
    ...(existsSync(pack)
      ? readdirSync(pack)
          .filter((name) => name.startsWith('tmp_') || name.startsWith('.tmp-'))
          .map((name) => path.join(pack, name))
      : []),
    ...readdirSync(git)
      .filter((name) => name.startsWith('fast_import_crash_'))
      .map((name) => path.join(git, name)),
  ];
  for (const file of candidates) {
    try {
      if (now - statSync(file).mtimeMs >= olderThanMs) out.push(file);
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** Waits (bounded) for Git lock files to go quiet, then removes those still there. */
function removeStaleGitLocks(git: string, notes: string[]): void {
  const quietMs = 1500;
  const deadline = Date.now() + 10_000;
  for (const lock of gitLockFiles(git)) {
    for (;;) {
      let mtime: number;
      try {
        mtime = statSync(lock).mtimeMs;
      } catch {
        break;
      }
      if (Date.now() - mtime >= quietMs || Date.now() > deadline) {
        rmSync(lock, { force: true });
        notes.push(`removed the stale Git lock ${path.relative(git, lock)} left by a killed writer`);
        break;
      }
      sleepSync(200);
    }
  }
}

interface GuardOptions {
  /** How long to wait for another live writer of this checkout (default 120 s, GITGUS_LOCK_WAIT_SECONDS). */
  waitSeconds?: number;
}

/** Guards this process holds, by lock file: a writer nested in another (tick's commits) shares its lock. */
const held = new Map<string, { count: number }>();

/** Takes the checkout's writer lock, cleaning up after a killed writer; see the file comment. */
export function guardCheckout(dir: string, what: string, options: GuardOptions = {}): CheckoutGuard {
  const git = gitDir(dir);
  const file = path.join(git, RUN_LOCK);
  const notes: string[] = [];
  const mine = held.get(file);
  if (mine) {
    mine.count += 1;
    let open = true;
    return {
      notes,
      repaired: [],
      release: () => {
        if (!open) return;
        open = false;
        mine.count -= 1;
        if (mine.count === 0) held.delete(file);
        if (mine.count === 0) rmSync(file, { force: true });
      },
    };
  }
  const waitSeconds = options.waitSeconds ?? Number(process.env.GITGUS_LOCK_WAIT_SECONDS ?? '120');
  const deadline = Date.now() + waitSeconds * 1000;
  let delay = 50;
  let tookOver = false;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid} ${os.hostname()} ${isoSeconds(Date.now())} ${what.replace(/\s+/g, ' ')}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(file);
    if (stale(holder, file)) {
      rmSync(file, { force: true });
      notes.push(`took over the writer lock of ${holder ? `process ${holder.pid} (${holder.what}, started ${holder.started})` : 'a writer'}, which no longer runs`);
      tookOver = true;
      continue;
    }
    if (Date.now() + delay > deadline) {
      throw new GitgusError('E_BUSY', `another gitgus writer (process ${holder?.pid ?? '?'}: ${holder?.what ?? 'unknown'}) holds ${path.relative(dir, file)} for over ${waitSeconds} s`, {
        data: { holder },
        hint: 'Nothing was read or written; run again later. If no gitgus runs, run `gitgus doctor --fix`.',
      });
    }
    sleepSync(delay * (0.5 + Math.random() * 0.5));
    delay = Math.min(delay * 2, 2000);
  }
  const entry = { count: 1 };
  held.set(file, entry);
  const onExit = () => {
    if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true });
  };
  process.on('exit', onExit);
  let open = true;
  const release = () => {
    if (!open) return;
    open = false;
    entry.count -= 1;
    if (entry.count > 0) return;
    held.delete(file);
    process.off('exit', onExit);
    onExit();
  };
  let repaired: string[] = [];
  try {
    if (tookOver) removeStaleGitLocks(git, notes);
    // A killed writer's temp packs go at once; anyone else's only once an hour old (it may still run).
    for (const temp of orphanedTempFiles(git, tookOver ? 0 : 3600_000)) {
      rmSync(temp, { force: true, recursive: true });
      notes.push(`removed ${path.relative(git, temp)}, a temporary file of a killed Git process`);
    }
    repaired = repairCheckout(dir);
    if (repaired.length > 0) notes.push(`repaired ${repaired.length} file${repaired.length === 1 ? '' : 's'} in the work tree and index that an interrupted write had left (${repaired.slice(0, 3).join(', ')}${repaired.length > 3 ? ', …' : ''})`);
  } catch (error) {
    release();
    throw error;
  }
  return { notes, repaired, release };
}
