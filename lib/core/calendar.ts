/**
 * The working-day calendar behind every time-driven rule: reminders, auto-close, priority colours and QoS
 * deadlines all count office time, not wall-clock time (docs/ggus.md §2.4, §5).
 *
 * A calendar is a support unit's office hours in the unit's IANA time zone. The documented default,
 * following GGUS's report generator, is **Monday–Friday 09:00–17:00 in the unit's zone** (UTC when a unit
 * names none), with no public holidays. Local time is resolved through `Intl.DateTimeFormat`, so daylight
 * saving changes are handled by the platform's time-zone database; nothing here reads a clock.
 *
 * "N working days" means N times the length of one office day of working time: a ticket that starts
 * waiting on Friday at 14:00 in a Mon–Fri 09:00–17:00 unit reaches 5 working days on the next Friday at
 * 14:00, and one that starts on Saturday reaches it on Friday at 17:00 (the weekend counts nothing).
 *
 * Pure: no node:* imports, no IO.
 */
import { GitgusError } from '../errors.ts';

/** Weekday names as unit files write them. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** Office hours as written in a unit file (`officeHours:`). */
export interface OfficeHours {
  days: readonly Weekday[];
  /** `HH:MM`, local time. */
  start: string;
  /** `HH:MM`, local time, later than `start` on the same day. */
  end: string;
}

/** A resolved calendar: which local weekdays are working days and which local minutes of them. */
export interface WorkingCalendar {
  /** IANA time zone, e.g. `Europe/Berlin`. */
  readonly timeZone: string;
  /** Working weekdays, 0 = Sunday … 6 = Saturday (JavaScript's numbering). */
  readonly days: ReadonlySet<number>;
  /** Minutes after local midnight when office hours begin. */
  readonly startMinute: number;
  /** Minutes after local midnight when office hours end. */
  readonly endMinute: number;
}

/** GGUS's office hours: Monday to Friday, 09:00–17:00 local time (docs/ggus.md §2.4). */
const DEFAULT_OFFICE_HOURS: OfficeHours = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' };

/** The zone of a unit that names none. */
const DEFAULT_TIME_ZONE = 'UTC';

const WEEKDAY_NUMBER: Record<Weekday, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function minuteOfDay(text: string, what: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!match) throw new GitgusError('E_OFFICE_HOURS', `office hours ${what} '${text}' is not a time like 09:00`, { hint: 'Write office hours as HH:MM, e.g. start: "09:00", end: "17:00".' });
  return Number(match[1]) * 60 + Number(match[2]);
}

/**
 * Builds a calendar from office hours and a time zone.
 *
 * @throws GitgusError `E_OFFICE_HOURS` when the end is not after the start, no day is given, or the zone
 *   is unknown.
 * @example workingCalendar({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }, 'Europe/Berlin')
 */
export function workingCalendar(hours: OfficeHours = DEFAULT_OFFICE_HOURS, timeZone: string = DEFAULT_TIME_ZONE): WorkingCalendar {
  const startMinute = minuteOfDay(hours.start, 'start');
  const endMinute = minuteOfDay(hours.end, 'end');
  if (endMinute <= startMinute) {
    throw new GitgusError('E_OFFICE_HOURS', `office hours end (${hours.end}) must be after their start (${hours.start}) on the same day`, { hint: 'Office hours that cross midnight are not supported; use e.g. start: "00:00", end: "23:59".' });
  }
  if (hours.days.length === 0) throw new GitgusError('E_OFFICE_HOURS', 'office hours name no working day', { hint: 'days: [mon, tue, wed, thu, fri]' });
  formatterFor(timeZone);
  return { timeZone, days: new Set(hours.days.map((day) => WEEKDAY_NUMBER[day])), startMinute, endMinute };
}

/**
 * The calendar of a support unit: its `officeHours` in its `timezone`, each falling back to the documented
 * default (Mon–Fri 09:00–17:00, UTC). Pass `undefined` for a ticket whose unit is unknown.
 */
