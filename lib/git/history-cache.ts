/**
 * Every ticket's events (lib/git/history-index.ts) kept in a cache file keyed by commit, so a build after
 * one new commit reads that commit, not 20 years of history (the full walk takes ~48 s at 165,000
 * tickets).
 *
 * The cache holds the events up to one commit (its tip). On the next read:
 * - the tip is HEAD: the cached events are the answer;
 * - the tip is an ancestor of HEAD: only `tip..HEAD` is walked and its events are appended per ticket;
 * - anything else (history rewritten, the tip gone, another cache version, a torn file): a full walk.
 * Events are a pure function of the commits, so a commit's events never change once read; an appended
 * walk equals a full walk as long as every new commit is newer than the tip (Git's walk order is by
 * date), which is checked, and a new commit older than the tip falls back to the full walk too.
 *
 * @example
 * const { events, walk } = await readTicketEventsCached(dir, path.join(dir, '.astro/gitgus/history.bin'));
 * // walk: 'cached' | 'appended' | 'full'
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { TicketEvent } from '../core/events.ts';
import { readTicketEvents } from './history-index.ts';
import { runGit } from './native.ts';

/** Bump when the shape of events (lib/core/events.ts) or of this file changes. */
export const HISTORY_CACHE_VERSION = 1;

interface CacheFile {
  version: number;
  /** The commit the events reach (inclusive). */
  tip: string;
  /** Its committer time (seconds), to check that appended commits are newer. */
  tipTime: number;
  /** An extra key the caller chooses (e.g. a hash of the event code); another key is a miss. */
  key: string;
  events: [number, TicketEvent[]][];
}

export type HistoryWalk = 'cached' | 'appended' | 'full';

export interface CachedEvents {
  events: Map<number, TicketEvent[]>;
  /** How the answer was made. */
  walk: HistoryWalk;
  /** The commit the events reach; undefined when the folder has no commits. */
  tip: string | undefined;
  /** Why a full walk was needed (absent for cached/appended). */
  reason?: string;
}

function headOf(dir: string): { commit: string; time: number } | undefined {
  const result = runGit(dir, ['log', '-1', '--format=%H %ct', 'HEAD'], { allowFailure: true });
  if (result.status !== 0 || result.stdout.trim() === '') return undefined;
  const [commit = '', time = '0'] = result.stdout.trim().split(' ');
  return { commit, time: Number(time) };
}

function readCache(file: string): CacheFile | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const value = deserialize(readFileSync(file)) as CacheFile;
    return typeof value === 'object' && value !== null && Array.isArray(value.events) ? value : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, content: CacheFile): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // Write then rename: a stopped build leaves the old cache or the new one, never half of one.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, serialize(content));
  renameSync(temporary, file);
}

/** The oldest committer time among `since..until`, or undefined when the range is empty. */
function oldestCommitTime(dir: string, since: string, until: string): number | undefined {
  const result = runGit(dir, ['log', '--format=%ct', `${since}..${until}`]);
  const times = result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map(Number);
  return times.length === 0 ? undefined : Math.min(...times);
}

function isAncestor(dir: string, older: string, newer: string): boolean {
  return runGit(dir, ['merge-base', '--is-ancestor', older, newer], { allowFailure: true }).status === 0;
}

function commitExists(dir: string, commit: string): boolean {
  return runGit(dir, ['cat-file', '-e', `${commit}^{commit}`], { allowFailure: true }).status === 0;
}

/** Why a cache cannot be extended to HEAD, or undefined when it can. */
function invalidReason(dir: string, cache: CacheFile | undefined, key: string): string | undefined {
  if (!cache) return 'no history cache';
  if (cache.version !== HISTORY_CACHE_VERSION) return `history cache of version ${cache.version}, this is ${HISTORY_CACHE_VERSION}`;
  if (cache.key !== key) return 'history cache made by other code';
  if (!commitExists(dir, cache.tip)) return `cached commit ${cache.tip.slice(0, 12)} is gone (history rewritten)`;
  if (!isAncestor(dir, cache.tip, 'HEAD')) return `cached commit ${cache.tip.slice(0, 12)} is not an ancestor of HEAD (history rewritten)`;
  return undefined;
}

/**
 * Every ticket's events up to HEAD, oldest first per ticket — the same answer as `readTicketEvents(dir)` —
 * from the cache file when it can be trusted, extended by the new commits, and written back.
 */
export async function readTicketEventsCached(dir: string, cacheFile: string, key = ''): Promise<CachedEvents> {
  const head = headOf(dir);
  if (!head) return { events: new Map(), walk: 'full', tip: undefined, reason: 'no commits' };
  const cache = readCache(cacheFile);
  let reason = invalidReason(dir, cache, key);
  if (cache && reason === undefined) {
    if (cache.tip === head.commit) return { events: new Map(cache.events), walk: 'cached', tip: head.commit };
    const oldest = oldestCommitTime(dir, cache.tip, head.commit);
    if (oldest !== undefined && oldest < cache.tipTime) reason = 'a new commit is dated before the cached one';
    else {
      const events = new Map(cache.events);
      const added = await readTicketEvents(dir, { since: cache.tip, until: head.commit });
      for (const [ticket, list] of added) {
        const known = events.get(ticket);
        events.set(ticket, known ? [...known, ...list] : list);
      }
      writeCache(cacheFile, { version: HISTORY_CACHE_VERSION, tip: head.commit, tipTime: head.time, key, events: [...events] });
      return { events, walk: 'appended', tip: head.commit };
    }
  }
  const events = await readTicketEvents(dir, { until: head.commit });
  writeCache(cacheFile, { version: HISTORY_CACHE_VERSION, tip: head.commit, tipTime: head.time, key, events: [...events] });
  return { events, walk: 'full', tip: head.commit, reason: reason ?? 'no history cache' };
}
