import { describe, expect, it } from 'vitest';
import { addWorkingDays, addWorkingHours, addWorkingMs, calendarOfUnit, isWorkingTime, officeStartOf, workingCalendar, workingDayMs, workingDaysBetween, workingHoursBetween, workingMsBetween, type WorkingCalendar } from '../lib/core/calendar.ts';
import { GitgusError } from '../lib/errors.ts';
import { seeded } from './fault-helpers.ts';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);
const utc = calendarOfUnit(undefined);
const berlin = calendarOfUnit({ timezone: 'Europe/Berlin' });

describe('default calendar', () => {
  it('is Monday to Friday, 09:00 to 17:00, UTC when a unit names nothing', () => {
    expect(utc.timeZone).toBe('UTC');
    expect([...utc.days].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(workingDayMs(utc)).toBe(8 * HOUR);
    expect(isWorkingTime(utc, at('2026-12-04T09:00:00Z'))).toBe(true); // Friday
    expect(isWorkingTime(utc, at('2026-12-04T17:00:00Z'))).toBe(false); // end is exclusive
    expect(isWorkingTime(utc, at('2026-12-05T12:00:00Z'))).toBe(false); // Saturday
    expect(isWorkingTime(utc, at('2026-12-07T08:59:59Z'))).toBe(false);
  });

  it('cannot be changed by a caller: the calendar every unit without hours shares keeps its days', () => {
    const shared = calendarOfUnit(undefined);
    const days: unknown = shared.days;
    // Whatever holds the days, its own mutator must refuse (a frozen Set would still take `add`).
    const addSunday = () => (days instanceof Set ? days.add(0) : (days as number[]).push(0));
    expect(addSunday).toThrow(TypeError);
    expect(() => Object.assign(shared, { startMinute: 0 })).toThrow(TypeError);
    expect([...calendarOfUnit(undefined).days]).toEqual([1, 2, 3, 4, 5]);
    expect(calendarOfUnit(undefined).startMinute).toBe(9 * 60);
    expect(isWorkingTime(calendarOfUnit(undefined), at('2026-12-06T12:00:00Z'))).toBe(false); // Sunday
  });

  it('uses the unit zone with the default hours when only a zone is given', () => {
    // 09:00 in Berlin is 08:00 UTC in winter.
    expect(isWorkingTime(berlin, at('2026-12-04T08:00:00Z'))).toBe(true);
    expect(isWorkingTime(berlin, at('2026-12-04T07:59:00Z'))).toBe(false);
    expect(isWorkingTime(berlin, at('2026-12-04T16:00:00Z'))).toBe(false);
  });
});

describe('elapsed working time', () => {
  it('counts only office hours across a weekend', () => {
    // Friday 16:00 → Monday 10:00: one hour on Friday, one on Monday.
    expect(workingMsBetween(utc, at('2026-12-04T16:00:00Z'), at('2026-12-07T10:00:00Z'))).toBe(2 * HOUR);
    // A whole weekend counts nothing.
    expect(workingMsBetween(utc, at('2026-12-05T00:00:00Z'), at('2026-12-07T09:00:00Z'))).toBe(0);
    // A full week is five office days.
    expect(workingDaysBetween(utc, at('2026-11-30T00:00:00Z'), at('2026-12-07T00:00:00Z'))).toBe(5);
    expect(workingHoursBetween(utc, at('2026-12-01T08:00:00Z'), at('2026-12-01T12:30:00Z'))).toBe(3.5);
  });

  it('is zero when the end is not after the start', () => {
    expect(workingMsBetween(utc, at('2026-12-07T10:00:00Z'), at('2026-12-04T16:00:00Z'))).toBe(0);
    expect(workingMsBetween(utc, at('2026-12-07T10:00:00Z'), at('2026-12-07T10:00:00Z'))).toBe(0);
  });
});

describe('adding working time', () => {
  it('adds working days from a Friday afternoon to the next Friday afternoon', () => {
    expect(addWorkingDays(utc, at('2026-12-04T14:00:00Z'), 5).toISOString()).toBe('2026-12-11T14:00:00.000Z');
    expect(addWorkingDays(utc, at('2026-12-04T14:00:00Z'), 1).toISOString()).toBe('2026-12-07T14:00:00.000Z');
  });

  it('starts counting at the next office hour when the start is outside office hours', () => {
    // Saturday: five office days are Monday to Friday, ending Friday 17:00.
    expect(addWorkingDays(utc, at('2026-12-05T10:00:00Z'), 5).toISOString()).toBe('2026-12-11T17:00:00.000Z');
    expect(addWorkingHours(utc, at('2026-12-04T15:00:00Z'), 4).toISOString()).toBe('2026-12-07T11:00:00.000Z');
    expect(addWorkingHours(utc, at('2026-12-04T20:00:00Z'), 1).toISOString()).toBe('2026-12-07T10:00:00.000Z');
  });

  it('returns the start itself for zero', () => {
    expect(addWorkingMs(utc, at('2026-12-05T10:00:00Z'), 0).toISOString()).toBe('2026-12-05T10:00:00.000Z');
  });

  it('is the inverse of elapsed time', () => {
    const starts = ['2026-12-04T14:00:00Z', '2026-12-05T03:00:00Z', '2026-03-27T15:30:00Z', '2026-10-23T08:15:00Z'];
    for (const calendar of [utc, berlin]) {
      for (const start of starts) {
        for (const hours of [0.5, 3, 8, 13, 40, 120]) {
          const end = addWorkingHours(calendar, at(start), hours);
          expect(workingHoursBetween(calendar, at(start), end)).toBeCloseTo(hours, 9);
        }
      }
    }
  });

  it('follows daylight saving time in the unit zone', () => {
    // Berlin switches to summer time on Sunday 2026-03-29: 09:00 local is 08:00Z before and 07:00Z after.
    const friday = at('2026-03-27T15:00:00Z'); // 16:00 local, one office hour left
    expect(addWorkingHours(berlin, friday, 2).toISOString()).toBe('2026-03-30T08:00:00.000Z');
    // And back on Sunday 2026-10-25.
    expect(addWorkingHours(berlin, at('2026-10-23T14:00:00Z'), 2).toISOString()).toBe('2026-10-26T09:00:00.000Z');
    expect(workingMsBetween(berlin, at('2026-10-23T14:00:00Z'), at('2026-10-26T09:00:00Z'))).toBe(2 * HOUR);
  });
});

describe('custom office hours', () => {
  it('supports other working weeks and hours', () => {
    const sundayToThursday = workingCalendar({ days: ['sun', 'mon', 'tue', 'wed', 'thu'], start: '08:00', end: '16:30' }, 'Asia/Jerusalem');
    expect(workingDayMs(sundayToThursday)).toBe(8.5 * HOUR);
    // Thursday 2026-12-03 15:30 local (13:30Z) + 2 h → Sunday 2026-12-06 09:00 local (07:00Z).
    expect(addWorkingHours(sundayToThursday, at('2026-12-03T13:30:00Z'), 2).toISOString()).toBe('2026-12-06T07:00:00.000Z');
  });

  it('refuses office hours that end before they start, no days, and unknown zones', () => {
    const refuse = (make: () => unknown) => {
      try {
        make();
      } catch (error) {
        expect(error).toBeInstanceOf(GitgusError);
        return (error as GitgusError).code;
      }
      return 'no error';
    };
    expect(refuse(() => workingCalendar({ days: ['mon'], start: '17:00', end: '09:00' }))).toBe('E_OFFICE_HOURS');
    expect(refuse(() => workingCalendar({ days: [], start: '09:00', end: '17:00' }))).toBe('E_OFFICE_HOURS');
    expect(refuse(() => workingCalendar({ days: ['mon'], start: '9am', end: '17:00' }))).toBe('E_OFFICE_HOURS');
    expect(refuse(() => workingCalendar(undefined, 'Mars/Olympus'))).toBe('E_OFFICE_HOURS');
  });
});

describe('officeStartOf', () => {
  it('is the start of office hours on that day in the unit zone', () => {
    expect(officeStartOf(berlin, '2026-12-01').toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(officeStartOf(berlin, '2026-07-01').toISOString()).toBe('2026-07-01T07:00:00.000Z');
    expect(officeStartOf(utc, '2026-12-05').toISOString()).toBe('2026-12-05T09:00:00.000Z');
  });
});

// ---------------------------------------------------------------------------------------------------
// The arithmetic (prefix sums, cached offsets) against what Intl names, instant by instant.

const MINUTE = 60_000;
const DAY = 24 * HOUR;

/** The wall clock of an instant in a zone, as Intl names it: local day number, minute of day, weekday. */
const formats = new Map<string, Intl.DateTimeFormat>();
function wallClock(timeZone: string, instant: number): { day: number; minute: number; second: number; weekday: number } {
  let format = formats.get(timeZone);
  if (!format) formats.set(timeZone, (format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })));
  const parts = Object.fromEntries(
    format
      .formatToParts(new Date(instant))
      .filter((part) => part.type !== 'literal')
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<string, number>;
  const day = Date.UTC(parts.year as number, (parts.month as number) - 1, parts.day) / DAY;
  return { day, minute: (parts.hour as number) * 60 + (parts.minute as number), second: parts.second as number, weekday: new Date(day * DAY).getUTCDay() };
}

/** How far the zone's clock is ahead of UTC at an instant (milliseconds), as Intl names it. */
function offsetOf(timeZone: string, instant: number): number {
  const clock = wallClock(timeZone, instant);
  return clock.day * DAY + clock.minute * MINUTE + clock.second * 1000 - (instant - (((instant % 1000) + 1000) % 1000));
}

const isoDay = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

const CALENDARS = [
  workingCalendar(undefined, 'Europe/Berlin'),
  workingCalendar({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:30', end: '18:00' }, 'America/New_York'),
  workingCalendar({ days: ['mon', 'wed', 'fri', 'sun'], start: '07:15', end: '19:45' }, 'Australia/Lord_Howe'),
  workingCalendar({ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], start: '10:00', end: '18:30' }, 'Asia/Kolkata'),
  workingCalendar({ days: ['sat', 'sun'], start: '00:00', end: '23:30' }, 'UTC'),
  // Office hours that contain the night of the clock change: the gap and the overlap fall inside them.
  workingCalendar({ days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], start: '01:30', end: '23:00' }, 'Europe/Berlin'),
  workingCalendar({ days: ['sun', 'sat'], start: '02:30', end: '04:00' }, 'America/New_York'),
];

describe('long periods', () => {
  /** Each local day's office window [opens, closes), found once per calendar and day (the periods overlap). */
  const windows = new Map<WorkingCalendar, Map<number, [number, number]>>();
  function windowOf(calendar: WorkingCalendar, day: number): [number, number] {
    let days = windows.get(calendar);
    if (!days) windows.set(calendar, (days = new Map<number, [number, number]>()));
    let window = days.get(day);
    if (!window) {
      const end = workingCalendar({ days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], start: minutes(calendar.endMinute), end: '23:59' }, calendar.timeZone);
      days.set(day, (window = [officeStartOf(calendar, isoDay(day)).getTime(), officeStartOf(end, isoDay(day)).getTime()]));
    }
    return window;
  }

  /** Working time by walking every local day of the period (the obvious way, independent of the sums). */
  function walked(calendar: WorkingCalendar, from: number, to: number): number {
    if (!(to > from)) return 0;
    let total = 0;
    const last = wallClock(calendar.timeZone, to).day;
    for (let day = wallClock(calendar.timeZone, from).day; day <= last; day += 1) {
      if (!calendar.days.includes(new Date(day * DAY).getUTCDay())) continue;
      const [opens, closes] = windowOf(calendar, day);
      total += Math.max(0, Math.min(closes, to) - Math.max(opens, from));
    }
    return total;
  }

  it('equals a day-by-day walk over periods of minutes to twenty years, across clock changes', () => {
    const next = seeded(11);
    const earliest = Date.UTC(2004, 0, 1);
    const latest = Date.UTC(2027, 0, 1);
    for (const calendar of CALENDARS) {
      const periods: [number, number][] = [];
      for (let i = 0; i < 60; i += 1) {
        const from = earliest + Math.floor(next() * (latest - earliest));
        // Lengths from minutes to decades, so both the sums and the first and last days are exercised.
        const length = Math.floor(Math.exp(next() * Math.log(20 * 365 * DAY)));
        periods.push([from, Math.min(latest + 366 * DAY, from + length)]);
      }
      // Periods that begin or end on the nights the clocks change, at local midnight and inside the window.
      for (const change of ['2026-03-29T00:30:00Z', '2026-03-29T01:00:00Z', '2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z', '2026-03-08T07:00:00Z', '2026-11-01T06:30:00Z', '2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z']) {
        const at = Date.parse(change);
        for (const delta of [-3 * DAY, -HOUR, -1, 0, 1, 30 * MINUTE, DAY, 45 * DAY]) periods.push([at + delta, at + delta + 2 * DAY + 17 * MINUTE], [at - 400 * DAY, at + delta]);
      }
      for (const [from, to] of periods) {
        expect(workingMsBetween(calendar, new Date(from), new Date(to)), `${calendar.timeZone} ${new Date(from).toISOString()} → ${new Date(to).toISOString()}`).toBe(walked(calendar, from, to));
      }
    }
  }, 60_000);

  it('adds up: the working time of a period is the sum of its parts, and adding it back lands on its end', () => {
    const next = seeded(5);
    for (const calendar of CALENDARS) {
      for (let i = 0; i < 40; i += 1) {
        const from = Date.UTC(2005, 0, 1) + Math.floor(next() * 20 * 365 * DAY);
        const middle = from + Math.floor(next() * 900 * DAY);
        const to = middle + Math.floor(next() * 900 * DAY);
        const whole = workingMsBetween(calendar, new Date(from), new Date(to));
        expect(workingMsBetween(calendar, new Date(from), new Date(middle)) + workingMsBetween(calendar, new Date(middle), new Date(to))).toBe(whole);
        const end = addWorkingMs(calendar, new Date(from), whole).getTime();
        expect(workingMsBetween(calendar, new Date(from), new Date(end))).toBe(whole);
        expect(isWorkingTime(calendar, new Date(end - 1)) || end === from).toBe(true);
      }
    }
  });

  it('shares one calendar between units with the same hours and zone', () => {
    expect(calendarOfUnit({ timezone: 'Europe/Berlin' })).toBe(workingCalendar({ days: ['fri', 'thu', 'wed', 'tue', 'mon'], start: '09:00', end: '17:00' }, 'Europe/Berlin'));
    expect(calendarOfUnit({ timezone: 'Europe/Berlin' })).not.toBe(calendarOfUnit({ timezone: 'Europe/Paris' }));
    expect(Object.isFrozen(berlin)).toBe(true);
  });
});

