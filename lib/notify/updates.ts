/**
 * From Git history to ticket updates: the events of a commit range (lib/git/history-index.ts, the one
 * history reader) grouped per commit and ticket, with the ticket's state before and after and the added
 * message files read from the commit itself — not from the working tree, which may be many commits ahead.
 */
import { parseMessage, parseTicket, type TicketDoc } from '../core/documents.ts';
import type { TicketEvent } from '../core/events.ts';
import type { AddedMessage, TicketUpdate } from '../core/notify/update.ts';
import { ticketIndexPath } from '../core/paths.ts';
import type { Ticket } from '../core/schema/ticket.ts';
import { GitgusError, ValidationError, type Problem } from '../errors.ts';
import { readEventLog } from '../git/history-index.ts';
import { runGit } from '../git/native.ts';

/** A file as it was at a commit, or undefined when it did not exist there. */
function fileAt(dir: string, commit: string, path: string): string | undefined {
  const result = runGit(dir, ['cat-file', 'blob', `${commit}:${path}`], { allowFailure: true });
  return result.status === 0 ? result.stdout : undefined;
}

function problemOf(error: unknown, file: string): Problem[] {
  if (error instanceof ValidationError) return error.problems;
  if (error instanceof GitgusError) return [{ code: error.code, file, message: error.message }];
  throw error;
}

class CommitReader {
  readonly problems: Problem[] = [];
  private readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  ticket(commit: string, number: number): TicketDoc | undefined {
    const path = ticketIndexPath(number);
    const text = fileAt(this.dir, commit, path);
    if (text === undefined) return undefined;
    try {
      return parseTicket(text, `${path} at ${commit.slice(0, 12)}`);
    } catch (error) {
      this.problems.push(...problemOf(error, `${path} at ${commit.slice(0, 12)}`));
      return undefined;
    }
  }

  message(commit: string, file: string): AddedMessage | undefined {
    const text = fileAt(this.dir, commit, file);
    if (text === undefined) return undefined;
    try {
      return { file, ...parseMessage(text, `${file} at ${commit.slice(0, 12)}`) };
    } catch (error) {
      this.problems.push(...problemOf(error, `${file} at ${commit.slice(0, 12)}`));
      return undefined;
    }
  }
}

function finishesTicket(events: readonly TicketEvent[]): boolean {
  return events.some((event) => event.type === 'status' && ['solved', 'unsolved', 'verified', 'closed'].includes(event.to));
}

/** The parent and its children at `commit`, for the "last child solved" rule. */
function relatedAt(reader: CommitReader, commit: string, ticket: Ticket): Map<number, Ticket> | undefined {
  const parentNumber = ticket.relations?.parent;
  if (parentNumber === undefined) return undefined;
  const parent = reader.ticket(commit, parentNumber)?.ticket;
  if (!parent) return undefined;
  const related = new Map<number, Ticket>([[parent.number, parent]]);
  for (const child of parent.relations?.children ?? []) {
    if (child === ticket.number) continue;
    const doc = reader.ticket(commit, child);
    if (doc) related.set(child, doc.ticket);
  }
  return related;
}

interface UpdateRange {
  /** Exclusive: commits after this one. */
  since: string;
  /** Inclusive: the newest commit. */
  until: string;
}

/**
 * The ticket updates of a commit range, oldest commit first (within a commit, by ticket number). A ticket
 * file that does not parse at some commit is reported in `problems` and its update skipped.
 */
export async function readUpdates(dir: string, range: UpdateRange): Promise<{ updates: TicketUpdate[]; problems: Problem[] }> {
  const events = await readEventLog(dir, { since: range.since, until: range.until });
  const groups = new Map<string, TicketEvent[]>();
  for (const event of events) {
    const key = `${event.commit}:${event.ticket}`;
    const list = groups.get(key);
    if (list) list.push(event);
    else groups.set(key, [event]);
  }
  const reader = new CommitReader(dir);
  const updates: TicketUpdate[] = [];
  for (const group of groups.values()) {
    const first = group[0] as TicketEvent;
    if (group.some((event) => event.type === 'removed')) continue;
    const after = reader.ticket(first.commit, first.ticket);
    if (!after) continue;
    const created = group.some((event) => event.type === 'created');
    const previous = created ? undefined : reader.ticket(`${first.commit}^`, first.ticket)?.ticket;
    const messages = group
      .filter((event): event is Extract<TicketEvent, { type: 'message' }> => event.type === 'message')
      .map((event) => reader.message(first.commit, event.file))
      .filter((message): message is AddedMessage => message !== undefined);
    updates.push({
      number: first.ticket,
      commit: first.commit,
      time: first.time,
      actor: first.actor,
      events: group,
      ticket: after.ticket,
      body: after.body,
      previous,
      messages,
      related: finishesTicket(group) ? relatedAt(reader, first.commit, after.ticket) : undefined,
    });
  }
  return { updates, problems: reader.problems };
}
