/** Rendering: subject, both parts, links, headers, threading; hostile ticket text stays text. */
import { describe, expect, it } from 'vitest';
import { applyDailyCap, countsFor } from '../lib/core/notify/cap.ts';
import { planNotifications, type PlannedMail } from '../lib/core/notify/plan.ts';
import { renderNotification, threadOf } from '../lib/core/notify/render.ts';
import { notificationMessageId, ticketFromMessageId } from '../lib/core/mail-ids.ts';
import { composeEml } from '../lib/mail/outgoing/compose.ts';
import { message, settings, ticket, units, update } from './notify-fixtures.ts';

const solvedUpdate = () => {
  const open = ticket({ cc: ['boss@uni.test'], notify: 'on every change' });
  const solved = { ...open, status: 'solved' as const, solution: { qualifier: 'fixed' as const, text: 'The proxy on the VOBOX was renewed.' } };
  return update({ before: open, after: solved, events: [{ type: 'status', from: 'in progress', to: 'solved' }], messages: [message({ body: 'Renewed the proxy, jobs run again.' })] });
};

const render = (mail: PlannedMail, previousNotification?: string) => renderNotification(mail, { settings, units, previousNotification });
const planned = (u: ReturnType<typeof update>, key: string) => planNotifications(u, { settings, units }).find((m) => m.key.endsWith(key)) as PlannedMail;

describe('the solution mail to the submitter', () => {
  const mail = render(planned(solvedUpdate(), '.req'), 'gitgus.165048.0123456789ab.req@ggus.test');

  it('has the tag and the status in the subject', () => {
    expect(mail.subject).toBe('[GGUS #165048] CMS jobs fail at FZK-LCG2 with proxy expired (solved)');
  });

  it('shows the changed fields, the new message, the solution and the ticket link in the text part', () => {
    expect(mail.text).toContain('  * Status: in progress → solved');
    expect(mail.text).toContain('Renewed the proxy, jobs run again.');
    expect(mail.text).toContain('── Solution (fixed) ──\nThe proxy on the VOBOX was renewed.');
    expect(mail.text).toContain('https://helpdesk.ggus.test/tickets/165048/');
    expect(mail.text).toMatch(/\* Status: +solved {3}\(changed\)/);
  });

  it('offers verify and reopen as replies to intake with the tagged subject', () => {
    const verify = 'mailto:helpdesk@ggus.test?subject=%5BGGUS%20%23165048%5D%20verify';
    const reopen = 'mailto:helpdesk@ggus.test?subject=%5BGGUS%20%23165048%5D%20reopen';
    expect(mail.text).toContain(verify);
    expect(mail.text).toContain(reopen);
    expect(mail.html).toContain(`href="${verify}"`);
    expect(mail.html).toContain(`href="${reopen}"`);
    expect(decodeURIComponent(verify.split('subject=')[1] as string)).toBe('[GGUS #165048] verify');
  });

  it('highlights the changed fields in the HTML part and links the ticket page', () => {
    expect(mail.html).toContain('<del>in progress</del> → <mark style="background:#fff3bf;font-weight:bold">solved</mark>');
    expect(mail.html).toContain('<a href="https://helpdesk.ggus.test/tickets/165048/">View ticket #165048</a>');
  });

  it('carries the loop and threading headers, Reply-To intake, and no Precedence (not a list mail)', () => {
    expect(mail.headers).toEqual({ 'Auto-Submitted': 'auto-generated', 'X-Gitgus-Loop': 'noreply@ggus.test', 'X-Auto-Response-Suppress': 'All' });
    expect(mail.replyTo.address).toBe('helpdesk@ggus.test');
    expect(mail.messageId).toBe(notificationMessageId(165048, '3f9a2c1b7d0e.req', 'noreply@ggus.test'));
    expect(ticketFromMessageId(mail.messageId, settings.sender)).toBe(165048);
    expect(mail.references).toEqual(['first.mail@uni.test', 'gitgus.165048.thread@ggus.test', 'gitgus.165048.0123456789ab.req@ggus.test']);
    expect(mail.inReplyTo).toBe('gitgus.165048.0123456789ab.req@ggus.test');
    expect(mail.date).toBe('2026-12-01T10:15:00Z');
  });
});

describe('per-ticket reply addresses', () => {
  it('are used for Reply-To and the verify/reopen links when mail.replyTokens is on', () => {
    const tokens = { ...settings, mail: { ...settings.mail, replyTokens: true } };
    const mail = renderNotification(planned(solvedUpdate(), '.req'), { settings: tokens, units });
    expect(mail.replyTo.address).toBe('helpdesk+165048@ggus.test');
    expect(mail.text).toContain('mailto:helpdesk+165048@ggus.test?subject=%5BGGUS%20%23165048%5D%20verify');
  });
});

describe('list mail', () => {
  it('gets Precedence: bulk and shows internal notes marked as such', () => {
    const t = ticket();
    const mail = render(planned(update({ before: t, after: t, messages: [message({ visibility: 'internal', body: 'Admin on leave.' })] }), '.unit.internal'));
    expect(mail.headers.Precedence).toBe('bulk');
    // Marked as carrying internal text, so a reply to it stays internal.
    expect(mail.headers['X-Gitgus-Visibility']).toBe('internal');
    expect(mail.messageId).toMatch(/^gitgus\.165048\.[0-9a-f]{12}\.unit\.internal@ggus\.test$/);
    expect(mail.subject).toBe('[GGUS #165048] [internal] CMS jobs fail at FZK-LCG2 with proxy expired (in progress)');
    expect(mail.text).toContain('a reply to it becomes an INTERNAL note');
    expect(mail.text).toContain('internal note, not sent to the submitter ──\nAdmin on leave.');
    expect(mail.html).toContain('border-left:3px solid #f76707');
  });
});

