/**
 * GGUS's own reports (docs/ggus.md §5, D-RG) as pure functions of the ticket summaries and their
 * history events:
 *
 * - **response time**: from the moment a unit receives the ticket (creation, routing or assignment) to its
 *   first response (a status change away from new/assigned, or a re-assignment), in **working hours on that
 *   unit's calendar**, credited to the unit that held the ticket then — a ticket passed through three units
 *   gives each its own response;
 * - **violated response time**: a response later than the unit's QoS target for the ticket's original
 *   priority (a ticket still without response counts once its target has passed);
 * - **solution time**: from creation, or from the last reopen (a reopen restarts it), to solved/unsolved, in
 *   working hours on the solving unit's calendar, without the time spent waiting for the submitter's reply;
 * - **lifetime** of finished tickets in calendar days (mean and median);
 * - everything by **original** priority, and filterable by time frame (creation), unit, priority, VO, site,
 *   type and category. Tickets of category `test` never count.
 *
 * Computing a ticket's metrics needs only its own summary and events, so an incremental build can keep them
 * per ticket; aggregating is a cheap pass over the metrics.
 */
import { mean, median } from 'd3-array';
import { workingMsBetween, type WorkingCalendar } from './calendar.ts';
import { responseTarget, targetMs } from './colours.ts';
import type { TicketEvent } from './events.ts';
import { isOpen, PRIORITIES, type Priority, type Status } from './schema/ticket.ts';
import { isoSeconds } from './time.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** What the reports need of a ticket (the site's public summary has all of it). */
export interface ReportTicket {
  number: number;
  created: string;
  status: Status;
  unit: string;
  originalPriority: Priority;
  type: string;
  category: string;
  vo?: string | undefined;
  site?: string | undefined;
}

/** A unit's calendar and QoS level; unknown units get the default calendar and Base. */
type UnitLevels = (unit: string) => { calendar: WorkingCalendar; qos: string };

interface ResponseMetric {
  unit: string;
  /** Working hours on the unit's calendar; undefined while the unit has not responded. */
  hours?: number;
  violated: boolean;
  /** ISO time the unit received the ticket. */
  since: string;
}

interface SolutionMetric {
  unit: string;
  hours: number;
  /** ISO time of the solution. */
  at: string;
}

export interface TicketMetrics {
  ticket: ReportTicket;
  responses: ResponseMetric[];
  solution?: SolutionMetric;
  /** Calendar days from creation to the last time it became finished; only for finished tickets. */
  lifetimeDays?: number;
}

interface Period {
  unit: string;
  since: number;
  respondedAt?: number;
}

const RESPONDING: ReadonlySet<string> = new Set(['in progress', 'waiting for reply', 'on hold', 'solved', 'unsolved']);

