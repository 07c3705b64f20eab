/**
 * The working-day calendar behind every time-driven rule: reminders, auto-close, priority colours and QoS
 * deadlines all count office time, not wall-clock time (docs/ggus.md §2.4, §5).
 *
 * A calendar is a support unit's office hours in the unit's IANA time zone. The documented default,
 * following GGUS's report generator, is **Monday–Friday 09:00–17:00 in the unit's zone** (UTC when a unit
 * names none), with no public holidays. UTC offsets come from `Intl.DateTimeFormat`, so daylight saving
 * changes are handled by the platform's time-zone database; nothing here reads a clock. Office hours open
 * and close at the first instant the zone's clock reads their start and end (see `localToInstant` for the
 * nights the clocks change).
 *
 * Pure: no node:* imports, no IO. Caches (offsets per zone and day, windows and sums per calendar) are
 * memory only and never change an answer.
 *
 * "N working days" means N times the length of one office day of working time: a ticket that starts
 * waiting on Friday at 14:00 in a Mon–Fri 09:00–17:00 unit reaches 5 working days on the next Friday at
 * 14:00, and one that starts on Saturday reaches it on Friday at 17:00 (the weekend counts nothing).
 */
import { GitgusError } from '../errors.ts';

/** Weekday names as unit files write them. */
type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** Office hours as written in a unit file (`officeHours:`). */
interface OfficeHours {
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
  /**
   * Working weekdays, 0 = Sunday … 6 = Saturday (JavaScript's numbering), ascending. A frozen array, not
   * a Set: the calendar is shared by every unit with the same hours, and Object.freeze does not stop a
   * Set's `add`, so one caller could change the working days of all.
   */
  readonly days: readonly number[];
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
const DAY = 24 * HOUR;

function minuteOfDay(text: string, what: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!match) throw new GitgusError('E_OFFICE_HOURS', `office hours ${what} '${text}' is not a time like 09:00`, { hint: 'Write office hours as HH:MM, e.g. start: "09:00", end: "17:00".' });
  return Number(match[1]) * 60 + Number(match[2]);
}

/**
 * The value `cache` holds for `key`, made by `make` and kept on the first ask. The module's memo tables
 * (calendars, offsets, clock changes, per-calendar state) all go through it.
 */
function cached<K, V>(cache: { get(key: K): V | undefined; set(key: K, value: V): unknown }, key: K, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) cache.set(key, (value = make()));
  return value;
}

/** Calendars already made, by zone, days and hours: the ~100 units of a helpdesk share a few calendars. */
const calendars = new Map<string, WorkingCalendar>();

/**
 * Builds a calendar from office hours and a time zone. Calendars are immutable and shared: the same
 * hours in the same zone give the same (frozen) object, so its windows and sums are computed once.
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
  const days = Object.freeze([...new Set(hours.days.map((day) => WEEKDAY_NUMBER[day]))].sort());
  const key = `${timeZone}\0${days.join(',')}\0${startMinute}\0${endMinute}`;
  return cached(calendars, key, () => {
    formatterFor(timeZone);
    return Object.freeze({ timeZone, days, startMinute, endMinute });
  });
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
// Local time. Intl names the wall clock of an instant; everything else is arithmetic on UTC offsets,
// which Intl is asked for once per zone and UTC day (the site's reports convert millions of instants).

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

/** How far the zone's wall clock is ahead of UTC at `instant`, in milliseconds (through Intl). */
function zoneOffset(timeZone: string, instant: number): number {
  const wholeSecond = instant - (((instant % 1000) + 1000) % 1000);
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(wholeSecond))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return Date.UTC(fields.year ?? 1970, (fields.month ?? 1) - 1, fields.day ?? 1, fields.hour ?? 0, fields.minute ?? 0, fields.second ?? 0) - wholeSecond;
}

/** Offsets at UTC midnights, per zone and UTC day number (days since 1970-01-01). */
const midnightOffsets = new Map<string, Map<number, number>>();

