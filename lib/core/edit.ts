/**
 * Field edits and new messages as pure functions: a ticket in, the changed ticket (or every problem) out.
 * The CLI, intake and the pull-request check all go through here, so the same rules hold everywhere.
 */
import { ValidationError, type Problem } from '../errors.ts';
import { serializeMessage, serializeTicket, type TicketDoc } from './documents.ts';
import { validate } from './friendly-errors.ts';
import { messageFileName, messagesDir, shortHash, ticketIndexPath } from './paths.ts';
import { MESSAGE_EXAMPLE, MessageSchema, type MessageInput } from './schema/message.ts';
import { TICKET_EXAMPLE, TicketSchema, type Ticket } from './schema/ticket.ts';
import { displayValue } from './display.ts';

/** Fields `gitgus set` may change. number, created, source, origin, submitter and originalPriority are fixed; type goes only TEAM → ALARM. */
export const SETTABLE_FIELDS = [
  'title',
  'status',
  'priority',
  'category',
  'issue',
  'unit',
  'assignee',
  'vo',
  'site',
  'notifySite',
  'cc',
  'involve',
  'subscribers',
  'notify',
  'solution.qualifier',
  'solution.text',
  'remindOn',
  // The lifecycle (lib/core/lifecycle.ts) allows only TEAM → ALARM.
  'type',
] as const;

const LIST_FIELDS = new Set<string>(['cc', 'involve', 'subscribers']);
const IMMUTABLE_FIELDS = new Set<string>(['number', 'created', 'source', 'origin', 'submitter', 'originalPriority']);

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

interface Assignment {
  field: string;
  value: string;
}

/** Parses `field=value` words from the command line. */
export function parseAssignments(words: string[], file: string): Assignment[] {
  const problems: Problem[] = [];
  const out: Assignment[] = [];
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) {
      problems.push({ code: 'E_ARGUMENT', file, message: `'${word}' is not field=value`, hint: 'example: gitgus set 165048 status="in progress" priority=urgent' });
      continue;
    }
    out.push({ field: word.slice(0, eq).trim(), value: word.slice(eq + 1) });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return out;
}

function getField(ticket: Ticket, field: string): unknown {
  if (field.startsWith('solution.')) return ticket.solution?.[field.slice('solution.'.length) as 'text' | 'qualifier'];
  return (ticket as Record<string, unknown>)[field];
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Applies assignments to a ticket. An empty value clears an optional field. The result is validated
 * against the ticket schema and the known units; nothing is returned unless everything is valid.
 */
export function applyAssignments(doc: TicketDoc, assignments: Assignment[], context: { file: string; unitIds: ReadonlySet<string> }): { ticket: Ticket; changes: FieldChange[] } {
  const problems: Problem[] = [];
  const draft: Record<string, unknown> = structuredClone(doc.ticket);
  for (const { field, value } of assignments) {
    if (IMMUTABLE_FIELDS.has(field)) {
      problems.push({ code: 'E_IMMUTABLE', file: context.file, field, message: 'cannot be changed after the ticket is created' });
      continue;
    }
    if (!(SETTABLE_FIELDS as readonly string[]).includes(field)) {
      problems.push({ code: 'E_UNKNOWN_FIELD', file: context.file, field, message: 'is not a ticket field gitgus set can change', hint: `fields: ${SETTABLE_FIELDS.join(', ')}` });
      continue;
    }
    const trimmed = value.trim();
    const parsed: unknown = trimmed === '' ? undefined : LIST_FIELDS.has(field) ? trimmed.split(/[,;]\s*/).filter(Boolean) : trimmed;
    if (field.startsWith('solution.')) {
      const key = field.slice('solution.'.length);
      const solution = { ...((draft.solution as Record<string, unknown> | undefined) ?? {}), [key]: key === 'text' ? value : parsed };
      draft.solution = Object.values(solution).every((part) => part === undefined || part === '') ? undefined : solution;
    } else {
      draft[field] = parsed;
    }
  }
  const unit = typeof draft.unit === 'string' ? draft.unit : undefined;
  if (unit !== undefined && !context.unitIds.has(unit)) {
    problems.push({ code: 'E_REFERENCE', file: context.file, field: 'unit', message: `names unit '${unit}', which has no file in units/`, hint: `known units: ${[...context.unitIds].sort().join(', ')}` });
  }
  const result = validate(TicketSchema, draft, context.file, TICKET_EXAMPLE);
  if (!result.ok) problems.push(...result.problems);
  if (problems.length > 0 || !result.ok) throw new ValidationError(problems);
  const ticket = result.value;
  if ((ticket.status === 'solved' || ticket.status === 'unsolved') && !ticket.solution) {
    throw new ValidationError([{ code: 'E_SOLUTION', file: context.file, field: 'solution', message: `is required to set status ${ticket.status}`, hint: 'add solution.qualifier=fixed solution.text="What was done"' }]);
  }
  const fields = new Set(assignments.map((a) => (a.field.startsWith('solution.') ? 'solution' : a.field)));
  const changes = [...fields].map((field) => ({ field, from: getField(doc.ticket, field), to: getField(ticket, field) })).filter((change) => !same(change.from, change.to));
  return { ticket, changes };
}

/** `#165048 status: in progress → solved; priority: urgent → very urgent` */
export function describeChanges(number: number, changes: FieldChange[]): string {
  return `#${number} ${changes.map((change) => `${change.field}: ${displayValue(change.from)} → ${displayValue(change.to)}`).join('; ')}`;
}

interface NewMessage {
  message: MessageInput;
  body: string;
}

/** The repository path and content of a new message file for ticket `number`. */
export function messageFile(number: number, input: NewMessage, file = 'message'): { path: string; content: string } {
  const result = validate(MessageSchema, input.message, file, MESSAGE_EXAMPLE);
  if (!result.ok) throw new ValidationError(result.problems);
  const content = serializeMessage({ message: result.value, body: input.body });
  // The key makes two messages in the same second distinct; derived from content, so reruns are stable.
  const key = shortHash(result.value.messageId ?? content);
  return { path: `${messagesDir(number)}/${messageFileName(result.value.date, key)}`, content };
}

export function ticketFile(doc: { ticket: Ticket; body: string }): { path: string; content: string } {
  const path = ticketIndexPath(doc.ticket.number);
  return { path, content: serializeTicket(doc, path) };
}
