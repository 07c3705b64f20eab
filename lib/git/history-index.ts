/**
 * Every ticket's history as events, in ONE pass over native Git — never one `git log` per ticket
 * (isomorphic-git needs 12–200 s per file on a large repository; DESIGN.md §7).
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
import { commitEvents, FrontMatter, ticketFileKind, type CommitInfo, type TicketEvent, type TicketFileChange } from '../core/events.ts';
import { ticketDir } from '../core/paths.ts';
import { GitgusError } from '../errors.ts';
import { BlobReader, gitFailure, spawnGit } from './cat-file.ts';
import { runGit } from './native.ts';

export type { TicketEvent, TicketEventType, EventActor } from '../core/events.ts';

export interface ReadEventsOptions {
  /** Only commits after this one (exclusive): `since..until`. A commit id, branch or tag. */
  since?: string;
  /** The newest commit to read (default `HEAD`). */
  until?: string;
  /** Only these tickets' events (default: every ticket). */
  tickets?: readonly number[];
}

/** Pathspecs cost Git a match per path; past this many tickets, walk `tickets/` and filter here. */
const MAX_TICKET_PATHSPECS = 200;
/** Pause the log while this many commits wait for blob contents (bounded memory on huge histories). */
const MAX_PENDING_COMMITS = 4000;

const NUL = 0;
const RECORD = '\x1e';
const FIELD = '\x1f';
const FORMAT = `--format=${RECORD}%H${FIELD}%an${FIELD}%ae${FIELD}%aI${FIELD}%(trailers:only,unfold)${FIELD}`;
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

/** Marks a promise as observed: its rejection is still seen by whoever awaits it later, but never crashes Node first. */
function observed<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

interface PendingCommit {
  info: CommitInfo;
  changes: Promise<TicketFileChange[]>;
}

function parseTrailers(text: string): Record<string, string> {
  const trailers: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(': ');
    if (colon > 0) trailers[line.slice(0, colon)] = line.slice(colon + 2);
  }
  return trailers;
}

function parseHeader(token: string): CommitInfo {
  const [commit = '', name = '', email = '', time = '', trailers = ''] = token.slice(token.indexOf(RECORD) + 1).split(FIELD);
  return { commit, time: new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z'), author: { name, email }, trailers: parseTrailers(trailers) };
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

/**
 * The events of every commit in the range, grouped per commit, newest commit first (the walk order).
 * Internal: `readTicketEvents` and `readEventLog` shape it.
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
  const versions = new Map<string, Promise<FrontMatter>>();
  const pending: PendingCommit[] = [];
  const groups: TicketEvent[][] = [];
  const control: LogControl = { afterChunk: () => blobs.flush() };
  let paused = false;
  let draining: Promise<void> = Promise.resolve();
  // A failed drain must stop the walk even while the log is paused waiting for it.
  let failDrain: (error: unknown) => void = () => undefined;
  const drainFailed = observed(new Promise<never>((_resolve, reject) => {
    failDrain = reject;
  }));
  const scheduleDrain = () => {
    draining = draining.then(drain).catch(failDrain);
  };

  const version = (oid: string, keepForNext: boolean): Promise<FrontMatter> => {
    const cached = versions.get(oid);
    if (cached) {
      versions.delete(oid);
      if (keepForNext) versions.set(oid, cached);
      return cached;
    }
    const read = observed(blobs.read(oid).then((text) => new FrontMatter(text)));
    if (keepForNext) versions.set(oid, read);
    return read;
  };

  const resolveChanges = (raw: RawChange[]): Promise<TicketFileChange[]> =>
    Promise.all(
      raw.map(async (change): Promise<TicketFileChange | undefined> => {
        const kind = ticketFileKind(change.path);
        if (!kind || kind.kind === 'other' || (keep && !keep.has(kind.ticket))) return undefined;
        if (kind.kind === 'message') {
          if (change.status !== 'A') return { path: change.path, status: change.status };
          return { path: change.path, status: 'A', after: await blobs.read(change.newOid) };
        }
        if (change.status === 'D') return { path: change.path, status: 'D' };
        const after = version(change.newOid, false);
        const before = change.status === 'M' && !ZERO_OID.test(change.oldOid) ? version(change.oldOid, true) : undefined;
        return { path: change.path, status: change.status, after: await after, before: await before };
      }),
    ).then((list) => list.filter((change): change is TicketFileChange => change !== undefined));

  const drain = async () => {
    while (pending.length > 0) {
      const next = pending[0] as PendingCommit;
      const changes = await next.changes;
      pending.shift();
      const events = commitEvents(next.info, changes);
      if (events.length > 0) groups.push(events);
      if (paused && pending.length < MAX_PENDING_COMMITS / 2) {
        paused = false;
        control.resume?.();
      }
    }
  };

  try {
    await Promise.race([
      blobs.failed,
      drainFailed,
      streamLog(
        dir,
        args,
        (info, raw) => {
          if (raw.length === 0) return;
          pending.push({ info, changes: observed(resolveChanges(raw)) });
          if (pending.length === 1) scheduleDrain();
          if (!paused && pending.length >= MAX_PENDING_COMMITS) {
            paused = true;
            control.pause?.();
          }
        },
        control,
      ),
    ]);
    blobs.close();
    scheduleDrain();
    await Promise.race([blobs.failed, drainFailed, draining]);
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
