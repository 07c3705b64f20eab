/**
 * The interface against a real Request Tracker 5 (test/fixtures/rt/server.ts): gitgus's notifications
 * reach RT through a loopback SMTP server that pipes each mail into rt-mailgate, and RT's own mail comes
 * back through the same server into `gitgus intake`. Both sides are checked: ours through the files,
 * RT's through its REST 2.0 API. RT starts once for the file.
 */
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnitInput } from '../lib/core/schema/unit.ts';
import { loadTicket } from '../lib/store/load.ts';
import { interfaceStatusOf } from '../scripts/commands/interface.ts';
import { notify } from '../scripts/commands/notify.ts';
import { rtHistory, startRt, type Rt } from './fixtures/rt/server.ts';
import { cleanupTemps, git, tempDir } from './helpers.ts';
import { commitAt, deliverMail, head, makeNotifyHelpdesk, startSmtpSink, type SmtpSink } from './notify-helpers.ts';

const RT_NAME = 'rt.cesnet.test';

function ngiCz(rtUrl: string): UnitInput {
  return {
    id: 'ngi-cz',
    name: 'NGI Czech Republic',
    family: 'ngi',
    mailingList: 'ngi-cz@lists.ggus.test',
    members: [{ name: 'Petr Cesnet', email: 'petr@cesnet.test' }],
    interface: {
      system: 'rt',
      name: 'NGI_CZ Request Tracker',
      address: 'rt@rt.cesnet.test',
      from: ['rt@rt.cesnet.test', 'rt-comment@rt.cesnet.test'],
      internalFrom: ['rt-comment@rt.cesnet.test'],
      ticketTag: `[${RT_NAME} #{id}]`,
      ticketUrl: `${rtUrl}/Ticket/Display.html?id={id}`,
      originatorHeader: 'X-RT-Originator',
      // RT's default "Resolved" template says it in the subject, after RT's tag.
      subjectStatus: [{ pattern: '^\\s*\\[[^\\]]*#\\d+\\]\\s*Resolved:', status: 'resolved' }],
      status: {
        out: { new: 'new', assigned: 'open', 'in progress': 'open', reopened: 'open', 'waiting for reply': 'stalled', 'on hold': 'stalled', solved: 'resolved', unsolved: 'resolved', verified: 'resolved', closed: 'resolved' },
        in: { new: 'new', open: 'in progress', stalled: 'on hold', resolved: 'solved', rejected: 'unsolved' },
      },
    },
  };
}

let rt: Rt;
let dir: string;
let smtp: SmtpSink;
/** Mails the SMTP server got for neither side (RT's mail to its own owner, say). */
const elsewhere: string[][] = [];
/** Every mail that went into gitgus intake, with intake's answer. */
const intook: { subject: string; from: string; action: string; reason: string; ticket?: number }[] = [];
const mailgated: { subject: string; status: number; output: string }[] = [];
let chain: Promise<unknown> = Promise.resolve();

/** Waits until every mail received so far went where it was addressed (RT's mail arrives while RT answers). */
async function settled(): Promise<void> {
  for (;;) {
    const current = chain;
    await current;
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (current === chain) return;
  }
}

async function deliver(raw: Buffer): Promise<void> {
  const parsed = await simpleParser(raw);
  const result = await deliverMail(dir, raw, new Date().toISOString());
  intook.push({ subject: parsed.subject ?? '', from: parsed.from?.value[0]?.address ?? '', action: result.action, reason: result.reason, ...(result.ticket ? { ticket: result.ticket } : {}) });
}

async function toRt(raw: Buffer, action: 'correspond' | 'comment'): Promise<void> {
  const parsed = await simpleParser(raw);
  const result = await rt.mailgate(raw, action);
  mailgated.push({ subject: parsed.subject ?? '', status: result.status, output: result.output });
}

