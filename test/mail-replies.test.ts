/**
 * Replies to every mail the helpdesk sends, through real parts: mail → intake → ticket → CLI changes and
 * `tick` over three weeks → `notify` → SMTP server on loopback → the received mails answered in four ways
 * (a plain reply, "still failing", the verify keyword, the reopen keyword) → intake again.
 *
 * The rule (issue 16 point 1): only the verify keyword verifies and only the reopen keyword reopens; any
 * other reply is appended and flagged for the unit, whichever mail it answers. Before, a plain reply to
 * any notification of a solved ticket verified it — even "No, it is still failing!".
 */
import { cpSync } from 'node:fs';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Status } from '../lib/core/schema/ticket.ts';
import { loadTicket } from '../lib/store/load.ts';
import { notify } from '../scripts/commands/notify.ts';
import { addReply } from '../scripts/commands/reply.ts';
import { changeStatus } from '../scripts/commands/status.ts';
import { tick } from '../scripts/commands/tick.ts';
import { cleanupTemps, git, runGitgus, tempDir } from './helpers.ts';
import { threadedMail } from './fixtures/mail/build.ts';
import { makeNotifyHelpdesk, startSmtpSink, type SmtpSink, deliverMail } from './notify-helpers.ts';

const TOM = 'Tom Shift <tom@grid.test>';
let smtp: SmtpSink;
let dir: string;

interface Captured {
  to: string[];
  raw: Buffer;
  mail: ParsedMail;
}

function inbound(fields: { id: string; subject: string; body: string; inReplyTo?: string; date: string }): string {
  return threadedMail(fields);
}

function deliver(root: string, raw: string, at: string) {
  return deliverMail(root, raw, at);
}

async function notifyNow(at: string): Promise<Captured[]> {
  const before = smtp.received.length;
  await notify({ root: dir, env: smtp.env, now: new Date(at) });
  return Promise.all(smtp.received.slice(before).map(async (r) => ({ to: r.to, raw: r.raw, mail: await simpleParser(r.raw) })));
}

function toJane(mails: Captured[]): Captured {
  const found = mails.find((m) => m.to.includes('jane@uni.test'));
  if (!found) throw new Error(`no mail to the submitter among ${mails.map((m) => m.mail.subject).join(' | ')}`);
  return found;
}

/** The mails the submitter got, by what they are. */
const mails: Record<string, { ticket: number; mail: Captured }> = {};

beforeAll(async () => {
  smtp = await startSmtpSink();
  // Loopback mail has no receiving server to vouch for the sender; state changes by mail need authentication.
  dir = makeNotifyHelpdesk('mail:\n  authentication: "off"\n');
  const first = git(dir, ['rev-parse', 'HEAD']).trim();
  // #165001: acknowledgement, update, question (waiting for reply), reminder, solution.
  await deliver(dir, inbound({ id: 'q1@uni.test', subject: 'Jobs at FZK fail', body: 'All pilots fail.', date: 'Tue, 01 Dec 2026 09:00:00 +0000' }), '2026-12-01T09:00:00Z');
  // #165002: acknowledgement, then waiting for reply until tick sets it unsolved.
  await deliver(dir, inbound({ id: 'q2@uni.test', subject: 'Storage at DESY is full', body: 'No space left.', date: 'Tue, 01 Dec 2026 09:30:00 +0000' }), '2026-12-01T09:30:00Z');
  await notify({ root: dir, since: first, env: smtp.env, now: new Date('2026-12-01T09:40:00Z') });
  const acks = await Promise.all(smtp.received.map(async (r) => ({ to: r.to, raw: r.raw, mail: await simpleParser(r.raw) })));
  mails.acknowledgement = { ticket: 165001, mail: toJane(acks.filter((m) => m.mail.subject?.includes('#165001'))) };

  await addReply({ root: dir, number: 165001, text: 'We are looking at the CE logs.', actor: TOM, now: new Date('2026-12-01T10:00:00Z') });
  // The submitter is "on solution": a public message still reaches them (GGUS "Who gets what").
  mails.update = { ticket: 165001, mail: toJane(await notifyNow('2026-12-01T10:05:00Z')) };

  await changeStatus({ root: dir, number: 165001, status: 'waiting for reply', message: 'Which CE did the job run on?', actor: TOM, now: new Date('2026-12-01T11:00:00Z') });
  await changeStatus({ root: dir, number: 165002, status: 'waiting for reply', message: 'Which storage element?', actor: TOM, now: new Date('2026-12-01T11:30:00Z') });
  const questions = await notifyNow('2026-12-01T11:40:00Z');
  mails.question = { ticket: 165001, mail: toJane(questions.filter((m) => m.mail.subject?.includes('#165001'))) };

  await tick({ root: dir, now: new Date('2026-12-09T12:00:00Z') });
  const reminders = await notifyNow('2026-12-09T12:05:00Z');
  mails.reminder = { ticket: 165001, mail: toJane(reminders.filter((m) => m.mail.subject?.includes('#165001'))) };

  await changeStatus({ root: dir, number: 165001, status: 'solved', solution: 'The CE was restarted.', qualifier: 'fixed', actor: TOM, now: new Date('2026-12-09T13:00:00Z') });
  mails.solution = { ticket: 165001, mail: toJane(await notifyNow('2026-12-09T13:05:00Z')) };

  await tick({ root: dir, now: new Date('2026-12-16T12:00:00Z') });
  await notifyNow('2026-12-16T12:05:00Z');
  await tick({ root: dir, now: new Date('2026-12-23T12:00:00Z') });
  mails.unsolved = { ticket: 165002, mail: toJane(await notifyNow('2026-12-23T12:05:00Z')) };
}, 120_000);

