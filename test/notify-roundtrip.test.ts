/**
 * Round trips between outgoing and incoming mail, all through real parts: mail → `gitgus intake` → ticket
 * → `gitgus notify` → SMTP server on loopback → the received bytes back into `gitgus intake`.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTicket } from '../lib/store/load.ts';
import { notify } from '../scripts/commands/notify.ts';
import { cleanupTemps, git } from './helpers.ts';
import { threadedMail } from './fixtures/mail/build.ts';
import { commitAt, head, makeNotifyHelpdesk, startSmtpSink, type SmtpSink, deliverMail } from './notify-helpers.ts';

let smtp: SmtpSink;
let dir: string;

beforeAll(async () => {
  smtp = await startSmtpSink();
  // State changes by mail need an authenticated sender; this loopback test has no receiving server to vouch.
  dir = makeNotifyHelpdesk('mail:\n  authentication: "off"\n  replyTokens: true\n');
});
afterAll(async () => {
  await smtp.close();
  cleanupTemps();
});

/** Feeds raw bytes to intake as one message file, like an MTA pipe. */
function deliver(raw: string | Buffer) {
  return deliverMail(dir, raw);
}

function inbound(fields: { id: string; subject: string; body: string; inReplyTo?: string; date?: string }): string {
  return threadedMail(fields);
}

/** Runs notify over everything new and returns the mails the SMTP server received, parsed. */
async function notifyNow(since?: string): Promise<{ to: string[]; raw: Buffer; mail: ParsedMail }[]> {
  const before = smtp.received.length;
  await notify({ root: dir, since, env: smtp.env, now: new Date('2026-12-01T12:00:00Z') });
  return Promise.all(smtp.received.slice(before).map(async (r) => ({ ...r, mail: await simpleParser(r.raw) })));
}

describe('notifications and intake', () => {
  let acks: { to: string[]; raw: Buffer; mail: ParsedMail }[];

  it('a new mail becomes a ticket, and the ticket an acknowledgement', async () => {
    const base = head(dir);
    expect((await deliver(inbound({ id: 'first@uni.test', subject: 'Jobs at FZK fail', body: 'All pilots fail.' }))).action).toBe('created');
    expect((await deliver(inbound({ id: 'second@uni.test', subject: 'Storage at DESY is full', body: 'No space left.' }))).action).toBe('created');
    const mails = await notifyNow(base);
    acks = mails.filter((m) => m.mail.headers.get('auto-submitted') === 'auto-replied');
    expect(acks.map((m) => [m.to, m.mail.subject])).toEqual([
      [['jane@uni.test'], '[GGUS #165001] Received: Jobs at FZK fail (new)'],
      [['jane@uni.test'], '[GGUS #165002] Received: Storage at DESY is full (new)'],
    ]);
    // The acknowledgement answers the user's own mail.
    expect(acks[1]?.mail.inReplyTo).toBe('<second@uni.test>');
  });

  it('our own notification coming back is recognised and ignored', async () => {
    const ticketBefore = git(dir, ['rev-parse', 'HEAD:tickets/165/165002']);
    const result = await deliver(acks[1]?.raw as Buffer);
    expect(result.action).toBe('ignored');
    expect(result.reason).toMatch(/own mail/);
    expect(git(dir, ['rev-parse', 'HEAD:tickets/165/165002'])).toBe(ticketBefore);
    // Nor does anything get mailed about it.
    expect(await notifyNow()).toEqual([]);
  });

  it('a reply whose only link is In-Reply-To: <the notification> threads to the right ticket', async () => {
    const ackId = acks[1]?.mail.messageId as string;
    expect(ackId).toMatch(/^<gitgus\.165002\./);
    const result = await deliver(inbound({ id: 'reply-1@uni.test', subject: 'Re: your mail', body: 'It is still full this morning.', inReplyTo: ackId, date: 'Tue, 01 Dec 2026 10:00:00 +0000' }));
    expect(result.action).toBe('appended');
    expect(result.ticket).toBe(165002);
    const doc = loadTicket(dir, 165002, { messages: true });
    expect(doc.messages?.map((m) => m.body.trim())).toContain('It is still full this morning.');
    // The unit hears of it, threaded under Jane's reply.
    const mails = await notifyNow();
    expect(mails.map((m) => m.to)).toEqual([['tpm@lists.ggus.test']]);
    expect(mails[0]?.mail.inReplyTo).toBe('<reply-1@uni.test>');
    expect(mails[0]?.mail.text).toContain('It is still full this morning.');
  });

  it('a reply to the per-ticket Reply-To address threads even when every header was lost', async () => {
    expect(acks[0]?.mail.replyTo?.value[0]?.address).toBe('helpdesk+165001@ggus.test');
    const bare = inbound({ id: 'token@uni.test', subject: 'no tag here', body: 'Mailed from a phone.', date: 'Tue, 01 Dec 2026 10:30:00 +0000' }).replace('To: helpdesk@ggus.test', 'To: helpdesk+165001@ggus.test');
    const result = await deliver(bare);
    expect([result.action, result.ticket]).toEqual(['appended', 165001]);
    await notifyNow();
  });

  it('the verify link of the solution mail verifies the ticket', async () => {
    const doc = loadTicket(dir, 165002);
    await commitAt(dir, 165002, doc.ticket.unit, {
      ticket: { ...doc.ticket, status: 'solved', solution: { qualifier: 'fixed', text: 'Old files removed.' } },
      body: doc.body,
      at: '2026-12-01T11:00:00Z',
      actor: { name: 'Tom Shift', email: 'tom@grid.test', github: 'tom-shift' },
    });
    const solution = (await notifyNow()).find((m) => m.to.includes('jane@uni.test'))?.mail as ParsedMail;
    const link = /mailto:([^?\s]+)\?subject=(\S+verify)/.exec(solution.text ?? '') as RegExpExecArray;
    expect(link[1]).toBe('helpdesk+165002@ggus.test');
    const subject = decodeURIComponent(link[2] as string);
    expect(subject).toBe('[GGUS #165002] verify');
    const result = await deliver(inbound({ id: 'verify@uni.test', subject, body: '', date: 'Tue, 01 Dec 2026 11:30:00 +0000' }));
    expect(result.ticket).toBe(165002);
    expect(loadTicket(dir, 165002).ticket.status).toBe('verified');
    git(dir, ['fsck', '--strict']);
  });
});
