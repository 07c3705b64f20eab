/**
 * The time-driven rules: pure planning at chosen times across a weekend, then `gitgus tick` on a real
 * repository (one commit per change, idempotent) with the mail it leads to through a real SMTP server.
 * Calendar of the fixture units: Monday–Friday 09:00–17:00 UTC; 2026-12-04 is a Friday.
 */
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planTick, timelineOf, type TickAction, type TickTicket } from '../lib/core/notify/tick.ts';
import { QOS_WARNING_FLAG, WAITING_REMINDER_FLAG } from '../lib/core/notify/update.ts';
import { MessageSchema, type Message } from '../lib/core/schema/message.ts';
import { SettingsSchema } from '../lib/core/schema/settings.ts';
import type { Ticket } from '../lib/core/schema/ticket.ts';
import { notify } from '../scripts/commands/notify.ts';
import { tick } from '../scripts/commands/tick.ts';
import { cleanupTemps, git, runGitgus } from './helpers.ts';
import { settings, ticket, units } from './notify-fixtures.ts';
import { commitAt, head, makeNotifyHelpdesk, startSmtpSink, type SmtpSink } from './notify-helpers.ts';

function record(flag: string, date: string): Message {
  return MessageSchema.parse({ date, author: { name: 'Test Grid Helpdesk', role: 'system' }, visibility: flag === WAITING_REMINDER_FLAG ? 'public' : 'internal', source: 'system', flags: [flag] });
}

function item(t: Ticket, since: { status: string; unit?: string }, messages: Message[] = []): TickTicket {
  return { ticket: t, messages, timeline: { statusSince: since.status, unitSince: since.unit ?? since.status } };
}

const due = (items: TickTicket[], now: string, s = settings) => planTick(items, { now: new Date(now), settings: s, units });
/** An ISO instant with a fraction of a second: no output of gitgus has one (lib/core/time.ts isoSeconds). */
const MILLISECONDS = /\d{2}:\d{2}:\d{2}\.\d+Z/;
const rules = (actions: TickAction[]) => actions.map((a) => `${a.number} ${a.rule}`);

describe('waiting for reply', () => {
  const waiting = ticket({ status: 'waiting for reply', priority: 'less urgent' });
  const since = { status: '2026-12-04T14:00:00Z' }; // Friday 14:00

  it('reminds after 5 working days: the next Friday 14:00, not before, whatever the weekend', () => {
    expect(due([item(waiting, since)], '2026-12-05T12:00:00Z')).toEqual([]); // Saturday
    expect(due([item(waiting, since)], '2026-12-11T13:59:59Z')).toEqual([]);
    const [action] = due([item(waiting, since)], '2026-12-11T14:00:00Z');
    expect(action?.rule).toBe('waiting-reminder');
    expect(action?.ticket).toBeUndefined();
    expect(action?.message?.message).toMatchObject({ date: '2026-12-11T14:00:00Z', visibility: 'public', flags: [WAITING_REMINDER_FLAG], author: { role: 'system' } });
    expect(action?.message?.body).toContain('Reminder 1 of 2');
  });

  it('reminds again 5 working days after the first, then sets unsolved 5 after the second', () => {
    const first = record(WAITING_REMINDER_FLAG, '2026-12-11T14:00:00Z');
    expect(due([item(waiting, since, [first])], '2026-12-11T14:00:00Z')).toEqual([]); // idempotent
    expect(due([item(waiting, since, [first])], '2026-12-18T13:59:00Z')).toEqual([]);
    expect(due([item(waiting, since, [first])], '2026-12-18T14:00:00Z')[0]?.message?.body).toContain('Reminder 2 of 2');
    const second = record(WAITING_REMINDER_FLAG, '2026-12-18T14:00:00Z');
    expect(due([item(waiting, since, [first, second])], '2026-12-25T13:59:00Z')).toEqual([]);
    const [unsolved] = due([item({ ...waiting, remindOn: '2027-01-04' }, since, [first, second])], '2026-12-25T14:00:00Z');
    expect(unsolved?.rule).toBe('waiting-unsolved');
    expect(unsolved?.ticket?.status).toBe('unsolved');
    expect(unsolved?.ticket?.solution?.qualifier).toBe('invalid');
    expect(unsolved?.ticket?.remindOn).toBeUndefined();
    expect(unsolved?.message?.message.visibility).toBe('public');
    expect(unsolved?.subject).toBe('#165048 status: waiting for reply → unsolved (no reply for 15 working days)');
  });

  it('catches up one step per run and ignores reminders of an earlier waiting period', () => {
    const old = record(WAITING_REMINDER_FLAG, '2026-11-20T10:00:00Z');
    const actions = due([item(waiting, since, [old])], '2027-02-01T10:00:00Z');
    expect(rules(actions)).toEqual(['165048 waiting-reminder']);
    expect(actions[0]?.message?.body).toContain('Reminder 1 of 2');
  });

  it('follows the configured steps', () => {
    const quick = SettingsSchema.parse({ ...settings, notify: { tick: { waitingStepDays: 1, waitingReminders: 0 } } });
    expect(rules(due([item(waiting, since)], '2026-12-07T14:00:00Z', quick))).toEqual(['165048 waiting-unsolved']);
  });
});

