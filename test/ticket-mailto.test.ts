/**
 * The ticket page's mailto links (issue 16 points 8 and 11) through real parts: the site of a small helpdesk
 * built once and opened in real headless Chromium, each link's href read from the page and judged by intake's
 * own subject parsers, then turned into a real RFC 5322 mail from the submitter (nodemailer's MailComposer:
 * to, subject and body of the link) and fed through `gitgus intake`; the ticket changes as the keyword says.
 * The subscription is confirmed through the confirmation mail `gitgus notify` sends over a real SMTP server.
 */
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { simpleParser } from 'mailparser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEscalationSubject, selfServiceKeyword } from '../lib/core/intake/keywords.ts';
import { buildSite } from '../lib/site/build.ts';
import { loadSettings, loadTicket } from '../lib/store/load.ts';
import { serveStatic, type StaticServer } from '../site/serve.ts';
import { launchChromium } from '../site/testing.ts';
import { dmarcPass } from './fixtures/mail/build.ts';
import { git, makeSmallHelpdesk, tempDir } from './helpers.ts';
import { deliverMail, runGitgusAsync, useSmtpSink } from './notify-helpers.ts';

const smtp = useSmtpSink();
const SAM = 'Sam Submitter <sam@uni.example>';
const WALTER = 'Walter Watcher <walter@lab.example>';

let root: string;
let number: number;
let server: StaticServer;
let browser: Browser;
/** Every mailto link of the ticket page, by its text, as Chromium read it from the page. */
const links = new Map<string, string>();

/** RFC 6068: `mailto:to?key=value&…`, each part percent-decoded (a `+` is a plus sign, not a space). */
function parseMailto(href: string): { to: string; subject: string; body?: string } {
  expect(href.startsWith('mailto:')).toBe(true);
  const [to = '', query = ''] = href.slice('mailto:'.length).split('?');
  const fields = new Map(query.split('&').map((pair) => pair.split('=').map(decodeURIComponent) as [string, string]));
  expect([...fields.keys()].every((key) => key === 'subject' || key === 'body')).toBe(true);
  return { to: decodeURIComponent(to), subject: fields.get('subject') ?? '', ...(fields.has('body') ? { body: fields.get('body') } : {}) };
}

let sent = 0;
/** What a mail program writes when the link is clicked, sent by `from` (authenticated by the receiving server), edited as the user would. */
async function mailFromLink(label: string, from: string, edit: (subject: string) => string = (subject) => subject, text?: string): Promise<Buffer> {
  const link = parseMailto(links.get(label) ?? '');
  sent += 1;
  const domain = /@([^>]+)>/.exec(from)?.[1] ?? '';
  return new MailComposer({
    from,
    to: link.to,
    subject: edit(link.subject),
    text: text ?? link.body ?? `Sent by the link "${label}".`,
    messageId: `<link-${sent}@${domain}>`,
    date: new Date(Date.UTC(2026, 11, 1, 10, sent)),
    headers: { 'Authentication-Results': dmarcPass(domain).replace(/^Authentication-Results: /, '') },
  })
    .compile()
    .build();
}

async function deliver(raw: Buffer) {
  const result = await deliverMail(root, raw);
  expect([result.action, result.ticket], result.reason).toEqual(['appended', number]);
  return result;
}

