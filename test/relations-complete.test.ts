/**
 * Relations complete (issue 16 point 9), played through the real CLI, real Git and a real SMTP server:
 * a duplicate accepts no update except through its master (CLI and pull-request check), the master's public
 * messages and status updates reach its duplicates and their submitters, a child's solution is added to
 * its parent, unmarking a master frees all its duplicates, and `gitgus duplicate` copies a ticket to
 * several units (at most 15), cross-referenced and never twice.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { parseMessage, parseTicket } from '../lib/core/documents.ts';
import { masterCopy } from '../lib/core/master-copy.ts';
import type { Ticket } from '../lib/core/schema/ticket.ts';
import { buildMail, dmarcPass } from './fixtures/mail/build.ts';
import { cleanupTemps, git, makeSmallHelpdesk, runGitgus } from './helpers.ts';
import { deliverMail, runGitgusAsync, startSmtpSink, type SmtpSink } from './notify-helpers.ts';

let smtp: SmtpSink;
beforeAll(async () => {
  smtp = await startSmtpSink();
});
afterAll(async () => {
  await smtp.close();
  cleanupTemps();
});

function ticketIn(dir: string, number: number): Ticket {
  const file = `tickets/${Math.floor(number / 1000)}/${number}/index.md`;
  return parseTicket(readFileSync(path.join(dir, file), 'utf8'), file).ticket;
}

function messagesOf(dir: string, number: number): string[] {
  const folder = path.join(dir, `tickets/${Math.floor(number / 1000)}/${number}/messages`);
  return readdirSync(folder)
    .sort()
    .map((name) => readFileSync(path.join(folder, name), 'utf8'));
}

const AIKO = { name: 'Aiko Tanaka', email: 'aiko.tanaka@kek.example' };
const EMMA = { name: 'Emma Schmidt', email: 'emma.schmidt@desy.example' };

/** #1001 (Aiko's), #1002 (Emma's) and #1003, all assigned at CIC with a diary: a master and its duplicates-to-be. */
function cicTickets(): string {
  const diary = [{ date: '2026-11-03T10:00:00Z', author: { name: 'Claire Cic', github: 'claire-cic', role: 'supporter' as const, unit: 'cic' }, source: 'cli' as const, text: 'Looking into it.' }];
  return makeSmallHelpdesk([
    { status: 'assigned', unit: 'cic', submitter: AIKO, notify: 'on every change', messages: diary },
    { status: 'assigned', unit: 'cic', submitter: EMMA, messages: diary },
    { status: 'assigned', unit: 'cic', submitter: { name: 'Lars Nilsson', email: 'lars.nilsson@ndgf.example' }, messages: diary },
  ]).dir;
}

function ok(args: string[]): string {
  const result = runGitgus(args);
  expect(result.stderr).not.toContain('error');
  expect(result.status).toBe(0);
  return result.stdout;
}

