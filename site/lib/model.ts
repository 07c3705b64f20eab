/**
 * The site's data, computed once per build: settings, units and ticket summaries (all public
 * projections, site/lib/public.ts), plus each open ticket's priority colour at the build's reference
 * time. Every page reads from here; nothing here is rendered.
 */
import { getCollection } from 'astro:content';
import { calendarOfUnit, type WorkingCalendar } from '../../lib/core/calendar.ts';
import { priorityColour } from '../../lib/core/colours.ts';
import type { ViewTicket } from './view.ts';
import { isOpen } from '../../lib/core/schema/ticket.ts';
import { runGit } from '../../lib/git/native.ts';
import { loadSettings, loadUnits } from '../../lib/store/load.ts';
import { ValidationError } from '../../lib/errors.ts';
import { ENV_NOW, helpdeskRootFrom, siteOptions } from './env.ts';
import { partOf, type SitePart } from '../../lib/core/site-parts.ts';
import { createTicketTextRenderer, type TicketTextRenderer } from './markdown.ts';
import { publicSettings, publicUnit, sitePolicy, type PublicSettings, type PublicTicket, type PublicUnit } from './public.ts';
import type { AddressPolicy } from '../../lib/core/privacy.ts';
import { loadHistory, type TicketHistory } from './history.ts';

export type { ViewTicket };

export interface Model {
  root: string;
  settings: PublicSettings;
  policy: AddressPolicy;
  units: PublicUnit[];
  unitById: Map<string, PublicUnit>;
  /** Every ticket, newest (highest number) first. */
  tickets: ViewTicket[];
  byNumber: Map<number, ViewTicket>;
  /** The time ages and colours are computed at. */
  now: Date;
  history: TicketHistory;
  renderText: TicketTextRenderer;
  /** The site part this build makes (helpdesk.yml `siteParts`); undefined for the main site. */
  part?: SitePart;
  /** Whether this build writes ticket `number`'s page: a part its range, the main site what no part holds. */
  holds(number: number): boolean;
}

/** Units the tree names that have no file still get a colour on the default calendar. */
const FALLBACK_LEVEL = { family: 'service', qos: 'base' } as const;

/**
 * Red is reached after at most 40 working hours, so counting further back than this changes no colour
 * (any calendar with a working day a week of 2.5 hours passes 40 hours in 16 weeks); it keeps years-old
 * tickets from costing a day-by-day walk.
 */
const COLOUR_HORIZON_MS = 16 * 7 * 86_400_000;

/**
 * The reference time: GITGUS_NOW, else the last commit that changed the helpdesk's data, else the newest
 * time in the data. Never the wall clock, so the same tree builds the same bytes.
 */
function referenceTime(root: string, tickets: readonly PublicTicket[]): Date {
  const fromEnv = process.env[ENV_NOW];
  if (fromEnv) {
    const date = new Date(fromEnv);
    if (!Number.isNaN(date.getTime())) return date;
  }
  const { stdout, status } = runGit(root, ['log', '-1', '--format=%cI', '--', 'tickets', 'units', 'helpdesk.yml'], { allowFailure: true });
  const fromGit = new Date(stdout.trim());
  if (status === 0 && stdout.trim() !== '' && !Number.isNaN(fromGit.getTime())) return fromGit;
  const newest = tickets.reduce((latest, t) => (t.lastChange > latest ? t.lastChange : latest), '1970-01-01T00:00:00Z');
  return new Date(newest);
}

async function buildModel(): Promise<Model> {
  const root = helpdeskRootFrom(process.env);
  const rawSettings = loadSettings(root);
  const policy = sitePolicy(rawSettings);
  const { items, problems } = loadUnits(root);
  if (problems.length > 0) throw new ValidationError(problems);
  const units = items.map((doc) => publicUnit(doc, policy)).sort((a, b) => a.id.localeCompare(b.id));
  const unitById = new Map(units.map((unit) => [unit.id, unit]));
  const summaries = (await getCollection('tickets')).map((entry) => entry.data as unknown as PublicTicket);
  const history = await loadHistory(root, policy);
  const now = referenceTime(root, summaries);
  const calendars = new Map<string, WorkingCalendar>();
  const calendarOf = (id: string) => {
    let calendar = calendars.get(id);
    if (!calendar) {
      calendar = calendarOfUnit(unitById.get(id));
      calendars.set(id, calendar);
    }
    return calendar;
  };
  const tickets = summaries
    .map((summary): ViewTicket => {
      const view = history.apply(summary);
      const clockStart = new Date(Math.max(Date.parse(history.clockStart(view)), now.getTime() - COLOUR_HORIZON_MS));
      const { colour } = priorityColour({ status: view.status, priority: view.priority, unit: unitById.get(view.unit) ?? FALLBACK_LEVEL, calendar: calendarOf(view.unit), clockStart, now });
      return { ...view, open: isOpen(view.status), colour };
    })
    .sort((a, b) => b.number - a.number);
  const { part } = siteOptions(process.env);
  const parts = rawSettings.siteParts ?? [];
  const holds = part ? (number: number) => number >= part.tickets.from && number <= part.tickets.to : (number: number) => partOf(parts, number) === undefined;
  return {
    ...(part ? { part } : {}),
    holds,
    root,
    settings: publicSettings(rawSettings),
    policy,
    units,
    unitById,
    tickets,
    byNumber: new Map(tickets.map((t) => [t.number, t])),
    now,
    history,
    renderText: createTicketTextRenderer(policy),
  };
}

let cached: Promise<Model> | undefined;

/** The build's data, computed on first use and shared by every page. */
export function getModel(): Promise<Model> {
  cached ??= buildModel();
  return cached;
}
