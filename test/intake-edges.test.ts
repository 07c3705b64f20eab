/**
 * Loop and identity edges seen in acceptance mail (issue 16 point 3) and what intake keeps of a new mail
 * (point 5), through the real `gitgus intake` process as an MTA pipe runs it, and `gitgus notify`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listQuarantine } from '../lib/mail/quarantine.ts';
import { loadTicket } from '../lib/store/load.ts';
import { notify } from '../scripts/commands/notify.ts';
import { cleanupTemps, git, runGitgus } from './helpers.ts';
import { makeNotifyHelpdesk, startSmtpSink, type SmtpSink } from './notify-helpers.ts';

let dir: string;
let smtp: SmtpSink;

function mail(headers: string[], body = 'Text.'): string {
  return [...headers, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');
}

/** One mail piped to `gitgus intake --json`, as an MTA does; the exit status is what the MTA sees. */
function pipe(raw: string): { status: number; result: { action: string; ticket: number | null; reason: string; flags: string[]; key: string } } {
  const run = runGitgus(['intake', '--root', dir, '--json'], { input: raw, env: { GIT_AUTHOR_DATE: '2026-12-01T12:00:00Z', GIT_COMMITTER_DATE: '2026-12-01T12:00:00Z' } });
  return { status: run.status, result: JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as never };
}

beforeAll(async () => {
  smtp = await startSmtpSink();
  dir = makeNotifyHelpdesk('mail:\n  authentication: "off"\n');
  // A routing rule that sets the priority: the ticket must start with it (reports use the original priority).
  const rules = 'rules:\n  - id: outage\n    when:\n      keywords: [outage]\n    then:\n      unit: ngi-de\n      priority: very urgent\n';
  const file = path.join(dir, 'units', 'routing.yml');
  writeFileSync(file, rules);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', 'routing rule']);
  const created = pipe(mail(['From: Jane Doe <jane@uni.test>', 'To: helpdesk@ggus.test', 'Subject: Storage outage at FZK', 'Message-ID: <start@uni.test>', 'Date: Tue, 01 Dec 2026 08:15:00 +0000']));
  expect(created.result.action).toBe('created');
});
afterAll(async () => {
  await smtp.close();
  cleanupTemps();
});

describe('what a new mail keeps (point 5)', () => {
  it('the priority routing set is the original priority, and the Date: is the date of issue', () => {
    const { ticket } = loadTicket(dir, 165001);
    expect([ticket.unit, ticket.priority, ticket.originalPriority]).toEqual(['ngi-de', 'very urgent', 'very urgent']);
    expect(ticket.issued).toBe('2026-12-01T08:15:00Z');
    expect(ticket.created > (ticket.issued ?? '')).toBe(true);
  });

  it('a Date: in the future (a clock ahead) is no date of issue', () => {
    const { result } = pipe(mail(['From: Jane Doe <jane@uni.test>', 'To: helpdesk@ggus.test', 'Subject: Clock ahead', 'Message-ID: <future@uni.test>', 'Date: Fri, 01 Jan 2100 08:15:00 +0000']));
    const { ticket } = loadTicket(dir, result.ticket as number);
    expect(ticket.issued).toBeUndefined();
    expect(ticket.originalPriority).toBe('less urgent');
  });
});

describe('loops (point 3)', () => {
  it.each([
    ['the intake address', 'X-Loop: helpdesk@ggus.test'],
    ['the sender address, bracketed', 'X-Loop: Test Grid Helpdesk <noreply@ggus.test>'],
    ['a reply-token form of an intake address', 'X-Loop: helpdesk+165001@ggus.test'],
  ])('X-Loop naming %s is our own mail: recorded, not appended', (_name, header) => {
    const before = loadTicket(dir, 165001, { messages: true }).messages?.length;
    const { status, result } = pipe(mail(['From: Jane Doe <jane@uni.test>', 'To: helpdesk@ggus.test', 'Subject: Re: [GGUS #165001] Storage outage', `Message-ID: <loop-${header.length}@uni.test>`, header]));
    expect(status).toBe(0);
    expect(result.action).toBe('ignored');
    expect(result.reason).toContain('X-Loop');
    expect(loadTicket(dir, 165001, { messages: true }).messages?.length).toBe(before);
  });

  it('X-Loop naming somebody else is no loop', () => {
    const { result } = pipe(mail(['From: Jane Doe <jane@uni.test>', 'To: helpdesk@ggus.test', 'Subject: Re: [GGUS #165001] Storage outage', 'Message-ID: <other-loop@uni.test>', 'X-Loop: lists@uni.test']));
    expect(result).toMatchObject({ action: 'appended', ticket: 165001 });
  });
});

describe('list mail from people and units the helpdesk knows (point 3)', () => {
  it('List-Id from a unit member is a message, not list mail', () => {
    const { result } = pipe(mail(['From: Anna Kit <anna@kit.test>', 'To: helpdesk@ggus.test', 'Subject: Re: [GGUS #165001] Storage outage', 'Message-ID: <anna-list@kit.test>', 'List-Id: NGI-DE support <ngi-de.lists.ggus.test>'], 'We are on it.'));
    expect(result).toMatchObject({ action: 'appended', ticket: 165001 });
  });

  it('Precedence: bulk from a unit mailing list (an interfaced helpdesk relaying) is a message', () => {
    const { result } = pipe(mail(['From: dCache <dcache@lists.ggus.test>', 'To: helpdesk@ggus.test', 'Subject: Re: [GGUS #165001] Storage outage', 'Message-ID: <dcache-bulk@lists.ggus.test>', 'Precedence: bulk'], 'Fixed in 9.2.'));
    expect(result).toMatchObject({ action: 'appended', ticket: 165001 });
  });

  it('the same headers from a stranger are list mail; an auto-reply from a member stays machine mail', () => {
    expect(pipe(mail(['From: News <news@lists.example>', 'To: helpdesk@ggus.test', 'Subject: Weekly digest', 'Message-ID: <digest@lists.example>', 'List-Id: <news.lists.example>'])).result.action).toBe('ignored');
    expect(pipe(mail(['From: Anna Kit <anna@kit.test>', 'To: helpdesk@ggus.test', 'Subject: Out of office', 'Message-ID: <ooo@kit.test>', 'Precedence: auto_reply'])).result.action).toBe('ignored');
  });
});

describe('an unparseable From (point 3)', () => {
  it('is kept in quarantine with the raw From and the reason, exit status 0, and nobody is mailed', async () => {
    const since = git(dir, ['rev-parse', 'HEAD']).trim();
    const { status, result } = pipe(mail(['From: jane at uni dot example', 'To: helpdesk@ggus.test', 'Subject: Help, my jobs fail', 'Message-ID: <obfuscated@uni.example>'], 'Please help.'));
    expect(status).toBe(0);
    expect(result.action).toBe('quarantined');
    const entry = listQuarantine(dir).find((e) => e.messageId === 'obfuscated@uni.example');
    expect(entry?.from).toBe('jane at uni dot example');
    expect(entry?.reason).toContain('no usable sender');
    // The raw bytes are kept for `gitgus quarantine retry`.
    expect(readFileSync(path.join(dir, path.dirname(entry?.path ?? ''), entry?.raw ?? ''), 'utf8')).toContain('Please help.');
    const sent = await notify({ root: dir, since, env: smtp.env, now: new Date('2026-12-01T12:30:00Z') });
    expect(sent.sent).toEqual([]);
    expect(smtp.received.filter((r) => r.to.some((address) => address.includes('uni dot')))).toEqual([]);
  });
});