describe('auto-close', () => {
  const solved = ticket({ status: 'solved', solution: { qualifier: 'fixed', text: 'Done.' } });

  it('closes solved and unsolved tickets after 10 working days', () => {
    const since = { status: '2026-12-04T16:00:00Z' }; // Friday 16:00
    expect(due([item(solved, since)], '2026-12-18T15:59:00Z')).toEqual([]);
    const [close] = due([item(solved, since)], '2026-12-18T16:00:00Z');
    expect(close?.ticket?.status).toBe('closed');
    expect(close?.subject).toBe('#165048 status: solved → closed (not verified within 10 working days)');
    expect(rules(due([item({ ...solved, status: 'unsolved' }, since)], '2026-12-18T16:00:00Z'))).toEqual(['165048 auto-close']);
  });

  it('counts from Monday morning when solved on a Saturday, and leaves verified and closed alone', () => {
    const since = { status: '2026-12-05T10:00:00Z' };
    expect(due([item(solved, since)], '2026-12-18T16:59:00Z')).toEqual([]);
    expect(rules(due([item(solved, since)], '2026-12-18T17:00:00Z'))).toEqual(['165048 auto-close']);
    for (const status of ['verified', 'closed'] as const) expect(due([item({ ...solved, status }, since)], '2027-06-01T00:00:00Z')).toEqual([]);
  });
});

describe('supporter reminder dates', () => {
  it('fire at the start of office hours on the day, as an internal note, and clear the date', () => {
    const held = ticket({ status: 'on hold', remindOn: '2026-12-07' });
    expect(due([item(held, { status: '2026-12-01T10:00:00Z' })], '2026-12-07T08:59:00Z')).toEqual([]);
    const [remind] = due([item(held, { status: '2026-12-01T10:00:00Z' })], '2026-12-07T09:00:00Z');
    expect(remind?.rule).toBe('remind-on');
    expect(remind?.ticket?.remindOn).toBeUndefined();
    expect(remind?.message?.message.visibility).toBe('internal');
    expect(due([item({ ...held, status: 'solved', solution: { qualifier: 'fixed', text: 'x' } }, { status: '2026-12-07T08:00:00Z' })], '2026-12-07T09:00:00Z')).toEqual([]);
  });
});

describe('QoS response deadlines', () => {
  it('warn the unit at 75%: medium, very urgent, assigned Friday 13:00 → Monday 11:00', () => {
    const assigned = ticket({ status: 'assigned', priority: 'very urgent', unit: 'ngi-de' });
    const since = { status: '2026-12-04T13:00:00Z' };
    expect(due([item(assigned, since)], '2026-12-07T10:59:00Z')).toEqual([]);
    const [warning] = due([item(assigned, since)], '2026-12-07T11:00:00Z');
    expect(warning?.rule).toBe('qos-warning');
    expect(warning?.message?.message).toMatchObject({ visibility: 'internal', flags: [QOS_WARNING_FLAG] });
    expect(warning?.message?.body).toContain('1 working days for a very urgent ticket at QoS level medium');
    expect(warning?.message?.body).toContain('Please respond by 2026-12-07 13:00 UTC');
    // Recorded once; a response (in progress) ends the rule.
    expect(due([item(assigned, since, [record(QOS_WARNING_FLAG, '2026-12-07T11:00:00Z')])], '2026-12-07T16:00:00Z')).toEqual([]);
    expect(due([item({ ...assigned, status: 'in progress' }, since)], '2026-12-07T11:00:00Z')).toEqual([]);
  });

  it('count from the assignment to the current unit; advanced top priority is 4 working hours', () => {
    const top = ticket({ status: 'assigned', priority: 'top priority', unit: 'dcache' });
    expect(due([item(top, { status: '2026-12-04T15:00:00Z' })], '2026-12-07T09:59:00Z')).toEqual([]);
    expect(rules(due([item(top, { status: '2026-12-04T15:00:00Z' })], '2026-12-07T10:00:00Z'))).toEqual(['165048 qos-warning']);
    // A warning recorded for an earlier unit does not count for the new one.
    const earlier = record(QOS_WARNING_FLAG, '2026-12-02T10:00:00Z');
    expect(rules(due([item(top, { status: '2026-12-04T15:00:00Z', unit: '2026-12-04T15:00:00Z' }, [earlier])], '2026-12-07T10:00:00Z'))).toEqual(['165048 qos-warning']);
  });
});

