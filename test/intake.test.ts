/**
 * Mail intake end to end on real Git repositories: new tickets, replies and their state effects,
 * authentication, idempotency, classification, refusals, quarantine, hostile mail, mbox and Maildir.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage, parseTicket, serializeTicket } from '../lib/core/documents.ts';
import { notificationMessageId } from '../lib/core/mail-ids.ts';
import { ticketDir, ticketIndexPath } from '../lib/core/paths.ts';
import type { Ticket } from '../lib/core/schema/ticket.ts';
import { listQuarantine, retryQuarantine } from '../lib/mail/quarantine.ts';
import { highestTicketOnDisk } from '../lib/intake/index-store.ts';
import { MailIntakeSession } from '../lib/mail/intake-mail.ts';
import { intake } from '../scripts/commands/intake.ts';
import { buildMail, dmarcPass, encodedWord, fixture, nestedMail } from './fixtures/mail/build.ts';
import { cleanupTemps, git, makeSmallHelpdesk, runGitgus, tempDir } from './helpers.ts';

afterAll(cleanupTemps);

const NOW = () => new Date('2026-11-28T08:00:00Z');

function writeMessages(raws: Buffer[]): string[] {
  const dir = tempDir('gitgus-mail-');
  return raws.map((raw, index) => {
    const file = path.join(dir, `${String(index).padStart(3, '0')}.eml`);
    writeFileSync(file, raw);
    return file;
  });
}

async function feed(root: string, raws: Buffer[], options: { recipient?: string } = {}) {
  const summary = await intake({ root, files: writeMessages(raws), now: NOW, push: false, recipient: options.recipient });
  return summary.results;
}

async function feedOne(root: string, raw: Buffer, options: { recipient?: string } = {}) {
  const [result] = await feed(root, [raw], options);
  if (!result) throw new Error('no result');
  return result;
}

function ticket(root: string, number: number): { ticket: Ticket; body: string } {
  return parseTicket(readFileSync(path.join(root, ticketIndexPath(number)), 'utf8'), ticketIndexPath(number));
}

function messages(root: string, number: number) {
  const dir = path.join(root, ticketDir(number), 'messages');
  return existsSync(dir)
    ? readdirSync(dir)
        .sort()
        .map((name) => parseMessage(readFileSync(path.join(dir, name), 'utf8'), name))
    : [];
}

function setTicket(root: string, number: number, change: Partial<Ticket>): void {
  const doc = ticket(root, number);
  writeFileSync(path.join(root, ticketIndexPath(number)), serializeTicket({ ticket: { ...doc.ticket, ...change }, body: doc.body }));
  git(root, ['commit', '-q', '-am', `test: set #${number}`]);
}

function head(root: string): string {
  return git(root, ['rev-parse', 'HEAD']).trim();
}

function assertClean(root: string): void {
  expect(git(root, ['status', '--porcelain'])).toBe('');
  expect(git(root, ['fsck', '--no-progress'])).toBe('');
}

/** Every path intake changed since `from` lies in a ticket folder or intake/. */
function changedPaths(root: string, from: string): string[] {
  return git(root, ['-c', 'core.quotePath=false', 'diff', '--name-only', `${from}..HEAD`])
    .split('\n')
    .filter(Boolean);
}

let root: string;
let base: number;
let start: string;
beforeAll(() => {
  // One ticket the helpdesk minted itself (1001): new mail must be numbered after it.
  root = makeSmallHelpdesk([{}], { numberingStart: 1001 }).dir;
  base = highestTicketOnDisk(root);
  start = head(root);
});

