/**
 * gitgus to gitgus (xGUS-style): a second gitgus helpdesk is the own helpdesk of a unit, through the same
 * mail interface as any other (no special case). Real parts: two Git helpdesks, an SMTP server on
 * loopback that hands each mail to the intake of the helpdesk it is addressed to, and notify on both sides.
 */
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnitInput } from '../lib/core/schema/unit.ts';
import { loadTicket } from '../lib/store/load.ts';
import { interfaceStatusOf } from '../scripts/commands/interface.ts';
import { notify } from '../scripts/commands/notify.ts';
import { cleanupTemps, git, runGitgus } from './helpers.ts';
import { commitAt, deliverMail, head, makeNotifyHelpdesk, makeUnitsHelpdesk, startSmtpSink, type SmtpSink } from './notify-helpers.ts';

const XGUS_SETTINGS = `name: Small Community Helpdesk
intake:
  - address: helpdesk@xgus.test
    unit: tpm
sender: noreply@xgus.test
subjectTag: "[XGUS #{number}]"
siteUrl: https://xgus.test/
numberingStart: 7001
mail:
  authentication: "off"
`;

/** The unit of each side whose own helpdesk is the other side. */
const XGUS_UNIT: UnitInput = {
  id: 'xgus',
  name: 'Small Community',
  family: 'other-grids',
  mailingList: 'xgus-team@lists.ggus.test',
  members: [],
  interface: {
    system: 'gitgus',
    name: 'Small Community Helpdesk',
    address: 'helpdesk@xgus.test',
    from: ['noreply@xgus.test'],
    ticketTag: '[XGUS #{id}]',
    ticketUrl: 'https://xgus.test/tickets/{id}/',
    statusHeader: 'X-Gitgus-Status',
    priorityHeader: 'X-Gitgus-Priority',
  },
};
const GGUS_UNIT: UnitInput = {
  id: 'ggus',
  name: 'GGUS',
  family: 'other-grids',
  mailingList: 'ggus-people@lists.xgus.test',
  members: [],
  interface: { system: 'gitgus', name: 'Test Grid Helpdesk', address: 'helpdesk@ggus.test', from: ['noreply@ggus.test'], ticketTag: '[GGUS #{id}]', statusHeader: 'X-Gitgus-Status', priorityHeader: 'X-Gitgus-Priority' },
};
const XGUS_TPM: UnitInput = { id: 'tpm', name: 'XGUS TPM', family: 'tpm', mailingList: 'tpm@lists.xgus.test', members: [{ name: 'Xenia Tpm', email: 'xenia@xgus.test', github: 'xenia-tpm' }] };

let ggus: string;
let xgus: string;
let smtp: SmtpSink;
/** Recipients the server refuses, to play a remote that is down. */
const refused = new Set<string>();
const AT = '2026-12-01T12:00:00Z';
const NOW = new Date(AT);
const deliverTo = (root: string, raw: Buffer) => deliverMail(root, raw, AT);

/** Runs notify on one side; every mail for the other helpdesk goes into its intake. Returns what crossed. */
async function sync(from: string, since?: string) {
  const before = smtp.received.length;
  const result = await notify({ root: from, since, env: smtp.env, now: NOW });
  const crossed = [];
  for (const mail of smtp.received.slice(before)) {
    const target = mail.to.includes('helpdesk@xgus.test') ? xgus : mail.to.includes('helpdesk@ggus.test') ? ggus : undefined;
    if (!target) continue;
    const parsed = await simpleParser(mail.raw);
    crossed.push({ subject: parsed.subject ?? '', text: parsed.text ?? '', headers: parsed.headers, result: await deliverTo(target, mail.raw) });
  }
  return { result, crossed };
}

beforeAll(async () => {
  smtp = await startSmtpSink({ refuse: (address) => refused.has(address) });
  ggus = makeNotifyHelpdesk('mail:\n  authentication: "off"\n', [XGUS_UNIT]);
  xgus = makeUnitsHelpdesk(XGUS_SETTINGS, [XGUS_TPM, GGUS_UNIT]);
});
afterAll(async () => {
  await smtp?.close();
  cleanupTemps();
});

const JANE = [
  'From: Jane Doe <jane@uni.test>',
  'To: helpdesk@ggus.test',
  'Subject: Jobs at SMALL-SITE fail',
  'Message-ID: <jane-1@uni.test>',
  'Date: Tue, 01 Dec 2026 09:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'All my jobs at SMALL-SITE fail since Monday.',
  '',
].join('\r\n');

