/**
 * What the site knows about each ticket's past: the timeline on its page, when its colour clock
 * started, when it was solved and closed and how long it waited for the submitter (for the reports).
 *
 * Events come from the history index (lib/git/history-index.ts: one pass over native Git for every
 * ticket). Only public facts leave this module: internal notes are skipped, actors appear by role,
 * and field changes are shown for public fields only. A helpdesk folder without Git history falls back
 * to what the files alone tell (creation and public messages).
 */
import type { TicketEvent } from '../../lib/core/events.ts';
import { colourClockStart, timelineOf } from '../../lib/core/colours.ts';
import { isOpen, type Status } from '../../lib/core/schema/ticket.ts';
import { GitgusError } from '../../lib/errors.ts';
import { isoSeconds } from '../../lib/core/time.ts';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { readTicketEventsCached } from '../../lib/git/history-cache.ts';
import { maskAddresses, type AddressPolicy } from '../../lib/core/privacy.ts';
import type { PublicTicket } from './public.ts';

type TimelineKind = 'created' | 'routed' | 'assigned' | 'status' | 'priority' | 'message' | 'relation' | 'field';

/** One line of a ticket's public timeline: our own words plus public, masked values. */
export interface TimelineEntry {
  time: string;
  kind: TimelineKind;
  text: string;
  /** Other tickets this entry points to. */
  tickets?: number[];
}

export interface TicketHistory {
  /** Where the history came from: Git commits or the files alone. */
  source: 'git' | 'tree';
  /** The summary with what only the history knows (the last change) filled in. */
  apply(ticket: PublicTicket): PublicTicket;
  /** When the colour clock started: assignment to the unit, reset by each status change. */
  clockStart(ticket: PublicTicket): string;
  /** State changes (not messages: the ticket page adds those from the files). */
  timeline(ticket: PublicTicket): TimelineEntry[];
  /** When the ticket reached its current terminal status. */
  closedAt(ticket: PublicTicket): string | undefined;
  /** When the ticket was first solved (or otherwise finished). */
  solvedAt(ticket: PublicTicket): string | undefined;
  /** Milliseconds the ticket spent in `waiting for reply` before it was solved. */
  waitingMs(ticket: PublicTicket): number;
  /** The responsible unit's first action: a status change, a re-assignment, or a public answer. */
  firstAction(ticket: PublicTicket): string | undefined;
  /** The ticket's state events, oldest first (internal messages and actors' addresses are not used by callers). */
  events(ticket: Pick<PublicTicket, 'number'>): readonly TicketEvent[];
}

const ROLE_WORDS: Record<string, string> = { submitter: 'the submitter', supporter: 'a supporter', tpm: 'TPM', system: 'the helpdesk', other: 'someone else' };

export function roleWords(role: string): string {
  return ROLE_WORDS[role] ?? role;
}

/** Front-matter fields whose changes the public timeline shows with their values. */
const PUBLIC_FIELDS: Record<string, string> = { title: 'title', category: 'category', issue: 'type of issue', vo: 'VO', site: 'site', notifySite: 'notified site', type: 'type', escalation: 'escalation level' };
/** Fields whose change is shown without values (the values may hold addresses). */
const QUIET_FIELDS: Record<string, string> = { assignee: 'assignee', cc: 'copy list', involve: 'involved people', subscribers: 'subscribers', solution: 'solution', remindOn: 'reminder date' };

const RESPONSE_STATUSES: ReadonlySet<string> = new Set(['in progress', 'waiting for reply', 'on hold', 'solved', 'unsolved']);
const STAFF = new Set(['supporter', 'tpm']);

function createdEntry(ticket: PublicTicket): TimelineEntry {
  return { time: ticket.created, kind: 'created', text: `Created${ticket.intake ? ` by mail to ${ticket.intake}` : ''}, responsible unit ${ticket.unit}` };
}

/** The history the ticket files alone give: creation and public messages, no state changes. */
function treeHistory(): TicketHistory {
  return {
    source: 'tree',
    apply: (ticket) => ticket,
    clockStart: (ticket) => ticket.lastSupporterAction ?? ticket.created,
    timeline: (ticket) => [createdEntry(ticket)],
    closedAt: () => undefined,
    solvedAt: () => undefined,
    waitingMs: () => 0,
    firstAction: (ticket) => ticket.firstResponse,
    events: () => [],
  };
}