describe('a new mail becomes a ticket', () => {
  it('through the CLI as an MTA pipe: one commit, the fields, --json on standard output', () => {
    const raw = buildMail({
      to: 'vo-user-support@ggus.example',
      cc: ['colleague@uni.example', 'helpdesk@ggus.example', 'Other <other@lab.example>', 'tpm-support@lists.example.org'],
      subject: 'CMS pilots fail at FZK-LCG2',
      messageId: 'new.1@uni.example',
      headers: [dmarcPass()],
      text: 'Since Monday all CMS pilot jobs at FZK-LCG2 fail.\r\n\r\nJane\r\n-- \r\nJane Doe, Uni Example\r\n',
    });
    const before = head(root);
    const result = runGitgus(['intake', '--root', root, '--json'], { input: raw });
    expect(result.stderr).toContain('1 created');
    expect(result.status).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const number = base + 1;
    expect(lines).toEqual([expect.objectContaining({ action: 'created', ticket: number, flagged: false })]);
    const { ticket: created, body } = ticket(root, number);
    expect(created).toMatchObject({
      number,
      title: 'CMS pilots fail at FZK-LCG2',
      status: 'new',
      unit: 'tpm-vo',
      vo: 'cms',
      site: 'FZK-LCG2',
      submitter: { name: 'Jane Doe', email: 'jane.doe@uni.example' },
      source: { kind: 'email', address: 'vo-user-support@ggus.example', messageId: 'new.1@uni.example' },
    });
    expect(created.cc).toEqual(['colleague@uni.example', 'other@lab.example']);
    expect(created.flags).toBeUndefined();
    expect(body).toContain('Since Monday all CMS pilot jobs');
    expect(body.split('\n')[(created.foldFrom ?? 0) - 1]).toBe('-- ');
    // Commits from the first intake: the index build, then the message.
    const log = git(root, ['log', '--format=%s%n%b', `${before}..HEAD`]);
    expect(log).toContain(`#${number} new ticket by mail from Jane Doe: CMS pilots fail at FZK-LCG2`);
    expect(log).toMatch(new RegExp(`Ticket: ${number}\\nUnit: tpm-vo\\nActor: Jane Doe <jane.doe@uni.example> \\(mail\\)\\nEvent: created`));
    expect(
      git(root, ['log', '--format=%s', '--', ticketDir(number)])
        .trim()
        .split('\n'),
    ).toHaveLength(1);
    assertClean(root);
  });

  it('an unauthenticated sender gets a ticket flagged for TPM; a tag naming no ticket starts a new one', async () => {
    const result = await feedOne(root, buildMail({ subject: 'Re: [GGUS #999999] old problem', messageId: 'new.2@uni.example' }));
    expect(result).toMatchObject({ action: 'created', ticket: base + 2 });
    expect(ticket(root, base + 2).ticket.flags).toEqual(['unauthenticated', 'unknown-ticket-tag']);
    expect(ticket(root, base + 2).ticket.unit).toBe('tpm');
  });
});