describe('master and slaves', () => {
  it('a slave is refused every update except through its master; the master copies its messages and status to it', async () => {
    const dir = cicTickets();
    // #1002 (Emma's) duplicates #1001 (Aiko's).
    ok(['relate', '1002', '--master', '1001', '--actor', 'claire-cic', '--root', dir]);
    expect(ticketIn(dir, 1002)).toMatchObject({ status: 'on hold', relations: { master: 1001 } });
    const base = git(dir, ['rev-parse', 'HEAD']).trim();

    const set = runGitgus(['set', '1002', 'priority=urgent', '--actor', 'claire-cic', '--root', dir, '--json']);
    expect(set.status).toBe(1);
    expect(set.stderr).toContain('#1002 is a duplicate (slave) of #1001 and accepts no update except through its master');
    expect(set.stderr).toContain('gitgus relate 1002 --master 1001 --remove');
    const reply = runGitgus(['reply', '1002', '-m', 'Working on it here.', '--actor', 'claire-cic', '--root', dir, '--json']);
    expect(reply.status).toBe(1);
    expect(reply.stderr).toMatch(/E_SLAVE|accepts no message except through its master/);
    expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(base);

    ok(['reply', '1001', '-m', 'The CRL of the CERN CA expired; we are renewing it now.', '--actor', 'claire-cic', '--root', dir]);
    const copy = messagesOf(dir, 1002).find((m) => m.includes('Copied from the master ticket #1001')) ?? '';
    expect(copy).toContain('Copied from the master ticket #1001');
    expect(copy).toContain('The CRL of the CERN CA expired');
    expect(
      git(dir, ['show', '--name-only', '--format=', 'HEAD'])
        .split('\n')
        .filter((f) => f.includes('/messages/'))
        .map((f) => f.split('/')[2]),
    ).toEqual(['1001', '1002']);

    ok(['status', '1001', 'waiting for reply', '--actor', 'claire-cic', '--root', dir]);
    expect(messagesOf(dir, 1002).join('\n')).toContain('Update of the master ticket #1001: status assigned → waiting for reply.');
    expect(ticketIn(dir, 1002).status).toBe('on hold');

    // The duplicate's submitter hears the master's message and status through her own ticket.
    const result = await runGitgusAsync(['notify', '--root', dir, '--since', base, '--json'], { env: smtp.env });
    expect(result.status).toBe(0);
    const toEmma = smtp.received.filter((mail) => mail.to.includes('emma.schmidt@desy.example')).map((mail) => mail.raw.toString('utf8'));
    expect(toEmma.some((raw) => raw.includes('#1002') && raw.includes('The CRL of the CERN CA expired'))).toBe(true);
    expect(toEmma.some((raw) => raw.includes('Update of the master ticket #1001'))).toBe(true);
  });

  it('a mail to a slave is refused: kept as an internal note, no keyword acts, and only the sender is told to write to the master', async () => {
    const dir = cicTickets();
    ok(['relate', '1002', '--master', '1001', '--actor', 'claire-cic', '--root', dir]);
    const before = ticketIn(dir, 1002);
    const base = git(dir, ['rev-parse', 'HEAD']).trim();
    // Emma, authenticated, replies to her own (slave) ticket and even tries to escalate it.
    const mail = buildMail({ from: 'Emma Schmidt <emma.schmidt@desy.example>', subject: 'Re: [GGUS #1002] escalate', messageId: 'slave-reply.1@desy.example', text: 'Still broken on our side, any news?\r\n', headers: [dmarcPass('desy.example')] });
    const intake = runGitgus(['intake', '--root', dir, '--json'], { input: mail });
    expect(intake.status, intake.stderr).toBe(0);
    expect(intake.stdout).toContain('accepts no update except through its master');
    const after = ticketIn(dir, 1002);
    expect(after).toEqual(before);
    const stored = messagesOf(dir, 1002).find((m) => m.includes('Still broken on our side')) ?? '';
    expect(stored).toContain('visibility: internal');
    expect(stored).toContain('slave-refused');
    expect(messagesOf(dir, 1001).join('\n')).not.toContain('Still broken on our side');

    const beforeNotify = smtp.received.length;
    const result = await runGitgusAsync(['notify', '--root', dir, '--since', base], { env: smtp.env });
    expect(result.status, result.stderr).toBe(0);
    const sent = smtp.received.slice(beforeNotify).filter((m) => m.raw.toString('utf8').includes('#1002'));
    // The refusal goes to Emma alone: the unit list, CC and subscribers hear nothing of it.
    const refusals = sent.filter((m) => m.raw.toString('utf8').includes('Not added'));
    expect(refusals.map((m) => m.to)).toEqual([['emma.schmidt@desy.example']]);
    const parsed = await simpleParser(refusals[0]?.raw ?? Buffer.from(''));
    expect(parsed.subject).toContain('[GGUS #1002] Not added:');
    expect(parsed.text).toContain('Your mail was NOT added to ticket #1002: it is a duplicate of ticket #1001');
    expect(parsed.text).toContain('with "[GGUS #1001]" in the subject');
    expect(smtp.received.slice(beforeNotify).flatMap((m) => m.to)).toEqual(['emma.schmidt@desy.example']);
    expect(sent.map((m) => m.raw.toString('utf8')).join('\n')).not.toContain('Still broken on our side');
  });

  it('the pull-request check refuses a change and a message on a slave with E_SLAVE, and accepts the master copy', () => {
    const dir = cicTickets();
    ok(['relate', '1002', '--master', '1001', '--actor', 'claire-cic', '--root', dir]);
    // A pull request: committed on its own branch, judged against main (only committed objects are read).
    const date = new Date(Date.now() + 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const stamp = date.replace(/[-:]/g, '');
    const message = (number: number, role: string, name: string) =>
      `---\ndate: ${date}\nauthor:\n  name: ${name}\n${role === 'system' ? '' : '  github: claire-cic\n'}  role: ${role}\n${role === 'system' ? '' : '  unit: cic\n'}visibility: public\nsource: ${role === 'system' ? 'system' : 'pull-request'}\n---\nThe CRL is renewed (#${number}).\n`;
    const check = (branch: string) => runGitgus(['check', '--base', 'main', '--head', branch, '--author', 'claire-cic', '--json', '--root', dir], { env: { GITHUB_ACTIONS: '' } });

    git(dir, ['switch', '-q', '-c', 'on-the-slave']);
    const file = path.join(dir, 'tickets/1/1002/index.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('priority: less urgent', 'priority: urgent'));
    writeFileSync(path.join(dir, `tickets/1/1002/messages/${stamp}-aaaa1111.md`), message(1002, 'supporter', 'Claire Cic'));
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-qm', 'Work on the duplicate']);
    const refused = check('on-the-slave');
    expect(refused.status).toBe(1);
    const problems = (JSON.parse(refused.stdout) as { problems: { code: string; file: string }[] }).problems;
    expect(problems.map((p) => `${p.code} ${p.file}`)).toEqual(['E_SLAVE tickets/1/1002/index.md', `E_SLAVE tickets/1/1002/messages/${stamp}-aaaa1111.md`]);

    git(dir, ['switch', '-q', 'main']);
    git(dir, ['switch', '-q', '-c', 'on-the-master']);
    writeFileSync(path.join(dir, `tickets/1/1001/messages/${stamp}-bbbb2222.md`), message(1001, 'supporter', 'Claire Cic'));
    writeFileSync(path.join(dir, `tickets/1/1002/messages/${stamp}-cccc3333.md`), message(1001, 'system', 'Example Grid Helpdesk'));
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-qm', 'Answer on the master, copied to its duplicate']);
    const accepted = check('on-the-master');
    expect(accepted.stdout).toContain('"ok": true');
    expect(accepted.status).toBe(0);

    // A note that says it is the master's copy must be the exact copy sync-slaves would write; anything else is refused.
    const answer = `${stamp}-dddd4444.md`;
    const answerText = message(1001, 'supporter', 'Claire Cic');
    const exact = masterCopy(1001, answer, parseMessage(answerText, answer), 1002, 'Example Grid Helpdesk');
    git(dir, ['switch', '-q', 'main']);
    git(dir, ['switch', '-q', '-c', 'with-the-copy']);
    writeFileSync(path.join(dir, `tickets/1/1001/messages/${answer}`), answerText);
    writeFileSync(path.join(dir, exact.path), exact.content);
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-qm', 'Answer on the master with its exact copy']);
    const exactCheck = check('with-the-copy');
    expect(exactCheck.stdout).toContain('"ok": true');
    writeFileSync(path.join(dir, exact.path), exact.content.replace('The CRL is renewed', 'Nothing is wrong, close it'));
    git(dir, ['commit', '-qam', 'A forged copy']);
    const forged = check('with-the-copy');
    expect(forged.status).toBe(1);
    const forgedProblems = (JSON.parse(forged.stdout) as { problems: { code: string; file: string; message: string }[] }).problems;
    expect(forgedProblems.map((p) => `${p.code} ${p.file}`)).toEqual([`E_SLAVE ${exact.path}`]);
    expect(forgedProblems[0]?.message).toContain('is not the copy of a message this change adds to #1001');
  });

  it('unmarking a master frees all its slaves, which resume', () => {
    const dir = cicTickets();
    // Marked out of order: the master lists its slaves sorted.
    ok(['relate', '1003', '--master', '1001', '--actor', 'claire-cic', '--root', dir]);
    ok(['relate', '1002', '--master', '1001', '--actor', 'claire-cic', '--root', dir]);
    expect(ticketIn(dir, 1001).relations).toEqual({ slaves: [1002, 1003] });
    const out = JSON.parse(ok(['relate', '1001', '--unmark-master', '--actor', 'claire-cic', '--root', dir, '--json'])) as { freed: number[]; effects: { ticket: number; to: string }[] };
    expect(out.freed).toEqual([1002, 1003]);
    expect(out.effects).toEqual([
      { ticket: 1002, from: 'on hold', to: 'in progress' },
      { ticket: 1003, from: 'on hold', to: 'in progress' },
    ]);
    for (const number of [1002, 1003]) {
      expect(ticketIn(dir, number).relations).toBeUndefined();
      expect(ticketIn(dir, number).status).toBe('in progress');
      // Two messages written in the same second sort by their random key, so look at all of them.
      expect(messagesOf(dir, number).join('\n')).toContain('#1001 is no longer a master ticket');
    }
    expect(ticketIn(dir, 1001).relations).toBeUndefined();
    // One commit for all of it.
    expect(
      git(dir, ['show', '--name-only', '--format=', 'HEAD'])
        .split('\n')
        .filter((f) => f.endsWith('index.md')).length,
    ).toBe(3);
    const again = runGitgus(['relate', '1001', '--unmark-master', '--actor', 'claire-cic', '--root', dir]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('#1001 is not a master');
  });
});

describe('gitgus sync-slaves', () => {
  it("copies a master's public message merged from a pull request to its slave once, never its internal note; the slave's submitter is mailed", async () => {
    const dir = cicTickets();
    ok(['relate', '1002', '--master', '1001', '--actor', 'claire-cic', '--root', dir]);
    const beforeMerge = git(dir, ['rev-parse', 'HEAD']).trim();
    // A supporter's pull request: a public answer and an internal note on the master, nothing on the slave.
    const date = new Date(Date.now() + 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const stamp = date.replace(/[-:]/g, '');
    const note = (visibility: string, text: string) => `---\ndate: ${date}\nauthor:\n  name: Claire Cic\n  github: claire-cic\n  role: supporter\n  unit: cic\nvisibility: ${visibility}\nsource: pull-request\n---\n${text}\n`;
    git(dir, ['switch', '-q', '-c', 'answer-on-master']);
    writeFileSync(path.join(dir, `tickets/1/1001/messages/${stamp}-pr0public.md`), note('public', 'The CERN CA published a new CRL; please retry your jobs.'));
    writeFileSync(path.join(dir, `tickets/1/1001/messages/${stamp}-pr0intern.md`), note('internal', 'Between us: the CRL mirror at CERN was down for six hours.'));
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-qm', 'Answer on #1001']);
    const check = runGitgus(['check', '--base', 'main', '--head', 'answer-on-master', '--author', 'claire-cic', '--json', '--root', dir], { env: { GITHUB_ACTIONS: '' } });
    expect(check.stdout).toContain('"ok": true');
    git(dir, ['switch', '-q', 'main']);
    git(dir, ['merge', '-q', '--no-ff', '-m', 'Merge pull request #7 from claire-cic/answer-on-master', 'answer-on-master']);
    const merged = git(dir, ['rev-parse', 'HEAD']).trim();
    const slaveMessages = () => messagesOf(dir, 1002).join('\n');
    expect(slaveMessages()).not.toContain('new CRL');

    const first = JSON.parse(ok(['sync-slaves', '--since', beforeMerge, '--root', dir, '--json'])) as { masters: number[]; copies: { master: number; slave: number; masterFile: string; path: string }[]; commit: string };
    expect(first.masters).toEqual([1001]);
    expect(first.copies.map((copy) => [copy.master, copy.masterFile, copy.slave])).toEqual([[1001, `${stamp}-pr0public.md`, 1002]]);
    expect(slaveMessages().split('The CERN CA published a new CRL').length - 1).toBe(1);
    expect(slaveMessages()).toContain('Copied from the master ticket #1001 (Claire Cic, supporter)');
    expect(slaveMessages()).not.toContain('CRL mirror at CERN was down');
    // One commit on top of the merge, holding only the copy, with the trailers every writer gives.
    expect(
      git(dir, ['rev-list', `${merged}..HEAD`])
        .trim()
        .split('\n'),
    ).toEqual([first.commit]);
    expect(git(dir, ['show', '--name-only', '--format=', 'HEAD']).trim().split('\n')).toEqual([first.copies[0]?.path]);
    expect(git(dir, ['log', '-1', '--format=%(trailers:only,unfold)', 'HEAD'])).toMatch(/Ticket: 1001\nUnit: cic\nActor: gitgus sync-slaves <[^>]+>\nEvent: master-copy/);
    expect(git(dir, ['status', '--porcelain']).trim()).toBe('');
    expect(ok(['check', '--root', dir])).toBeDefined();

    // A second run writes nothing; nor does one after `gitgus reply`, which makes the same copy itself.
    const second = JSON.parse(ok(['sync-slaves', '--since', beforeMerge, '--root', dir, '--json'])) as { copies: unknown[]; commit?: string };
    expect(second.copies).toEqual([]);
    expect(second.commit).toBeUndefined();
    expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(first.commit);
    ok(['reply', '1001', '-m', 'Jobs run again at CERN.', '--actor', 'claire-cic', '--root', dir]);
    const replied = git(dir, ['rev-parse', 'HEAD']).trim();
    expect(JSON.parse(ok(['sync-slaves', '--since', beforeMerge, '--root', dir, '--json']))).toMatchObject({ copies: [] });
    expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(replied);
    expect(slaveMessages().split('Jobs run again at CERN.').length - 1).toBe(1);

    const bad = runGitgus(['sync-slaves', '--since', 'no-such-commit', '--root', dir]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("--since 'no-such-commit' is not a commit in this repository");
    expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(replied);

    // notify (run after sync-slaves in notify.yml) mails the slave's submitter the copied answer, and no internal text.
    const from = smtp.received.length;
    const result = await runGitgusAsync(['notify', '--root', dir, '--since', merged], { env: smtp.env });
    expect(result.status, result.stderr).toBe(0);
    const toEmma = smtp.received.slice(from).filter((mail) => mail.to.includes('emma.schmidt@desy.example'));
    const copyMail = await Promise.all(toEmma.map((mail) => simpleParser(mail.raw)));
    const answer = copyMail.find((mail) => (mail.text ?? '').includes('The CERN CA published a new CRL'));
    expect(answer?.subject).toContain('[GGUS #1002]');
    expect(
      smtp.received
        .slice(from)
        .map((mail) => mail.raw.toString('utf8'))
        .join('\n'),
    ).not.toContain('CRL mirror at CERN was down');
  });
  it("copies a master's public message that came by mail (intake) too, as the after-commit step of every writer runs it", async () => {
    const dir = cicTickets();
    ok(['relate', '1002', '--master', '1001', '--actor', 'claire-cic', '--root', dir]);
    const before = git(dir, ['rev-parse', 'HEAD']).trim();
    const mail = buildMail({
      from: 'Aiko Tanaka <aiko.tanaka@kek.example>',
      subject: 'Re: [GGUS #1001] CRL',
      messageId: 'master-reply.1@kek.example',
      text: 'The CRL problem is back on our worker nodes since this morning.\r\n',
      headers: [dmarcPass('kek.example')],
    });
    const stored = await deliverMail(dir, mail, new Date(Date.now() + 2000).toISOString());
    expect(stored.ticket).toBe(1001);
    const run = JSON.parse(ok(['sync-slaves', '--since', before, '--root', dir, '--json'])) as { copies: { master: number; slave: number }[] };
    expect(run.copies.map((copy) => [copy.master, copy.slave])).toEqual([[1001, 1002]]);
    expect(messagesOf(dir, 1002).join('\n').split('The CRL problem is back').length - 1).toBe(1);
    expect(JSON.parse(ok(['sync-slaves', '--since', before, '--root', dir, '--json']))).toMatchObject({ copies: [] });
  });
});

describe('parent and children', () => {
  it("each child's solution is added to the parent", () => {
    // #1001 waits on hold for its two children; #1002 is solved, #1003 still waits for a reply.
    const { dir } = makeSmallHelpdesk([
      { status: 'on hold', unit: 'arc', relations: { children: [1002, 1003] } },
      { status: 'assigned', unit: 'cic', relations: { parent: 1001 } },
      { status: 'waiting for reply', unit: 'ngi-it', relations: { parent: 1001 } },
    ]);
    ok(['status', '1002', 'solved', '--qualifier', 'fixed', '--solution', 'Kernel patched and nodes rebooted.', '--actor', 'claire-cic', '--root', dir]);
    const note = messagesOf(dir, 1001).find((m) => m.includes('Child ticket #1002')) ?? '';
    expect(note).toContain('Child ticket #1002 is solved (fixed): Kernel patched and nodes rebooted.');
    expect(note).toContain('role: system');
    expect(ticketIn(dir, 1001).status).toBe('on hold'); // #1003 is still open
  });
});

describe('gitgus duplicate', () => {
  it('copies a ticket to several units, cross-referenced, minted on main, never twice; at most 15', () => {
    const { dir } = makeSmallHelpdesk([{ status: 'in progress', unit: 'ngi-de', title: 'CVMFS repository biomed.cern.ch stale at DESY-HH', messages: [{ date: '2026-11-30T08:00:00Z', text: 'Still stale this morning.' }] }]);
    // The original's diary as a supporter's pull request leaves it: an internal note with a log attached,
    // and a public message with a job description attached (binary bytes, to see they are copied as bytes).
    const folder = path.join(dir, 'tickets/1/1001');
    mkdirSync(path.join(folder, 'files'), { recursive: true });
    const log = Buffer.from([0x00, 0xff, 0x10, 0x80, ...Buffer.from('vobox proxy renewal failed\n')]);
    writeFileSync(path.join(folder, 'files/vobox.log'), log);
    writeFileSync(path.join(folder, 'files/job.jdl'), 'Executable = "/bin/hostname";\n');
    writeFileSync(
      path.join(folder, 'messages/20261201T090000Z-intnote1.md'),
      '---\ndate: 2026-12-01T09:00:00Z\nauthor:\n  name: Claire\n  github: claire-cic\n  role: supporter\nvisibility: internal\nsource: pull-request\nattachments:\n  - file: vobox.log\n    size: ' +
        log.length +
        '\n    type: text/plain\n---\nInternal only: the VOBOX proxy renewal loops, see the log.\n',
    );
    writeFileSync(
      path.join(folder, 'messages/20261201T091000Z-pubmsg1.md'),
      '---\ndate: 2026-12-01T09:10:00Z\nauthor:\n  name: Claire\n  github: claire-cic\n  role: supporter\nvisibility: public\nsource: pull-request\nattachments:\n  - file: job.jdl\n    size: 30\n    type: text/plain\n---\nCould you resubmit this job?\n',
    );
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', '#1001 internal note and message with attachments']);
    expect(ok(['check', '--root', dir, '--json'])).toContain('"ok": true');
    const out = JSON.parse(ok(['duplicate', '1001', '--units', 'dcache,ngi-it', '--actor', 'tpm-shifter', '--root', dir, '--json'])) as { copies: { unit: string; ticket: number; action: string }[] };
    expect(out.copies.map((c) => [c.unit, c.action])).toEqual([
      ['dcache', 'created'],
      ['ngi-it', 'created'],
    ]);
    const [a, b] = out.copies.map((c) => c.ticket) as [number, number];
    expect(b).toBe(a + 1);
    for (const [number, unit] of [
      [a, 'dcache'],
      [b, 'ngi-it'],
    ] as const) {
      expect(ticketIn(dir, number)).toMatchObject({ unit, status: 'assigned', title: ticketIn(dir, 1001).title, submitter: ticketIn(dir, 1001).submitter, relations: { related: [1001] } });
      // GGUS copies the internal diary (still internal) and the attachments (bytes in the copy's own files/).
      const copyFolder = path.join(dir, `tickets/${Math.floor(number / 1000)}/${number}`);
      const note = readFileSync(path.join(copyFolder, 'messages/20261201T090000Z-intnote1.md'), 'utf8');
      expect(note).toContain('visibility: internal');
      expect(note).toContain('Internal only: the VOBOX proxy renewal loops');
      expect(note).toContain('file: vobox.log');
      expect(readFileSync(path.join(copyFolder, 'files/vobox.log')).equals(log)).toBe(true);
      expect(readFileSync(path.join(copyFolder, 'files/job.jdl'), 'utf8')).toBe('Executable = "/bin/hostname";\n');
      // The public message is not copied; its attachment is listed on the copy's public note, and no public
      // file of the copy names the internal note's log.
      const publicFiles = messagesOf(dir, number).filter((m) => !m.includes('visibility: internal'));
      expect(publicFiles.join('\n')).not.toContain('Could you resubmit this job?');
      expect(publicFiles.find((m) => m.includes(`copy of #1001`)) ?? '').toContain('file: job.jdl');
      expect(publicFiles.join('\n')).not.toContain('vobox.log');
      expect(
        git(dir, ['ls-files', `tickets/${Math.floor(number / 1000)}/${number}`])
          .trim()
          .split('\n')
          .sort(),
      ).toEqual(expect.arrayContaining([`tickets/${Math.floor(number / 1000)}/${number}/files/job.jdl`, `tickets/${Math.floor(number / 1000)}/${number}/files/vobox.log`]));
    }
    expect(ticketIn(dir, 1001).relations?.related).toEqual(expect.arrayContaining([a, b]));
    expect(git(dir, ['log', '-2', '--format=%s']).trim().split('\n')).toEqual([`#${b} new ticket: copy of #1001 for ngi-it`, `#${a} new ticket: copy of #1001 for dcache`]);
    expect(ok(['check', '--root', dir, '--json'])).toContain('"ok": true');

    const again = JSON.parse(ok(['duplicate', '1001', '--units', 'dcache,ngi-it', '--actor', 'tpm-shifter', '--root', dir, '--json'])) as { copies: { action: string }[] };
    expect(again.copies.map((c) => c.action)).toEqual(['existing', 'existing']);

    const units = readdirSync(path.join(dir, 'units'))
      .filter((f) => f.endsWith('.md') && f !== 'README.md' && f !== 'ngi-de.md')
      .map((f) => f.slice(0, -3));
    expect(units.length).toBeGreaterThan(15);
    const tooMany = runGitgus(['duplicate', '1001', '--units', units.join(','), '--actor', 'tpm-shifter', '--root', dir]);
    expect(tooMany.status).toBe(1);
    expect(tooMany.stderr).toContain('at most 15 are made');
    const stranger = runGitgus(['duplicate', '1001', '--units', 'osg', '--actor', 'Jan Novak <jan.novak@cesnet.example>', '--root', dir]);
    expect(stranger.status).toBe(1);
    expect(stranger.stderr).toContain('only supporters and TPM duplicate tickets');
  });
});