function show(value: unknown, policy: AddressPolicy): string {
  if (value === undefined || value === null || value === '') return '—';
  return maskAddresses(typeof value === 'string' ? value : JSON.stringify(value), policy);
}

/** One event as a public timeline entry, or undefined when it is not public. */
export function publicEntry(event: TicketEvent, ticket: PublicTicket, policy: AddressPolicy): TimelineEntry | undefined {
  const time = event.time;
  switch (event.type) {
    case 'created':
      // The ticket's own creation time: a helpdesk imported in one commit still shows when each was created.
      return { ...createdEntry(ticket), time: ticket.created, text: `Created (${event.ticketType}, ${event.priority}), responsible unit ${event.unit}${ticket.intake ? `, by mail to ${ticket.intake}` : ''}` };
    case 'routed':
      return { time, kind: 'routed', text: `Routed ${event.from ? `from ${event.from} ` : ''}to ${event.to} by rule ${show(event.rule, policy)}` };
    case 'assigned':
      return { time, kind: 'assigned', text: `Assigned ${event.from ? `from ${event.from} ` : ''}to ${event.to}` };
    case 'status':
      return { time, kind: 'status', text: `Status ${event.from ?? '—'} → ${event.to}${event.solution ? ` (${event.solution.qualifier})` : ''}` };
    case 'priority':
      return { time, kind: 'priority', text: `Priority ${event.from ?? '—'} → ${event.to}` };
    case 'relation': {
      const words = `${event.added.length > 0 ? `added ${event.relation}` : ''}${event.added.length > 0 && event.removed.length > 0 ? '; ' : ''}${event.removed.length > 0 ? `removed ${event.relation}` : ''}`;
      return { time, kind: 'relation', text: `Relation ${words}`, tickets: [...event.added, ...event.removed] };
    }
    case 'field': {
      const label = PUBLIC_FIELDS[event.field];
      if (label) return { time, kind: 'field', text: `${label[0]?.toUpperCase()}${label.slice(1)} ${show(event.from, policy)} → ${show(event.to, policy)}` };
      const quiet = QUIET_FIELDS[event.field];
      return quiet ? { time, kind: 'field', text: `${quiet[0]?.toUpperCase()}${quiet.slice(1)} changed` } : undefined;
    }
    default:
      // Messages come from the files (which decide visibility); edits and removals are not public facts.
      return undefined;
  }
}

interface Facts {
  lastChange?: string;
  closedAt?: string;
  solvedAt?: string;
  waitingMs: number;
  firstAction?: string;
}

/**
 * What the reports and colours need from one ticket's events, in one pass. The creation event counts at
 * the ticket's `created` time (its commit may be later, for an imported helpdesk).
 */
export function factsOf(events: readonly TicketEvent[], ticketCreated: string): Facts {
  const facts: Facts = { waitingMs: 0 };
  let created: string | undefined;
  let status: Status | undefined;
  let waitingSince: number | undefined;
  for (const event of events) {
    if (event.type === 'message' && event.visibility === 'internal') continue;
    if (event.type === 'created') {
      created = ticketCreated;
      status = event.status as Status;
      if (status === 'waiting for reply') waitingSince = Date.parse(ticketCreated);
      facts.lastChange = ticketCreated;
      continue;
    }
    // Messages carry their own date in their files (site/lib/public.ts); here only state changes count.
    if (event.type !== 'message-changed' && event.type !== 'message') facts.lastChange = event.time;
    const after = created !== undefined && event.time >= created;
    if (event.type === 'status') {
      if (waitingSince !== undefined && facts.solvedAt === undefined) facts.waitingMs += Math.max(0, Date.parse(event.time) - waitingSince);
      waitingSince = event.to === 'waiting for reply' ? Date.parse(event.time) : undefined;
      status = event.to;
      if (!isOpen(event.to)) {
        facts.closedAt = event.time;
        facts.solvedAt ??= event.time;
      } else {
        facts.closedAt = undefined;
      }
      if (after && facts.firstAction === undefined && RESPONSE_STATUSES.has(event.to)) facts.firstAction = event.time;
    }
    if (event.type === 'assigned' || event.type === 'routed') {
      if (after && event.type === 'assigned' && facts.firstAction === undefined && event.time > (created ?? '')) facts.firstAction = event.time;
    }
    if (event.type === 'message' && event.author && STAFF.has(event.author.role) && facts.firstAction === undefined) facts.firstAction = event.time;
  }
  if (status !== undefined && !isOpen(status) && facts.closedAt === undefined) facts.closedAt = facts.lastChange;
  return facts;
}

