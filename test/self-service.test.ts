/**
 * Submitter self-service by mail keyword (issue 16 point 11), through real parts: the mailto links of the
 * acknowledgement received by a loopback SMTP server, mails with those subjects through `gitgus intake`,
 * and the subscription confirmed by replying to the confirmation mail.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTicket } from '../lib/store/load.ts';
import { notify } from '../scripts/commands/notify.ts';
import { cleanupTemps, git } from './helpers.ts';
import { makeNotifyHelpdesk, startSmtpSink, type SmtpSink, deliverMail } from './notify-helpers.ts';

let smtp: SmtpSink;
let dir: string;
let ack: ParsedMail;

let count = 0;

function mail(from: string, subject: string, inReplyTo?: string): string {
  count += 1;
  return [
    `From: ${from}`,
    'To: helpdesk@ggus.test',
    `Subject: ${subject}`,
    `Message-ID: <self-${count}@uni.test>`,
    ...(inReplyTo ? [`In-Reply-To: ${inReplyTo}`] : []),
    'Date: Tue, 01 Dec 2026 09:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Sent from the link.',
    '',
  ].join('\r\n');
}

function deliver(raw: string) {
  return deliverMail(dir, raw);
}

async function notifyNow(since?: string) {
  const before = smtp.received.length;
  await notify({ root: dir, since, env: smtp.env, now: new Date('2026-12-01T12:00:00Z') });
  return Promise.all(smtp.received.slice(before).map(async (r) => ({ to: r.to, mail: await simpleParser(r.raw) })));
}

/** The subject a mailto link of the acknowledgement writes, found by its label. */
function linkSubject(label: string): string {
  const match = new RegExp(`${label}: mailto:[^?]+\\?subject=(\\S+)`).exec(ack.text ?? '');
  if (!match) throw new Error(`no link '${label}' in:\n${ack.text ?? ''}`);
  return decodeURIComponent(match[1] as string);
}

beforeAll(async () => {
  smtp = await startSmtpSink();
  dir = makeNotifyHelpdesk('mail:\n  authentication: "off"\n');
  const first = git(dir, ['rev-parse', 'HEAD']).trim();
  await deliver(mail('Jane Doe <jane@uni.test>', 'Jobs at FZK fail'));
  ack = (await notifyNow(first)).find((m) => m.to.includes('jane@uni.test'))?.mail as ParsedMail;
});
afterAll(async () => {
  await smtp.close();
  cleanupTemps();
});

describe('the submitter, by the links of the acknowledgement', () => {
  it('changes the notification mode', async () => {
    expect(linkSubject('Mail me on every change')).toBe('[GGUS #165001] notify on every change');
    const result = await deliver(mail('Jane Doe <jane@uni.test>', `Re: ${linkSubject('Mail me on every change')}`));
    expect(result.flags).toContain('self-service');
    expect(loadTicket(dir, 165001).ticket.notify).toBe('on every change');
  });

  it('adds and removes a CC address; the affects-the-whole-VO flag', async () => {
    await deliver(mail('Jane Doe <jane@uni.test>', linkSubject('Add a CC address').replace('ADDRESS', 'boss@uni.test')));
    expect(loadTicket(dir, 165001).ticket.cc).toEqual(['boss@uni.test']);
    await deliver(mail('Jane Doe <jane@uni.test>', '[GGUS #165001] cc add team@uni.test'));
    await deliver(mail('Jane Doe <jane@uni.test>', linkSubject('Remove a CC address').replace('ADDRESS', 'boss@uni.test')));
    expect(loadTicket(dir, 165001).ticket.cc).toEqual(['team@uni.test']);
    await deliver(mail('Jane Doe <jane@uni.test>', linkSubject('It affects the whole VO')));
    expect(loadTicket(dir, 165001).ticket.affectsVo).toBe(true);
    // Recorded as internal notes: the requests are not conversation, and the CC address stays off the site.
    const notes = (loadTicket(dir, 165001, { messages: true }).messages ?? []).filter((m) => (m.message.flags ?? []).includes('self-service'));
    expect(notes.map((m) => m.message.visibility)).toEqual(['internal', 'internal', 'internal', 'internal', 'internal']);
  });

  it('nobody else can change them', async () => {
    const result = await deliver(mail('Eve <eve@elsewhere.test>', '[GGUS #165001] cc add eve-friend@elsewhere.test'));
    expect(result.reason).toContain('only for the submitter');
    expect(loadTicket(dir, 165001).ticket.cc).toEqual(['team@uni.test']);
  });
});

describe('subscribing oneself', () => {
  it('takes effect only when the address answers the confirmation mail', async () => {
    const since = git(dir, ['rev-parse', 'HEAD']).trim();
    await deliver(mail('Walter Watcher <watcher@lab.test>', '[GGUS #165001] subscribe'));
    expect(loadTicket(dir, 165001).ticket.subscribers).toBeUndefined();
    const mails = await notifyNow(since);
    const confirmation = mails.find((m) => m.to.includes('watcher@lab.test'))?.mail as ParsedMail;
    expect(confirmation.subject).toMatch(/^\[GGUS #165001\] subscribe [A-Za-z0-9_-]{24}$/);
    expect(confirmation.text).toContain('To confirm, reply to this mail');
    // Nobody else got the code.
    for (const other of mails.filter((m) => !m.to.includes('watcher@lab.test'))) expect(other.mail.subject).not.toContain(confirmation.subject?.split(' ').pop());
    // A guessed code, or the right code from another address, subscribes nobody.
    await deliver(mail('Walter Watcher <watcher@lab.test>', '[GGUS #165001] subscribe AAAAAAAAAAAAAAAAAAAAAAAA'));
    await deliver(mail('Eve <eve@elsewhere.test>', `Re: ${confirmation.subject ?? ''}`));
    expect(loadTicket(dir, 165001).ticket.subscribers).toBeUndefined();
    const result = await deliver(mail('Walter Watcher <watcher@lab.test>', `Re: ${confirmation.subject ?? ''}`, confirmation.messageId));
    expect(result.reason).toContain('confirmed the subscription');
    expect(loadTicket(dir, 165001).ticket.subscribers).toEqual(['watcher@lab.test']);
    await deliver(mail('Walter Watcher <watcher@lab.test>', '[GGUS #165001] unsubscribe'));
    expect(loadTicket(dir, 165001).ticket.subscribers).toBeUndefined();
    git(dir, ['fsck', '--strict']);
  });
});