/** The zone's offset at 00:00 UTC of UTC day `utcDay`. */
function offsetAtUtcDay(timeZone: string, utcDay: number): number {
  const known = cached(midnightOffsets, timeZone, () => new Map<number, number>());
  return cached(known, utcDay, () => zoneOffset(timeZone, utcDay * DAY));
}

/**
 * The offset change inside one UTC day whose midnights have different offsets, found once by bisection:
 * the first whole second with the new offset. A zone changes its offset at most once a day.
 */
const changes = new Map<string, Map<number, number>>();

function changeInUtcDay(timeZone: string, utcDay: number): number {
  const known = cached(changes, timeZone, () => new Map<number, number>());
  return cached(known, utcDay, () => {
    const before = offsetAtUtcDay(timeZone, utcDay);
    // Invariant: the offset at `low` is `before`, the one at `high` is not; both whole seconds.
    let low = utcDay * DAY;
    let high = low + DAY;
    while (high - low > 1000) {
      const middle = low + Math.floor((high - low) / 2000) * 1000;
      if (zoneOffset(timeZone, middle) === before) low = middle;
      else high = middle;
    }
    return high;
  });
}

/** The zone's offset at `instant`: Intl only on the two or so UTC days a year that contain a change. */
function offsetAt(timeZone: string, instant: number): number {
  const utcDay = Math.floor(instant / DAY);
  const before = offsetAtUtcDay(timeZone, utcDay);
  const after = offsetAtUtcDay(timeZone, utcDay + 1);
  if (before === after) return before;
  return instant < changeInUtcDay(timeZone, utcDay) ? before : after;
}

/** The local day number (days since 1970-01-01 on the zone's wall clock) of an instant. */
function localDayOf(timeZone: string, instant: number): number {
  return Math.floor((instant + offsetAt(timeZone, instant)) / DAY);
}

/**
 * The instant a local wall-clock time (`minute` after midnight of local day `day`) begins: the first
 * instant at which the zone's clock reads that time or later. In a spring gap, where the time never
 * shows, that is the end of the gap (02:30 on a 02:00 → 03:00 night is the instant the clock jumps to
 * 03:00); in an autumn overlap, where it shows twice, it is the first time (before the clock goes back).
 * So office hours open when the office's clock first reaches their start, and a day's window never ends
 * before it starts.
 */
function localToInstant(timeZone: string, day: number, minute: number): number {
  const asUtc = day * DAY + minute * MINUTE;
  const offset = offsetAtUtcDay(timeZone, day);
  // No change from the UTC day before to the one after: every zone is within ±14 h of UTC.
  if (offsetAtUtcDay(timeZone, day - 1) === offset && offsetAtUtcDay(timeZone, day + 1) === offset && offsetAtUtcDay(timeZone, day + 2) === offset) return asUtc - offset;
  // Near a change: the candidates are the local time under the offset before and after it; a candidate
  // counts when the zone really has that offset there. Both count in an overlap, none in a gap.
  const before = asUtc - offsetAtUtcDay(timeZone, day - 1);
  const after = asUtc - offsetAtUtcDay(timeZone, day + 2);
  const valid = [before, after].filter((candidate) => offsetAt(timeZone, candidate) === asUtc - candidate);
  if (valid.length > 0) return Math.min(...valid);
  // In a gap the clock reads less than the time at the earlier candidate and more at the later one: the
  // first whole second at which it reads the time or later is the change (bisection; offsets are cached).
  let low = Math.min(before, after);
  let high = Math.max(before, after);
  while (high - low > 1000) {
    const middle = low + Math.floor((high - low) / 2000) * 1000;
    if (middle + offsetAt(timeZone, middle) >= asUtc) high = middle;
    else low = middle;
  }
  return high;
}