function earliest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

/** The history of a helpdesk with Git: events per ticket, reduced to public facts. */
export function gitHistory(events: ReadonlyMap<number, readonly TicketEvent[]>, policy: AddressPolicy): TicketHistory {
  const facts = new Map<number, Facts>();
  const factsFor = (ticket: PublicTicket) => {
    let found = facts.get(ticket.number);
    if (!found) {
      found = factsOf(events.get(ticket.number) ?? [], ticket.created);
      facts.set(ticket.number, found);
    }
    return found;
  };
  return {
    source: 'git',
    apply: (ticket) => {
      const last = factsFor(ticket).lastChange;
      return last !== undefined && last > ticket.lastChange ? { ...ticket, lastChange: last } : ticket;
    },
    // The tick job's clock (lib/core/colours.ts), so the page's colour and the colour alert agree.
    clockStart: (ticket) => {
      const list = events.get(ticket.number);
      if (!list || list.length === 0) return ticket.lastSupporterAction ?? ticket.created;
      return isoSeconds(colourClockStart(timelineOf(ticket, list)));
    },
    timeline: (ticket) => {
      const list = events.get(ticket.number);
      if (!list || list.length === 0) return [createdEntry(ticket)];
      const entries = list.map((event) => publicEntry(event, ticket, policy)).filter((entry): entry is TimelineEntry => entry !== undefined);
      return entries.some((entry) => entry.kind === 'created') ? entries : [createdEntry(ticket), ...entries];
    },
    closedAt: (ticket) => (isOpen(ticket.status) ? undefined : factsFor(ticket).closedAt),
    solvedAt: (ticket) => (isOpen(ticket.status) ? undefined : factsFor(ticket).solvedAt),
    waitingMs: (ticket) => factsFor(ticket).waitingMs,
    firstAction: (ticket) => earliest(factsFor(ticket).firstAction, ticket.firstResponse),
    events: (ticket) => events.get(ticket.number) ?? [],
  };
}

const STARTED = Symbol.for('gitgus.site.history');
type HistoryHolder = Record<symbol, Map<string, Promise<Map<number, TicketEvent[]> | undefined>> | undefined>;

/** Where the site build keeps the event cache: beside the prepared pages, in the helpdesk's `.astro/`. */
export function historyCachePath(root: string): string {
  return path.join(root, '.astro', 'gitgus', 'history.bin');
}

/** A hash of the code that turns commits into events: other code, other events, so the cache is a miss. */
function eventCodeKey(): string {
  const hash = createHash('sha256');
  for (const module of ['../../lib/core/events.ts', '../../lib/git/history-index.ts', '../../lib/core/frontmatter.ts']) hash.update(readFileSync(new URL(module, import.meta.url)));
  return hash.digest('hex');
}

/**
 * Starts reading a helpdesk's events once per build process (from the event cache, extended by the new
 * commits: lib/git/history-cache.ts); the content loader calls it early so the
 * Git walk overlaps with preparing tickets, and the pages await the same promise. Resolves to undefined
 * when the folder has no Git history.
 */
export function startHistory(root: string): Promise<Map<number, TicketEvent[]> | undefined> {
  const holder = globalThis as unknown as HistoryHolder;
  const started = (holder[STARTED] ??= new Map<string, Promise<Map<number, TicketEvent[]> | undefined>>());
  let promise = started.get(root);
  if (!promise) {
    promise = readTicketEventsCached(root, historyCachePath(root), eventCodeKey()).then(
      (answer) => answer.events,
      (error: unknown) => {
        if (error instanceof GitgusError && error.code === 'E_GIT') return undefined;
        throw error;
      },
    );
    started.set(root, promise);
  }
  return promise;
}

/** The build's ticket history: from Git when the helpdesk has it, else from the files alone. */
export async function loadHistory(root: string, policy: AddressPolicy): Promise<TicketHistory> {
  const events = await startHistory(root);
  return events && events.size > 0 ? gitHistory(events, policy) : treeHistory();
}
