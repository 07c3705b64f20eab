/**
 * `gitgus notify` end to end: commits in a real Git repository become mails received by a real SMTP server
 * on 127.0.0.1; the assertions read the received bytes. Then idempotency, dry runs and the daily cap.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { ticketFromMessageId } from '../lib/core/mail-ids.ts';
import { GitgusError } from '../lib/errors.ts';
import type { MailSender } from '../lib/mail/outgoing/smtp.ts';
import { NOTIFY_REF, readNotifyState } from '../lib/notify/state.ts';
import { notify } from '../scripts/commands/notify.ts';
import { git, runGitgus, tempDir } from './helpers.ts';
import { message, ticket } from './notify-fixtures.ts';
import { commitAt, head, makeNotifyHelpdesk, runGitgusAsync, useSmtpSink, type ReceivedMail } from './notify-helpers.ts';

const sink = useSmtpSink();

const JANE = { name: 'Jane Doe', email: 'jane@uni.test' };
const TOM = { name: 'Tom Shift', email: 'tom@grid.test', github: 'tom-shift' };

/** A helpdesk where ticket #165048 is created, routed, answered and solved; returns the commit before it all. */
async function ticketLife(dir: string): Promise<string> {
  const base = head(dir);
  const created = ticket({ status: 'new', unit: 'tpm', cc: ['boss@uni.test'], subscribers: ['watcher@lab.test'] });
  // The schema refuses control characters in titles (render tests cover CR/LF); quotes and HTML get through to here.
  const title = 'CMS jobs fail at FZK-LCG2 "<b>proxy</b>" expired';
  await commitAt(dir, 165048, 'tpm', { ticket: { ...created, title }, at: '2026-12-01T09:00:00Z', actor: JANE, subject: '#165048 created' });
  const assigned = { ...created, title, status: 'assigned' as const, unit: 'ngi-de' };
  await commitAt(dir, 165048, 'ngi-de', { ticket: assigned, at: '2026-12-01T09:30:00Z', actor: TOM });
  await commitAt(dir, 165048, 'ngi-de', { message: { message: message().message, body: 'We renewed the proxy; could you resubmit a test job?' }, at: '2026-12-01T10:15:00Z' });
  const solved = { ...assigned, status: 'solved' as const, solution: { qualifier: 'fixed' as const, text: 'The proxy on the VOBOX was renewed.' } };
  await commitAt(dir, 165048, 'ngi-de', { ticket: solved, at: '2026-12-01T11:00:00Z' });
  return base;
}

const parsed = async (mails: ReceivedMail[]) => Promise.all(mails.map(async (mail) => ({ ...mail, mail: await simpleParser(mail.raw) })));
const addresses = (field: AddressObject | AddressObject[] | undefined) => (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address));
const header = (mail: ParsedMail, name: string) => mail.headers.get(name) as string | undefined;