describe('a second gitgus helpdesk as the own helpdesk of a unit', () => {
  let ggusStart: string;
  let xgusStart: string;

  it('assignment to the interfaced unit opens the ticket there, and its number comes back', async () => {
    ggusStart = head(ggus);
    xgusStart = head(xgus);
    expect((await deliverTo(ggus, Buffer.from(JANE))).ticket).toBe(165001);
    await sync(ggus, ggusStart);
    const doc = loadTicket(ggus, 165001);
    await commitAt(ggus, 165001, 'xgus', { ticket: { ...doc.ticket, unit: 'xgus', status: 'assigned' }, body: doc.body, at: '2026-12-01T09:30:00Z', actor: { name: 'Tom Shift', email: 'tom@grid.test', github: 'tom-shift' } });
    const out = await sync(ggus);
    expect(out.crossed.map((c) => [c.subject, c.headers.get('x-gitgus-interface')])).toEqual([['[GGUS #165001] Jobs at SMALL-SITE fail', 'created']]);
    expect(out.crossed[0]?.text).toContain('All my jobs at SMALL-SITE fail since Monday.');
    expect(out.crossed[0]?.text).toContain('https://helpdesk.ggus.test/tickets/165001/');
    // The remote's copy: a new ticket at its TPM, origin and link set, never "in progress".
    expect(out.crossed[0]?.result.action).toBe('created');
    const remote = loadTicket(xgus, 7001).ticket;
    expect([remote.unit, remote.status, remote.origin, remote.remote, remote.source.kind]).toEqual(['tpm', 'assigned', { system: 'gitgus', id: '165001' }, { unit: 'ggus', system: 'gitgus', id: '165001' }, 'interface']);
    // xgus acknowledges with its own number; ggus stores it as the ticket's remote id, appending nothing.
    const back = await sync(xgus, xgusStart);
    expect(back.crossed.map((c) => c.subject)).toEqual(['[GGUS #165001] [XGUS #7001] Jobs at SMALL-SITE fail']);
    const linked = loadTicket(ggus, 165001, { messages: true });
    expect(linked.ticket.remote).toEqual({ unit: 'xgus', system: 'gitgus', id: '7001' });
    expect(linked.messages ?? []).toHaveLength(0);
    // Nothing bounces back and forth: the remote's own change is not sent back to it.
    expect((await sync(ggus)).crossed).toEqual([]);
    expect((await sync(xgus)).crossed).toEqual([]);
  });

  it('correspondence crosses both ways; internal notes and the guards stay', async () => {
    const remoteDoc = loadTicket(xgus, 7001);
    await commitAt(xgus, 7001, 'tpm', {
      ticket: { ...remoteDoc.ticket, status: 'in progress' },
      body: remoteDoc.body,
      message: { message: { date: '2026-12-01T10:00:00Z', author: { name: 'Xenia Tpm', email: 'xenia@xgus.test', role: 'tpm', unit: 'tpm' }, visibility: 'public', source: 'cli' }, body: 'We restarted the CE at SMALL-SITE; please resubmit.' },
      at: '2026-12-01T10:00:00Z',
      actor: { name: 'Xenia Tpm', email: 'xenia@xgus.test', github: 'xenia-tpm' },
    });
    const update = await sync(xgus);
    expect(update.crossed).toHaveLength(1);
    expect(update.crossed[0]?.result.reason).toMatch(/in progress not applied: assigned is kept \(guard\)/);
    const here = loadTicket(ggus, 165001, { messages: true });
    expect(here.ticket.status).toBe('assigned');
    expect(here.messages?.map((m) => [m.message.visibility, m.message.author.unit, m.body.trim()])).toEqual([['public', 'xgus', expect.stringContaining('We restarted the CE at SMALL-SITE')]]);

    // A reply here and an internal note: only the reply crosses.
    await commitAt(ggus, 165001, 'xgus', {
      message: { message: { date: '2026-12-01T11:00:00Z', author: { name: 'Tom Shift', email: 'tom@grid.test', role: 'tpm', unit: 'tpm' }, visibility: 'internal', source: 'cli' }, body: 'Internal: the site admin is on leave.' },
      at: '2026-12-01T11:00:00Z',
      actor: { name: 'Tom Shift', email: 'tom@grid.test' },
    });
    await commitAt(ggus, 165001, 'xgus', {
      message: { message: { date: '2026-12-01T11:05:00Z', author: { name: 'Jane Doe', email: 'jane@uni.test', role: 'submitter' }, visibility: 'public', source: 'mail' }, body: 'Resubmitted: 3 of 10 jobs still fail.' },
      at: '2026-12-01T11:05:00Z',
      actor: { name: 'Jane Doe', email: 'jane@uni.test' },
    });
    const reply = await sync(ggus);
    expect(reply.crossed.map((c) => c.subject)).toEqual(['[XGUS #7001] [GGUS #165001] Jobs at SMALL-SITE fail']);
    expect(reply.crossed.map((c) => c.text).join('\n')).not.toContain('on leave');
    expect(reply.crossed[0]?.result.ticket).toBe(7001);
    const there = loadTicket(xgus, 7001, { messages: true });
    expect(there.messages?.map((m) => m.body)).toEqual(expect.arrayContaining([expect.stringContaining('3 of 10 jobs still fail')]));
    expect(there.messages?.map((m) => m.body).join('\n')).not.toContain('on leave');
  });

  it('solved over there is solved here; a failed mail is kept, reported and sent by the next run', async () => {
    const remoteDoc = loadTicket(xgus, 7001);
    refused.add('helpdesk@ggus.test');
    await commitAt(xgus, 7001, 'tpm', {
      ticket: { ...remoteDoc.ticket, status: 'solved', solution: { qualifier: 'fixed', text: 'The CE was misconfigured.' } },
      body: remoteDoc.body,
      at: '2026-12-01T11:30:00Z',
      actor: { name: 'Xenia Tpm', email: 'xenia@xgus.test', github: 'xenia-tpm' },
    });
    const down = await sync(xgus);
    expect(down.result.interface.failed.map((f) => [f.ticket, f.unit, f.kind])).toEqual([[7001, 'ggus', 'update']]);
    const status = interfaceStatusOf(xgus, 'ggus');
    expect(status.linked.map((t) => [t.number, t.remoteId, t.failed.length, t.failed[0]?.error])).toEqual([[7001, '165001', 1, expect.stringMatching(/450|unavailable/)]]);
    const cli = runGitgus(['interface', 'status', 'ggus', '--root', xgus]);
    expect([cli.status, cli.stdout]).toEqual([3, expect.stringContaining('failed update mail (1 attempt(s)')]);
    // Still down: the retry counts the attempt, nothing is lost.
    expect((await sync(xgus)).result.interface.failed.map((f) => f.retry)).toEqual([true]);
    expect(interfaceStatusOf(xgus, 'ggus').linked[0]?.failed[0]?.attempts).toBe(2);
    refused.clear();
    const retried = await sync(xgus);
    expect(retried.result.interface.sent.map((s) => [s.ticket, s.retry])).toEqual([[7001, true]]);
    expect(loadTicket(ggus, 165001).ticket.status).toBe('solved');
    expect(loadTicket(ggus, 165001).ticket.solution?.text).toMatch(/Solved in Small Community Helpdesk \(gitgus #7001\)/);
    expect(interfaceStatusOf(xgus, 'ggus').failedCount).toBe(0);
    // Verified here: the remote hears it; solved from there never undoes verified (guard).
    const doc = loadTicket(ggus, 165001);
    await commitAt(ggus, 165001, 'xgus', { ticket: { ...doc.ticket, status: 'verified' }, body: doc.body, at: '2026-12-01T12:00:00Z', actor: { name: 'Jane Doe', email: 'jane@uni.test' } });
    const verified = await sync(ggus);
    expect(verified.crossed.map((c) => c.headers.get('x-gitgus-status'))).toEqual(['verified']);
    expect(loadTicket(xgus, 7001).ticket.status).toBe('verified');
    expect((await sync(xgus)).crossed).toEqual([]);
    expect(loadTicket(ggus, 165001).ticket.status).toBe('verified');
    git(ggus, ['fsck', '--strict']);
    git(xgus, ['fsck', '--strict']);
  });

  it('the interface status lists the linked tickets with their remote numbers and last sync', () => {
    const status = interfaceStatusOf(ggus, 'xgus');
    expect(status.linked.map((t) => [t.number, t.remoteId, t.pending, typeof t.lastSent, typeof t.lastReceived])).toEqual([[165001, '7001', undefined, 'string', 'string']]);
    const cli = runGitgus(['interface', 'status', 'tpm', '--root', ggus]);
    expect(cli.status).not.toBe(0);
    expect(cli.stderr).toMatch(/unit 'tpm' has no interface/);
  });
});
