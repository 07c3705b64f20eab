/**
 * Every ticket's history as events, in ONE pass over native Git — never one `git log` per ticket
 * (isomorphic-git needs 12–200 s per file on a large repository; docs/design.md §7).
 *
 * Mechanism, chosen by measurement (bench/review.ts `benchHistory`):
 * - `git log -z --raw --no-renames -- tickets` streams each commit with the blob ids of every changed
 *   ticket file; nothing is diffed inside Git.
 * - One `git cat-file --batch` process, fed while the log is still streaming, returns the contents of just
 *   the blobs the events need: `index.md` before and after, and added message files.
 * - The log walks newest first, so the "before" version of a change is the "after" version of the next
 *   (older) change to the same ticket: each version is read once and dropped when the ticket's creation is
 *   reached. Memory stays proportional to the tickets whose life spans the point of the walk, not to the
 *   helpdesk.
 * - Only the front-matter blocks whose text changed are parsed (lib/core/events.ts).
 *
 * @example
 * const events = await readTicketEvents('/path/to/helpdesk');
 * for (const event of events.get(165048) ?? []) console.log(event.time, event.type);
 *
 * @example
 * // Notifications: what happened since the last run, oldest first.
 * const log = await readEventLog(dir, { since: lastNotifiedCommit });
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseTrailers } from '../core/commit-message.ts';
import { parseSettings } from '../core/documents.ts';
import { commitEvents, FrontMatter, ticketFileKind, trustedTrailers, type CommitInfo, type TicketEvent, type TicketFileChange } from '../core/events.ts';
import { SETTINGS_FILE, ticketDir } from '../core/paths.ts';
import { GitgusError } from '../errors.ts';
import { BlobReader, gitFailure, spawnGit } from './cat-file.ts';
import { runGit } from './native.ts';
import { isoSeconds } from '../core/time.ts';

interface ReadEventsOptions {
  /** Only commits after this one (exclusive): `since..until`. A commit id, branch or tag. */
  since?: string;
  /** The newest commit to read (default `HEAD`). */
  until?: string;
  /** Only these tickets' events (default: every ticket). */
  tickets?: readonly number[];
  /**
   * Committer addresses whose trailers are believed (events.ts trustedTrailers); default: the helpdesk's
   * `sender` from its helpdesk.yml, or every commit's when `dir` has no readable settings (not a helpdesk).
   */
  writers?: readonly string[];
}

/** The helpdesk's own writer identity: its `sender` (what intake, tick and notify commit as). */
function defaultWriters(dir: string): string[] | undefined {
  try {
    return [parseSettings(readFileSync(path.join(dir, SETTINGS_FILE), 'utf8'), SETTINGS_FILE).sender];
  } catch {
    return undefined;
  }
}

/** Pathspecs cost Git a match per path; past this many tickets, walk `tickets/` and filter here. */
const MAX_TICKET_PATHSPECS = 200;
/** Pause the log while this many commits wait for blob contents (bounded memory on huge histories). */
const MAX_PENDING_COMMITS = 4000;

const NUL = 0;
const RECORD = '\x1e';
const FIELD = '\x1f';
const FORMAT = `--format=${RECORD}%H${FIELD}%an${FIELD}%ae${FIELD}%aI${FIELD}%(trailers:only,unfold)${FIELD}%cn${FIELD}%ce${FIELD}`;
const ZERO_OID = /^0+$/;

interface RawChange {
  path: string;
  status: 'A' | 'M' | 'D';
  oldOid: string;
  newOid: string;
}

interface LogControl {
  /** Called after each chunk of log output has been handed out: the moment to send the blob requests. */
  afterChunk?: () => void;
  pause?: () => void;
  resume?: () => void;
  stop?: () => void;
}

function parseHeader(token: string): CommitInfo {
  const [commit = '', name = '', email = '', time = '', trailers = '', committerName = '', committerEmail = ''] = token.slice(token.indexOf(RECORD) + 1).split(FIELD);
  return { commit, time: isoSeconds(new Date(time)), author: { name, email }, committer: { name: committerName, email: committerEmail }, trailers: parseTrailers(trailers) };
}

/**
 * Reads the raw log as a stream of commits and hands each one to `onCommit` with its ticket-file changes.
 * Resolves when the log ends. `pause`/`resume` give the consumer back-pressure.
 */