beforeAll(async () => {
  smtp = await startSmtpSink({
    onMail(mail) {
      const to = mail.to.map((address) => address.toLowerCase());
      // Like an MTA: RT's addresses are aliases to rt-mailgate, ours a pipe into gitgus intake.
      if (to.includes('rt@rt.cesnet.test')) chain = chain.then(() => toRt(mail.raw, 'correspond'));
      else if (to.includes('rt-comment@rt.cesnet.test')) chain = chain.then(() => toRt(mail.raw, 'comment'));
      if (to.some((address) => address.endsWith('@ggus.test') && !address.includes('@lists.'))) chain = chain.then(() => deliver(mail.raw));
      else if (!to.some((address) => address.endsWith('@rt.cesnet.test'))) elsewhere.push(to);
    },
  });
  rt = await startRt({ dir: tempDir('gitgus-rt-'), smtpPort: smtp.port, rtname: RT_NAME, correspondAddress: 'rt@rt.cesnet.test', commentAddress: 'rt-comment@rt.cesnet.test', queue: 'GGUS' });
  dir = makeNotifyHelpdesk('mail:\n  authentication: "off"\n', [ngiCz(rt.url)]);
}, 180_000);

afterAll(async () => {
  await rt?.stop();
  await smtp?.close();
  cleanupTemps();
});

async function notifyNow(since?: string) {
  const result = await notify({ root: dir, since, env: smtp.env });
  await settled();
  return result;
}

interface RtTicket {
  Subject: string;
  Status: string;
  Requestor: { id: string }[];
  Queue: { id: string };
}

const JANE = [
  'From: Jane Doe <jane@uni.test>',
  'To: helpdesk@ggus.test',
  'Subject: CMS jobs fail at praguelcg2',
  'Message-ID: <jane-rt-1@uni.test>',
  'Date: Tue, 01 Dec 2026 09:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Since this morning every CMS pilot at praguelcg2 fails with "proxy expired".',
  '',
].join('\r\n');

