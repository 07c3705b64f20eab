import { describe, expect, it } from 'vitest';
import { addWorkingDays, addWorkingHours, addWorkingMs, calendarOfUnit, isWorkingTime, officeStartOf, workingCalendar, workingDayMs, workingDaysBetween, workingHoursBetween, workingMsBetween } from '../lib/core/calendar.ts';
import { GitgusError } from '../lib/errors.ts';

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