function streamLog(dir: string, args: string[], onCommit: (info: CommitInfo, changes: RawChange[]) => void, control: LogControl): Promise<void> {
  const child = spawnGit(dir, args);
  child.stdin?.end();
  const failed = gitFailure(child, 'git log');
  control.pause = () => child.stdout?.pause();
  control.resume = () => child.stdout?.resume();
  control.stop = () => {
    if (child.exitCode === null) child.kill();
  };
  let current: { info: CommitInfo; changes: RawChange[] } | undefined;
  let pendingStatus: { status: string; oldOid: string; newOid: string } | undefined;
  let rest: Buffer = Buffer.alloc(0);

  const token = (text: string) => {
    if (pendingStatus) {
      const { status, oldOid, newOid } = pendingStatus;
      pendingStatus = undefined;
      if (current && (status === 'A' || status === 'M' || status === 'D')) current.changes.push({ path: text, status, oldOid, newOid });
      return;
    }
    const start = text.startsWith('\n') ? 1 : 0;
    if (text.charAt(start) === RECORD) {
      if (current) onCommit(current.info, current.changes);
      current = { info: parseHeader(text), changes: [] };
    } else if (text.charAt(start) === ':') {
      // `:100644 100644 <old> <new> M`
      const parts = text.slice(start + 1).split(' ');
      pendingStatus = { oldOid: parts[2] ?? '', newOid: parts[3] ?? '', status: (parts[4] ?? '').charAt(0) };
    }
  };

  const done = new Promise<void>((resolve) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      let data = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
      let at = data.indexOf(NUL);
      while (at >= 0) {
        token(data.toString('utf8', 0, at));
        data = data.subarray(at + 1);
        at = data.indexOf(NUL);
      }
      rest = Buffer.from(data);
      control.afterChunk?.();
    });
    child.on('close', (code) => {
      if (code !== 0) return;
      if (rest.length > 0) token(rest.toString('utf8'));
      if (current) onCommit(current.info, current.changes);
      resolve();
    });
  });
  return Promise.race([done, failed]);
}

function hasCommits(dir: string, ref: string): boolean {
  return runGit(dir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { allowFailure: true }).status === 0;
}

function logArgs(options: ReadEventsOptions): { args: string[]; keep?: Set<number> } {
  const until = options.until ?? 'HEAD';
  const range = options.since ? `${options.since}..${until}` : until;
  const tickets = options.tickets;
  const narrow = tickets !== undefined && tickets.length <= MAX_TICKET_PATHSPECS;
  // A pathspec makes Git simplify history per path, which doubled the walk here; the whole walk is
  // filtered in Node instead. A few tickets are worth it: Git then skips most commits.
  const paths = narrow ? tickets.map((n) => ticketDir(n)) : [];
  const args = ['log', '-z', '--raw', '--no-abbrev', '--no-renames', '--no-color', FORMAT, range, ...(paths.length > 0 ? ['--', ...paths] : [])];
  return tickets === undefined ? { args } : { args, keep: new Set(tickets) };
}

/** One commit whose blob contents are still on their way. */
interface PendingCommit {
  info: CommitInfo;
  changes: TicketFileChange[];
  /** Blob answers still missing (plus one while the commit is being set up). */
  waiting: number;
}

/** A version of an index.md: read once, used by the change after it and the change before it. */
interface Version {
  value?: FrontMatter;
  waiters: ((value: FrontMatter) => void)[];
}

/**
 * The events of every commit in the range, grouped per commit, newest commit first (the walk order).
 * Internal: `readTicketEvents` and `readEventLog` shape it.
 *
 * Callbacks rather than promises: a walk answers hundreds of thousands of blob reads, and a promise per
 * read was a large share of the garbage collector's work.
 */