/** One ticket's metrics from its events (oldest first) at `now`. */
export function ticketMetrics(ticket: ReportTicket, events: readonly TicketEvent[], levels: UnitLevels, now: Date): TicketMetrics {
  const created = Date.parse(ticket.created);
  const first = events.find((e) => e.type === 'created');
  let unit = first?.type === 'created' && first.unit ? first.unit : ticket.unit;
  let status: Status = first?.type === 'created' ? (first.status as Status) : ticket.status;
  const periods: Period[] = [{ unit, since: created }];
  let solutionStart = created;
  let waitingSince: number | undefined = status === 'waiting for reply' ? created : undefined;
  const waits: [number, number][] = [];
  let solution: SolutionMetric | undefined;
  let finishedAt: number | undefined;
  for (const event of events) {
    // An imported helpdesk's creation commit may be later than `created`: nothing counts before creation.
    const at = Math.max(created, Date.parse(event.time));
    const current = periods[periods.length - 1] as Period;
    if (event.type === 'assigned' || event.type === 'routed') {
      if (event.to === unit) continue;
      if (current.respondedAt === undefined && event.type === 'assigned' && at > current.since) current.respondedAt = at;
      unit = event.to;
      periods.push({ unit, since: at });
    } else if (event.type === 'status') {
      if (current.respondedAt === undefined && RESPONDING.has(event.to)) current.respondedAt = at;
      if (waitingSince !== undefined) waits.push([waitingSince, at]);
      waitingSince = event.to === 'waiting for reply' ? at : undefined;
      if (event.to === 'reopened') {
        // A reopen restarts the solution metric (D-RG).
        solutionStart = at;
        solution = undefined;
        waits.length = 0;
        finishedAt = undefined;
      }
      if ((event.to === 'solved' || event.to === 'unsolved') && (status === undefined || isOpen(status))) {
        const calendar = levels(unit).calendar;
        const waited = waits.filter(([, end]) => end > solutionStart).reduce((sum, [start, end]) => sum + workingMsBetween(calendar, new Date(Math.max(start, solutionStart)), new Date(end)), 0);
        solution = { unit, hours: Math.max(0, workingMsBetween(calendar, new Date(solutionStart), new Date(at)) - waited) / HOUR, at: isoSeconds(at) };
      }
      if (!isOpen(event.to) && (status === undefined || isOpen(status))) finishedAt = at;
      status = event.to;
    }
  }
  // A ticket that entered the history already past new/assigned (an imported helpdesk) owes its first unit no response we could measure.
  const owed = periods.filter((period, index) => index > 0 || first?.type !== 'created' || first.status === 'new' || first.status === 'assigned');
  const responses = owed.map((period): ResponseMetric => {
    const { calendar, qos } = levels(period.unit);
    const target = targetMs(calendar, responseTarget(qos, ticket.originalPriority));
    const end = period.respondedAt ?? now.getTime();
    const worked = workingMsBetween(calendar, new Date(period.since), new Date(Math.max(period.since, end)));
    const metric: ResponseMetric = { unit: period.unit, violated: worked > target, since: isoSeconds(period.since) };
    if (period.respondedAt !== undefined) metric.hours = worked / HOUR;
    return metric;
  });
  // A ticket handed on before any response: only the last holder still owes one; earlier holders are judged by when they passed it on.
  const metrics: TicketMetrics = { ticket, responses };
  if (solution) metrics.solution = solution;
  if (!isOpen(ticket.status) && finishedAt !== undefined) metrics.lifetimeDays = (finishedAt - created) / DAY;
  return metrics;
}

/** The filters of a report page or export; absent means all. */
export interface ReportFilter {
  /** Created at or after (ISO). */
  from?: string;
  /** Created before (ISO). */
  to?: string;
  unit?: string;
  priority?: Priority;
  vo?: string;
  site?: string;
  type?: string;
  category?: string;
}

/** GGUS leaves test tickets out of every report. */
export const EXCLUDED_CATEGORY = 'test';

function matches(t: ReportTicket, filter: ReportFilter): boolean {
  if (t.category === EXCLUDED_CATEGORY) return false;
  if (filter.from !== undefined && t.created < filter.from) return false;
  if (filter.to !== undefined && t.created >= filter.to) return false;
  if (filter.priority !== undefined && t.originalPriority !== filter.priority) return false;
  if (filter.vo !== undefined && t.vo !== filter.vo) return false;
  if (filter.site !== undefined && t.site !== filter.site) return false;
  if (filter.type !== undefined && t.type !== filter.type) return false;
  if (filter.category !== undefined && t.category !== filter.category) return false;
  return true;
}

export interface Figures {
  count: number;
  mean?: number;
  median?: number;
}

function figures(values: readonly number[]): Figures {
  if (values.length === 0) return { count: 0 };
  return { count: values.length, mean: mean(values), median: median(values) };
}

interface UnitReportRow {
  unit: string;
  /** Response time, working hours. */
  response: Figures;
  /** Responses later than the QoS target, and tickets still without response past it. */
  violated: number;
  /** Solution time, working hours, waiting for reply excluded. */
  solution: Figures;
}

interface PriorityReportRow {
  priority: Priority;
  response: Figures;
  violated: number;
  solution: Figures;
}