afterAll(async () => {
  await smtp.close();
  cleanupTemps();
});

describe('the mails the submitter gets', () => {
  it('are the acknowledgement, an update, the question, a reminder, the solution and the unsolved mail', () => {
    expect(Object.fromEntries(Object.entries(mails).map(([kind, { mail }]) => [kind, mail.mail.subject]))).toEqual({
      acknowledgement: '[GGUS #165001] Received: Jobs at FZK fail (new)',
      update: '[GGUS #165001] Jobs at FZK fail (new)',
      question: '[GGUS #165001] Question: Jobs at FZK fail (waiting for reply)',
      reminder: '[GGUS #165001] Your reply is needed: Jobs at FZK fail (waiting for reply)',
      solution: '[GGUS #165001] Jobs at FZK fail (solved)',
      unsolved: '[GGUS #165002] Storage at DESY is full (unsolved)',
    });
    expect(loadTicket(dir, 165001).ticket.status).toBe('solved');
    expect(loadTicket(dir, 165002).ticket.status).toBe('unsolved');
  });

  it('a question reaches an "on solution" submitter and carries the question (issue 16 point 4)', () => {
    expect(loadTicket(dir, 165001).ticket.notify).toBe('on solution');
    expect(mails.question?.mail.mail.text).toContain('Which CE did the job run on?');
    expect(mails.question?.mail.mail.text).toContain('is waiting for your reply');
  });

  it('say that the verify and reopen keywords, not a plain reply, change the status', () => {
    for (const kind of ['solution', 'unsolved']) {
      const text = mails[kind]?.mail.mail.text ?? '';
      expect(text).toContain('verify');
      expect(text).toContain('reopen');
      expect(text).toContain('A reply without "verify" or "reopen" in the subject is added to the ticket for the support unit');
    }
    expect(mails.unsolved?.mail.mail.text).not.toContain('Reply to reopen');
  });
});

const REPLIES: { kind: string; subject: (tag: string, original: string) => string; body: string; expect: (terminal: Status) => Status; flagged: boolean }[] = [
  { kind: 'a plain reply', subject: (_tag, original) => `Re: ${original}`, body: 'Thanks, I will check tomorrow.', expect: (t) => t, flagged: true },
  { kind: '"still failing"', subject: (_tag, original) => `Re: ${original}`, body: 'No, it is still failing! Not fixed.', expect: (t) => t, flagged: true },
  { kind: 'the verify keyword', subject: (tag) => `Re: ${tag} verify`, body: 'Works now.', expect: () => 'verified', flagged: false },
  { kind: 'the reopen keyword', subject: (tag) => `Re: ${tag} reopen`, body: 'It came back this morning.', expect: () => 'reopened', flagged: false },
];

