/**
 * Every ticket's events (lib/git/history-index.ts) kept in a cache keyed by commit, one file per ticket
 * shard, so a build after one new commit reads that commit and rewrites the shard it touched, not 20
 * years of history (the full walk takes ~60 s at 165,000 tickets; one file for everything was 366 MB,
 * read and rewritten on every append: 18.5 s).
 *
 * Layout, beside `cacheFile` (the tip file):
 * - `cacheFile`: small; the version, the caller's key, the commit the events reach (the tip) and, per
 *   shard (`tickets/<shard>/`), the name of the file holding that shard's events;
 * - `<cacheFile>.shards/<shard>-<commit>.v8`: one shard's events, written at that commit. A shard file is
 *   never rewritten in place: an append writes the touched shards under the new commit's name, then the
 *   tip file (write + rename), then removes the files the tip no longer names. A stopped build leaves
 *   the old tip with its own files or the new tip with its own, never a mix.
 *
 * On the next read:
 * - the tip is HEAD: the cached events are the answer;
 * - the tip is an ancestor of HEAD: only `tip..HEAD` is walked; its events are appended per ticket to the
 *   shards they touch;
 * - anything else (history rewritten, the tip gone, another cache version or key, a torn or missing file):
 *   a full walk.
 * Events are a pure function of the commits, so a commit's events never change once read; an appended
 * walk equals a full walk as long as every new commit is newer than the tip (Git's walk order is by
 * date), which is checked, and a new commit older than the tip falls back to the full walk too.
 *
 * @example
 * const { events, walk } = await readTicketEventsCached(dir, path.join(dir, '.astro/gitgus/history.bin'));
 * // walk: 'cached' | 'appended' | 'full'
 * const one = await readTicketEventsCached(dir, cacheFile, key, { tickets: [165048] }); // reads one shard file
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { TicketEvent } from '../core/events.ts';
import { shardOf } from '../core/paths.ts';
import { readTicketEvents } from './history-index.ts';
import { runGit } from './native.ts';

/** Bump when the shape of events (lib/core/events.ts) or of these files changes. */
const HISTORY_CACHE_VERSION = 2;

/** The tip file: what the cache holds and where. */
interface TipFile {
  version: number;
  /** The commit the events reach (inclusive). */
  tip: string;
  /** Its committer time (seconds), to check that appended commits are newer. */
  tipTime: number;
  /** An extra key the caller chooses (e.g. a hash of the event code); another key is a miss. */
  key: string;
  /** Shard number → the commit its file was written at (its name: `<shard>-<commit>.v8`). */
  shards: [number, string][];
}

/** One shard's file. */
interface ShardFile {
  version: number;
  shard: number;
  events: [number, TicketEvent[]][];
}

type HistoryWalk = 'cached' | 'appended' | 'full';

interface CachedEvents {
  /** Ticket → events, oldest first; only the asked-for tickets when `tickets` was given. */
  events: Map<number, TicketEvent[]>;
  /** How the answer was made. */
  walk: HistoryWalk;
  /** The commit the events reach; undefined when the folder has no commits. */
  tip: string | undefined;
  /** Why a full walk was needed (absent for cached/appended). */
  reason?: string;
  /** The shards whose files this read wrote (every shard for a full walk). */
  written: number[];
}

interface CachedEventsOptions {
  /** Only these tickets' events: their shard files are read, no others. Default: every ticket. */
  tickets?: readonly number[];
}

function headOf(dir: string): { commit: string; time: number } | undefined {
  const result = runGit(dir, ['log', '-1', '--format=%H %ct', 'HEAD'], { allowFailure: true });
  if (result.status !== 0 || result.stdout.trim() === '') return undefined;
  const [commit = '', time = '0'] = result.stdout.trim().split(' ');
  return { commit, time: Number(time) };
}

function shardsDir(cacheFile: string): string {
  return `${cacheFile}.shards`;
}

function shardFileName(shard: number, commit: string): string {
  return `${shard}-${commit}.v8`;
}

function readTip(file: string): TipFile | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const value = deserialize(readFileSync(file)) as TipFile;
    return typeof value === 'object' && value !== null && typeof value.tip === 'string' && (value.version !== HISTORY_CACHE_VERSION || Array.isArray(value.shards)) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** One shard's events from its file, or undefined when the file is missing, torn or not that shard's. */
function readShard(cacheFile: string, shard: number, commit: string): Map<number, TicketEvent[]> | undefined {
  try {
    const value = deserialize(readFileSync(path.join(shardsDir(cacheFile), shardFileName(shard, commit)))) as ShardFile;
    if (typeof value !== 'object' || value === null || value.version !== HISTORY_CACHE_VERSION || value.shard !== shard || !Array.isArray(value.events)) return undefined;
    return new Map(value.events);
  } catch {
    return undefined;
  }
}

// Write then rename: a stopped build leaves the old file or the new one, never half of one.
function writeAtomically(file: string, bytes: Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, file);
}

function writeShard(cacheFile: string, shard: number, commit: string, events: Map<number, TicketEvent[]>): void {
  const content: ShardFile = { version: HISTORY_CACHE_VERSION, shard, events: [...events] };
  writeAtomically(path.join(shardsDir(cacheFile), shardFileName(shard, commit)), serialize(content));
}

