/**
 * Report figures from the ticket summaries and their history (docs/ggus.md §5): tickets submitted and
 * closed per month, response and solution time per unit (median and mean; solution time excludes time in
 * `waiting for reply`), open tickets by age and priority colour, and per-unit QoS deadline compliance.
 * Pure: the model in, numbers out; site/lib/charts.ts draws them.
 */
import { mean, median } from 'd3-array';
import { calendarOfUnit, type WorkingCalendar } from '../../lib/core/calendar.ts';
import { responseDeadline, responseTarget, targetMs } from '../../lib/core/colours.ts';
import type { TicketHistory } from './history.ts';
import type { ViewTicket } from './view.ts';
import type { PublicUnit } from './public.ts';

const HOUR = 3_600_000;

export interface MonthCount {
  month: string;
  submitted: number;
  closed: number;
}

export interface UnitTimes {
  unit: string;
  responses: number;
  responseMedian?: number;
  responseMean?: number;
  solutions: number;
  solutionMedian?: number;
  solutionMean?: number;
}

const AGE_BUCKETS = [
  { label: '< 1 day', maxDays: 1 },
  { label: '1–7 days', maxDays: 7 },
  { label: '1–4 weeks', maxDays: 28 },
  { label: '1–3 months', maxDays: 91 },
  { label: '> 3 months', maxDays: Number.POSITIVE_INFINITY },
] as const;

export interface AgeRow {
  bucket: string;
  counts: Record<string, number>;
}

export interface Compliance {
  unit: string;
  inTime: number;
  late: number;
  /** Share answered in time, 0–1; undefined without any judged ticket. */
  share?: number;
}

interface Report {
  months: MonthCount[];
  times: UnitTimes[];
  ages: AgeRow[];
  colours: string[];
  compliance: Compliance[];
  totals: { tickets: number; open: number; closed: number };
}

function monthOf(iso: string): string {
  return iso.slice(0, 7);
}

/** Every month from the first to the last, so gaps show as zero instead of disappearing. */
function monthRange(first: string, last: string): string[] {
  const out: string[] = [];
  let [year, month] = first.split('-').map(Number) as [number, number];
  const [lastYear, lastMonth] = last.split('-').map(Number) as [number, number];
  while (year < lastYear || (year === lastYear && month <= lastMonth)) {
    out.push(`${year}-${String(month).padStart(2, '0')}`);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return out;
}

/** When a closed ticket was closed: from the history, else its last public change. */
function closedTime(ticket: ViewTicket, history: TicketHistory): string | undefined {
  if (ticket.open) return undefined;
  return history.closedAt(ticket) ?? ticket.lastChange;
}

function monthly(tickets: readonly ViewTicket[], history: TicketHistory): MonthCount[] {
  const submitted = new Map<string, number>();
  const closed = new Map<string, number>();
  for (const t of tickets) {
    submitted.set(monthOf(t.created), (submitted.get(monthOf(t.created)) ?? 0) + 1);
    const at = closedTime(t, history);
    if (at) closed.set(monthOf(at), (closed.get(monthOf(at)) ?? 0) + 1);
  }
  const months = [...submitted.keys(), ...closed.keys()].sort();
  if (months.length === 0) return [];
  return monthRange(months[0] as string, months.at(-1) as string).map((month) => ({ month, submitted: submitted.get(month) ?? 0, closed: closed.get(month) ?? 0 }));
}

function unitTimes(tickets: readonly ViewTicket[], history: TicketHistory): UnitTimes[] {
  const byUnit = new Map<string, { responses: number[]; solutions: number[] }>();
  for (const t of tickets) {
    const entry = byUnit.get(t.unit) ?? { responses: [], solutions: [] };
    byUnit.set(t.unit, entry);
    const created = Date.parse(t.created);
    const first = history.firstAction(t);
    if (first) entry.responses.push(Math.max(0, Date.parse(first) - created) / HOUR);
    const solved = t.open ? undefined : (history.solvedAt(t) ?? t.lastChange);
    if (solved) entry.solutions.push(Math.max(0, Date.parse(solved) - created - history.waitingMs(t)) / HOUR);
  }
  return [...byUnit.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([unit, { responses, solutions }]) => {
      const row: UnitTimes = { unit, responses: responses.length, solutions: solutions.length };
      if (responses.length > 0) {
        row.responseMedian = median(responses);
        row.responseMean = mean(responses);
      }
      if (solutions.length > 0) {
        row.solutionMedian = median(solutions);
        row.solutionMean = mean(solutions);
      }
      return row;
    });
}

function ageRows(open: readonly ViewTicket[], now: Date, colours: readonly string[]): AgeRow[] {
  const rows = AGE_BUCKETS.map((bucket) => ({ bucket: bucket.label, counts: Object.fromEntries(colours.map((c) => [c, 0])) }));
  for (const t of open) {
    const days = (now.getTime() - Date.parse(t.created)) / 86_400_000;
    const index = AGE_BUCKETS.findIndex((bucket) => days < bucket.maxDays);
    const row = rows[index === -1 ? rows.length - 1 : index];
    if (row) row.counts[t.colour] = (row.counts[t.colour] ?? 0) + 1;
  }
  return rows;
}

/**
 * Whether each unit's first response came within its QoS target (from creation, on the unit's working
 * calendar). A ticket still without response counts as late once its deadline has passed, and is not
 * judged before.
 */
function compliance(tickets: readonly ViewTicket[], units: ReadonlyMap<string, PublicUnit>, history: TicketHistory, now: Date): Compliance[] {
  const byUnit = new Map<string, Compliance>();
  const calendars = new Map<string, WorkingCalendar>();
  for (const t of tickets) {
    const unit = units.get(t.unit);
    const row = byUnit.get(t.unit) ?? { unit: t.unit, inTime: 0, late: 0 };
    byUnit.set(t.unit, row);
    const calendar = calendars.get(t.unit) ?? calendarOfUnit(unit);
    calendars.set(t.unit, calendar);
    const created = Date.parse(t.created);
    const first = history.firstAction(t);
    const answered = first === undefined ? undefined : Date.parse(first);
    // Working time never runs faster than the clock: an answer within the target's length of wall time is in
    // time without walking the calendar (most tickets; the walk is the expensive part at 50k tickets).
    if (answered !== undefined && answered - created <= targetMs(calendar, responseTarget(unit?.qos ?? 'base', t.priority))) {
      row.inTime += 1;
      continue;
    }
    const { due } = responseDeadline(calendar, unit?.qos ?? 'base', t.priority, new Date(created));
    if (answered !== undefined) {
      if (answered <= due.getTime()) row.inTime += 1;
      else row.late += 1;
    } else if (now.getTime() > due.getTime()) {
      row.late += 1;
    }
  }
  return [...byUnit.values()].sort((a, b) => a.unit.localeCompare(b.unit)).map((row) => (row.inTime + row.late > 0 ? { ...row, share: row.inTime / (row.inTime + row.late) } : row));
}

const OPEN_COLOURS = ['green', 'yellow', 'amber', 'red'] as const;

export function buildReport(tickets: readonly ViewTicket[], units: ReadonlyMap<string, PublicUnit>, history: TicketHistory, now: Date): Report {
  const open = tickets.filter((t) => t.open);
  const colours = [...OPEN_COLOURS];
  return {
    months: monthly(tickets, history),
    times: unitTimes(tickets, history),
    ages: ageRows(open, now, colours),
    colours,
    compliance: compliance(tickets, units, history, now),
    totals: { tickets: tickets.length, open: open.length, closed: tickets.length - open.length },
  };
}
