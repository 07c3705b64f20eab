/**
 * Priority colours and QoS response deadlines (docs/ggus.md §2.4, D-PRIO and D-QOS), computed on a
 * unit's working-day calendar. Computed when needed, never committed: the same ticket has another colour
 * an hour later without any change to its files.
 *
 * - **Colours** of open tickets go green → yellow → amber → red as working hours pass since the colour
 *   clock started: on assignment to the unit, reset to green whenever the unit changes the status. The
 *   thresholds depend on the priority and, for middleware units, on the unit's QoS level. Unsolved tickets
 *   are light blue; solved, verified and closed ones blue.
 * - **QoS response deadlines**: a unit must respond (take the ticket, ask, solve, or re-assign it) within
 *   a time set by its QoS level and the ticket's priority, and is warned when 75% of it has passed.
 *
 * Pure: no node:* imports, no IO.
 */
import { addWorkingMs, workingDayMs, workingMsBetween, type WorkingCalendar } from './calendar.ts';
import type { TicketEvent } from './events.ts';
import { isOpen, type Priority, type Status } from './schema/ticket.ts';

/** The four colours of open tickets, in order, plus the two of finished ones. */
export type OpenColour = 'green' | 'yellow' | 'amber' | 'red';
export type PriorityColour = OpenColour | 'light blue' | 'blue';

/** CSS colours for the site and HTML mail (GGUS's search list used these names). */
export const COLOUR_CSS: Record<PriorityColour, string> = {
  green: '#2f9e44',
  yellow: '#fab005',
  amber: '#f76707',
  red: '#e03131',
  'light blue': '#74c0fc',
  blue: '#1c7ed6',
};

/** Working hours after which an open ticket turns yellow, amber and red. */
interface ColourThresholds {
  yellow: number;
  amber: number;
  red: number;
}

/** The unit properties colours and deadlines depend on. */
interface UnitServiceLevel {
  /** Unit family; `middleware` units use QoS-specific thresholds. */
  family: string;
  /** QoS level: `base`, `medium` or `advanced`. */
  qos: string;
}

const T20: ColourThresholds = { yellow: 20, amber: 30, red: 40 };
const T16: ColourThresholds = { yellow: 16, amber: 24, red: 32 };
const T12: ColourThresholds = { yellow: 12, amber: 18, red: 24 };
const T4: ColourThresholds = { yellow: 4, amber: 6, red: 8 };
const T2: ColourThresholds = { yellow: 2, amber: 3, red: 4 };

/** D-PRIO: non-middleware units by priority. */
const GENERAL_THRESHOLDS: Record<Priority, ColourThresholds> = { 'less urgent': T20, urgent: T20, 'very urgent': T16, 'top priority': T12 };

/** D-PRIO: middleware units by QoS level and priority; Base is 20/30/40 throughout. */
const MIDDLEWARE_BASE: Record<Priority, ColourThresholds> = { 'less urgent': T20, urgent: T20, 'very urgent': T20, 'top priority': T20 };
const MIDDLEWARE_THRESHOLDS: Record<string, Record<Priority, ColourThresholds>> = {
  base: MIDDLEWARE_BASE,
  medium: { 'less urgent': T20, urgent: T20, 'very urgent': T4, 'top priority': T4 },
  advanced: { 'less urgent': T20, urgent: T4, 'very urgent': T4, 'top priority': T2 },
};

/**
 * Working hours to yellow/amber/red for a priority at a unit (docs/ggus.md §2.4):
 * non-middleware units 20/30/40 (less urgent, urgent), 16/24/32 (very urgent), 12/18/24 (top priority);
 * middleware units by QoS — Base 20/30/40 always; Medium 4/6/8 for very urgent and top priority;
 * Advanced 4/6/8 for urgent and very urgent, 2/3/4 for top priority (20/30/40 otherwise).
 *
 * @example colourThresholds('top priority', { family: 'ngi', qos: 'medium' }) // { yellow: 12, amber: 18, red: 24 }
 */
export function colourThresholds(priority: Priority, unit: UnitServiceLevel): ColourThresholds {
  if (unit.family === 'middleware') return (MIDDLEWARE_THRESHOLDS[unit.qos] ?? MIDDLEWARE_BASE)[priority];
  return GENERAL_THRESHOLDS[priority];
}

interface ColourInput {
  status: Status;
  priority: Priority;
  unit: UnitServiceLevel;
  calendar: WorkingCalendar;
  /** When the colour clock started: the assignment to the unit, or the unit's last status change. */
  clockStart: Date;
  now: Date;
}

interface ColourResult {
  colour: PriorityColour;
  /** Working hours on the clock (0 for finished tickets). */
  workingHours: number;
  /** The next colour and the instant it is reached; absent at red and for finished tickets. */
  next?: { colour: OpenColour; at: Date };
}

const HOUR = 3_600_000;

/**
 * A ticket's priority colour at `now`.
 *
 * @example
 * priorityColour({ status: 'assigned', priority: 'urgent', unit: { family: 'ngi', qos: 'base' },
 *   calendar, clockStart: new Date('2026-12-01T09:00:00Z'), now: new Date('2026-12-04T09:00:00Z') })
 * // { colour: 'yellow', workingHours: 24, next: { colour: 'amber', at: 2026-12-04T15:00:00Z } }
 */