export function calendarOfUnit(unit: { timezone?: string | undefined; officeHours?: OfficeHours | undefined } | undefined): WorkingCalendar {
  return workingCalendar(unit?.officeHours ?? DEFAULT_OFFICE_HOURS, unit?.timezone ?? DEFAULT_TIME_ZONE);
}

/** Length of one working day (one office-hours window) in milliseconds: 8 h for 09:00–17:00. */
export function workingDayMs(calendar: WorkingCalendar): number {
  return (calendar.endMinute - calendar.startMinute) * MINUTE;
}

// ---------------------------------------------------------------------------------------------------
// Local time through Intl. One formatter per zone: creating them is the expensive part.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    } catch (cause) {
      throw new GitgusError('E_OFFICE_HOURS', `unknown time zone '${timeZone}'`, { hint: 'Use an IANA zone name like Europe/Berlin or UTC.', cause });
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** Wall-clock fields of an instant in a zone. */
function localParts(timeZone: string, instant: number): LocalDate & { hour: number; minute: number; second: number } {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return { year: fields.year ?? 1970, month: fields.month ?? 1, day: fields.day ?? 1, hour: fields.hour ?? 0, minute: fields.minute ?? 0, second: fields.second ?? 0 };
}

/** How far the zone's wall clock is ahead of UTC at `instant`, in milliseconds. */
function zoneOffset(timeZone: string, instant: number): number {
  const wholeSecond = instant - (((instant % 1000) + 1000) % 1000);
  const p = localParts(timeZone, wholeSecond);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - wholeSecond;
}

/** The instant of a local wall-clock time; in a DST gap it lands just after the gap, as clocks do. */
function localToInstant(timeZone: string, date: LocalDate, minute: number): number {
  const asUtc = Date.UTC(date.year, date.month - 1, date.day, 0, minute);
  const firstGuess = asUtc - zoneOffset(timeZone, asUtc);
  const secondOffset = zoneOffset(timeZone, firstGuess);
  return asUtc - secondOffset === firstGuess ? firstGuess : asUtc - secondOffset;
}

function localDateOf(timeZone: string, instant: number): LocalDate {
  const { year, month, day } = localParts(timeZone, instant);
  return { year, month, day };
}

