/**
 * What the site knows about each ticket's past: the timeline on its page, when its colour clock
 * started, when it was closed and how long it waited for the submitter (for the reports).
 *
 * Without Git events the tree still tells the creation time and the dates of public messages; the
 * history index (lib/git/history-index.ts) adds status changes, routing and assignments.
 */
import type { PublicTicket } from './public.ts';

export type TimelineKind = 'created' | 'routed' | 'assigned' | 'status' | 'priority' | 'message' | 'relation' | 'field' | 'solution';

/** One line of a ticket's public timeline: our own words plus public, masked values. */
export interface TimelineEntry {
  time: string;
  kind: TimelineKind;
  text: string;
  /** Another ticket this entry points to. */
  ticket?: number;
}

export interface TicketHistory {
  /** Where the history came from, shown on the site: Git commits or the files alone. */
  source: 'git' | 'tree';
  /** The summary with fields only the history knows (last change) filled in. */
  apply(ticket: PublicTicket): PublicTicket;
  /** When the colour clock started: assignment to the unit, reset by each status change. */
  clockStart(ticket: PublicTicket): string;
  timeline(ticket: PublicTicket): TimelineEntry[];
  /** When the ticket reached a terminal status (the latest such change). */
  closedAt(ticket: PublicTicket): string | undefined;
  /** When the ticket first reached solved, unsolved, verified or closed. */
  solvedAt(ticket: PublicTicket): string | undefined;
  /** Milliseconds the ticket spent in `waiting for reply` before it was solved. */
  waitingMs(ticket: PublicTicket): number;
  /** The responsible unit's first action: a status change, a re-assignment, or a public answer. */
  firstAction(ticket: PublicTicket): string | undefined;
}

const ROLE_WORDS: Record<string, string> = { submitter: 'the submitter', supporter: 'a supporter', tpm: 'TPM', system: 'the helpdesk', other: 'someone else' };

/** The history the ticket files alone give: creation and public messages, no status changes. */
function treeHistory(): TicketHistory {
  return {
    source: 'tree',
    apply: (ticket) => ticket,
    clockStart: (ticket) => ticket.lastSupporterAction ?? ticket.created,
    timeline: (ticket) => [{ time: ticket.created, kind: 'created', text: `Created${ticket.intake ? ` by mail to ${ticket.intake}` : ''}, responsible unit ${ticket.unit}` }],
    closedAt: () => undefined,
    solvedAt: () => undefined,
    waitingMs: () => 0,
    firstAction: (ticket) => ticket.firstResponse,
  };
}

export function roleWords(role: string): string {
  return ROLE_WORDS[role] ?? role;
}

/** The build's ticket history. */
export function loadHistory(_root: string, _tickets: readonly PublicTicket[]): TicketHistory {
  return treeHistory();
}