describe('replies', () => {
  let number: number;
  beforeAll(async () => {
    const result = await feedOne(root, buildMail({ subject: 'Storage full', messageId: 'thread.0@uni.example', headers: [dmarcPass()] }));
    number = result.ticket as number;
  });

  it('thread by In-Reply-To, References and the subject tag; a plain reply changes nothing', async () => {
    const results = await feed(root, [
      buildMail({ subject: 'Re: Storage full', inReplyTo: 'thread.0@uni.example', messageId: 'thread.1@uni.example', headers: [dmarcPass()] }),
      buildMail({ subject: 'Storage', references: ['unknown@x', 'thread.1@uni.example'], messageId: 'thread.2@uni.example', headers: [dmarcPass()] }),
      buildMail({ subject: encodedWord(`AW: RE[2]: [GGUS #${number}] Störung`), messageId: 'thread.3@uni.example', headers: [dmarcPass()] }),
      buildMail({ subject: `Fwd: SV: GGUS-Ticket-ID: #${number} UPDATE`, messageId: 'thread.4@uni.example', headers: [dmarcPass()] }),
    ]);
    expect(results.map((r) => [r.action, r.ticket])).toEqual([
      ['appended', number],
      ['appended', number],
      ['appended', number],
      ['appended', number],
    ]);
    expect(results.map((r) => r.reason.split(' (')[0])).toEqual(['threaded by in-reply-to', 'threaded by references', 'threaded by subject-tag', 'threaded by subject-tag']);
    // Files sort by arrival time; these four arrived in the same second, so compare them as a set.
    expect(
      messages(root, number)
        .map((m) => m.message.messageId)
        .sort(),
    ).toEqual(['thread.1@uni.example', 'thread.2@uni.example', 'thread.3@uni.example', 'thread.4@uni.example']);
    expect(messages(root, number).find((m) => m.message.messageId === 'thread.1@uni.example')?.message).toMatchObject({
      author: { email: 'jane.doe@uni.example', role: 'submitter' },
      source: 'mail',
      inReplyTo: 'thread.0@uni.example',
      visibility: 'public',
    });
    expect(ticket(root, number).ticket.status).toBe('new');
  });

  it('a submitter reply moves waiting for reply to in progress, only when authenticated', async () => {
    setTicket(root, number, { status: 'waiting for reply' });
    const forged = await feedOne(root, buildMail({ subject: `Re: [GGUS #${number}]`, messageId: 'wait.1@uni.example', headers: ['Authentication-Results: mx.ggus.example; dmarc=fail header.from=uni.example'] }));
    expect(forged).toMatchObject({ action: 'appended', flags: ['unauthenticated'] });
    expect(ticket(root, number).ticket.status).toBe('waiting for reply');
    const real = await feedOne(root, buildMail({ subject: `Re: [GGUS #${number}]`, messageId: 'wait.2@uni.example', headers: [dmarcPass()] }));
    expect(real).toMatchObject({ action: 'appended', flags: [] });
    expect(ticket(root, number).ticket.status).toBe('in progress');
    expect(git(root, ['log', '-1', '--format=%s'])).toContain(`#${number} status: waiting for reply → in progress by mail from Jane Doe (submitter)`);
  });

  it('someone not on the ticket is appended but flagged, and cannot change the state', async () => {
    setTicket(root, number, { status: 'waiting for reply' });
    const result = await feedOne(root, buildMail({ from: 'Eve <eve@elsewhere.example>', subject: `[GGUS #${number}]`, messageId: 'eve.1@elsewhere.example', headers: [dmarcPass('elsewhere.example')] }));
    expect(result).toMatchObject({ action: 'appended', flags: ['unknown-sender'] });
    expect(ticket(root, number).ticket.status).toBe('waiting for reply');
  });

  it('on a solved ticket: verify and reopen by keyword; a plain reply, even to the solution mail, is only flagged', async () => {
    const solved = { status: 'solved' as const, solution: { qualifier: 'fixed' as const, text: 'Cleaned up.' } };
    setTicket(root, number, solved);
    expect(await feedOne(root, buildMail({ subject: `Re: [GGUS #${number}] thanks`, messageId: 's.0@uni.example', headers: [dmarcPass()] }))).toMatchObject({ flags: ['reply-to-solved'] });
    expect(ticket(root, number).ticket.status).toBe('solved');
    await feedOne(root, buildMail({ subject: `[GGUS #${number}] reopen`, messageId: 's.1@uni.example', headers: [dmarcPass()] }));
    expect(ticket(root, number).ticket.status).toBe('reopened');
    setTicket(root, number, solved);
    await feedOne(root, buildMail({ subject: `[GGUS #${number}] verify`, messageId: 's.2@uni.example', headers: [dmarcPass()] }));
    expect(ticket(root, number).ticket.status).toBe('verified');
    setTicket(root, number, solved);
    const solutionMail = notificationMessageId(number, 'f00d.solved', 'noreply@ggus.example');
    const plain = await feedOne(root, buildMail({ subject: 'Re: your ticket', inReplyTo: solutionMail, messageId: 's.3@uni.example', headers: [dmarcPass()] }));
    expect(plain).toMatchObject({ action: 'appended', flags: ['reply-to-solved'] });
    expect(plain.reason).toContain('status unchanged');
    expect(ticket(root, number).ticket.status).toBe('solved');
    await feedOne(root, buildMail({ subject: `Re: [GGUS #${number}] verify`, inReplyTo: solutionMail, messageId: 's.4@uni.example', headers: [dmarcPass()] }));
    expect(ticket(root, number).ticket.status).toBe('verified');
  });

  it('a reply to a verified or closed ticket starts a new ticket linked to the old one', async () => {
    const result = await feedOne(root, buildMail({ subject: `Re: [GGUS #${number}] it is broken again`, messageId: 'again.1@uni.example', headers: [dmarcPass()] }));
    expect(result.action).toBe('created');
    const fresh = result.ticket as number;
    expect(ticket(root, fresh).ticket.relations).toEqual({ related: [number] });
    expect(ticket(root, number).ticket.relations?.related).toContain(fresh);
    expect(ticket(root, fresh).ticket.flags).toContain('reply-to-closed');
    assertClean(root);
  });
});

