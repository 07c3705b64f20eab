/**
 * User escalation (issue 16 point 8) through real mail: the submitter's `escalate` mail (the link every mail
 * to them carries) goes through `gitgus intake` as an MTA pipe, raises the level strictly one at a time,
 * is recorded in the ticket's Git history, and `gitgus notify` mails the unit, then TPM, then ticket
 * monitoring over a real SMTP server.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { parseTicket } from '../lib/core/documents.ts';
import { checkTicketChange } from '../lib/core/lifecycle.ts';
import type { Ticket } from '../lib/core/schema/ticket.ts';
import { buildMail, dmarcPass } from './fixtures/mail/build.ts';
import { git, makeSmallHelpdesk, runGitgus } from './helpers.ts';
import { runGitgusAsync, useSmtpSink } from './notify-helpers.ts';

const sink = useSmtpSink();

const JAN = 'Jan Novak <jan.novak@cesnet.example>';

/** #1001: Jan's ticket, in progress at NGI Germany, whose list and supporter (dieter-de) the units give. */
function janTicket(): string {
  return makeSmallHelpdesk([{ status: 'in progress', unit: 'ngi-de', submitter: { name: 'Jan Novak', email: 'jan.novak@cesnet.example' }, notify: 'on every change' }]).dir;
}

function ticketIn(dir: string): Ticket {
  const file = 'tickets/1/1001/index.md';
  return parseTicket(readFileSync(path.join(dir, file), 'utf8'), file).ticket;
}

function escalateMail(n: number, from = JAN): Buffer {
  return buildMail({ from, subject: 'Re: [GGUS #1001] escalate', messageId: `escalate.${n}.${from.length}@cesnet.example`, text: 'Nobody answers and our production is down.\r\n', headers: [dmarcPass('cesnet.example')] });
}

async function notifyMails(dir: string, since: string): Promise<{ to: string[]; raw: string }[]> {
  const before = sink().received.length;
  const result = await runGitgusAsync(['notify', '--root', dir, '--since', since], { env: sink().env });
  expect(result.status, result.stderr).toBe(0);
  // The decoded text part: what the recipient reads (the raw bytes are quoted-printable).
  return Promise.all(
    sink()
      .received.slice(before)
      .map(async (mail) => ({ to: mail.to, raw: `${(await simpleParser(mail.raw)).subject ?? ''}\n${(await simpleParser(mail.raw)).text ?? ''}` })),
  );
}

describe('user escalation by mail', () => {
  it('three strict levels: unit, + TPM on shift, + ticket monitoring; recorded in history; never beyond 3', async () => {
    const dir = janTicket();
    const settings = path.join(dir, 'helpdesk.yml');
    writeFileSync(settings, `${readFileSync(settings, 'utf8')}monitoring:\n  address: ticket-monitoring@ggus.example\n`);
    git(dir, ['commit', '-qam', 'Ticket monitoring address']);

    // A supporter's public answer: the mail to the submitter offers escalation (a mailto with the keyword).
    expect(runGitgus(['reply', '1001', '-m', 'We are looking into it.', '--actor', 'dieter-de', '--root', dir]).status).toBe(0);
    const answer = await notifyMails(dir, 'HEAD~1');
    const toJan = answer.find((mail) => mail.to.includes('jan.novak@cesnet.example'));
    expect(toJan?.raw).toContain('Escalate to level 1 of 3');
    expect(toJan?.raw).toContain('mailto:helpdesk@ggus.example?subject=%5BGGUS%20%231001%5D%20escalate');

    const expected = [
      { level: 1, lists: ['ngi-de-support@lists.example.org'], not: ['tpm-support@lists.example.org', 'ticket-monitoring@ggus.example'] },
      { level: 2, lists: ['ngi-de-support@lists.example.org', 'tpm-support@lists.example.org'], not: ['ticket-monitoring@ggus.example'] },
      { level: 3, lists: ['ngi-de-support@lists.example.org', 'tpm-support@lists.example.org', 'ticket-monitoring@ggus.example'], not: [] },
    ];
    for (const step of expected) {
      const before = git(dir, ['rev-parse', 'HEAD']).trim();
      const intake = runGitgus(['intake', '--root', dir], { input: escalateMail(step.level) });
      expect(intake.status, intake.stderr).toBe(0);
      expect(ticketIn(dir).escalation).toBe(step.level);
      const mails = await notifyMails(dir, before);
      const alert = mails.find((mail) => mail.to.includes('ngi-de-support@lists.example.org'));
      expect(alert?.raw).toContain('Escalated:');
      expect(alert?.raw).toContain(`escalated this ticket to level ${step.level} of 3`);
      const everyone = mails.flatMap((mail) => mail.to);
      for (const list of step.lists) expect(everyone).toContain(list);
      for (const list of step.not) expect(everyone).not.toContain(list);
    }

    // Level 3 is the last: a fourth escalate is appended as a message, the level stays.
    const fourth = runGitgus(['intake', '--root', dir, '--json'], { input: escalateMail(4) });
    expect(fourth.status).toBe(0);
    expect(fourth.stdout).toContain('already at the highest escalation level');
    expect(ticketIn(dir).escalation).toBe(3);

    const history = runGitgus(['history', '1001', '--root', dir]);
    expect(history.stdout).toMatch(/escalation: — → 1[\s\S]*escalation: 1 → 2[\s\S]*escalation: 2 → 3/);
  }, 180_000);

  it('only the submitter escalates, and only when authenticated', () => {
    const dir = janTicket();
    const other = runGitgus(['intake', '--root', dir, '--json'], { input: escalateMail(1, 'Mallory <mallory@evil.example>') });
    expect(other.status).toBe(0);
    expect(ticketIn(dir).escalation).toBeUndefined();
    const forged = buildMail({ from: JAN, subject: '[GGUS #1001] escalate', messageId: 'forged.1@cesnet.example', headers: ['Authentication-Results: mx.ggus.example; dmarc=fail header.from=cesnet.example'] });
    const result = runGitgus(['intake', '--root', dir, '--json'], { input: forged });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('would escalate to level 1, but the sender is not authenticated');
    expect(ticketIn(dir).escalation).toBeUndefined();
  });

  it('the lifecycle allows one level up at a time and never down (CLI and pull-request check share it)', () => {
    const dir = janTicket();
    const before = ticketIn(dir);
    const submitter = new Set(['submitter'] as const);
    expect(checkTicketChange(before, { ...before, escalation: 1 }, submitter)).toEqual([]);
    expect(checkTicketChange(before, { ...before, escalation: 2 }, submitter).map((v) => v.code)).toEqual(['E_ESCALATION']);
    expect(checkTicketChange({ ...before, escalation: 2 }, { ...before, escalation: 1 }, new Set(['tpm'] as const)).map((v) => v.code)).toEqual(['E_ESCALATION']);
  });
});