describe('a unit whose own helpdesk is a real Request Tracker 5', () => {
  let start: string;

  it("assigned here → created in RT → RT's number stored here", async () => {
    start = head(dir);
    await deliver(Buffer.from(JANE));
    expect(intook.at(-1)?.ticket).toBe(165001);
    await notifyNow(start);
    const doc = loadTicket(dir, 165001);
    await commitAt(dir, 165001, 'ngi-cz', {
      ticket: { ...doc.ticket, unit: 'ngi-cz', status: 'assigned', priority: 'urgent' },
      body: doc.body,
      at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      actor: { name: 'Tom Shift', email: 'tom@grid.test', github: 'tom-shift' },
    });
    const result = await notifyNow();
    expect(result.interface.sent.map((s) => [s.ticket, s.unit, s.kind])).toEqual([[165001, 'ngi-cz', 'created']]);
    expect(mailgated.map((m) => [m.subject, m.status])).toEqual([['[GGUS #165001] CMS jobs fail at praguelcg2', 0]]);
    // RT's side, through its REST 2.0 API.
    const ticket = await rt.rest<RtTicket>('GET', 'ticket/1');
    expect(ticket.Subject).toBe('[GGUS #165001] CMS jobs fail at praguelcg2');
    const history = await rtHistory(rt, '1');
    expect(history[0]?.type).toBe('Create');
    expect(history[0]?.content).toContain('every CMS pilot at praguelcg2 fails');
    expect(history[0]?.content).toContain('https://helpdesk.ggus.test/tickets/165001/');
    expect(history[0]?.content).toMatch(/Priority:\s+urgent/);
    // RT's auto-reply carried its number back; it is stored, and is no message.
    expect(intook.at(-1)).toMatchObject({ subject: `[${RT_NAME} #1] AutoReply: [GGUS #165001] CMS jobs fail at praguelcg2`, from: 'rt@rt.cesnet.test', action: 'appended', ticket: 165001 });
    const here = loadTicket(dir, 165001, { messages: true });
    expect(here.ticket.remote).toEqual({ unit: 'ngi-cz', system: 'rt', id: '1' });
    expect(here.messages ?? []).toEqual([]);
    expect(git(dir, ['log', '-1', '--format=%s'])).toMatch(/linked to rt #1/);
  });

  it('a correspondence in RT appears here; a reply here appears in RT, internal notes stay here', async () => {
    await rt.rest('POST', 'ticket/1/correspond', { Content: 'We are looking at the CE of praguelcg2 now.', ContentType: 'text/plain' });
    await settled();
    const here = loadTicket(dir, 165001, { messages: true });
    expect(here.messages?.map((m) => [m.message.visibility, m.message.author.unit, m.message.flags])).toEqual([['public', 'ngi-cz', ['from-remote']]]);
    expect(here.messages?.[0]?.body).toContain('We are looking at the CE of praguelcg2 now.');
    // RT opened its ticket; "in progress" would overwrite "assigned" here, which the guard never does —
    // and RT's correspondence mail does not state a status anyway.
    expect((await rt.rest<RtTicket>('GET', 'ticket/1')).Status).toBe('open');
    expect(here.ticket.status).toBe('assigned');

    const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await commitAt(dir, 165001, 'ngi-cz', {
      message: { message: { date: stamp(), author: { name: 'Tom Shift', email: 'tom@grid.test', role: 'tpm', unit: 'tpm' }, visibility: 'internal', source: 'cli' }, body: 'Internal: praguelcg2 had a downtime last week.' },
      at: stamp(),
      actor: { name: 'Tom Shift', email: 'tom@grid.test' },
    });
    await commitAt(dir, 165001, 'ngi-cz', {
      message: { message: { date: stamp(), author: { name: 'Jane Doe', email: 'jane@uni.test', role: 'submitter' }, visibility: 'public', source: 'mail' }, body: 'Thanks! It also happens for ATLAS pilots.' },
      at: stamp(),
      actor: { name: 'Jane Doe', email: 'jane@uni.test' },
    });
    const messagesBefore = (loadTicket(dir, 165001, { messages: true }).messages ?? []).length;
    const result = await notifyNow();
    expect(result.interface.sent.map((s) => s.subject)).toEqual([`[${RT_NAME} #1] [GGUS #165001] CMS jobs fail at praguelcg2`]);
    const history = await rtHistory(rt, '1');
    const correspondence = history
      .filter((t) => t.type === 'Correspond')
      .map((t) => t.content)
      .join('\n');
    expect(correspondence).toContain('It also happens for ATLAS pilots.');
    expect(history.map((t) => t.content).join('\n')).not.toContain('downtime last week');
    // RT does not mail our own reply back to us (we are its actor): nothing new here, no loop.
    expect((loadTicket(dir, 165001, { messages: true }).messages ?? []).length).toBe(messagesBefore);
  });

  it('a comment in RT stays out of the public conversation', async () => {
    // RT mails comments to AdminCcs only; with our address as AdminCc the comment does come by mail.
    await rt.rest('PUT', 'ticket/1', { AdminCc: 'vo-user-support@ggus.test' });
    await rt.rest('POST', 'ticket/1/comment', { Content: 'Comment: the CE certificate expired, renewing.', ContentType: 'text/plain' });
    await settled();
    await rt.rest('PUT', 'ticket/1', { AdminCc: [] });
    expect(intook.at(-1)).toMatchObject({ from: 'rt-comment@rt.cesnet.test', action: 'appended', ticket: 165001 });
    const here = loadTicket(dir, 165001, { messages: true });
    const comment = here.messages?.find((m) => m.body.includes('CE certificate expired'));
    expect(comment?.message.visibility).toBe('internal');
    // Notify keeps it from the submitter and from RT's requestor side.
    const result = await notifyNow();
    expect(result.sent.filter((m) => 'jane@uni.test' in m.recipients)).toEqual([]);
    expect(result.interface.sent).toEqual([]);
  });

  it('resolved in RT → solved here; the guards keep verified from turning back into solved', async () => {
    await rt.rest('PUT', 'ticket/1', { Status: 'resolved' });
    await settled();
    expect(intook.at(-1)).toMatchObject({ subject: `[${RT_NAME} #1] Resolved: [GGUS #165001] CMS jobs fail at praguelcg2`, action: 'appended' });
    let here = loadTicket(dir, 165001);
    expect(here.ticket.status).toBe('solved');
    expect(here.ticket.solution?.text).toContain('NGI_CZ Request Tracker (rt #1)');
    // The submitter hears of the solution from us, and RT hears nothing back of its own change.
    const solved = await notifyNow();
    expect(solved.sent.some((m) => 'jane@uni.test' in m.recipients && m.kind === 'solution')).toBe(true);
    expect(solved.interface.sent).toEqual([]);

    // Verified here: RT is told (its status word for verified is resolved).
    const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await commitAt(dir, 165001, 'ngi-cz', { ticket: { ...here.ticket, status: 'verified' }, body: here.body, at: stamp, actor: { name: 'Jane Doe', email: 'jane@uni.test' } });
    const verified = await notifyNow();
    expect(verified.interface.sent.map((s) => s.kind)).toEqual(['update']);
    const last = (await rtHistory(rt, '1')).filter((t) => t.type === 'Correspond').at(-1);
    expect(last?.content).toMatch(/Status: resolved → resolved \(GGUS: solved → verified\)/);
    // RT reopened on that mail; resolving again there must not turn verified back into solved here.
    await rt.rest('PUT', 'ticket/1', { Status: 'resolved' });
    await settled();
    expect(intook.at(-1)?.reason).toMatch(/solved not applied: verified is never turned back into solved \(guard\)/);
    here = loadTicket(dir, 165001);
    expect(here.ticket.status).toBe('verified');
  });

  it('a ticket created in RT and sent to us becomes a ticket for TPM with its origin', async () => {
    await rt.rest('POST', 'ticket', {
      Queue: 'GGUS',
      Subject: 'Tape robot at praguelcg2 offline',
      Requestor: 'petr@cesnet.test',
      AdminCc: 'helpdesk@ggus.test',
      Content: 'The tape robot is offline; ATLAS and CMS transfers will fail.',
      ContentType: 'text/plain',
    });
    await settled();
    const created = intook.at(-1);
    expect(created).toMatchObject({ action: 'created', ticket: 165002 });
    const ticket = loadTicket(dir, 165002).ticket;
    expect([ticket.unit, ticket.status, ticket.origin, ticket.remote, ticket.source.kind, ticket.title]).toEqual(['tpm', 'new', { system: 'rt', id: '2' }, { unit: 'ngi-cz', system: 'rt', id: '2' }, 'interface', 'Tape robot at praguelcg2 offline']);
    // Our number goes back to RT on its ticket; the RT requestor is not mailed by us.
    const result = await notifyNow();
    expect(result.interface.sent.map((s) => s.subject)).toEqual([`[${RT_NAME} #2] [GGUS #165002] Tape robot at praguelcg2 offline`]);
    expect(result.sent.flatMap((m) => Object.keys(m.recipients))).not.toContain('rt@rt.cesnet.test');
    expect(
      (await rtHistory(rt, '2'))
        .filter((t) => t.type === 'Correspond')
        .map((t) => t.content)
        .join('\n'),
    ).toContain('Registered in Test Grid Helpdesk as ticket #165002');
  });

  it('nothing loops: a rerun sends nothing, and the interface status shows both links', async () => {
    const before = mailgated.length;
    const intookBefore = intook.length;
    const result = await notifyNow();
    expect(result.interface.sent).toEqual([]);
    expect(mailgated.length).toBe(before);
    expect(intook.length).toBe(intookBefore);
    expect(mailgated.every((m) => m.status === 0)).toBe(true);
    const status = interfaceStatusOf(dir, 'ngi-cz');
    expect(status.linked.map((t) => [t.number, t.remoteId, t.failed.length])).toEqual([
      [165001, '1', 0],
      [165002, '2', 0],
    ]);
    // Both directions synced on the first; the second came from RT as a ticket (no message) and got our number back.
    expect(status.linked.map((t) => [t.number, typeof t.lastSent, typeof t.lastReceived, t.pending])).toEqual([
      [165001, 'string', 'string', undefined],
      [165002, 'string', 'undefined', undefined],
    ]);
    git(dir, ['fsck', '--strict']);
  });
});