describe('idempotency', () => {
  it('the same message delivered to both intake addresses makes one ticket', async () => {
    const message = (to: string) => Buffer.concat([Buffer.from(`Delivered-To: ${to}\r\nReceived: from mx by ${to}\r\n`), buildMail({ to: 'helpdesk@ggus.example, vo-user-support@ggus.example', subject: 'Twice', messageId: 'twice.1@uni.example' })]);
    const results = await feed(root, [message('helpdesk@ggus.example'), message('vo-user-support@ggus.example'), message('vo-user-support@ggus.example')]);
    expect(results.map((r) => r.action)).toEqual(['created', 'duplicate', 'duplicate']);
    expect(results[1]?.ticket).toBe(results[0]?.ticket);
    expect(results[2]?.reason).toContain('repeat already recorded');
    expect(existsSync(path.join(root, 'intake/duplicates', (results[1]?.key ?? '').slice(0, 2), `${results[1]?.key}.md`))).toBe(true);
  });

  it('the same Message-ID with other content is another message, recorded as a collision', async () => {
    const first = await feedOne(root, buildMail({ subject: 'Reused id', messageId: 'reused@mailer.example', text: 'first' }));
    const second = await feedOne(root, buildMail({ subject: 'Reused id', messageId: 'reused@mailer.example', text: 'second, different' }));
    expect(second.action).toBe('created');
    expect(second.ticket).not.toBe(first.ticket);
    expect(second.flags).toContain('message-id-collision');
  });

  it('a message without Message-ID gets a stable synthetic key', async () => {
    const raw = buildMail({ subject: 'No id', messageId: null });
    const results = await feed(root, [raw, raw]);
    expect(results.map((r) => r.action)).toEqual(['created', 'duplicate']);
    expect(ticket(root, results[0]?.ticket as number).ticket.source.messageId).toBeUndefined();
  });
});

describe('machine mail is recorded, never a ticket', () => {
  it.each([
    ['auto-reply', ['Auto-Submitted: auto-replied']],
    ['bounce', ['Return-Path: <>']],
    ['list', ['List-Id: <grid-users.lists.example>']],
    ['spam', ['X-Spam-Flag: YES']],
    ['own-mail', ['X-Gitgus-Loop: noreply@ggus.example']],
  ])('%s', async (category, headers) => {
    const result = await feedOne(root, buildMail({ subject: `Re: [GGUS #${base + 1}] out of office`, messageId: `${category}.1@uni.example`, headers }));
    expect(result.action).toBe('ignored');
    const record = readFileSync(path.join(root, 'intake/ignored/2026-11', `${result.key}.md`), 'utf8');
    expect(record).toContain(`category: ${category}`);
    expect(record).toContain('never a ticket, never answered');
  });
});