function nextDate(date: LocalDate, step = 1): LocalDate {
  const next = new Date(Date.UTC(date.year, date.month - 1, date.day + step));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

/** Days since 1970-01-01 of a local date: comparable, and cheap. */
function dayNumber(date: LocalDate): number {
  return Date.UTC(date.year, date.month - 1, date.day) / 86_400_000;
}

function weekdayOf(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

/**
 * Windows already computed, per calendar and local day number. The site's reports measure every ticket's
 * periods day by day over up to 20 years, and each window costs two time-zone conversions: at 10,000
 * tickets that was six minutes of every build. A calendar is never changed after it is made.
 */
const knownWindows = new WeakMap<WorkingCalendar, Map<number, { start: number; end: number } | null>>();

/** The office-hours window of one local date, or undefined on a day off. */
function windowOf(calendar: WorkingCalendar, date: LocalDate): { start: number; end: number } | undefined {
  let known = knownWindows.get(calendar);
  if (!known) knownWindows.set(calendar, (known = new Map<number, { start: number; end: number } | null>()));
  const key = dayNumber(date);
  const cached = known.get(key);
  if (cached !== undefined) return cached ?? undefined;
  const window = calendar.days.has(weekdayOf(date)) ? { start: localToInstant(calendar.timeZone, date, calendar.startMinute), end: localToInstant(calendar.timeZone, date, calendar.endMinute) } : null;
  known.set(key, window);
  return window ?? undefined;
}

/** A calendar with no working day at all would loop forever; `workingCalendar` refuses it, this is the backstop. */
const MAX_DAYS_SCANNED = 366 * 200;

// ---------------------------------------------------------------------------------------------------

/** Whether `at` falls inside office hours (start inclusive, end exclusive). */
export function isWorkingTime(calendar: WorkingCalendar, at: Date): boolean {
  const window = windowOf(calendar, localDateOf(calendar.timeZone, at.getTime()));
  return window !== undefined && at.getTime() >= window.start && at.getTime() < window.end;
}

/**
 * Working time elapsed between two instants, in milliseconds: only the parts of office-hours windows that
 * lie between them count. Zero when `to` is not after `from`.
 *
 * @example // Friday 16:00 → Monday 10:00, Mon–Fri 09:00–17:00: 1 h + 1 h
 * workingMsBetween(calendar, new Date('2026-12-04T16:00:00Z'), new Date('2026-12-07T10:00:00Z')) // 7_200_000
 */
export function workingMsBetween(calendar: WorkingCalendar, from: Date, to: Date): number {
  const start = from.getTime();
  const end = to.getTime();
  if (!(end > start)) return 0;
  let total = 0;
  let date = localDateOf(calendar.timeZone, start);
  const last = dayNumber(localDateOf(calendar.timeZone, end));
  while (dayNumber(date) <= last) {
    const window = windowOf(calendar, date);
    if (window) total += Math.max(0, Math.min(window.end, end) - Math.max(window.start, start));
    date = nextDate(date);
  }
  return total;
}

/**
 * The earliest instant at which `ms` of working time have passed since `from`. Adding zero returns `from`
 * itself, even outside office hours.
 *
 * @example // Friday 15:00 plus 4 working hours is Monday 11:00
 * addWorkingMs(calendar, new Date('2026-12-04T15:00:00Z'), 4 * 3_600_000)
 */
export function addWorkingMs(calendar: WorkingCalendar, from: Date, ms: number): Date {
  if (!(ms > 0)) return new Date(from.getTime());
  let left = ms;
  const start = from.getTime();
  let date = localDateOf(calendar.timeZone, start);
  for (let scanned = 0; scanned < MAX_DAYS_SCANNED; scanned += 1) {
    const window = windowOf(calendar, date);
    if (window && window.end > start) {
      const begin = Math.max(window.start, start);
      const available = window.end - begin;
      if (left <= available) return new Date(begin + left);
      left -= available;
    }
    date = nextDate(date);
  }
  throw new GitgusError('E_OFFICE_HOURS', `no office hours found within ${MAX_DAYS_SCANNED} days`, { hint: 'Give the unit at least one working day.' });
}

/** `from` plus working hours (`addWorkingMs` in hours). */
export function addWorkingHours(calendar: WorkingCalendar, from: Date, hours: number): Date {
  return addWorkingMs(calendar, from, hours * HOUR);
}

/** `from` plus working days, each one office day long (see the module comment). */
export function addWorkingDays(calendar: WorkingCalendar, from: Date, days: number): Date {
  return addWorkingMs(calendar, from, days * workingDayMs(calendar));
}

/** Working hours elapsed between two instants (fractional). */
export function workingHoursBetween(calendar: WorkingCalendar, from: Date, to: Date): number {
  return workingMsBetween(calendar, from, to) / HOUR;
}

/** Working days elapsed between two instants (fractional; one day = one office day). */
export function workingDaysBetween(calendar: WorkingCalendar, from: Date, to: Date): number {
  return workingMsBetween(calendar, from, to) / workingDayMs(calendar);
}

/**
 * The instant a calendar day begins in office terms: the start of office hours on `day` (`YYYY-MM-DD`)
 * in the calendar's zone, even when that day is not a working day. Supporter reminder dates fire then.
 */
export function officeStartOf(calendar: WorkingCalendar, day: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) throw new GitgusError('E_ARGUMENT', `'${day}' is not a day like 2026-12-01`);
  return new Date(localToInstant(calendar.timeZone, { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) }, calendar.startMinute));
}