describe('priority colours', () => {
  it('alert the unit when a ticket turns red, once per colour clock', () => {
    const working = ticket({ status: 'in progress', priority: 'urgent', unit: 'ngi-de' });
    const since = { status: '2026-11-30T11:00:00Z' }; // Monday 11:00: red after 40 working hours, Monday 12-07 11:00
    expect(due([item(working, since)], '2026-12-07T10:59:00Z')).toEqual([]);
    const [red] = due([item(working, since)], '2026-12-07T11:00:00Z');
    expect(red?.rule).toBe('colour');
    expect(red?.message?.message).toMatchObject({ visibility: 'internal', flags: ['colour-red'] });
    expect(due([item(working, since, [record('colour-red', '2026-12-07T11:00:00Z')])], '2026-12-08T11:00:00Z')).toEqual([]);
    // Waiting for the submitter is not the unit's delay.
    expect(rules(due([item({ ...working, status: 'waiting for reply' }, since)], '2026-12-07T11:00:00Z')).filter((r) => r.endsWith('colour'))).toEqual([]);
  });
});

describe('timelineOf', () => {
  it('takes the status and unit times from the history events, else the creation time', () => {
    const t = ticket();
    const base = { ticket: 165048, commit: 'c', actor: { name: 'x' } };
    expect(timelineOf(t, [])).toEqual({ statusSince: t.created, unitSince: t.created });
    expect(
      timelineOf(t, [
        { ...base, time: '2026-12-01T09:00:00Z', type: 'created', title: '', status: 'new', unit: 'tpm', priority: 'urgent', ticketType: 'USER' },
        { ...base, time: '2026-12-01T10:00:00Z', type: 'assigned', from: 'tpm', to: 'ngi-de' },
        { ...base, time: '2026-12-02T10:00:00Z', type: 'status', from: 'assigned', to: 'in progress' },
        { ...base, time: '2026-12-03T10:00:00Z', type: 'priority', from: 'urgent', to: 'very urgent' },
      ]),
    ).toEqual({ statusSince: '2026-12-02T10:00:00Z', unitSince: '2026-12-01T10:00:00Z' });
  });
});