describe('notify through a real SMTP server', () => {
  let dir: string;
  let base: string;
  let received: (ReceivedMail & { mail: ParsedMail })[];

  beforeAll(async () => {
    dir = makeNotifyHelpdesk();
    base = await ticketLife(dir);
    const before = sink().received.length;
    const result = await notify({ root: dir, since: base, env: sink().env, now: new Date('2026-12-01T12:00:00Z') });
    expect(result.sent.length).toBe(sink().received.length - before);
    received = await parsed(sink().received.slice(before));
  });

  it('sends the mails the matrix names, to exactly those recipients', () => {
    const byId = received.map((r) => `${(header(r.mail, 'message-id') ?? '').replace(/^<gitgus\.165048\.[0-9a-f]{12}\./, '').replace(/@.*$/, '')} → ${[...r.to].sort().join(' ')}`);
    expect(byId).toEqual([
      // created: the unit list (TPM), the acknowledgement to the submitter alone, a notice to CC (no request text)
      'unit → tpm@lists.ggus.test',
      'ack → jane@uni.test',
      'cc → boss@uni.test',
      // routed to NGI Germany by Tom: the new unit's list
      'unit → ngi-de@lists.ggus.test',
      // Anna's public message: the list, the submitter with CC, the subscriber
      'unit → ngi-de@lists.ggus.test',
      'req → boss@uni.test jane@uni.test',
      expect.stringMatching(/^sub-[0-9a-f]{8} → watcher@lab\.test$/),
      // the solution: the list, the submitter with CC (verify/reopen), the subscriber
      'unit → ngi-de@lists.ggus.test',
      'req → boss@uni.test jane@uni.test',
      expect.stringMatching(/^sub-[0-9a-f]{8} → watcher@lab\.test$/),
    ]);
    for (const r of received) expect(r.from).toBe('noreply@ggus.test');
  });

  it('has the loop, auto-submitted, reply-to and list headers', () => {
    for (const { mail } of received) {
      expect(header(mail, 'x-gitgus-loop')).toBe('noreply@ggus.test');
      expect(addresses(mail.replyTo)).toEqual(['helpdesk@ggus.test']);
      const listMail = addresses(mail.to).some((a) => a?.includes('@lists.'));
      expect(header(mail, 'precedence')).toBe(listMail ? 'bulk' : undefined);
      expect(header(mail, 'auto-submitted')).toBe(mail.subject?.includes('Received:') ? 'auto-replied' : 'auto-generated');
    }
  });

  it('threads every mail to the ticket: Message-IDs encode it, References share the thread root', () => {
    for (const { mail } of received) {
      expect(ticketFromMessageId(mail.messageId ?? '', 'noreply@ggus.test')).toBe(165048);
      const refs = [mail.references ?? []].flat();
      expect(refs[0]).toBe('<first.mail@uni.test>');
      expect(refs).toContain('<gitgus.165048.thread@ggus.test>');
      expect(mail.inReplyTo).toBeDefined();
    }
    // Each mail answers the previous one its audience got (the unit's chain and the submitter's never
    // cross, so nobody's client points at a mail they never saw), the first one the user's first mail.
    const isList = (r: (typeof received)[number]) => r.to.some((a) => a.includes('@lists.'));
    for (const audience of [true, false]) {
      const chain = received.filter((r) => isList(r) === audience);
      expect(chain[0]?.mail.inReplyTo).toBe('<first.mail@uni.test>');
      for (let i = 1; i < chain.length; i += 1) expect(chain[i]?.mail.inReplyTo).toBe(chain[i - 1]?.mail.messageId);
    }
  });

  it('keeps hostile title text inside the subject and escapes it in HTML', () => {
    for (const { mail, raw } of received) {
      const head = raw.toString('utf8').split('\r\n\r\n')[0] as string;
      expect(head.split('\r\n').some((line) => /^bcc:/i.test(line))).toBe(false);
      // The Cc notice carries no text of the sender's, the title included.
      if (header(mail, 'message-id')?.includes('.cc@')) {
        expect(mail.subject).toBe('[GGUS #165048] You were named in copy on a ticket of Test Grid Helpdesk');
        expect(`${mail.text ?? ''}${String(mail.html)}`).not.toContain('proxy');
        continue;
      }
      expect(mail.subject).toMatch(/^\[GGUS #165048\] .*CMS jobs fail at FZK-LCG2 "<b>proxy<\/b>" expired \((new|assigned|solved)\)$/);
      expect(mail.html).not.toContain('<b>proxy</b>');
      expect(mail.html).toContain('&quot;&lt;b&gt;proxy&lt;/b&gt;&quot;');
    }
  });

  it('has a text and an HTML part with the link, the message and the solution with verify/reopen', () => {
    const solution = received.find((r) => r.mail.subject?.endsWith('(solved)') && r.to.includes('jane@uni.test'))?.mail as ParsedMail;
    expect(solution.text).toContain('https://helpdesk.ggus.test/tickets/165048/');
    expect(solution.text).toContain('* Status: assigned → solved');
    expect(solution.text).toContain('The proxy on the VOBOX was renewed.');
    expect(solution.text).toContain('mailto:helpdesk@ggus.test?subject=%5BGGUS%20%23165048%5D%20verify');
    expect(solution.html).toContain('href="https://helpdesk.ggus.test/tickets/165048/"');
    expect(solution.html).toContain('href="mailto:helpdesk@ggus.test?subject=%5BGGUS%20%23165048%5D%20reopen"');
    const answer = received.find((r) => r.to.includes('watcher@lab.test'))?.mail as ParsedMail;
    expect(answer.text).toContain('We renewed the proxy; could you resubmit a test job?');
    expect(answer.html).toContain('We renewed the proxy; could you resubmit a test job?');
  });

  it('remembers the last notified commit: a rerun sends nothing', async () => {
    const stored = readNotifyState(dir);
    expect(stored?.state.lastCommit).toBe(head(dir));
    expect(git(dir, ['rev-parse', NOTIFY_REF]).trim()).toBe(stored?.ref);
    const before = sink().received.length;
    const again = await notify({ root: dir, since: base, env: sink().env });
    expect(again.sent).toEqual([]);
    expect(sink().received.length).toBe(before);
    // The state is ordinary Git data: readable with the git CLI, and the repository stays sound.
    const stateFile = JSON.parse(git(dir, ['show', `${NOTIFY_REF}:state.json`])) as { sent: { counts: Record<string, number> } };
    expect(stateFile.sent.counts['jane@uni.test']).toBe(3);
    git(dir, ['fsck', '--strict']);
    expect(git(dir, ['status', '--porcelain'])).toBe('');
  });

  it('sends only what is new after more commits', async () => {
    const current = readNotifyState(dir)?.state.lastCommit as string;
    const verifiedTicket = {
      ...ticket({ status: 'verified', unit: 'ngi-de', cc: ['boss@uni.test'], subscribers: ['watcher@lab.test'], solution: { qualifier: 'fixed', text: 'The proxy on the VOBOX was renewed.' } }),
      title: 'CMS jobs fail at FZK-LCG2 "<b>proxy</b>" expired',
    };
    await commitAt(dir, 165048, 'ngi-de', { ticket: verifiedTicket, at: '2026-12-02T08:00:00Z', actor: JANE });
    const before = sink().received.length;
    const result = await notify({ root: dir, since: base, env: sink().env });
    expect(result.from).toBe(current);
    expect(result.sent.map((m) => Object.keys(m.recipients))).toEqual([['ngi-de@lists.ggus.test']]);
    expect(sink().received.length).toBe(before + 1);
  });
});

describe('a run interrupted half-way', () => {
  it('resumes after the last mail that went out: nothing twice, nothing lost', async () => {
    const dir = makeNotifyHelpdesk();
    const base = await ticketLife(dir);
    const delivered: string[] = [];
    const flaky: MailSender = {
      send(mail) {
        if (delivered.length === 5) return Promise.reject(new GitgusError('E_SMTP', 'connection lost'));
        delivered.push(mail.messageId);
        return Promise.resolve({ accepted: [], rejected: [], response: '250 ok' });
      },
      close() {},
    };
    await expect(notify({ root: dir, since: base, sender: flaky })).rejects.toThrow('connection lost');
    // The fifth to seventh mails belong to one commit (Anna's message): the state knows the fifth went out.
    expect(readNotifyState(dir)?.state.partial?.sent).toEqual([delivered[4]]);
    const before = sink().received.length;
    const rest = await notify({ root: dir, since: base, env: sink().env });
    expect(rest.alreadySent).toEqual([delivered[4]]);
    const resent = await Promise.all(
      sink()
        .received.slice(before)
        .map(async (r) => (await simpleParser(r.raw)).messageId?.replace(/^<|>$/g, '')),
    );
    expect(resent).toHaveLength(10 - 5);
    expect(resent.filter((id) => delivered.includes(id as string))).toEqual([]);
    expect(readNotifyState(dir)?.state.partial).toBeUndefined();
  });
});

describe('dry runs', () => {
  it('write the same .eml bytes every time and record nothing', async () => {
    const dir = makeNotifyHelpdesk();
    const base = await ticketLife(dir);
    const outs = [tempDir('gitgus-eml-'), tempDir('gitgus-eml-')];
    for (const out of outs) {
      const result = await notify({ root: dir, since: base, dryRun: true, out });
      expect(result.sent).toHaveLength(10);
    }
    const names = readdirSync(outs[0] as string).sort();
    expect(names).toHaveLength(10);
    expect(readdirSync(outs[1] as string).sort()).toEqual(names);
    for (const name of names) expect(readFileSync(path.join(outs[1] as string, name))).toEqual(readFileSync(path.join(outs[0] as string, name)));
    expect(readNotifyState(dir)).toBeUndefined();
    expect(git(dir, ['for-each-ref', 'refs/gitgus/'])).toBe('');
  });
});

describe('the daily cap', () => {
  it('stops mail to an address after its daily share, across runs, and reports it', async () => {
    const dir = makeNotifyHelpdesk('notify:\n  dailyCap: 2\n');
    const base = head(dir);
    const t = ticket({ status: 'in progress', unit: 'ngi-de' });
    await commitAt(dir, 165048, 'ngi-de', { ticket: t, at: '2026-12-01T09:00:00Z', actor: TOM });
    const now = new Date('2026-12-01T12:00:00Z');
    const first = await notify({ root: dir, since: base, env: sink().env, now });
    expect(first.sent.map((m) => m.kind)).toEqual(['update', 'acknowledgement']);
    for (const [i, at] of ['2026-12-01T10:00:00Z', '2026-12-01T10:05:00Z'].entries()) {
      await commitAt(dir, 165048, 'ngi-de', { message: { message: message({ date: at }).message, body: `Update ${i}` }, at });
    }
    const before = sink().received.length;
    const second = await notify({ root: dir, env: sink().env, now });
    const toJane = sink()
      .received.slice(before)
      .filter((r) => r.to.includes('jane@uni.test'));
    expect(toJane).toHaveLength(1); // the acknowledgement was the first of two
    expect(second.capped.map((c) => c.addresses)).toEqual([['jane@uni.test']]);
    expect(second.capped[0]?.messageId).toMatch(/^gitgus\.165048\.[0-9a-f]{12}\.req@ggus\.test$/);
    // A new day starts a new count.
    await commitAt(dir, 165048, 'ngi-de', { message: { message: message({ date: '2026-12-02T10:00:00Z' }).message, body: 'Next day' }, at: '2026-12-02T10:00:00Z' });
    const third = await notify({ root: dir, env: sink().env, now: new Date('2026-12-02T12:00:00Z') });
    expect(third.sent.some((m) => 'jane@uni.test' in m.recipients)).toBe(true);
  });
});

describe('the command line', () => {
  it('explains what is missing on a first run without --since, and without an SMTP server', () => {
    const dir = makeNotifyHelpdesk();
    const noSince = runGitgus(['notify', '--root', dir]);
    expect(noSince.status).toBe(1);
    expect(noSince.stderr).toContain('Pass --since <commit> on the first run');
    const noServer = runGitgus(['notify', '--root', dir, '--since', 'HEAD'], { env: { GITGUS_SMTP_HOST: '' } });
    expect(noServer.status).toBe(0); // nothing to send needs no server
    expect(noServer.stderr).toContain('nothing new to notify');
  });

  it('sends through SMTP configured by the environment and prints JSON', async () => {
    const dir = makeNotifyHelpdesk();
    const base = head(dir);
    await commitAt(dir, 165048, 'tpm', { ticket: ticket({ status: 'new', unit: 'tpm' }), at: '2026-12-01T09:00:00Z', actor: JANE });
    const before = sink().received.length;
    // Asynchronously: the SMTP server runs in this process and must keep answering meanwhile.
    const result = await runGitgusAsync(['notify', '--root', dir, '--since', base, '--json'], { env: sink().env });
    expect(result.stderr).toContain('sent 2 mail(s) for 1 update(s)');
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout) as { sent: { kind: string }[] };
    expect(json.sent.map((m) => m.kind)).toEqual(['update', 'acknowledgement']);
    expect(sink().received.length).toBe(before + 2);
    const missing = runGitgus(['notify', '--root', dir, '--since', base], { env: { GITGUS_SMTP_HOST: '' } });
    expect(missing.status).toBe(0); // already notified: the stored state wins over the older --since
    expect(missing.stderr).toContain('nothing new to notify');
  });
});
