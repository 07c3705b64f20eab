import { describe, expect, it } from 'vitest';
import { calendarOfUnit } from '../lib/core/calendar.ts';
import { awaitsResponse, colourClockStart, colourThresholds, priorityColour, responseDeadline, responseState, responseTarget, timelineOf } from '../lib/core/colours.ts';
import type { TicketEvent } from '../lib/core/events.ts';
import { gitHistory } from '../site/lib/history.ts';
import { PRIORITIES, STATUSES, type Priority } from '../lib/core/schema/ticket.ts';

const calendar = calendarOfUnit(undefined); // Mon–Fri 09–17 UTC
const ngi = { family: 'ngi', qos: 'base' };
const at = (iso: string) => new Date(iso);

describe('colour thresholds (D-PRIO)', () => {
  it('follows the table for non-middleware units whatever their QoS', () => {
    for (const qos of ['base', 'medium', 'advanced']) {
      const unit = { family: 'ngi', qos };
      expect(colourThresholds('less urgent', unit)).toEqual({ yellow: 20, amber: 30, red: 40 });
      expect(colourThresholds('urgent', unit)).toEqual({ yellow: 20, amber: 30, red: 40 });
      expect(colourThresholds('very urgent', unit)).toEqual({ yellow: 16, amber: 24, red: 32 });
      expect(colourThresholds('top priority', unit)).toEqual({ yellow: 12, amber: 18, red: 24 });
    }
  });

  it('follows the QoS table for middleware units', () => {
    const expected: Record<string, Record<Priority, number[]>> = {
      base: { 'less urgent': [20, 30, 40], urgent: [20, 30, 40], 'very urgent': [20, 30, 40], 'top priority': [20, 30, 40] },
      medium: { 'less urgent': [20, 30, 40], urgent: [20, 30, 40], 'very urgent': [4, 6, 8], 'top priority': [4, 6, 8] },
      advanced: { 'less urgent': [20, 30, 40], urgent: [4, 6, 8], 'very urgent': [4, 6, 8], 'top priority': [2, 3, 4] },
    };
    for (const [qos, row] of Object.entries(expected)) {
      for (const priority of PRIORITIES) {
        const t = colourThresholds(priority, { family: 'middleware', qos });
        expect([t.yellow, t.amber, t.red], `${qos} ${priority}`).toEqual(row[priority]);
      }
    }
  });
});

describe('priorityColour', () => {
  it('walks green → yellow → amber → red in working hours, across a weekend', () => {
    // Clock starts Monday 2026-11-30 11:00; urgent at an NGI: yellow at 20 h, amber 30 h, red 40 h.
    const clockStart = at('2026-11-30T11:00:00Z');
    const colourAt = (now: string) => priorityColour({ status: 'assigned', priority: 'urgent', unit: ngi, calendar, clockStart, now: at(now) });
    expect(colourAt('2026-11-30T11:00:00Z').colour).toBe('green');
    expect(colourAt('2026-12-02T14:59:00Z').colour).toBe('green'); // 19.98 h
    expect(colourAt('2026-12-02T15:00:00Z').colour).toBe('yellow'); // Wed 15:00 = 6 + 8 + 6 = 20 h
    expect(colourAt('2026-12-03T17:00:00Z').colour).toBe('amber'); // Thu 17:00 = 30 h
    expect(colourAt('2026-12-04T17:00:00Z').colour).toBe('amber'); // Fri 17:00 = 38 h
    expect(colourAt('2026-12-06T23:00:00Z').colour).toBe('amber'); // the weekend adds nothing
    expect(colourAt('2026-12-07T10:59:00Z').colour).toBe('amber');
    expect(colourAt('2026-12-07T11:00:00Z').colour).toBe('red'); // Mon 11:00 = 40 h
    const green = colourAt('2026-11-30T11:00:00Z');
    expect(green.next).toEqual({ colour: 'yellow', at: at('2026-12-02T15:00:00Z') });
    expect(colourAt('2026-12-04T17:00:00Z').next).toEqual({ colour: 'red', at: at('2026-12-07T11:00:00Z') });
    expect(colourAt('2026-12-07T11:00:00Z').next).toBeUndefined();
  });

  it('uses blue for finished tickets and light blue for unsolved ones', () => {
    const base = { priority: 'urgent' as const, unit: ngi, calendar, clockStart: at('2026-01-01T00:00:00Z'), now: at('2026-12-01T00:00:00Z') };
    for (const status of STATUSES) {
      const { colour } = priorityColour({ ...base, status });
      if (status === 'unsolved') expect(colour).toBe('light blue');
      else if (['solved', 'verified', 'closed'].includes(status)) expect(colour).toBe('blue');
      else expect(colour).toBe('red');
    }
  });
});