export interface WorkflowReport {
  filter: ReportFilter;
  tickets: number;
  finished: number;
  /** Calendar days, finished tickets. */
  lifetime: Figures;
  units: UnitReportRow[];
  priorities: PriorityReportRow[];
}

/** The report of the metrics that pass the filter; the unit filter selects the credited unit. */
export function workflowReport(all: readonly TicketMetrics[], filter: ReportFilter = {}): WorkflowReport {
  const chosen = all.filter((m) => matches(m.ticket, filter));
  const byUnit = new Map<string, { response: number[]; violated: number; solution: number[] }>();
  const byPriority = new Map<Priority, { response: number[]; violated: number; solution: number[] }>();
  const entry = <K>(map: Map<K, { response: number[]; violated: number; solution: number[] }>, key: K) => {
    let found = map.get(key);
    if (!found) map.set(key, (found = { response: [], violated: 0, solution: [] }));
    return found;
  };
  let tickets = 0;
  const lifetimes: number[] = [];
  for (const m of chosen) {
    const responses = filter.unit === undefined ? m.responses : m.responses.filter((r) => r.unit === filter.unit);
    const solution = m.solution && (filter.unit === undefined || m.solution.unit === filter.unit) ? m.solution : undefined;
    if (filter.unit !== undefined && responses.length === 0 && !solution) continue;
    tickets += 1;
    if (m.lifetimeDays !== undefined) lifetimes.push(m.lifetimeDays);
    const priority = entry(byPriority, m.ticket.originalPriority);
    for (const r of responses) {
      const unit = entry(byUnit, r.unit);
      if (r.hours !== undefined) {
        unit.response.push(r.hours);
        priority.response.push(r.hours);
      }
      if (r.violated) {
        unit.violated += 1;
        priority.violated += 1;
      }
    }
    if (solution) {
      entry(byUnit, solution.unit).solution.push(solution.hours);
      priority.solution.push(solution.hours);
    }
  }
  return {
    filter,
    tickets,
    finished: lifetimes.length,
    lifetime: figures(lifetimes),
    units: [...byUnit].sort(([a], [b]) => a.localeCompare(b)).map(([unit, v]) => ({ unit, response: figures(v.response), violated: v.violated, solution: figures(v.solution) })),
    priorities: PRIORITIES.filter((p) => byPriority.has(p)).map((priority) => {
      const v = byPriority.get(priority) as { response: number[]; violated: number; solution: number[] };
      return { priority, response: figures(v.response), violated: v.violated, solution: figures(v.solution) };
    }),
  };
}

/** One row per response and per solution, with every filter dimension: the export anyone can filter further. */
export interface MetricRow {
  ticket: number;
  created: string;
  kind: 'response' | 'solution';
  unit: string;
  /** Working hours; empty for a response still outstanding. */
  hours?: number;
  violated?: boolean;
  priority: Priority;
  type: string;
  category: string;
  vo?: string;
  site?: string;
  lifetimeDays?: number;
}

export function metricRows(all: readonly TicketMetrics[]): MetricRow[] {
  const rows: MetricRow[] = [];
  const round = (n: number) => Math.round(n * 100) / 100;
  for (const m of all) {
    if (m.ticket.category === EXCLUDED_CATEGORY) continue;
    const base = {
      ticket: m.ticket.number,
      created: m.ticket.created,
      priority: m.ticket.originalPriority,
      type: m.ticket.type,
      category: m.ticket.category,
      ...(m.ticket.vo ? { vo: m.ticket.vo } : {}),
      ...(m.ticket.site ? { site: m.ticket.site } : {}),
      ...(m.lifetimeDays === undefined ? {} : { lifetimeDays: round(m.lifetimeDays) }),
    };
    for (const r of m.responses) rows.push({ ...base, kind: 'response', unit: r.unit, ...(r.hours === undefined ? {} : { hours: round(r.hours) }), violated: r.violated });
    if (m.solution) rows.push({ ...base, kind: 'solution', unit: m.solution.unit, hours: round(m.solution.hours) });
  }
  return rows;
}