describe('refusals and quarantine', () => {
  it('empty input (no message at all) exits non-zero and writes nothing', () => {
    const before = head(root);
    const result = runGitgus(['intake', '--root', root], { input: Buffer.alloc(0) });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('is empty');
    expect(head(root)).toBe(before);
    assertClean(root);
  });

  it.each([
    ['binary', Buffer.from([0x46, 0x72, 0x00, 0x01, 0xff, 0x0a, 0x0a]), 'not-email', 'binary'],
    ['no header block', Buffer.from('Hello,\n\nthis is just text.\n'), 'not-email', 'no header block'],
    ['no sender', Buffer.from('To: helpdesk@ggus.example\nSubject: who am I\n\ntext\n'), 'no-sender', 'no usable sender'],
  ])('a single message that is %s is quarantined with the reason and exits 0 (an MTA must not bounce it)', (_name, raw, category, message) => {
    const result = runGitgus(['intake', '--root', root], { input: raw });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('quarantined');
    expect(result.stderr).toContain(message);
    const entry = listQuarantine(root).find((e) => e.reason.includes(message));
    expect(entry?.category).toBe(category);
    git(root, ['rm', '-rq', 'intake/quarantine']);
    git(root, ['commit', '-qm', 'test: clear the quarantine']);
    assertClean(root);
  });

  it('in a batch such messages are quarantined and the batch goes on; retry files them after a fix', async () => {
    const target = base + 1;
    const broken = readFileSync(path.join(root, ticketIndexPath(target)), 'utf8');
    writeFileSync(path.join(root, ticketIndexPath(target)), broken.replace('status: new', 'status: lost'));
    git(root, ['commit', '-q', '-am', 'test: damage a ticket']);
    const results = await feed(root, [Buffer.from('not a mail at all\n'), buildMail({ subject: `Re: [GGUS #${target}]`, messageId: 'q.1@uni.example' }), buildMail({ subject: 'After the bad ones', messageId: 'q.2@uni.example' })]);
    expect(results.map((r) => r.action)).toEqual(['quarantined', 'quarantined', 'created']);
    expect(
      listQuarantine(root)
        .map((entry) => entry.category)
        .sort(),
    ).toEqual(['error', 'not-email']);
    writeFileSync(path.join(root, ticketIndexPath(target)), broken);
    git(root, ['commit', '-q', '-am', 'test: repair the ticket']);
    const retried = await retryQuarantine(root, [], { now: NOW });
    expect(retried.map((r) => r.action).sort()).toEqual(['appended', 'quarantined']);
    expect(listQuarantine(root)).toMatchObject([{ category: 'not-email', attempts: 1 }]);
    expect(messages(root, target).some((m) => m.message.messageId === 'q.1@uni.example')).toBe(true);
    const cli = runGitgus(['quarantine', 'list', '--root', root]);
    expect(cli.stdout).toContain('not-email');
    assertClean(root);
  });
});