describe('every mail × every reply, on the solved (or unsolved) ticket', () => {
  const cases = ['acknowledgement', 'update', 'question', 'reminder', 'solution', 'unsolved'].flatMap((mailKind) => REPLIES.map((reply) => ({ mailKind, reply })));
  it.each(cases.map((c) => [c.mailKind, c.reply.kind, c] as const))('a reply to the %s mail with %s', async (_mailKind, _replyKind, { mailKind, reply }) => {
    const { ticket, mail } = mails[mailKind] as { ticket: number; mail: Captured };
    const copy = path.join(tempDir('gitgus-reply-case-'), 'helpdesk');
    cpSync(dir, copy, { recursive: true });
    const before = loadTicket(copy, ticket).ticket.status;
    const result = await deliver(
      copy,
      inbound({
        id: `${mailKind}-${reply.kind.replace(/\W+/g, '-')}@uni.test`,
        subject: reply.subject(`[GGUS #${ticket}]`, mail.mail.subject ?? ''),
        body: reply.body,
        inReplyTo: mail.mail.messageId,
        date: 'Wed, 23 Dec 2026 14:00:00 +0000',
      }),
      '2026-12-23T14:00:00Z',
    );
    expect(result).toMatchObject({ action: 'appended', ticket });
    const after = loadTicket(copy, ticket, { messages: true });
    expect(after.ticket.status).toBe(reply.expect(before));
    const stored = after.messages?.find((m) => m.message.messageId?.startsWith(mailKind));
    expect(stored?.body.trim()).toBe(reply.body);
    expect(stored?.message.visibility).toBe('public');
    expect((stored?.message.flags ?? []).includes('reply-to-solved')).toBe(reply.flagged);
    git(copy, ['fsck', '--strict']);
  });
});

describe('while the ticket waits for the submitter', () => {
  it('any reply to the question answers it (in progress); a verify keyword verifies nothing that is not solved', async () => {
    const copy = path.join(tempDir('gitgus-reply-wait-'), 'helpdesk');
    cpSync(dir, copy, { recursive: true });
    git(copy, ['reset', '-q', '--hard', git(copy, ['log', '--format=%H', '-1', '--grep=→ solved']).trim() + '~1']);
    expect(loadTicket(copy, 165001).ticket.status).toBe('waiting for reply');
    const question = mails.question?.mail.mail as ParsedMail;
    await deliver(copy, inbound({ id: 'wait-verify@uni.test', subject: '[GGUS #165001] verify', body: 'CE02.', inReplyTo: question.messageId, date: 'Wed, 09 Dec 2026 12:30:00 +0000' }), '2026-12-09T12:30:00Z');
    expect(loadTicket(copy, 165001).ticket.status).toBe('in progress');
  });
});

describe('a reply on a solved ticket that is not a verify (issue 16 point 1)', () => {
  it("holds the auto-close past its delay, tells the unit once, and counts again from the unit's answer", async () => {
    const copies = ['held', 'control'].map((name) => {
      const copy = path.join(tempDir(`gitgus-reply-${name}-`), 'helpdesk');
      cpSync(dir, copy, { recursive: true });
      return copy;
    });
    const [held, control] = copies as [string, string];
    const solution = mails.solution?.mail.mail as ParsedMail;
    await deliver(
      held,
      inbound({ id: 'held-still-failing@uni.test', subject: `Re: ${solution.subject ?? ''}`, body: 'No, it is still failing! Not fixed.', inReplyTo: solution.messageId, date: 'Thu, 10 Dec 2026 09:00:00 +0000' }),
      '2026-12-10T09:00:00Z',
    );
    const tickAt = (root: string, at: string) => {
      const result = runGitgus(['tick', '--now', at, '--root', root]);
      expect(result.status, result.stderr).toBe(0);
    };
    // Four weeks later, well past the 10 working days: the control closes, the answered one stays solved.
    tickAt(control, '2027-01-08T12:00:00Z');
    expect(loadTicket(control, 165001).ticket.status).toBe('closed');
    tickAt(held, '2027-01-08T12:00:00Z');
    tickAt(held, '2027-01-11T12:00:00Z');
    const after = loadTicket(held, 165001, { messages: true });
    expect(after.ticket.status).toBe('solved');
    const notes = (after.messages ?? []).filter((m) => (m.message.flags ?? []).includes('auto-close-held'));
    expect(notes).toHaveLength(1);
    expect(notes[0]?.message.visibility).toBe('internal');
    expect(notes[0]?.body).toContain('Auto-close held: the submitter replied');
    // The unit answers; 10 working days after that answer the ticket closes.
    await addReply({ root: held, number: 165001, text: 'The CE was replaced as well; please check again.', actor: TOM, now: new Date('2027-01-12T10:00:00Z') });
    tickAt(held, '2027-01-20T12:00:00Z');
    expect(loadTicket(held, 165001).ticket.status).toBe('solved');
    tickAt(held, '2027-01-27T12:00:00Z');
    expect(loadTicket(held, 165001).ticket.status).toBe('closed');
  }, 120_000);
});