/** Weekday of a day number, 0 = Sunday (1970-01-01 was a Thursday). */
function weekdayOfDay(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

function dayOfDate(year: number, month: number, date: number): number {
  return Date.UTC(year, month - 1, date) / DAY;
}

/**
 * Per calendar: the office-hours window of each local day (start and end instants; none on a day off)
 * and prefix sums of whole-day working time, so working time over years costs two subtractions rather
 * than a walk over every day. The sums cover a range of day numbers that grows (doubling) on demand.
 */
interface CalendarState {
  windows: Map<number, { start: number; end: number } | null>;
  /** `sums[i]` is the working time of the days `first` … `first + i - 1`. */
  first: number;
  sums: Float64Array;
}

const states = new WeakMap<WorkingCalendar, CalendarState>();

function stateOf(calendar: WorkingCalendar): CalendarState {
  return cached(states, calendar, () => ({ windows: new Map(), first: 0, sums: new Float64Array(0) }));
}

/** The office-hours window of local day `day`, or null on a day off. */
function windowOf(calendar: WorkingCalendar, day: number): { start: number; end: number } | null {
  return cached(stateOf(calendar).windows, day, () => (calendar.days.includes(weekdayOfDay(day)) ? { start: localToInstant(calendar.timeZone, day, calendar.startMinute), end: localToInstant(calendar.timeZone, day, calendar.endMinute) } : null));
}

/** Working time of one local day's window that lies in [from, to). */
function overlapOfDay(calendar: WorkingCalendar, day: number, from: number, to: number): number {
  const window = windowOf(calendar, day);
  return window ? Math.max(0, Math.min(window.end, to) - Math.max(window.start, from)) : 0;
}

/** Working time of the whole days `from` … `to - 1` (none when `to <= from`). */
function daySums(calendar: WorkingCalendar, from: number, to: number): number {
  if (to <= from) return 0;
  const state = stateOf(calendar);
  if (state.sums.length === 0 || from < state.first || to >= state.first + state.sums.length) {
    // Grow past both ends (at least doubling, so a calendar sums each day a bounded number of times).
    const span = Math.max(to - from, state.sums.length, 366);
    const first = Math.min(from, state.sums.length === 0 ? from : state.first) - span;
    const end = Math.max(to, state.sums.length === 0 ? to : state.first + state.sums.length) + span;
    const sums = new Float64Array(end - first + 1);
    for (let i = 1; i < sums.length; i += 1) {
      const window = windowOf(calendar, first + i - 1);
      sums[i] = (sums[i - 1] as number) + (window ? window.end - window.start : 0);
    }
    state.first = first;
    state.sums = sums;
  }
  return (state.sums[to - state.first] as number) - (state.sums[from - state.first] as number);
}

/** A calendar with no working day at all would loop forever; `workingCalendar` refuses it, this is the backstop. */
const MAX_DAYS_SCANNED = 366 * 200;

// ---------------------------------------------------------------------------------------------------

/** Whether `at` falls inside office hours (start inclusive, end exclusive). */
export function isWorkingTime(calendar: WorkingCalendar, at: Date): boolean {
  const window = windowOf(calendar, localDayOf(calendar.timeZone, at.getTime()));
  return window !== null && at.getTime() >= window.start && at.getTime() < window.end;
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
  const first = localDayOf(calendar.timeZone, start);
  const last = localDayOf(calendar.timeZone, end);
  if (first === last) return overlapOfDay(calendar, first, start, end);
  // A local day's window lies inside that day, so the days strictly between count whole.
  return overlapOfDay(calendar, first, start, end) + daySums(calendar, first + 1, last) + overlapOfDay(calendar, last, start, end);
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
  let day = localDayOf(calendar.timeZone, start);
  for (let scanned = 0; scanned < MAX_DAYS_SCANNED; scanned += 1, day += 1) {
    const window = windowOf(calendar, day);
    if (window && window.end > start) {
      const begin = Math.max(window.start, start);
      const available = window.end - begin;
      if (left <= available) return new Date(begin + left);
      left -= available;
    }
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
  return new Date(localToInstant(calendar.timeZone, dayOfDate(Number(match[1]), Number(match[2]), Number(match[3])), calendar.startMinute));
}
