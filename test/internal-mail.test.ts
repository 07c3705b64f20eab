/**
 * Internal notes never leak through mail (issue 16 point 2), through real parts: an internal note by the
 * CLI → `notify` → the unit's mail on a loopback SMTP server → a supporter's reply quoting it → `intake`
 * → `notify` again → the built site. Every outgoing mail to the submitter, the CC and a subscriber and
 * every file of the site is searched for the internal text.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTicket } from '../lib/store/load.ts';
import { buildSite } from '../lib/site/build.ts';
import { notify } from '../scripts/commands/notify.ts';
import { addReply } from '../scripts/commands/reply.ts';
import { setFields } from '../scripts/commands/set.ts';
import { cleanupTemps, git, tempDir } from './helpers.ts';
import { threadedMail } from './fixtures/mail/build.ts';
import { makeNotifyHelpdesk, startSmtpSink, type SmtpSink, deliverMail } from './notify-helpers.ts';

const SECRET = 'The VOBOX admin is on sick leave until Friday, do not tell the users yet';
const SECRET_WORDS = 'VOBOX admin is on sick leave';
const TOM = 'Tom Shift <tom@grid.test>';
let smtp: SmtpSink;
let dir: string;
const sent: { to: string[]; raw: Buffer; mail: ParsedMail }[] = [];

function mailFrom(from: string, fields: { id: string; subject: string; body: string; to?: string; inReplyTo?: string }): string {
  return threadedMail({ from, ...fields });
}

function deliver(raw: string) {
  return deliverMail(dir, raw);
}

async function notifyNow(since?: string) {
  const before = smtp.received.length;
  await notify({ root: dir, since, env: smtp.env, now: new Date('2026-12-01T12:00:00Z') });
  const fresh = await Promise.all(smtp.received.slice(before).map(async (r) => ({ to: r.to, raw: r.raw, mail: await simpleParser(r.raw) })));
  sent.push(...fresh);
  return fresh;
}

/** Everything a person outside the unit can read of a mail: decoded text and HTML, headers. */
function readable(mail: ParsedMail): string {
  return [mail.subject ?? '', mail.text ?? '', typeof mail.html === 'string' ? mail.html : '', [...mail.headers.values()].map(String).join('\n')].join('\n');
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const full = path.join(folder, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

beforeAll(async () => {
  smtp = await startSmtpSink();
  dir = makeNotifyHelpdesk('mail:\n  authentication: "off"\n  replyTokens: true\n');
  const first = git(dir, ['rev-parse', 'HEAD']).trim();
  const created = await deliver(mailFrom('Jane Doe <jane@uni.test>', { id: 'start@uni.test', subject: 'CMS pilots fail at FZK', body: 'All pilots fail since Monday.' }));
  expect(created.action).toBe('created');
  await setFields({ root: dir, number: 165001, assignments: ['cc=boss@uni.test', 'subscribers=watcher@lab.test', 'notify=on every change'], actor: TOM });
  await notifyNow(first);
});
afterAll(async () => {
  await smtp.close();
  cleanupTemps();
});

describe('an internal note, the unit mail, a supporter reply quoting it', () => {
  let unitMail: ParsedMail;

  it('the unit mail carrying the note is marked internal', async () => {
    await addReply({ root: dir, number: 165001, text: SECRET, internal: true, actor: TOM });
    const mails = await notifyNow();
    expect(mails.map((m) => m.to)).toEqual([['tpm@lists.ggus.test']]);
    unitMail = mails[0]?.mail as ParsedMail;
    expect(unitMail.headers.get('x-gitgus-visibility')).toBe('internal');
    expect(unitMail.messageId).toMatch(/\.unit\.internal@ggus\.test>$/);
    expect(unitMail.subject).toContain('[internal]');
    expect(unitMail.replyTo?.value[0]?.address).toBe('helpdesk+165001.internal@ggus.test');
    expect(unitMail.text).toContain(SECRET);
  });

  it('a supporter replying to it (quoting the note) adds an internal note, mailed to nobody outside the unit', async () => {
    const reply = mailFrom('Anna Kit <anna@kit.test>', {
      id: 'anna-1@kit.test',
      to: unitMail.replyTo?.value[0]?.address,
      subject: `Re: ${unitMail.subject ?? ''}`,
      inReplyTo: unitMail.messageId,
      body: `I can take over the VOBOX meanwhile.\n\nOn Tue, Tom Shift wrote:\n> ${SECRET}\n`,
    });
    const result = await deliver(reply);
    expect(result).toMatchObject({ action: 'appended', ticket: 165001 });
    expect(result.flags).toContain('made-internal');
    const stored = loadTicket(dir, 165001, { messages: true }).messages?.find((m) => m.message.messageId === 'anna-1@kit.test');
    expect(stored?.message.visibility).toBe('internal');
    const mails = await notifyNow();
    expect(mails.flatMap((m) => m.to).sort()).toEqual(['tpm@lists.ggus.test']);
  });

  it('a reply whose headers were lost but that quotes the note is internal too; the same mail without the quote is public', async () => {
    const quoting = await deliver(
      mailFrom('Anna Kit <anna@kit.test>', {
        id: 'anna-2@kit.test',
        subject: '[GGUS #165001] status',
        // Re-wrapped by a mail client: the quote is found word by word.
        body: `Still on it.\n\n> The VOBOX admin is on sick leave until\n> Friday, do not tell the users yet\n`,
      }),
    );
    expect(quoting.flags).toContain('made-internal');
    const plain = await deliver(mailFrom('Anna Kit <anna@kit.test>', { id: 'anna-3@kit.test', subject: '[GGUS #165001] status', body: 'Dear user, we restarted the CE; please resubmit.' }));
    expect(plain.flags).not.toContain('made-internal');
    const messages = loadTicket(dir, 165001, { messages: true }).messages ?? [];
    expect(messages.find((m) => m.message.messageId === 'anna-2@kit.test')?.message.visibility).toBe('internal');
    expect(messages.find((m) => m.message.messageId === 'anna-3@kit.test')?.message.visibility).toBe('public');
    const mails = await notifyNow();
    // The public answer reaches the submitter, the CC and the subscriber; the quoting one none of them.
    expect(mails.flatMap((m) => m.to).sort()).toEqual(['boss@uni.test', 'jane@uni.test', 'tpm@lists.ggus.test', 'tpm@lists.ggus.test', 'watcher@lab.test']);
  });

  it('the [internal] subject mark and the +internal address make a note internal', async () => {
    const marked = await deliver(mailFrom('Anna Kit <anna@kit.test>', { id: 'anna-4@kit.test', subject: '[GGUS #165001] [internal] pool node', body: 'Pool node 3 is the culprit.' }));
    const addressed = await deliver(mailFrom('Anna Kit <anna@kit.test>', { id: 'anna-5@kit.test', to: 'helpdesk+internal@ggus.test', subject: '[GGUS #165001] pool node', body: 'Replaced its disk.' }));
    expect([marked.flags.includes('made-internal'), addressed.flags.includes('made-internal')]).toEqual([true, true]);
    await notifyNow();
  });

  it('no mail outside the unit and no page of the built site holds the internal text', async () => {
    const outside = sent.filter((m) => m.to.some((address) => !address.endsWith('@lists.ggus.test')));
    expect(outside.length).toBeGreaterThan(2);
    for (const mail of outside) {
      const text = readable(mail.mail);
      expect(text).not.toContain(SECRET_WORDS);
      expect(text).not.toContain('Pool node 3');
      expect(text).not.toContain('I can take over the VOBOX');
    }
    // The unit did get them all.
    const unit = sent
      .filter((m) => m.to.includes('tpm@lists.ggus.test'))
      .map((m) => readable(m.mail))
      .join('\n');
    for (const text of [SECRET_WORDS, 'Pool node 3', 'I can take over the VOBOX']) expect(unit).toContain(text);

    const out = path.join(tempDir('gitgus-internal-site-'), 'dist');
    await buildSite({ root: dir, out, now: '2026-12-01T12:00:00Z', search: false });
    const files = filesUnder(out);
    expect(files.some((file) => file.endsWith(path.join('tickets', '165001', 'index.html')))).toBe(true);
    const site = files
      .filter((file) => /\.(html|json|xml|txt|js)$/.test(file))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    expect(site).toContain('Dear user, we restarted the CE');
    for (const text of [SECRET_WORDS, 'Pool node 3', 'I can take over the VOBOX', 'Replaced its disk']) expect(site).not.toContain(text);
  }, 240_000);
});