describe('QoS response deadlines (D-QOS)', () => {
  it('has the targets of each level', () => {
    expect(PRIORITIES.map((p) => responseTarget('base', p).amount)).toEqual([5, 5, 5, 5]);
    expect(PRIORITIES.map((p) => responseTarget('medium', p).amount)).toEqual([5, 5, 1, 1]);
    expect(PRIORITIES.map((p) => `${responseTarget('advanced', p).amount} ${responseTarget('advanced', p).unit}`)).toEqual(['5 working days', '1 working days', '1 working days', '4 working hours']);
    expect(responseTarget('unknown-level', 'top priority')).toEqual(responseTarget('base', 'top priority'));
  });

  it('computes the due time and the 75% warning across a weekend', () => {
    // Friday 13:00, medium, very urgent: one working day → Monday 13:00; 75% (6 h) → Monday 11:00.
    const deadline = responseDeadline(calendar, 'medium', 'very urgent', at('2026-12-04T13:00:00Z'));
    expect(deadline.due.toISOString()).toBe('2026-12-07T13:00:00.000Z');
    expect(deadline.warnAt.toISOString()).toBe('2026-12-07T11:00:00.000Z');
    expect(responseState(deadline, at('2026-12-06T12:00:00Z'))).toBe('in time');
    expect(responseState(deadline, at('2026-12-07T11:00:00Z'))).toBe('warning');
    expect(responseState(deadline, at('2026-12-07T13:00:00Z'))).toBe('overdue');
    // Advanced top priority: 4 working hours from Friday 15:00 → Monday 11:00, warned Monday 10:00.
    const urgent = responseDeadline(calendar, 'advanced', 'top priority', at('2026-12-04T15:00:00Z'));
    expect(urgent.due.toISOString()).toBe('2026-12-07T11:00:00.000Z');
    expect(urgent.warnAt.toISOString()).toBe('2026-12-07T10:00:00.000Z');
  });

  it('applies while the unit has not responded', () => {
    expect(STATUSES.filter(awaitsResponse)).toEqual(['new', 'assigned']);
  });
});

describe('one colour clock for the tick job and the site', () => {
  // A GitHub issue opened on 2 Nov, taken in by the scheduled intake a day later (its commit), then assigned.
  const base = { ticket: 7, commit: 'c', actor: { name: 'gitgus intake' } };
  const events: TicketEvent[] = [{ ...base, time: '2026-11-03T09:00:00Z', type: 'created', title: 't', status: 'new', unit: 'tpm', priority: 'urgent', ticketType: 'USER' }];
  const ticket = { number: 7, created: '2026-11-02T09:00:00Z' };

  it("starts when the helpdesk took the ticket in (its commit), not at the issue's own creation time (bug: the site started there)", () => {
    expect(colourClockStart(timelineOf(ticket, events)).toISOString()).toBe('2026-11-03T09:00:00.000Z');
  });

  it('the site reads the same start as the tick job, also after an assignment and a status change', () => {
    const later: TicketEvent[] = [...events, { ...base, time: '2026-11-04T10:00:00Z', type: 'assigned', from: 'tpm', to: 'ngi-de' }, { ...base, time: '2026-11-05T10:00:00Z', type: 'status', from: 'assigned', to: 'in progress' }];
    for (const list of [events, later]) {
      const site = gitHistory(new Map([[7, list]]), { visible: new Set() }).clockStart(ticket as never);
      expect(Date.parse(site)).toBe(colourClockStart(timelineOf(ticket, list)).getTime());
    }
  });
});
