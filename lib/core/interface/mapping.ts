/**
 * The words that cross an interface: the remote's ticket tag in subjects, and statuses and priorities
 * mapped both ways through the unit's tables with GGUS's guards (docs/ggus.md §4, OSG and NGI_CZ).
 * Pure.
 */
import type { Interface } from '../schema/interface.ts';
import type { Unit } from '../schema/unit.ts';
import { PRIORITIES, STATUSES, type Priority, type Status } from '../schema/ticket.ts';

/** A unit with an interface. */
export type InterfacedUnit = Unit & { interface: Interface };

export function interfacedUnits(units: readonly Unit[]): InterfacedUnit[] {
  return units.filter((unit): unit is InterfacedUnit => unit.interface !== undefined);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The remote's tag for one of its tickets: `[rt.example #42]`. */
export function remoteTag(iface: Pick<Interface, 'ticketTag'>, id: string): string {
  return iface.ticketTag.replace('{id}', id);
}

/** A tolerant pattern for the remote's tag (any spacing, any case), the id captured. */
export function remoteTagPattern(iface: Pick<Interface, 'ticketTag'>): RegExp {
  const [before = '', after = ''] = iface.ticketTag.split('{id}');
  const part = (text: string) => escapeRegExp(text.trim()).replace(/\s+/g, '\\s*');
  return new RegExp(`${part(before)}\\s*([A-Za-z0-9][A-Za-z0-9._-]{0,60}?)\\s*${part(after)}`, 'iu');
}

/** The remote's ticket id in a subject, or undefined. */
export function remoteIdInSubject(iface: Pick<Interface, 'ticketTag'>, subject: string): string | undefined {
  const flat = subject.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return remoteTagPattern(iface).exec(flat)?.[1];
}

/** The remote ticket's page, when the interface names one. */
export function remoteTicketUrl(iface: Pick<Interface, 'ticketUrl'>, id: string): string | undefined {
  return iface.ticketUrl?.replace('{id}', encodeURIComponent(id));
}

/** Our status in the remote's words (a status without an entry crosses under its own name). */
export function statusOut(iface: Interface, status: Status): string {
  return iface.status.out[status] ?? status;
}

export function priorityOut(iface: Interface, priority: Priority): string {
  return iface.priority.out[priority] ?? priority;
}

/** The remote's priority word as ours, or undefined when it means none of ours. */
export function priorityIn(iface: Interface, word: string): Priority | undefined {
  const key = word.trim().toLowerCase();
  const mapped = Object.entries(iface.priority.in).find(([remote]) => remote.toLowerCase() === key)?.[1];
  if (mapped) return mapped;
  return (PRIORITIES as readonly string[]).includes(key) ? (key as Priority) : undefined;
}

interface StatusVerdict {
  /** The status to set; undefined when nothing changes. */
  status?: Status;
  /** Why, in one line for the commit and the interface status. */
  reason: string;
}

const KEPT_OPEN: readonly Status[] = ['new', 'assigned', 'waiting for reply', 'on hold', 'reopened'];
const KEPT_FINAL: readonly Status[] = ['verified', 'closed', 'unsolved'];

/**
 * The remote's status word applied to our ticket: mapped through `status.in`, then the guards. `current`
 * is undefined for a ticket the remote is creating here.
 */
export function statusIn(iface: Interface, word: string, current: Status | undefined): StatusVerdict {
  const key = word.trim().toLowerCase();
  const mapped = Object.entries(iface.status.in).find(([remote]) => remote.toLowerCase() === key)?.[1] ?? ((STATUSES as readonly string[]).includes(key) ? (key as Status) : undefined);
  if (mapped === undefined) return { reason: `remote status '${word}' maps to none of ours (units/<unit>.md interface.status.in)` };
  if (current === undefined) {
    if (mapped === 'in progress' && iface.guards.neverCreateInProgress) return { status: 'new', reason: `remote status '${word}' → in progress, created as new (guard: never create as in progress)` };
    return { status: mapped, reason: `remote status '${word}' → ${mapped}` };
  }
  if (mapped === current) return { reason: `remote status '${word}' → ${mapped}, already so` };
  if (mapped === 'in progress' && iface.guards.keepOpenStatuses && KEPT_OPEN.includes(current)) {
    return { reason: `remote status '${word}' → in progress not applied: ${current} is kept (guard)` };
  }
  if (mapped === 'solved' && iface.guards.keepFinalStatuses && KEPT_FINAL.includes(current)) {
    return { reason: `remote status '${word}' → solved not applied: ${current} is never turned back into solved (guard)` };
  }
  return { status: mapped, reason: `remote status '${word}' → ${mapped}` };
}

/** The remote's status as its mail tells it: the status header, else the first subject rule that matches. */
export function remoteStatusOf(iface: Interface, subject: string, header: (name: string) => string | undefined): string | undefined {
  if (iface.statusHeader) {
    const value = header(iface.statusHeader);
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  for (const rule of iface.subjectStatus) if (new RegExp(rule.pattern, 'iu').test(subject)) return rule.status;
  return undefined;
}

/** Text cut to the remote's limit, with a pointer to the full ticket (OSG: 4000 characters). */
export function fitToLimit(text: string, limit: number, url: string): string {
  if ([...text].length <= limit) return text;
  const note = `\n\n[… cut at ${limit} characters for this helpdesk; the full text is at ${url}]`;
  return `${[...text]
    .slice(0, Math.max(0, limit - [...note].length))
    .join('')
    .replace(/\s+$/, '')}${note}`;
}