async function walkEvents(dir: string, options: ReadEventsOptions): Promise<TicketEvent[][]> {
  if (options.tickets?.length === 0) return [];
  const until = options.until ?? 'HEAD';
  if (!hasCommits(dir, until)) {
    if (options.until === undefined) return [];
    throw new GitgusError('E_GIT_REF', `'${until}' is not a commit in ${dir}`, { hint: 'Pass a commit id, branch or tag that exists (git log --oneline).' });
  }
  if (options.since !== undefined && !hasCommits(dir, options.since)) {
    throw new GitgusError('E_GIT_REF', `'${options.since}' is not a commit in ${dir}`, { hint: 'Pass a commit id that exists; in CI fetch the full history (fetch-depth: 0).' });
  }
  const { args, keep } = logArgs(options);
  const blobs = new BlobReader(dir, { stream: true });
  // Versions of index.md read for one change and needed again by the next older change (see top of file).
  const versions = new Map<string, Version>();
  const pending: PendingCommit[] = [];
  const groups: TicketEvent[][] = [];
  const control: LogControl = { afterChunk: () => blobs.flush() };
  let paused = false;
  let logEnded = false;
  let finish: () => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });

  const drain = () => {
    try {
      while (pending.length > 0 && (pending[0] as PendingCommit).waiting === 0) {
        const next = pending.shift() as PendingCommit;
        const events = commitEvents(next.info, next.changes);
        if (events.length > 0) groups.push(events);
      }
    } catch (error) {
      fail(error);
      return;
    }
    if (paused && pending.length < MAX_PENDING_COMMITS / 2) {
      paused = false;
      control.resume?.();
    }
    if (logEnded && pending.length === 0) finish();
  };

  const settle = (commit: PendingCommit) => {
    commit.waiting -= 1;
    if (commit.waiting === 0 && pending[0] === commit) drain();
  };

  const version = (oid: string, keepForNext: boolean, use: (value: FrontMatter) => void) => {
    let entry = versions.get(oid);
    if (entry) {
      versions.delete(oid);
    } else {
      const created: Version = { waiters: [] };
      entry = created;
      blobs.readWith(oid, { frontMatter: true }, (error, text) => {
        if (error !== undefined) return fail(error);
        created.value = new FrontMatter(text);
        for (const waiter of created.waiters.splice(0)) waiter(created.value);
      });
    }
    if (keepForNext) versions.set(oid, entry);
    if (entry.value) use(entry.value);
    else entry.waiters.push(use);
  };

  const writers = options.writers ?? defaultWriters(dir);
  const onCommit = (header: CommitInfo, raw: RawChange[]) => {
    const info = trustedTrailers(header, writers);
    const commit: PendingCommit = { info, changes: [], waiting: 1 };
    for (const change of raw) {
      const kind = ticketFileKind(change.path);
      if (!kind || kind.kind === 'other' || (keep && !keep.has(kind.ticket))) continue;
      const slot: TicketFileChange = { path: change.path, status: change.status };
      commit.changes.push(slot);
      if (change.status === 'D' || (kind.kind === 'message' && change.status !== 'A')) continue;
      if (kind.kind === 'message') {
        commit.waiting += 1;
        blobs.readWith(change.newOid, { frontMatter: true }, (error, text) => {
          if (error !== undefined) return fail(error);
          slot.after = text;
          settle(commit);
        });
        continue;
      }
      commit.waiting += 1;
      version(change.newOid, false, (value) => {
        slot.after = value;
        settle(commit);
      });
      if (change.status === 'M' && !ZERO_OID.test(change.oldOid)) {
        commit.waiting += 1;
        version(change.oldOid, true, (value) => {
          slot.before = value;
          settle(commit);
        });
      }
    }
    if (commit.changes.length === 0) return;
    pending.push(commit);
    settle(commit);
    if (!paused && pending.length >= MAX_PENDING_COMMITS) {
      paused = true;
      control.pause?.();
    }
  };

  try {
    await Promise.race([blobs.failed, finished, streamLog(dir, args, onCommit, control)]);
    logEnded = true;
    blobs.close();
    drain();
    await Promise.race([blobs.failed, finished]);
  } finally {
    control.stop?.();
    blobs.close();
  }
  return groups;
}

/**
 * Every ticket's events in one pass over Git, oldest first per ticket.
 *
 * Each event has the ticket number, commit id, ISO time, actor and its own details; see `TicketEvent`
 * in lib/core/events.ts for the types: created, routed (with the rule), assigned, status, priority,
 * field, message (public/internal), message-changed, relation, removed.
 *
 * @param dir a helpdesk checkout with its full Git history (CI: `fetch-depth: 0`).
 * @param options.since only commits after this one (exclusive).
 * @param options.until the newest commit (default `HEAD`).
 * @param options.tickets only these tickets.
 * @returns ticket number → events, oldest first; tickets without events in the range are absent.
 */
export async function readTicketEvents(dir: string, options: ReadEventsOptions = {}): Promise<Map<number, TicketEvent[]>> {
  const groups = await walkEvents(dir, options);
  const byTicket = new Map<number, TicketEvent[]>();
  for (let i = groups.length - 1; i >= 0; i -= 1) {
    for (const event of groups[i] as TicketEvent[]) {
      const list = byTicket.get(event.ticket);
      if (list) list.push(event);
      else byTicket.set(event.ticket, [event]);
    }
  }
  return byTicket;
}

/**
 * All events in the range as one list, oldest commit first (within a commit: by ticket, then state
 * changes before messages). What notifications turn into mail: `readEventLog(dir, { since })`.
 */
export async function readEventLog(dir: string, options: ReadEventsOptions = {}): Promise<TicketEvent[]> {
  const groups = await walkEvents(dir, options);
  const out: TicketEvent[] = [];
  for (let i = groups.length - 1; i >= 0; i -= 1) out.push(...(groups[i] as TicketEvent[]));
  return out;
}
