/**
 * One run of the time-driven rules: read the tickets that can still change, their timelines from Git
 * history, plan what is due (lib/core/notify/tick.ts), and commit each change on its own. Mail follows
 * from these commits through `gitgus notify`.
 */
import { messageFile, ticketFile } from '../core/edit.ts';
import { planTick, timelineOf, type TickAction, type TickRule, type TickTicket } from '../core/notify/tick.ts';
import { isOpen } from '../core/schema/ticket.ts';
import { parseTicket } from '../core/documents.ts';
import type { TicketEvent } from '../core/events.ts';
import { GitgusError, ValidationError, type Problem } from '../errors.ts';
import { readTicketEvents } from '../git/history-index.ts';
import { SYSTEM_ACTOR, withChangeContext, type ChangeContext } from '../store/change-context.ts';
import { listTicketFolders, loadTicketAt, readText, type LoadedTicket } from '../store/load.ts';
import { commitTicketChange } from '../store/ticket-change.ts';
import { isoSeconds } from '../core/time.ts';

interface TickOptions {
  root: string;
  /** The time to evaluate the rules at (default: the clock). Also the time of the commits and messages. */
  now?: Date | undefined;
  /** Plan only: commit nothing. */
  dryRun?: boolean | undefined;
}

interface TickChange {
  ticket: number;
  rule: TickRule;
  subject: string;
  /** The commit, unless a dry run. */
  commit?: string;
}

interface TickResult {
  now: string;
  /** Tickets the rules looked at (open, solved or unsolved). */
  considered: number;
  changes: TickChange[];
  problems: Problem[];
  /** What the writer lock cleaned up after a killed writer before this run read anything (lib/git/guard.ts). */
  repairs: string[];
}

/** Tickets the rules may still change: everything but verified and closed. */
function candidate(doc: LoadedTicket): boolean {
  return isOpen(doc.ticket.status) || doc.ticket.status === 'solved' || doc.ticket.status === 'unsolved';
}

function loadCandidates(root: string): { docs: LoadedTicket[]; problems: Problem[] } {
  const docs: LoadedTicket[] = [];
  const problems: Problem[] = [];
  for (const folder of listTicketFolders(root)) {
    const file = `${folder.path}/index.md`;
    try {
      // Only the state first: most tickets of a large helpdesk are closed, and their messages are not needed.
      const state = parseTicket(readText(root, file), file);
      if (!candidate({ ...state, path: file })) continue;
      docs.push(loadTicketAt(root, folder.path, { messages: true }));
    } catch (error) {
      if (error instanceof ValidationError) problems.push(...error.problems);
      else if (error instanceof GitgusError) problems.push({ code: error.code, file, message: error.message });
      else throw error;
    }
  }
  return { docs, problems };
}

/**
 * Applies every rule due at `now`, one commit per change.
 *
 * @example const { changes } = await tick({ root, now: new Date('2026-12-07T09:00:00Z') });
 */
export async function tick(options: TickOptions): Promise<TickResult> {
  const root = options.root;
  const now = options.now ?? new Date();
  if (Number.isNaN(now.getTime())) throw new GitgusError('E_ARGUMENT', 'the time to evaluate at is not a valid time', { hint: 'Give --now as an ISO time like 2026-12-07T09:00:00Z.' });
  // Under the writer lock from before the first read (withChangeContext), so the plan is made from what is
  // committed even after a killed tick; a dry run writes nothing and reads without it.
  return withChangeContext(root, SYSTEM_ACTOR, { what: 'gitgus tick', lock: options.dryRun !== true }, (context) => tickWith(context, options, now));
}

async function tickWith(context: ChangeContext, options: TickOptions, now: Date): Promise<TickResult> {
  const root = context.root;
  const { settings, units } = context;
  const { docs, problems } = loadCandidates(root);
  const events: Map<number, TicketEvent[]> = docs.length === 0 ? new Map<number, TicketEvent[]>() : await readTicketEvents(root, { tickets: docs.map((doc) => doc.ticket.number) });
  const items: TickTicket[] = docs.map((doc) => ({
    ticket: doc.ticket,
    messages: (doc.messages ?? []).map((entry) => entry.message),
    timeline: timelineOf(doc.ticket, events.get(doc.ticket.number) ?? []),
  }));
  const actions = planTick(items, { now, settings, units });
  const loaded = new Map(docs.map((doc) => [doc.ticket.number, doc]));
  const result: TickResult = { now: isoSeconds(now), considered: docs.length, changes: [], problems, repairs: context.repairs };
  for (const action of actions) {
    const change: TickChange = { ticket: action.number, rule: action.rule, subject: action.subject };
    const doc = loaded.get(action.number) as LoadedTicket;
    if (!options.dryRun) change.commit = await commitAction(root, action, doc, settings.sender, now);
    result.changes.push(change);
  }
  return result;
}

async function commitAction(root: string, action: TickAction, doc: LoadedTicket, sender: string, now: Date): Promise<string> {
  const files: { path: string; content: string }[] = [];
  if (action.ticket) files.push(ticketFile({ ticket: action.ticket, body: doc.body }));
  if (action.message) files.push(messageFile(action.number, action.message));
  return commitTicketChange({
    dir: root,
    number: action.number,
    unit: (action.ticket ?? doc.ticket).unit,
    subject: action.subject,
    event: `tick-${action.rule}`,
    actor: { name: 'gitgus tick', email: sender },
    files,
    date: now,
  });
}