export function priorityColour(input: ColourInput): ColourResult {
  if (!isOpen(input.status)) return { colour: input.status === 'unsolved' ? 'light blue' : 'blue', workingHours: 0 };
  const elapsed = workingMsBetween(input.calendar, input.clockStart, input.now);
  const thresholds = colourThresholds(input.priority, input.unit);
  const workingHours = elapsed / HOUR;
  const steps: [OpenColour, number][] = [
    ['yellow', thresholds.yellow],
    ['amber', thresholds.amber],
    ['red', thresholds.red],
  ];
  let colour: OpenColour = 'green';
  for (const [name, hours] of steps) {
    if (workingHours >= hours) colour = name;
    else return { colour, workingHours, next: { colour: name, at: addWorkingMs(input.calendar, input.clockStart, hours * HOUR) } };
  }
  return { colour, workingHours };
}

// ---------------------------------------------------------------------------------------------------
// QoS response deadlines.

/** Share of the response time after which the unit is warned (D-QOS). */
export const QOS_WARNING_FRACTION = 0.75;

/** A response-time target: an amount of working days or working hours. */
interface ResponseTarget {
  amount: number;
  unit: 'working days' | 'working hours';
}

const DAYS = (amount: number): ResponseTarget => ({ amount, unit: 'working days' });

/**
 * D-QOS: Base 5 working days for every priority; Medium 5/5/1/1 working days (less urgent → top priority);
 * Advanced 5 working days / 1 / 1 / 4 working hours.
 */
const BASE_TARGETS: Record<Priority, ResponseTarget> = { 'less urgent': DAYS(5), urgent: DAYS(5), 'very urgent': DAYS(5), 'top priority': DAYS(5) };
const RESPONSE_TARGETS: Record<string, Record<Priority, ResponseTarget>> = {
  base: BASE_TARGETS,
  medium: { 'less urgent': DAYS(5), urgent: DAYS(5), 'very urgent': DAYS(1), 'top priority': DAYS(1) },
  advanced: { 'less urgent': DAYS(5), urgent: DAYS(1), 'very urgent': DAYS(1), 'top priority': { amount: 4, unit: 'working hours' } },
};

/**
 * The response-time target of a QoS level for a priority; an unknown level is treated as Base.
 *
 * @example responseTarget('advanced', 'top priority') // { amount: 4, unit: 'working hours' }
 */
export function responseTarget(qos: string, priority: Priority): ResponseTarget {
  return (RESPONSE_TARGETS[qos] ?? BASE_TARGETS)[priority];
}

/** A target in milliseconds of working time on a calendar. */
export function targetMs(calendar: WorkingCalendar, target: ResponseTarget): number {
  return target.unit === 'working days' ? target.amount * workingDayMs(calendar) : target.amount * HOUR;
}

interface ResponseDeadline {
  target: ResponseTarget;
  /** When the response is due. */
  due: Date;
  /** When the unit is warned: `QOS_WARNING_FRACTION` of the target after the start. */
  warnAt: Date;
}

/**
 * When a unit must respond to a ticket it got at `since`, and when it is warned.
 *
 * @example responseDeadline(calendar, 'medium', 'very urgent', new Date('2026-12-04T13:00:00Z'))
 * // Friday 13:00 + 1 working day (09–17): due Monday 13:00, warned Monday 11:00
 */
export function responseDeadline(calendar: WorkingCalendar, qos: string, priority: Priority, since: Date): ResponseDeadline {
  const target = responseTarget(qos, priority);
  const total = targetMs(calendar, target);
  return { target, due: addWorkingMs(calendar, since, total), warnAt: addWorkingMs(calendar, since, total * QOS_WARNING_FRACTION) };
}

/** Where a ticket stands against its response deadline at `now`. */
export function responseState(deadline: ResponseDeadline, now: Date): 'in time' | 'warning' | 'overdue' {
  if (now.getTime() >= deadline.due.getTime()) return 'overdue';
  return now.getTime() >= deadline.warnAt.getTime() ? 'warning' : 'in time';
}

/** Statuses in which a unit still owes its first response: it has the ticket but has not acted on it. */
const AWAITING_RESPONSE: readonly Status[] = ['new', 'assigned'];

/** Whether a ticket in `status` still waits for the responsible unit's response. */
export function awaitsResponse(status: Status): boolean {
  return AWAITING_RESPONSE.includes(status);
}

/** When a ticket entered its current status and its current unit. */
export interface TicketTimeline {
  /** ISO time the current status was entered. */
  statusSince: string;
  /** ISO time the ticket came to its current unit. */
  unitSince: string;
}

/**
 * The timeline from the ticket's history events (lib/core/events.ts), oldest first. The creation counts
 * when the helpdesk got the ticket (its commit), not at its `created` time: a GitHub issue opened a day
 * before the scheduled intake took it in could not be worked on before. Without events (a shallow clone, a
 * ticket written by hand) both times are the creation. The one clock of the tick job's colour alerts and
 * the site's colours.
 */
export function timelineOf(ticket: { created: string }, events: readonly TicketEvent[] = []): TicketTimeline {
  let statusSince = ticket.created;
  let unitSince = ticket.created;
  for (const event of events) {
    if (event.type === 'created') {
      statusSince = event.time;
      unitSince = event.time;
    } else if (event.type === 'status') {
      statusSince = event.time;
    } else if (event.type === 'assigned' || event.type === 'routed') {
      unitSince = event.time;
    }
  }
  return { statusSince, unitSince };
}

/** When the colour clock started: on assignment to the unit, reset by every status change (D-PRIO). */
export function colourClockStart(timeline: TicketTimeline): Date {
  return new Date(Math.max(Date.parse(timeline.statusSince), Date.parse(timeline.unitSince)));
}