/** Writes the tip file (the moment the new shard files count), then removes the files it no longer names. */
function commitTip(cacheFile: string, tip: TipFile): void {
  writeAtomically(cacheFile, serialize(tip));
  const named = new Set(tip.shards.map(([shard, commit]) => shardFileName(shard, commit)));
  for (const name of readdirSync(shardsDir(cacheFile))) {
    if (!named.has(name)) rmSync(path.join(shardsDir(cacheFile), name), { force: true });
  }
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
function invalidReason(dir: string, cache: TipFile | undefined, key: string): string | undefined {
  if (!cache) return 'no history cache';
  if (cache.version !== HISTORY_CACHE_VERSION) return `history cache of version ${cache.version}, this is ${HISTORY_CACHE_VERSION}`;
  if (cache.key !== key) return 'history cache made by other code';
  if (!commitExists(dir, cache.tip)) return `cached commit ${cache.tip.slice(0, 12)} is gone (history rewritten)`;
  if (!isAncestor(dir, cache.tip, 'HEAD')) return `cached commit ${cache.tip.slice(0, 12)} is not an ancestor of HEAD (history rewritten)`;
  return undefined;
}

function groupByShard(events: Map<number, TicketEvent[]>): Map<number, Map<number, TicketEvent[]>> {
  const shards = new Map<number, Map<number, TicketEvent[]>>();
  for (const [ticket, list] of events) {
    const shard = shardOf(ticket);
    let group = shards.get(shard);
    if (!group) shards.set(shard, (group = new Map<number, TicketEvent[]>()));
    group.set(ticket, list);
  }
  return shards;
}

/** The answer for the asked-for tickets (or all), from shards in memory first, else their files. */
function answerOf(cacheFile: string, tip: TipFile, inMemory: Map<number, Map<number, TicketEvent[]>>, options: CachedEventsOptions): Map<number, TicketEvent[]> | undefined {
  const wanted = options.tickets === undefined ? undefined : new Set(options.tickets);
  const wantedShards = wanted === undefined ? undefined : new Set([...wanted].map(shardOf));
  const events = new Map<number, TicketEvent[]>();
  for (const [shard, commit] of tip.shards) {
    if (wantedShards && !wantedShards.has(shard)) continue;
    const group: Map<number, TicketEvent[]> | undefined = inMemory.get(shard) ?? readShard(cacheFile, shard, commit);
    if (!group) return undefined;
    for (const [ticket, list] of group) if (!wanted || wanted.has(ticket)) events.set(ticket, list);
  }
  return events;
}

async function fullWalk(dir: string, cacheFile: string, key: string, head: { commit: string; time: number }, reason: string, options: CachedEventsOptions): Promise<CachedEvents> {
  const all = await readTicketEvents(dir, { until: head.commit });
  const shards = groupByShard(all);
  mkdirSync(shardsDir(cacheFile), { recursive: true });
  for (const [shard, group] of shards) writeShard(cacheFile, shard, head.commit, group);
  const tip: TipFile = { version: HISTORY_CACHE_VERSION, tip: head.commit, tipTime: head.time, key, shards: [...shards.keys()].sort((a, b) => a - b).map((shard) => [shard, head.commit]) };
  commitTip(cacheFile, tip);
  const events = options.tickets === undefined ? all : (answerOf(cacheFile, tip, shards, options) as Map<number, TicketEvent[]>);
  return { events, walk: 'full', tip: head.commit, reason, written: [...shards.keys()].sort((a, b) => a - b) };
}

/**
 * Every ticket's events up to HEAD, oldest first per ticket — the same answer as `readTicketEvents(dir)`
 * (or, with `tickets`, as `readTicketEvents(dir, { tickets })`) — from the cache when it can be trusted,
 * extended by the new commits, and written back.
 */
export async function readTicketEventsCached(dir: string, cacheFile: string, key = '', options: CachedEventsOptions = {}): Promise<CachedEvents> {
  const head = headOf(dir);
  if (!head) return { events: new Map(), walk: 'full', tip: undefined, reason: 'no commits', written: [] };
  const cache = readTip(cacheFile);
  let reason = invalidReason(dir, cache, key);
  if (cache && reason === undefined) {
    if (cache.tip === head.commit) {
      const events = answerOf(cacheFile, cache, new Map<number, Map<number, TicketEvent[]>>(), options);
      if (events) return { events, walk: 'cached', tip: head.commit, written: [] };
      reason = 'a history cache shard file is missing or torn';
    } else {
      const oldest = oldestCommitTime(dir, cache.tip, head.commit);
      if (oldest !== undefined && oldest < cache.tipTime) reason = 'a new commit is dated before the cached one';
      else {
        const added = groupByShard(await readTicketEvents(dir, { since: cache.tip, until: head.commit }));
        const files = new Map(cache.shards);
        const touched = new Map<number, Map<number, TicketEvent[]>>();
        let torn = false;
        for (const [shard, group] of added) {
          const known = files.has(shard) ? readShard(cacheFile, shard, files.get(shard) as string) : new Map<number, TicketEvent[]>();
          if (!known) {
            torn = true;
            break;
          }
          for (const [ticket, list] of group) {
            const before = known.get(ticket);
            known.set(ticket, before ? [...before, ...list] : list);
          }
          touched.set(shard, known);
        }
        if (torn) reason = 'a history cache shard file is missing or torn';
        else {
          mkdirSync(shardsDir(cacheFile), { recursive: true });
          for (const [shard, group] of touched) {
            writeShard(cacheFile, shard, head.commit, group);
            files.set(shard, head.commit);
          }
          const tip: TipFile = { version: HISTORY_CACHE_VERSION, tip: head.commit, tipTime: head.time, key, shards: [...files].sort(([a], [b]) => a - b) };
          commitTip(cacheFile, tip);
          const events = answerOf(cacheFile, tip, touched, options);
          if (events) return { events, walk: 'appended', tip: head.commit, written: [...touched.keys()].sort((a, b) => a - b) };
          reason = 'a history cache shard file is missing or torn';
        }
      }
    }
  }
  return fullWalk(dir, cacheFile, key, head, reason ?? 'no history cache', options);
}