function minutes(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

describe('local dates', () => {
  /** Every instant the zone's offset changes in [from, to): stepping six hours, then halving down to the millisecond. */
  function clockChanges(timeZone: string, from: number, to: number): { at: number; by: number }[] {
    const changes: { at: number; by: number }[] = [];
    for (let start = from; start < to; start += 6 * HOUR) {
      let [low, high] = [start, start + 6 * HOUR];
      const before = offsetOf(timeZone, low);
      if (offsetOf(timeZone, high) === before) continue;
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (offsetOf(timeZone, middle) === before) low = middle;
        else high = middle;
      }
      changes.push({ at: high, by: offsetOf(timeZone, high) - before });
    }
    return changes;
  }

  it('agrees with Intl on working time around every clock change, month and year start and office boundary of 2025 and 2026, and at random instants', () => {
    const calendars = [
      workingCalendar(undefined, 'Europe/Berlin'),
      workingCalendar({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:30', end: '18:00' }, 'America/New_York'),
      workingCalendar({ days: ['mon', 'wed', 'fri', 'sun'], start: '07:15', end: '19:45' }, 'Australia/Lord_Howe'),
      workingCalendar({ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], start: '10:00', end: '18:30' }, 'Asia/Kolkata'),
      workingCalendar({ days: ['tue', 'sat', 'sun'], start: '00:00', end: '23:59' }, 'UTC'),
      // Early hours in zones whose clocks change at 02:00: the wall clock decides, before and after.
      workingCalendar({ days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], start: '03:00', end: '23:00' }, 'Europe/Berlin'),
      workingCalendar({ days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], start: '00:00', end: '01:30' }, 'Australia/Lord_Howe'),
      // Santiago changes its clocks at midnight: the local date itself moves at the change.
      workingCalendar({ days: ['sat', 'sun'], start: '00:00', end: '23:59' }, 'America/Santiago'),
    ];
    const [first, last] = [Date.UTC(2025, 0, 1), Date.UTC(2027, 0, 1)];
    // Each zone's clock changes of the two years, found from Intl: two a year where the clocks change at all.
    const changesOf = new Map(calendars.map(({ timeZone }) => [timeZone, clockChanges(timeZone, first, last)]));
    expect(Object.fromEntries([...changesOf].map(([timeZone, changes]) => [timeZone, changes.length]))).toEqual({ 'Europe/Berlin': 4, 'America/New_York': 4, 'Australia/Lord_Howe': 4, 'Asia/Kolkata': 0, UTC: 0, 'America/Santiago': 4 });
    const next = seeded(37);
    for (const calendar of calendars) {
      const changes = changesOf.get(calendar.timeZone) ?? [];
      /** The instant the zone's clock reads `minute` on the local day `day` (near enough for a window around it). */
      const local = (day: number, minute: number) => day * DAY + minute * MINUTE - offsetOf(calendar.timeZone, day * DAY + minute * MINUTE);
      const instants: number[] = [];
      const around = (centre: number, reach: number) => {
        for (let delta = -reach; delta <= reach; delta += MINUTE) instants.push(centre + delta);
        instants.push(centre - 1000, centre - 1, centre + 1, centre + 1000);
      };
      // Every minute of the three hours either side of each clock change.
      for (const change of changes) around(change.at, 3 * HOUR);
      // Every minute of the hour either side of each local month start (the year starts among them).
      for (let month = 0; month <= 24; month += 1) around(local(Date.UTC(2025, month, 1) / DAY, 0), HOUR);
      // The minutes around the office opening and closing on 120 days of the two years.
      for (let i = 0; i < 120; i += 1) {
        const day = Math.floor((first + next() * (last - first)) / DAY);
        around(local(day, calendar.startMinute), 3 * MINUTE);
        around(local(day, calendar.endMinute), 3 * MINUTE);
      }
      // And 4,000 instants anywhere in the two years.
      for (let i = 0; i < 4000; i += 1) instants.push(first + Math.floor(next() * (last - first)));
      let disagreements = 0;
      for (const at of instants) {
        // A reading the clock shows a second time after going back is after the first instant the clock
        // read it (and working time opens and closes at first readings, see below): not a wall-clock question.
        if (changes.some((change) => change.by < 0 && at >= change.at && at < change.at - change.by)) continue;
        const clock = wallClock(calendar.timeZone, at);
        const expected = calendar.days.includes(clock.weekday) && clock.minute >= calendar.startMinute && clock.minute < calendar.endMinute;
        if (isWorkingTime(calendar, new Date(at)) !== expected) disagreements += 1;
      }
      expect(disagreements, calendar.timeZone).toBe(0);
    }
  });

  it('opens the office at the instant Intl names, and on the nights the clocks change at the first instant the clock reads the start or later', () => {
    const starts: [string, string][] = [
      ['Europe/Berlin', '09:00'],
      ['Europe/Berlin', '02:30'], // in the spring gap on 2025-03-30 and 2026-03-29, twice in the autumn
      ['America/New_York', '02:00'], // the gap begins at 02:00: the office opens at 03:00
      ['America/New_York', '01:15'], // twice on the autumn nights
      ['Australia/Lord_Howe', '02:15'], // the 30-minute spring gap 02:00 → 02:30
      ['Australia/Lord_Howe', '01:45'], // the 30-minute autumn overlap 01:30–02:00
      ['Asia/Kolkata', '09:30'],
      ['UTC', '00:00'],
    ];
    for (const [timeZone, start] of starts) {
      const calendar = workingCalendar({ days: ['mon'], start, end: '23:59' }, timeZone);
      let gaps = 0;
      let overlaps = 0;
      for (let day = Date.UTC(2025, 0, 1) / DAY; day < Date.UTC(2027, 0, 1) / DAY; day += 1) {
        const opens = officeStartOf(calendar, isoDay(day)).getTime();
        const target = day * 1440 + calendar.startMinute;
        const reads = (instant: number) => {
          const clock = wallClock(timeZone, instant);
          return clock.day * 1440 + clock.minute + clock.second / 60;
        };
        const label = `${timeZone} ${isoDay(day)} ${start}`;
        expect(reads(opens), label).toBeGreaterThanOrEqual(target);
        const offset = (instant: number) => reads(instant) * MINUTE - instant;
        if (offset((day - 1) * DAY) === offset((day + 2) * DAY)) {
          // No clock change near: the office opens exactly when the clock reads the start.
          expect(reads(opens), label).toBe(target);
          continue;
        }
        // Every instant of the three hours before reads earlier: this is the first such instant.
        for (let before = opens - 1000; before > opens - 3 * HOUR; before -= before > opens - 2 * MINUTE ? 1000 : 5 * MINUTE) expect(reads(before), `${label} at ${new Date(before).toISOString()}`).toBeLessThan(target);
        if (reads(opens) > target) gaps += 1;
        else if (reads(opens + HOUR) < target + 60 || reads(opens + 30 * MINUTE) < target + 30) overlaps += 1;
        expect(reads(opens) - target, label).toBeLessThanOrEqual(60);
      }
      // The cases above really meet the clock changes of 2025 and 2026 (and the others never do).
      const expected: Record<string, [number, number]> = { 'Europe/Berlin 02:30': [2, 2], 'America/New_York 02:00': [2, 0], 'America/New_York 01:15': [0, 2], 'Australia/Lord_Howe 02:15': [2, 0], 'Australia/Lord_Howe 01:45': [0, 2] };
      expect([gaps, overlaps], `${timeZone} ${start}`).toEqual(expected[`${timeZone} ${start}`] ?? [0, 0]);
    }
  }, 60_000);
});
