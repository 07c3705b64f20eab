/**
 * The one owner of the timestamp form (lib/core/time.ts) and of one-line text (lib/core/text.ts): every writer
 * that used to keep its own copy now calls these, so a rule change here reaches all of them.
 */
import { describe, expect, it } from 'vitest';
import { formatCommitMessage, parseCommitMessage } from '../lib/core/commit-message.ts';
import { compactTime } from '../lib/core/paths.ts';
import { formatBytes, oneLine } from '../lib/core/text.ts';
import { isoSeconds, isoSecondsOf, utcDay } from '../lib/core/time.ts';
import { workingCalendar } from '../lib/core/calendar.ts';
import { monitorTickets } from '../lib/core/monitor.ts';
import { exportJson } from '../site/lib/exports.ts';

describe('isoSeconds', () => {
  it('writes UTC to the second from a Date or milliseconds, whatever the milliseconds', () => {
    expect(isoSeconds(new Date('2026-03-01T10:00:00.999Z'))).toBe('2026-03-01T10:00:00Z');
    expect(isoSeconds(Date.UTC(2026, 2, 1, 10, 0, 0, 1))).toBe('2026-03-01T10:00:00Z');
  });

  it('reads an outside date (a mail Date: header, a GitHub time) into the same form, or says it is none', () => {
    expect(isoSecondsOf('Sun, 01 Mar 2026 11:00:00 +0100')).toBe('2026-03-01T10:00:00Z');
    expect(isoSecondsOf('2026-03-01T10:00:00Z')).toBe('2026-03-01T10:00:00Z');
    expect(isoSecondsOf('not a date')).toBeUndefined();
  });

  it('round-trips through the compact form of file names', () => {
    const at = isoSeconds(Date.UTC(2026, 11, 31, 23, 59, 59));
    expect(compactTime(at)).toBe('20261231T235959Z');
  });
});

describe('every output that shows an instant shows it in that form', () => {
  // A clock reading carries milliseconds; what gitgus prints or writes must not (it is compared as text).
  const now = new Date('2026-12-07T09:00:00.250Z');

  it('the monitor report (gitgus monitor --json)', () => {
    const report = monitorTickets([], new Map(), [], { now, assignWithinHours: 4, bounceUnits: 3, waitingStepDays: 3, fallback: workingCalendar() });
    expect(report.now).toBe('2026-12-07T09:00:00Z');
  });

  it("the site's JSON export", () => {
    expect((JSON.parse(exportJson('Example', now, [])) as { generated: string }).generated).toBe('2026-12-07T09:00:00Z');
  });
});

describe('oneLine', () => {
  it('flattens every line breaker that any writer used to handle (controls, DEL, NEL, U+2028/9)', () => {
    expect(oneLine('a\r\nb\u0085c\u2028d\u2029e\u007ff\u0000g')).toBe('a b c d e f g');
    expect(oneLine('  spaced \t out  ')).toBe('spaced out');
  });

  it('cuts at max characters with an ellipsis, never inside a surrogate pair', () => {
    expect(oneLine('abcdef', 4)).toBe('abc…');
    expect(oneLine('😀😀😀😀', 3)).toBe('😀😀…');
    expect(oneLine('short', 10)).toBe('short');
  });

  it('keeps a commit subject and trailer on one line each, so the trailer block reads back', () => {
    const text = formatCommitMessage({ subject: 'title\u2028Ticket: 1', trailers: { Ticket: '1001', Actor: 'Jane\u0085Doe' } });
    expect(parseCommitMessage(text)).toEqual({ subject: 'title Ticket: 1', trailers: { Ticket: '1001', Actor: 'Jane Doe' } });
  });
});

describe('formatBytes', () => {
  it('one size display for intake notes and ticket pages', () => {
    expect([0, 1023, 1024, 1536, 1024 * 1024 - 1, 1024 * 1024, 12.5 * 1024 * 1024].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KB', '1.5 KB', '1024.0 KB', '1.0 MB', '12.5 MB']);
  });
});

describe('utcDay', () => {
  it('the UTC day of an instant, from a Date or milliseconds', () => {
    expect(utcDay(new Date('2026-12-04T23:59:59.999Z'))).toBe('2026-12-04');
    expect(utcDay(Date.parse('2026-12-05T00:30:00+01:00'))).toBe('2026-12-04');
  });
});