beforeAll(async () => {
  const helpdesk = makeSmallHelpdesk([{ status: 'in progress', unit: 'tpm', title: 'Proxy renewal fails on the VOBOX' }]);
  root = helpdesk.dir;
  number = helpdesk.numbers[0] as number;
  const built = await buildSite({ root, out: path.join(tempDir('gitgus-site-'), 'dist'), now: '2026-12-01T09:00:00Z', search: false });
  server = await serveStatic(built.outDir);
  browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(`${server.url}tickets/${number}/`);
  for (const anchor of await page.locator('a[href^="mailto:"]').all()) {
    const text = ((await anchor.textContent()) ?? '').trim();
    if (text !== '' && !text.includes('@')) links.set(text, (await anchor.getAttribute('href')) ?? '');
  }
  await page.close();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("the ticket page's mailto links", () => {
  it('each goes to the intake address, with the ticket tag and a keyword intake reads', () => {
    const settings = loadSettings(root);
    const tag = `[GGUS #${number}]`;
    expect([...links.keys()].sort()).toEqual(
      [
        'Reply by mail',
        'Escalate to level 1 of 3',
        'Subscribe to this ticket',
        'Unsubscribe',
        'Submitter: mail me on every change',
        'Submitter: mail me only on solution',
        'Submitter: add a CC address',
        'Submitter: remove a CC address',
        'Submitter: it affects the whole VO',
      ].sort(),
    );
    for (const href of links.values()) {
      const link = parseMailto(href);
      expect(link.to).toBe('helpdesk@ggus.example');
      expect(link.subject.startsWith(`${tag} `), link.subject).toBe(true);
      // Percent-encoded as RFC 6068 wants: no raw space, and no `+` standing for one.
      expect(href).not.toMatch(/[ +]/);
    }
    const keyword = (label: string) => selfServiceKeyword(parseMailto(links.get(label) ?? '').subject, settings.subjectTag);
    expect(parseMailto(links.get('Reply by mail') ?? '').subject).toBe(`${tag} Proxy renewal fails on the VOBOX`);
    expect(isEscalationSubject(parseMailto(links.get('Escalate to level 1 of 3') ?? '').subject, settings.subjectTag)).toBe(true);
    expect(keyword('Subscribe to this ticket')).toEqual({ kind: 'subscribe' });
    expect(keyword('Unsubscribe')).toEqual({ kind: 'unsubscribe' });
    expect(keyword('Submitter: mail me on every change')).toEqual({ kind: 'notify', mode: 'on every change' });
    expect(keyword('Submitter: mail me only on solution')).toEqual({ kind: 'notify', mode: 'on solution' });
    expect(keyword('Submitter: it affects the whole VO')).toEqual({ kind: 'affects-vo', value: true });
    // The CC links leave the address to the writer, and say so in the body.
    for (const label of ['Submitter: add a CC address', 'Submitter: remove a CC address']) {
      const link = parseMailto(links.get(label) ?? '');
      expect(link.subject).toMatch(/ cc (add|remove) ADDRESS$/);
      expect(link.body).toContain('Replace ADDRESS in the subject');
      expect(selfServiceKeyword(link.subject.replace('ADDRESS', 'boss@uni.example'), settings.subjectTag)).toMatchObject({ kind: 'cc', address: 'boss@uni.example' });
    }
  });

  it("the submitter's links change the ticket as their keywords say, through intake", async () => {
    const ticket = () => loadTicket(root, number).ticket;
    expect(ticket()).toMatchObject({ notify: 'on solution' });

    await deliver(await mailFromLink('Submitter: mail me on every change', SAM));
    expect(ticket().notify).toBe('on every change');
    await deliver(await mailFromLink('Submitter: mail me only on solution', SAM));
    expect(ticket().notify).toBe('on solution');

    await deliver(await mailFromLink('Submitter: add a CC address', SAM, (s) => s.replace('ADDRESS', 'boss@uni.example')));
    await deliver(await mailFromLink('Submitter: add a CC address', SAM, (s) => s.replace('ADDRESS', 'team@uni.example')));
    expect(ticket().cc).toEqual(['boss@uni.example', 'team@uni.example']);
    await deliver(await mailFromLink('Submitter: remove a CC address', SAM, (s) => s.replace('ADDRESS', 'boss@uni.example')));
    expect(ticket().cc).toEqual(['team@uni.example']);

    expect(ticket().affectsVo).toBeUndefined();
    await deliver(await mailFromLink('Submitter: it affects the whole VO', SAM));
    expect(ticket().affectsVo).toBe(true);

    expect(ticket().escalation).toBeUndefined();
    await deliver(await mailFromLink('Escalate to level 1 of 3', SAM));
    expect(ticket().escalation).toBe(1);

    // The self-service requests are notes for the unit (internal: the CC addresses stay off the site); the escalation is conversation.
    const messages = loadTicket(root, number, { messages: true }).messages ?? [];
    expect(messages.filter((m) => m.message.visibility === 'public').map((m) => m.body.trim())).toEqual(['Sent by the link "Escalate to level 1 of 3".']);
    expect(messages.filter((m) => m.message.visibility === 'internal' && (m.message.flags ?? []).includes('self-service'))).toHaveLength(6);

    await deliver(await mailFromLink('Reply by mail', SAM, undefined, 'The proxy still expires one hour after the renewal.'));
    const replies = (loadTicket(root, number, { messages: true }).messages ?? []).filter((m) => m.message.visibility === 'public' && !m.body.includes('Escalate'));
    expect(replies.map((m) => [m.message.author.email, m.body.trim()])).toEqual([['sam@uni.example', 'The proxy still expires one hour after the renewal.']]);
    expect(ticket()).toMatchObject({ status: 'in progress', notify: 'on solution', cc: ['team@uni.example'], affectsVo: true, escalation: 1 });
  });

  it('anyone subscribes by the link and the reply to the confirmation mail, and leaves by the other link', async () => {
    const since = git(root, ['rev-parse', 'HEAD']).trim();
    await deliver(await mailFromLink('Subscribe to this ticket', WALTER));
    expect(loadTicket(root, number).ticket.subscribers).toBeUndefined();
    const before = smtp().received.length;
    const result = await runGitgusAsync(['notify', '--root', root, '--since', since], { env: smtp().env });
    expect(result.status, result.stderr).toBe(0);
    const toWalter = smtp()
      .received.slice(before)
      .filter((mail) => mail.to.includes('walter@lab.example'));
    expect(toWalter).toHaveLength(1);
    const confirmation = await simpleParser(toWalter[0]?.raw ?? Buffer.from(''));
    expect(confirmation.subject).toMatch(new RegExp(`^\\[GGUS #${number}\\] subscribe [A-Za-z0-9_-]{16,64}$`));
    const reply = new MailComposer({
      from: WALTER,
      to: 'helpdesk@ggus.example',
      subject: `Re: ${confirmation.subject ?? ''}`,
      inReplyTo: confirmation.messageId ?? '',
      text: 'Yes, please.',
      messageId: '<confirm-1@lab.example>',
      date: new Date('2026-12-01T11:30:00Z'),
      headers: { 'Authentication-Results': dmarcPass('lab.example').replace(/^Authentication-Results: /, '') },
    })
      .compile()
      .build();
    await deliver(await reply);
    expect(loadTicket(root, number).ticket.subscribers).toEqual(['walter@lab.example']);
    await deliver(await mailFromLink('Unsubscribe', WALTER));
    expect(loadTicket(root, number).ticket.subscribers).toBeUndefined();
    expect(git(root, ['status', '--porcelain', '--', 'tickets', 'intake']).trim()).toBe('');
  });
});
