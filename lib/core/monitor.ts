/**
 * TPM monitoring (docs/ggus.md §2.4–§2.5): what TPM and the ticket monitoring team look at, as a pure
 * function of the ticket summaries, their history events, the units and the time.
 *
 * | Finding        | When                                                                                      |
 * |----------------|-------------------------------------------------------------------------------------------|
 * | unassigned     | still `new` at a TPM unit longer than TPM's target (default 1 working hour, EGEE's "less than one hour") |
 * | bounced        | an open ticket that has been at `bounceUnits` or more units (default 3): "probably misrouted" (TPM-MON) |
 * | waiting        | waiting for reply past the first reminder (5 working days, D-WFS: "goes on the monitoring dashboard") |
 * | unresponsive   | a unit whose open tickets await its response past their QoS target, per unit               |
 *
 * Only numbers, titles (already public), units and times are in the result: the site page and the mail to
 * TPM show no address and no internal text.
 */
import { addWorkingDays, workingMsBetween, type WorkingCalendar } from './calendar.ts';
import { awaitsResponse, responseTarget, targetMs } from './colours.ts';
import type { TicketEvent } from './events.ts';
import type { Priority, Status } from './schema/ticket.ts';
import { isoSeconds } from './time.ts';

const HOUR = 3_600_000;

interface MonitorTicket {
  number: number;
  title: string;
  status: Status;
  unit: string;
  priority: Priority;
  created: string;
  category?: string;
}

interface MonitorUnit {
  id: string;
  family: string;
  qos: string;
  calendar: WorkingCalendar;
}

interface MonitorOptions {
  now: Date;
  /** TPM's target for assigning a new ticket, in working hours. */
  assignWithinHours: number;
  /** Units held (counting a return) from which a ticket counts as bounced. */
  bounceUnits: number;
  /** Working days to the first waiting-for-reply reminder. */
  waitingStepDays: number;
  /** The calendar of a unit without a file. */
  fallback: WorkingCalendar;
}

export interface MonitorEntry {
  number: number;
  title: string;
  unit: string;
  status: Status;
  priority: Priority;
  /** ISO time the clock of this finding started. */
  since: string;
  /** Working hours on the unit's calendar since then. */
  workingHours: number;
  /** Bounced tickets: the units in order. */
  units?: string[];
}

interface UnresponsiveUnit {
  unit: string;
  tickets: MonitorEntry[];
}

export interface MonitorReport {
  now: string;
  assignWithinHours: number;
  bounceUnits: number;
  unassigned: MonitorEntry[];
  bounced: MonitorEntry[];
  waiting: MonitorEntry[];
  unresponsive: UnresponsiveUnit[];
}

/** The units a ticket has been at, in order (a return counts again), and when it came to the current one and entered its status. */
function pathOf(ticket: MonitorTicket, events: readonly TicketEvent[]): { units: string[]; unitSince: string; statusSince: string } {
  const created = events.find((e) => e.type === 'created');
  const units = [created?.type === 'created' && created.unit ? created.unit : ticket.unit];
  let unitSince = ticket.created;
  let statusSince = ticket.created;
  for (const event of events) {
    const at = event.time > ticket.created ? event.time : ticket.created;
    if ((event.type === 'assigned' || event.type === 'routed') && event.to !== units[units.length - 1]) {
      units.push(event.to);
      unitSince = at;
    } else if (event.type === 'status') {
      statusSince = at;
    }
  }
  return { units, unitSince, statusSince };
}

export function monitorTickets(tickets: readonly MonitorTicket[], events: ReadonlyMap<number, readonly TicketEvent[]>, units: readonly MonitorUnit[], options: MonitorOptions): MonitorReport {
  const now = options.now;
  const unitOf = (id: string) => units.find((u) => u.id === id);
  const calendarOf = (id: string) => unitOf(id)?.calendar ?? options.fallback;
  const report: MonitorReport = { now: isoSeconds(now), assignWithinHours: options.assignWithinHours, bounceUnits: options.bounceUnits, unassigned: [], bounced: [], waiting: [], unresponsive: [] };
  const late = new Map<string, MonitorEntry[]>();
  for (const ticket of [...tickets].sort((a, b) => a.number - b.number)) {
    if (ticket.category === 'test') continue;
    const open = ['new', 'assigned', 'in progress', 'waiting for reply', 'on hold', 'reopened'].includes(ticket.status);
    if (!open) continue;
    const path = pathOf(ticket, events.get(ticket.number) ?? []);
    const calendar = calendarOf(ticket.unit);
    const entry = (since: string): MonitorEntry => ({
      number: ticket.number,
      title: ticket.title,
      unit: ticket.unit,
      status: ticket.status,
      priority: ticket.priority,
      since,
      workingHours: Math.round((workingMsBetween(calendar, new Date(since), now) / HOUR) * 10) / 10,
    });
    const unit = unitOf(ticket.unit);
    if (ticket.status === 'new' && (unit === undefined || unit.family === 'tpm')) {
      const hours = workingMsBetween(calendar, new Date(ticket.created), now) / HOUR;
      if (hours > options.assignWithinHours) report.unassigned.push(entry(ticket.created));
    }
    if (path.units.length >= options.bounceUnits) report.bounced.push({ ...entry(path.unitSince), units: path.units });
    if (ticket.status === 'waiting for reply' && now >= addWorkingDays(calendar, new Date(path.statusSince), options.waitingStepDays)) report.waiting.push(entry(path.statusSince));
    if (awaitsResponse(ticket.status) && unit && unit.family !== 'tpm') {
      // Untouched by the unit since it received the ticket, or since its last status change.
      const since = path.statusSince > path.unitSince ? path.statusSince : path.unitSince;
      const target = targetMs(calendar, responseTarget(unit.qos, ticket.priority));
      if (workingMsBetween(calendar, new Date(since), now) > target) {
        const list = late.get(unit.id) ?? [];
        list.push(entry(since));
        late.set(unit.id, list);
      }
    }
  }
  report.unresponsive = [...late].sort(([a], [b]) => a.localeCompare(b)).map(([unit, list]) => ({ unit, tickets: list }));
  return report;
}

/** The report as plain text for the mail to TPM and the terminal. */
export function formatMonitorReport(report: MonitorReport, helpdesk: string, ticketUrl: (n: number) => string): string {
  const line = (e: MonitorEntry) =>
    `  #${e.number} ${e.title} — ${e.unit}, ${e.status}, ${e.priority}, ${e.workingHours} working h since ${e.since.replace(/\.\d{3}Z$/, 'Z')}${e.units ? ` — units: ${e.units.join(' → ')}` : ''}\n    ${ticketUrl(e.number)}`;
  const section = (title: string, entries: MonitorEntry[]) => [`${title} (${entries.length})`, ...(entries.length === 0 ? ['  none'] : entries.map(line)), ''];
  return [
    `${helpdesk}: TPM monitoring report, ${report.now.replace(/\.\d{3}Z$/, 'Z')}`,
    '',
    ...section(`Not assigned within ${report.assignWithinHours} working hour(s)`, report.unassigned),
    ...section(`Bounced between ${report.bounceUnits} or more units (probably misrouted)`, report.bounced),
    ...section('Waiting for reply after the first reminder', report.waiting),
    `Unresponsive units: open tickets untouched past their QoS response time (${report.unresponsive.length} unit(s))`,
    ...(report.unresponsive.length === 0 ? ['  none'] : report.unresponsive.flatMap((u) => [`  ${u.unit} (${u.tickets.length})`, ...u.tickets.map((e) => `  ${line(e)}`)])),
    '',
  ].join('\n');
}
