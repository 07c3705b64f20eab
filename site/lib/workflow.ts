/**
 * The site's view of GGUS's own reports (lib/core/workflow-report.ts) and of TPM monitoring
 * (lib/core/monitor.ts), computed once per build from the public ticket summaries and their history.
 *
 * Pre-built filter pages are few and bounded: one per unit, priority, VO, type and category the
 * helpdesk knows, one per site that has tickets (at most `MAX_SITE_PAGES`), and three time frames —
 * everything else is in the per-row exports (exports/report-times.csv and .json), which carry every
 * filter column. Pure apart from reading the model.
 */
import { calendarOfUnit, type WorkingCalendar } from '../../lib/core/calendar.ts';
import { monitorTickets, type MonitorReport } from '../../lib/core/monitor.ts';
import { notifySettingsOf } from '../../lib/core/schema/notify.ts';
import { monitoringSettingsOf } from '../../lib/core/schema/settings.ts';
import { CATEGORIES, PRIORITIES, TICKET_TYPES } from '../../lib/core/schema/ticket.ts';
import { EXCLUDED_CATEGORY, metricRows, ticketMetrics, workflowReport, type MetricRow, type ReportFilter, type TicketMetrics, type WorkflowReport } from '../../lib/core/workflow-report.ts';
import { loadSettings } from '../../lib/store/load.ts';
import type { Model } from './model.ts';
import { isoSeconds, utcDay } from '../../lib/core/time.ts';

/** Sites with tickets get a page each, the busiest first, up to this many. */
const MAX_SITE_PAGES = 50;

export interface ReportPage {
  /** Path under reports/, e.g. `unit/ngi-de`. */
  path: string;
  /** Words for the heading, e.g. `unit ngi-de`. */
  label: string;
  filter: ReportFilter;
}

const cache = new WeakMap<Model, TicketMetrics[]>();

/** Every ticket's report metrics at the build's reference time (computed once per model). */
function metricsOf(model: Model): TicketMetrics[] {
  let found = cache.get(model);
  if (!found) {
    const calendars = new Map<string, WorkingCalendar>();
    const levels = (id: string) => {
      const unit = model.unitById.get(id);
      let calendar = calendars.get(id);
      if (!calendar) calendars.set(id, (calendar = calendarOfUnit(unit)));
      return { calendar, qos: unit?.qos ?? 'base' };
    };
    found = model.tickets.map((t) => ticketMetrics(t, model.history.events(t), levels, model.now));
    cache.set(model, found);
  }
  return found;
}

/** The pre-built filter pages, in a stable order. */
export function reportPages(model: Model): ReportPage[] {
  const pages: ReportPage[] = [];
  const now = model.now;
  const back = (days: number) => isoSeconds(now.getTime() - days * 86_400_000);
  pages.push({ path: 'time/last-30-days', label: `tickets created in the 30 days before ${utcDay(now)}`, filter: { from: back(30) } });
  pages.push({ path: 'time/last-365-days', label: `tickets created in the 365 days before ${utcDay(now)}`, filter: { from: back(365) } });
  const year = now.getUTCFullYear();
  pages.push({ path: `time/${year}`, label: `tickets created in ${year}`, filter: { from: `${year}-01-01T00:00:00Z`, to: `${year + 1}-01-01T00:00:00Z` } });
  for (const unit of model.units) pages.push({ path: `unit/${unit.id}`, label: `unit ${unit.id}`, filter: { unit: unit.id } });
  for (const priority of PRIORITIES) pages.push({ path: `priority/${priority.replace(/ /g, '-')}`, label: `original priority ${priority}`, filter: { priority } });
  for (const vo of loadSettings(model.root).vos) pages.push({ path: `vo/${vo}`, label: `VO ${vo}`, filter: { vo } });
  for (const type of TICKET_TYPES) pages.push({ path: `type/${type.toLowerCase()}`, label: `type ${type}`, filter: { type } });
  for (const category of CATEGORIES.filter((c) => c !== EXCLUDED_CATEGORY)) pages.push({ path: `category/${category.replace(/ /g, '-')}`, label: `category ${category}`, filter: { category } });
  const sites = new Map<string, number>();
  for (const t of model.tickets) if (t.site && /^[A-Za-z0-9_.-]+$/.test(t.site)) sites.set(t.site, (sites.get(t.site) ?? 0) + 1);
  const busiest = [...sites]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, MAX_SITE_PAGES)
    .map(([site]) => site)
    .sort();
  for (const site of busiest) pages.push({ path: `site/${site}`, label: `site ${site}`, filter: { site } });
  return pages;
}

export function reportFor(model: Model, filter: ReportFilter = {}): WorkflowReport {
  return workflowReport(metricsOf(model), filter);
}

export function reportRows(model: Model): MetricRow[] {
  return metricRows(metricsOf(model));
}

/** The monitoring page's findings at the build's reference time (public summaries only). */
export function monitorOf(model: Model): MonitorReport {
  const settings = loadSettings(model.root);
  const monitoring = monitoringSettingsOf(settings);
  const events = new Map(model.tickets.map((t) => [t.number, model.history.events(t)]));
  return monitorTickets(
    model.tickets.map((t) => ({ number: t.number, title: t.title, status: t.status, unit: t.unit, priority: t.priority, created: t.created, category: t.category })),
    events,
    model.units.map((u) => ({ id: u.id, family: u.family, qos: u.qos, calendar: calendarOfUnit(u) })),
    { now: model.now, assignWithinHours: monitoring.assignWithinHours, bounceUnits: monitoring.bounceUnits, waitingStepDays: notifySettingsOf(settings).tick.waitingStepDays, fallback: calendarOfUnit(undefined) },
  );
}