describe('gitgus tick on a real repository', () => {
  let smtp: SmtpSink;
  let dir: string;
  const tom = { name: 'Tom Shift', email: 'tom@grid.test', github: 'tom-shift' };

  beforeAll(async () => {
    smtp = await startSmtpSink();
    dir = makeNotifyHelpdesk();
    // #165001 assigned to NGI Germany on Friday 13:00, very urgent: QoS warning Monday 11:00, red Thursday 17:00.
    await commitAt(dir, 165001, 'ngi-de', { ticket: ticket({ number: 165001, status: 'assigned', priority: 'very urgent', unit: 'ngi-de' }), at: '2026-12-04T13:00:00Z', actor: tom });
    // #165002 waiting for the submitter since Friday 14:00.
    const b = ticket({ number: 165002, status: 'in progress', unit: 'ngi-de', priority: 'less urgent' });
    await commitAt(dir, 165002, 'ngi-de', { ticket: b, at: '2026-11-30T09:00:00Z', actor: tom });
    await commitAt(dir, 165002, 'ngi-de', { ticket: { ...b, status: 'waiting for reply' }, at: '2026-12-04T14:00:00Z' });
    // #165003 solved on Friday 16:00.
    await commitAt(dir, 165003, 'ngi-de', { ticket: ticket({ number: 165003, status: 'solved', unit: 'ngi-de', priority: 'less urgent', solution: { qualifier: 'fixed', text: 'Done.' } }), at: '2026-12-04T16:00:00Z' });
    // #165004 verified: never touched.
    await commitAt(dir, 165004, 'ngi-de', { ticket: ticket({ number: 165004, status: 'verified', unit: 'ngi-de', solution: { qualifier: 'fixed', text: 'Done.' } }), at: '2026-12-04T16:00:00Z' });
  });
  afterAll(async () => {
    await smtp.close();
    cleanupTemps();
  });

  /** Runs tick at `now` twice: the second run must change nothing. */
  async function tickTwice(now: string): Promise<string[]> {
    const first = await tick({ root: dir, now: new Date(now) });
    const tip = head(dir);
    const second = await tick({ root: dir, now: new Date(now) });
    expect(second.changes).toEqual([]);
    expect(head(dir)).toBe(tip);
    return first.changes.map((c) => `${c.ticket} ${c.rule}`);
  }

  it('applies each rule when due, one commit per change, and nothing twice', async () => {
    const start = head(dir);
    expect(await tickTwice('2026-12-05T12:00:00Z')).toEqual([]); // Saturday: nothing is due
    expect(await tickTwice('2026-12-07T11:00:00Z')).toEqual(['165001 qos-warning']);
    expect(await tickTwice('2026-12-11T14:00:00Z')).toEqual(['165001 colour', '165002 waiting-reminder']);
    expect(await tickTwice('2026-12-18T16:00:00Z')).toEqual(['165002 waiting-reminder', '165003 auto-close']);
    // The second reminder went out at 16:00 (the run's time), so the last step is due 5 working days after it.
    expect(await tickTwice('2026-12-25T15:59:00Z')).toEqual([]);
    expect(await tickTwice('2026-12-25T16:00:00Z')).toEqual(['165002 waiting-unsolved']);
    // Each change is its own commit with the structured subject and trailers, at the evaluated time.
    const log = git(dir, ['log', '--format=%aI %s%n%(trailers:key=Event,valueonly)', `${start}..HEAD`])
      .trim()
      .split('\n')
      .filter(Boolean);
    expect(log).toEqual(
      [
        '2026-12-25T16:00:00Z #165002 status: waiting for reply → unsolved (no reply for 15 working days)',
        'tick-waiting-unsolved',
        '2026-12-18T16:00:00Z #165003 status: solved → closed (not verified within 10 working days)',
        'tick-auto-close',
        '2026-12-18T16:00:00Z #165002 waiting-for-reply reminder 2 of 2',
        'tick-waiting-reminder',
        '2026-12-11T14:00:00Z #165002 waiting-for-reply reminder 1 of 2',
        'tick-waiting-reminder',
        '2026-12-11T14:00:00Z #165001 priority colour red (ngi-de)',
        'tick-colour',
        '2026-12-07T11:00:00Z #165001 QoS warning (ngi-de)',
        'tick-qos-warning',
      ].map((line) => line.replace(/Z /, '+00:00 ')),
    );
    git(dir, ['fsck', '--strict']);
    expect(git(dir, ['status', '--porcelain'])).toBe('');
    // The records are ordinary message files in the tickets' conversations.
    expect(git(dir, ['ls-files', 'tickets/165/165002/messages']).trim().split('\n')).toHaveLength(3);
  });

  it('leads to the reminder mail for the submitter and the warning for the unit, through notify', async () => {
    const result = await notify({ root: dir, since: git(dir, ['rev-list', '--max-parents=0', 'HEAD']).trim(), env: smtp.env, now: new Date('2026-12-25T17:00:00Z') });
    const mails = await Promise.all(smtp.received.map(async (r) => ({ to: r.to, mail: await simpleParser(r.raw) })));
    const reminders = mails.filter((m) => m.mail.subject?.includes('Your reply is needed'));
    expect(reminders.map((m) => m.to)).toEqual([['jane@uni.test'], ['jane@uni.test']]);
    expect(reminders[0]?.mail.text).toContain('Reminder 1 of 2: this ticket has been waiting for your reply since 2026-12-04 14:00 UTC.');
    expect(reminders[0]?.mail.subject).toBe('[GGUS #165002] Your reply is needed: CMS jobs fail at FZK-LCG2 with proxy expired (waiting for reply)');
    const warning = mails.find((m) => m.mail.subject?.includes('Attention') && m.mail.text?.includes('response time'));
    expect(warning?.to).toEqual(['ngi-de@lists.ggus.test']);
    expect(warning?.mail.headers.get('precedence')).toBe('bulk');
    const unsolved = mails.find((m) => m.to.includes('jane@uni.test') && m.mail.subject?.endsWith('(unsolved)'));
    expect(unsolved?.mail.text).toContain('verify');
    expect(result.sent.length).toBe(mails.length);
    // Internal notes never reached the submitter.
    for (const m of mails.filter((x) => x.to.includes('jane@uni.test'))) expect(m.mail.text).not.toContain('response time');
  });

  it('runs from the command line with --now and --json, and refuses a time without a zone', () => {
    // Milliseconds on --now (as a clock reading has them) do not reach the output: one timestamp form.
    const ok = runGitgus(['tick', '--root', dir, '--now', '2026-12-28T10:00:00.250Z', '--dry-run', '--json']);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ now: '2026-12-28T10:00:00Z', considered: 2 }); // #165001 and #165002 (unsolved)
    expect(ok.stdout).not.toMatch(MILLISECONDS);
    const bad = runGitgus(['tick', '--root', dir, '--now', 'next monday']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('is not a time with a zone');
  });

  it('gitgus monitor --json writes its instants to the second, like every other output', () => {
    const run = runGitgus(['monitor', '--root', dir, '--now', '2026-12-28T10:00:00.250Z', '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ now: '2026-12-28T10:00:00Z' });
    expect(run.stdout).not.toMatch(MILLISECONDS);
  });
});
