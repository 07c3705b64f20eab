/** Queue filters shared by `gitgus list` and the site. Pure. */
import { ValidationError, type Problem } from '../errors.ts';
import { OPEN_STATUSES, PRIORITIES, STATUSES, TERMINAL_STATUSES, TICKET_TYPES, type Ticket } from './schema/ticket.ts';

export interface TicketFilter {
  status?: string[];
  unit?: string[];
  vo?: string[];
  priority?: string[];
  type?: string[];
  site?: string[];
}

function split(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/** Parses comma lists and expands `open`/`closed`; refuses values no ticket can have. */
export function parseFilter(raw: Record<keyof TicketFilter, string | undefined>): TicketFilter {
  const filter: TicketFilter = {};
  const problems: Problem[] = [];
  const status = split(raw.status)?.flatMap((s) => (s === 'open' ? [...OPEN_STATUSES] : s === 'closed' ? [...TERMINAL_STATUSES] : [s]));
  for (const [key, values, allowed] of [
    ['status', status, STATUSES],
    ['priority', split(raw.priority), PRIORITIES],
    ['type', split(raw.type)?.map((t) => t.toUpperCase()), TICKET_TYPES],
  ] as const) {
    for (const value of values ?? []) {
      if (!(allowed as readonly string[]).includes(value)) {
        problems.push({ code: 'E_ARGUMENT', file: `--${key}`, message: `'${value}' is not a ${key}`, hint: `one of: ${allowed.join(', ')}${key === 'status' ? ', open, closed' : ''}` });
      }
    }
    if (values) filter[key] = [...values];
  }
  if (problems.length > 0) throw new ValidationError(problems);
  for (const key of ['unit', 'vo', 'site'] as const) {
    const values = split(raw[key]);
    if (values) filter[key] = values;
  }
  return filter;
}

/** Tickets matching every given filter, newest (highest number) first. */
export function filterTickets(tickets: Ticket[], filter: TicketFilter): Ticket[] {
  const has = (list: string[] | undefined, value: string | undefined) => list === undefined || (value !== undefined && list.includes(value));
  return tickets
    .filter((t) => has(filter.status, t.status) && has(filter.unit, t.unit) && has(filter.vo, t.vo) && has(filter.priority, t.priority) && has(filter.type, t.type))
    .filter((t) => filter.site === undefined || filter.site.some((site) => site === t.site || site === t.notifySite))
    .sort((a, b) => b.number - a.number);
}