describe('hostile mail stays data', () => {
  it('front-matter in the body, YAML and template syntax in the subject', async () => {
    const results = await feed(root, [fixture('frontmatter-injection.eml'), fixture('yaml-subject.eml'), fixture('template-subject.eml')]);
    const [injected, yaml, template] = results.map((r) => ticket(root, r.ticket as number));
    expect(injected?.ticket).toMatchObject({ status: 'new', unit: 'tpm', submitter: { email: 'mallory@evil.example' } });
    expect(injected?.body).toContain('status: solved');
    expect(existsSync('/tmp/gitgus-pwned')).toBe(false);
    expect(yaml?.ticket).toMatchObject({ title: 'status: solved', status: 'new' });
    expect(template?.ticket.title).toBe('{{ 7*7 }} ${process.exit(1)} &anchor *alias !!js/function "f" ---');
  });

  it('CR/LF through an encoded word cannot make a header or a second line', async () => {
    const result = await feedOne(root, fixture('crlf-encoded-subject.eml'));
    const created = ticket(root, result.ticket as number).ticket;
    expect(created.title).toBe('Hello Bcc: victim@x.example status: solved');
    expect(created.status).toBe('new');
    expect(git(root, ['log', '-1', '--format=%s'])).toBe(`#${result.ticket} new ticket by mail from Jane Doe: Hello Bcc: victim@x.example status: solved\n`);
  });

  it('path traversal in Message-IDs and attachment names stays inside the ticket folder', async () => {
    const before = head(root);
    const results = await feed(root, [fixture('traversal-message-id.eml'), fixture('traversal-attachment.eml')]);
    expect(results.map((r) => r.action)).toEqual(['created', 'created']);
    const attached = results[1]?.ticket as number;
    const files = readdirSync(path.join(root, ticketDir(attached), 'files')).sort();
    expect(files).toEqual(['attachment-6.txt', 'gitattributes', 'index.md', 'invoicefdp.exe', 'post-commit', 'report_pdf.exe']);
    expect(
      ticket(root, attached)
        .ticket.attachments?.map((a) => a.file)
        .sort(),
    ).toEqual(files);
    for (const file of changedPaths(root, before)) expect(file).toMatch(new RegExp(`^(tickets/\\d+/\\d+/|intake/)`));
    expect(existsSync(path.join(root, '.git/hooks/post-commit'))).toBe(false);
    expect(ticket(root, results[0]?.ticket as number).ticket.source.messageId).toBe('../../../../etc/passwd/../.git/config@uni.example');
  });

  it('a 5,000-character subject, 64-level nesting, 300 Cc addresses', async () => {
    const subject = `${'Very long subject '.repeat(280)}end`.slice(0, 5000);
    const cc = Array.from({ length: 300 }, (_, i) => `person${i}@lab.example`);
    const results = await feed(root, [buildMail({ subject, messageId: 'long.1@uni.example' }), nestedMail(64), buildMail({ subject: 'Many Cc', cc, messageId: 'cc.300@uni.example' })]);
    expect(results.map((r) => r.action)).toEqual(['created', 'created', 'created']);
    const long = ticket(root, results[0]?.ticket as number);
    expect([...long.ticket.title]).toHaveLength(250);
    expect(long.body.startsWith(`Subject: ${subject.trim()}\n`)).toBe(true);
    expect(ticket(root, results[1]?.ticket as number).body).toContain('The text at the bottom of the nesting.');
    const many = ticket(root, results[2]?.ticket as number).ticket;
    expect(many.cc).toBeUndefined();
    expect(many.flags).toContain('too-many-cc');
  });

  it('a 3 MB attachment is stored; over the configured limit it is listed in the text instead', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const stored = await feedOne(root, buildMail({ subject: 'Core dump', messageId: 'big.1@uni.example', attachments: [{ filename: 'core.dump', content: big }] }));
    const file = path.join(root, ticketDir(stored.ticket as number), 'files', 'core.dump');
    expect(readFileSync(file).equals(big)).toBe(true);
    expect(ticket(root, stored.ticket as number).ticket.attachments).toEqual([{ file: 'core.dump', size: big.length, type: 'application/octet-stream' }]);

    const small = makeSmallHelpdesk([{}], { numberingStart: 1001 }).dir;
    const settings = readFileSync(path.join(small, 'helpdesk.yml'), 'utf8').replace('attachmentMaxBytes: 10485760', 'attachmentMaxBytes: 1048576');
    writeFileSync(path.join(small, 'helpdesk.yml'), settings);
    git(small, ['commit', '-q', '-am', 'test: 1 MB limit']);
    const skipped = await feedOne(small, buildMail({ subject: 'Core dump', messageId: 'big.2@uni.example', attachments: [{ filename: 'core.dump', content: big }] }));
    const doc = ticket(small, skipped.ticket as number);
    expect(doc.ticket.attachments).toBeUndefined();
    expect(doc.ticket.flags).toContain('attachment-too-large');
    expect(doc.body).toContain('[Attachment core.dump (3.0 MB) was not stored: larger than the 1.0 MB limit');
    assertClean(small);
  });

  it('HTML-only mail is stored as Markdown, with no markup or script left, and the HTML kept as a file', async () => {
    const result = await feedOne(root, fixture('html-only.eml'));
    const { body, ticket: fields } = ticket(root, result.ticket as number);
    expect(body).toContain('Jobs **fail** at FZK-LCG2.');
    expect(body).toContain('Second paragraph.');
    expect(body).not.toMatch(/<script|onerror|<p>|<b>|alert\(|javascript:|color:red/);
    expect(fields.attachments?.map((entry) => entry.file)).toEqual(['message.html']);
    assertClean(root);
  });
});