describe('the acknowledgement', () => {
  it('is auto-replied and quotes the request', () => {
    const u = update({ after: ticket({ status: 'new', unit: 'tpm' }), actor: { name: 'Jane Doe', email: 'jane@uni.test' }, events: [{ type: 'created', title: 't', status: 'new', unit: 'tpm', priority: 'urgent', ticketType: 'USER' }] });
    const mail = render(planned(u, '.ack'));
    expect(mail.headers['Auto-Submitted']).toBe('auto-replied');
    expect(mail.subject).toBe('[GGUS #165048] Received: CMS jobs fail at FZK-LCG2 with proxy expired (new)');
    expect(mail.text).toContain('── Your request ──\nSince Monday all CMS pilot jobs fail with "proxy expired".');
    // A reply to the acknowledgement threads under the user's own first mail.
    expect(mail.inReplyTo).toBe('first.mail@uni.test');
  });
});

describe('hostile ticket text', () => {
  const evil = { ...ticket({ notify: 'on every change' }), title: 'Jobs fail\r\nBcc: victim@spam.test\r\n\r\n<script>alert(1)</script>' };
  const author = { name: 'Eve "<admin@ggus.test>" <img src=x onerror=alert(1)>', email: 'eve@evil.test', role: 'submitter' as const };
  const mails = planNotifications(update({ before: evil, after: evil, messages: [message({ author, body: '<script>steal()</script> & "quotes"' })], actor: { name: 'x', email: 'x@y.test' } }), { settings, units }).map((m) => render(m));

  it('keeps subjects on one line', () => {
    for (const mail of mails) expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mails[0]?.subject).toBe('[GGUS #165048] Jobs fail Bcc: victim@spam.test <script>alert(1)</script> (in progress)');
  });

  it('escapes everything in the HTML part', () => {
    for (const mail of mails) {
      expect(mail.html).not.toContain('<script>');
      expect(mail.html).not.toContain('<img');
      expect(mail.html).toContain('&lt;script&gt;steal()&lt;/script&gt; &amp; &quot;quotes&quot;');
      expect(mail.html).toContain('Eve &quot;&lt;admin@ggus.test&gt;&quot; &lt;img src=x onerror=alert(1)&gt;');
    }
  });

  it('cannot add a header through nodemailer: the raw message has exactly the headers we set', async () => {
    for (const mail of mails) {
      const raw = (await composeEml(mail)).toString('utf8');
      const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
      const names = head
        .split('\r\n')
        .filter((line) => !/^[ \t]/.test(line))
        .map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
      expect(names.sort()).toEqual(
        [
          'auto-submitted',
          'x-gitgus-loop',
          'x-auto-response-suppress',
          'from',
          'to',
          'reply-to',
          'subject',
          'message-id',
          'in-reply-to',
          'references',
          'date',
          'mime-version',
          'content-type',
          ...(mail.cc.length ? ['cc'] : []),
          ...(mail.list ? ['precedence'] : []),
        ].sort(),
      );
      expect(head.split('\r\n').some((line) => /^bcc:/i.test(line))).toBe(false);
    }
  });
});

describe('threading', () => {
  it('replies to the announced mail when the message came by mail, and drops unusable ids', () => {
    const t = { ...ticket(), source: { kind: 'email' as const, address: 'helpdesk@ggus.test', messageId: 'broken id with spaces' } };
    const byMail = message({ author: { name: 'Jane Doe', email: 'jane@uni.test', role: 'submitter' }, source: 'mail', messageId: 'reply.2@uni.test' });
    const mail = planned(update({ before: t, after: t, messages: [byMail], actor: { name: 'Jane', email: 'jane@uni.test' } }), '.unit');
    expect(threadOf(mail, { settings, units })).toEqual({ inReplyTo: 'reply.2@uni.test', references: ['gitgus.165048.thread@ggus.test', 'reply.2@uni.test'] });
  });
});

describe('the daily cap', () => {
  it('drops recipients over their cap, lists having their own, and forgets yesterday', () => {
    const t = ticket({ cc: ['boss@uni.test'] });
    const mail = render(planned(update({ before: t, after: t, messages: [message()] }), '.req'));
    let counts = countsFor(undefined, '2026-12-01');
    const limits = { person: 2, list: 5 };
    const results = [1, 2, 3].map(() => {
      const result = applyDailyCap(mail, counts, limits, () => false);
      counts = result.counts;
      return result;
    });
    expect(results.map((r) => r.mail?.to.length ?? 0)).toEqual([1, 1, 0]);
    expect(results[2]?.capped).toEqual(['jane@uni.test', 'boss@uni.test']);
    expect(results[2]?.mail).toBeUndefined();
    expect(countsFor(counts, '2026-12-02').counts).toEqual({});
    // A capped To hands the mail to the Cc that is still under its cap.
    const partly = applyDailyCap(mail, { day: '2026-12-01', counts: { 'jane@uni.test': 2 } }, limits, () => false);
    expect(partly.mail?.to.map((r) => r.address)).toEqual(['boss@uni.test']);
    // Lists are counted against the list cap.
    const list = render(planned(update({ before: t, after: t, messages: [message()] }), '.unit'));
    expect(applyDailyCap(list, { day: '2026-12-01', counts: { 'ngi-de@lists.ggus.test': 4 } }, limits, (a) => a.includes('@lists.')).mail).toBeDefined();
  });
});