describe('batch sources', () => {
  it('an mbox: every message, one commit each', async () => {
    const dir = tempDir('gitgus-mbox-');
    const file = path.join(dir, 'archive.mbox');
    const mails = [1, 2, 3].map((n) =>
      buildMail({ subject: `Mbox ${n}`, messageId: `mbox.${n}@uni.example`, text: `Message ${n}\r\nFrom the start of a line\r\n` })
        .toString('utf8')
        .replace(/\r\n/g, '\n')
        .replace(/^From the/m, '>From the'),
    );
    writeFileSync(file, mails.map((text) => `From jane.doe@uni.example Fri Nov 27 09:14:03 2026\n${text}\n`).join(''));
    const before = Number(git(root, ['rev-list', '--count', 'HEAD']).trim());
    const summary = await intake({ root, mbox: file, now: NOW, push: false });
    expect(summary.results.map((r) => r.action)).toEqual(['created', 'created', 'created']);
    expect(Number(git(root, ['rev-list', '--count', 'HEAD']).trim())).toBe(before + 3);
    expect(ticket(root, summary.results[0]?.ticket as number).body).toContain('From the start of a line');
    const again = await intake({ root, mbox: file, now: NOW, push: false });
    expect(again.counts).toMatchObject({ duplicate: 3, created: 0 });
  });

  it('a Maildir: new and unseen messages, marked seen once committed', async () => {
    const maildir = tempDir('gitgus-maildir-');
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(path.join(maildir, sub));
    writeFileSync(path.join(maildir, 'new', '1700000000.1.host'), buildMail({ subject: 'Maildir new', messageId: 'md.1@uni.example' }));
    writeFileSync(path.join(maildir, 'cur', '1700000000.2.host:2,'), buildMail({ subject: 'Maildir unseen', messageId: 'md.2@uni.example' }));
    writeFileSync(path.join(maildir, 'cur', '1700000000.3.host:2,S'), buildMail({ subject: 'Maildir seen', messageId: 'md.3@uni.example' }));
    const summary = await intake({ root, maildir, now: NOW, push: false });
    expect(summary.results.map((r) => r.action)).toEqual(['created', 'created']);
    expect(readdirSync(path.join(maildir, 'new'))).toEqual([]);
    expect(readdirSync(path.join(maildir, 'cur')).sort()).toEqual(['1700000000.1.host:2,S', '1700000000.2.host:2,S', '1700000000.3.host:2,S']);
    expect((await intake({ root, maildir, now: NOW, push: false })).results).toEqual([]);
  });

  it('nothing intake wrote lies outside a ticket folder or intake/', () => {
    const outside = changedPaths(root, start).filter((file) => !/^(tickets\/\d+\/\d+\/|intake\/)/.test(file));
    // The tests themselves changed one ticket file on purpose (test: commits); intake never touched anything else.
    expect(outside).toEqual([]);
    assertClean(root);
  });
});

describe('the safe point', () => {
  it('refuses to move the branch when another commit landed meanwhile, and writes nothing', async () => {
    const dir = makeSmallHelpdesk([{}], { numberingStart: 1001 }).dir;
    const session = MailIntakeSession.open(dir, { mode: 'batch', now: NOW });
    const result = await session.process({ raw: buildMail({ subject: 'Race', messageId: 'race.1@uni.example' }) });
    expect(result.action).toBe('created');
    writeFileSync(path.join(dir, 'other.txt'), 'someone else\n');
    git(dir, ['add', 'other.txt']);
    git(dir, ['commit', '-q', '-m', 'another writer']);
    const before = head(dir);
    await expect(session.finish()).rejects.toMatchObject({ code: 'E_GIT_RACE' });
    session.close();
    expect(head(dir)).toBe(before);
    expect(existsSync(path.join(dir, ticketIndexPath(result.ticket as number)))).toBe(false);
    expect(git(dir, ['status', '--porcelain'])).toBe('');
    // The refused commits stay behind as unreachable objects, nothing worse.
    expect(
      git(dir, ['fsck', '--no-progress'])
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('dangling ')),
    ).toEqual([]);
  });

  it('repairs the working tree after a crash between moving the branch and writing the files', async () => {
    const dir = makeSmallHelpdesk([{}], { numberingStart: 1001 }).dir;
    const [created] = await feed(dir, [buildMail({ subject: 'Crash', messageId: 'crash.9@uni.example' })]);
    const file = ticketIndexPath(created?.ticket as number);
    // As if the process died right after the branch moved: the intent names the file, which is half written.
    const gitDir = git(dir, ['rev-parse', '--absolute-git-dir']).trim();
    writeFileSync(path.join(gitDir, 'gitgus-intent'), JSON.stringify({ ref: 'refs/heads/main', new: head(dir), paths: [file] }));
    const content = readFileSync(path.join(dir, file), 'utf8');
    writeFileSync(path.join(dir, file), 'half-written');
    const session = MailIntakeSession.open(dir, { mode: 'batch' });
    expect(session.notes.join('\n')).toMatch(/repaired 1 file/);
    session.close();
    expect(readFileSync(path.join(dir, file), 'utf8')).toBe(content);
    expect(existsSync(path.join(gitDir, 'gitgus-intent'))).toBe(false);
    const again = await feed(dir, [buildMail({ subject: 'Crash', messageId: 'crash.9@uni.example' })]);
    expect(again.map((r) => r.action)).toEqual(['duplicate']);
    assertClean(dir);
  });
});
