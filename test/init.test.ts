/**
 * `gitgus init`: a copy of gitgus becomes a team's helpdesk in one commit — as a new folder (`init DIR`) and
 * in place (a clone of this repository) — and bad answers, dirty checkouts and existing helpdesks are refused
 * with nothing written. Run as the real CLI; results read back with the git CLI and the helpdesk's own schemas.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { issueForm } from '../lib/core/github/form.ts';
import { intakeCron, planInit, withIntakeSchedule } from '../lib/core/init.ts';
import { parseRoutingRules } from '../lib/core/routing.ts';
import { loadSettings, loadUnits } from '../lib/store/load.ts';
import { cleanupTemps, git, PROJECT_ROOT, runGitgus, tempDir } from './helpers.ts';

afterAll(cleanupTemps);

const read = (root: string, file: string) => readFileSync(path.join(root, file), 'utf8');

describe('gitgus init DIR', () => {
  it('makes a new helpdesk from this project’s files, without the example data, as one commit', () => {
    const dir = path.join(tempDir('gitgus-init-'), 'nordic');
    const result = runGitgus([
      'init',
      dir,
      '--yes',
      '--name',
      'Nordic Grid Helpdesk',
      '--domain',
      'ngh.uni.no',
      '--repository',
      'nordic-grid/helpdesk',
      '--tpm',
      'alice-tpm,bob@ngh.uni.no',
      '--vos',
      'atlas,alice',
      '--first-number',
      '1000',
      '--authserv-ids',
      'mx.ngh.uni.no',
    ]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('Set up Nordic Grid Helpdesk as a gitgus helpdesk');
    // What only GitHub's settings can do, said at the end (issue 15): secrets in an environment limited to main, the branch rule.
    expect(result.stderr).toContain('create the environment "helpdesk", limit its deployment branches to main, and put GITGUS_IMAP_URL, GITGUS_IMAP_PASSWORD, GITGUS_SMTP_USER, GITGUS_SMTP_PASSWORD and GITGUS_GITHUB_TOKEN there');
    expect(result.stderr).toContain('require a pull request with review from Code Owners (.github/CODEOWNERS), require the status check "Check" and branches to be up to date (or a merge queue)');
    expect(result.stderr).toContain('only Authentication-Results from mx.ngh.uni.no are believed');

    expect(git(dir, ['log', '--format=%s']).trim()).toBe('Set up Nordic Grid Helpdesk as a gitgus helpdesk');
    expect(git(dir, ['status', '--porcelain'])).toBe('');
    git(dir, ['fsck', '--strict']);
    const files = git(dir, ['ls-files']).split('\n').filter(Boolean);
    // The software came along; the example tickets, units and routing did not.
    expect(files).toEqual(expect.arrayContaining(['scripts/gitgus.ts', 'lib/core/schema/ticket.ts', 'package.json', '.github/workflows/mail-intake.yml', 'tickets/README.md', 'units/README.md']));
    expect(files.filter((file) => /^tickets\/\d/.test(file))).toEqual([]);
    expect(files.filter((file) => file.startsWith('units/')).sort()).toEqual(['units/README.md', 'units/routing.yml', 'units/tpm-vo.md', 'units/tpm.md']);
    expect(files).not.toContain('.github/workflows/test.yml');
    expect(files.filter((file) => file.startsWith('.github/ISSUE_TEMPLATE/'))).toEqual([]);

    const settings = loadSettings(dir);
    expect(settings).toMatchObject({
      name: 'Nordic Grid Helpdesk',
      intake: [
        { address: 'helpdesk@ngh.uni.no', unit: 'tpm', name: 'General helpdesk' },
        { address: 'vo-user-support@ngh.uni.no', unit: 'tpm-vo', name: 'VO user support' },
      ],
      sender: 'noreply@ngh.uni.no',
      subjectTag: '[NGH #{number}]',
      siteUrl: 'https://nordic-grid.github.io/helpdesk/',
      numberingStart: 1000,
      repository: 'nordic-grid/helpdesk',
      issueRepository: 'nordic-grid/helpdesk-issues',
      vos: ['atlas', 'alice'],
      administrators: ['alice-tpm'],
      mail: { authservIds: ['mx.ngh.uni.no'] },
    });
    // Code owners are the helpdesk's administrators, for everything but tickets/.
    expect(
      read(dir, '.github/CODEOWNERS')
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#')),
    ).toEqual(['*               @alice-tpm', '/tickets/', '/helpdesk.yml   @alice-tpm', '/units/         @alice-tpm']);
    const units = loadUnits(dir);
    expect(units.problems).toEqual([]);
    expect(units.items.map((doc) => [doc.unit.id, doc.unit.family, doc.unit.mailingList, doc.unit.members])).toEqual([
      ['tpm-vo', 'tpm-vo', 'tpm-vo@ngh.uni.no', []],
      ['tpm', 'tpm', 'tpm@ngh.uni.no', [{ github: 'alice-tpm' }, { email: 'bob@ngh.uni.no' }]],
    ]);
    const routing = read(dir, 'units/routing.yml');
    expect(routing).toMatch(/^# Routing rules/);
    expect(parseRoutingRules(routing)).toEqual([{ id: 'vo-user-support', description: 'Mail to VO user support goes to TPM VO support', when: { intake: ['vo-user-support@'] }, then: { unit: 'tpm-vo' } }]);
    // A private helpdesk: hourly mail intake, and the public companion repository's files to push.
    expect(read(dir, '.github/workflows/mail-intake.yml')).toContain('- cron: "17 * * * *"');
    expect(parseYaml(read(dir, 'companion/.github/ISSUE_TEMPLATE/ticket.yml'))).toEqual(issueForm({ helpdeskName: 'Nordic Grid Helpdesk', siteUrl: 'https://nordic-grid.github.io/helpdesk/' }));
    const forward = read(dir, 'companion/.github/workflows/forward.yml');
    expect(validateWorkflow(forward).errors).toEqual([]);
    expect(forward).toContain('HELPDESK: nordic-grid/helpdesk');
    expect(read(dir, 'intake/github.yml')).toMatch(/^repositories:\n {2}nordic-grid\/helpdesk-issues:\n {4}since: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
    // A README for the helpdesk's users; the gitgus README kept as documentation.
    expect(read(dir, 'README.md')).toMatch(/^# Nordic Grid Helpdesk\n/);
    expect(read(dir, 'README.md')).toContain('[helpdesk@ngh.uni.no](mailto:helpdesk@ngh.uni.no)');
    expect(read(dir, 'README.md')).toContain('https://github.com/nordic-grid/helpdesk-issues/issues/new/choose');
    expect(read(dir, 'docs/gitgus.md')).toBe(read(PROJECT_ROOT, 'README.md'));

    const check = runGitgus(['check', '--root', dir]);
    expect(check.status, check.stderr).toBe(0);
    expect(check.stderr).toContain('ok: 0 tickets, 0 messages, 2 units');
  });

  it('refuses bad answers and a folder that is not empty, writing nothing', () => {
    const parent = tempDir('gitgus-init-');
    const dir = path.join(parent, 'helpdesk');
    const bad = runGitgus(['init', dir, '--yes', '--name', 'Grid Help', '--domain', 'not a domain', '--tpm', 'al ice']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("helpdesk.yml: intake.0.address: expected a mail address like jane.doe@uni.example, received 'helpdesk@not a domain'");
    expect(existsSync(dir)).toBe(false);
    const interval = runGitgus(['init', dir, '--yes', '--domain', 'grid.uni.example', '--intake-every', '7']);
    expect(interval.status).toBe(1);
    expect(interval.stderr).toContain('.github/workflows/mail-intake.yml: schedule: cannot run every 7 minutes evenly');
    expect(existsSync(dir)).toBe(false);

    writeFileSync(path.join(parent, 'occupied'), 'x');
    const occupied = runGitgus(['init', parent, '--yes']);
    expect(occupied.status).toBe(1);
    expect(occupied.stderr).toContain('already exists and is not empty');
    expect(readdirSync(parent)).toEqual(['occupied']);
  });
});

describe('gitgus init in a copy of this repository', () => {
  it('replaces the example in place, and never overwrites the helpdesk it made', () => {
    const dir = path.join(tempDir('gitgus-template-'), 'helpdesk');
    git(PROJECT_ROOT, ['clone', '--quiet', '--no-hardlinks', PROJECT_ROOT, dir]);
    git(dir, ['config', 'user.name', 'Team Lead']);
    git(dir, ['config', 'user.email', 'lead@grid.uni.example']);
    git(dir, ['remote', 'set-url', 'origin', 'git@github.com:grid-uni/helpdesk.git']);
    const before = git(dir, ['rev-parse', 'HEAD']).trim();

    const result = runGitgus(['init', '--yes', '--public', '--name', 'Grid Uni Help', '--domain', 'griduni.eu', '--tpm', 'lead'], { cwd: dir });
    expect(result.status, result.stderr).toBe(0);
    expect(git(dir, ['rev-parse', 'HEAD~1']).trim()).toBe(before);
    expect(git(dir, ['log', '-1', '--format=%an|%s']).trim()).toBe('Team Lead|Set up Grid Uni Help as a gitgus helpdesk');
    expect(git(dir, ['status', '--porcelain'])).toBe('');
    const removed = git(dir, ['diff', '--name-only', '--diff-filter=D', 'HEAD~1', 'HEAD']).split('\n').filter(Boolean);
    expect(removed.filter((file) => /^tickets\/\d/.test(file)).length).toBeGreaterThan(40);
    expect(removed).toEqual(expect.arrayContaining(['units/dcache.md', '.github/workflows/test.yml']));
    // The repository from the origin remote; public: issues in it, the form here, mail every 5 minutes.
    expect(loadSettings(dir)).toMatchObject({ repository: 'grid-uni/helpdesk', siteUrl: 'https://grid-uni.github.io/helpdesk/' });
    expect(loadSettings(dir).issueRepository).toBeUndefined();
    expect(parseYaml(read(dir, '.github/ISSUE_TEMPLATE/ticket.yml'))).toEqual(issueForm({ helpdeskName: 'Grid Uni Help', siteUrl: 'https://grid-uni.github.io/helpdesk/' }));
    expect(read(dir, '.github/workflows/mail-intake.yml')).toContain('- cron: "*/5 * * * *"');
    expect(existsSync(path.join(dir, 'companion'))).toBe(false);

    const head = git(dir, ['rev-parse', 'HEAD']).trim();
    const again = runGitgus(['init', '--yes', '--name', 'Another'], { cwd: dir });
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('is already a helpdesk (helpdesk@griduni.eu, vo-user-support@griduni.eu): gitgus init never overwrites one');
    expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(head);

    writeFileSync(path.join(dir, 'helpdesk.yml'), `${read(dir, 'helpdesk.yml')}# local edit\n`);
    const dirty = runGitgus(['init', '--yes'], { cwd: dir });
    expect(dirty.status).toBe(1);
    expect(dirty.stderr).toContain('has uncommitted changes');
  });
});

describe('planning', () => {
  it('sets the mail intake schedule and is deterministic for the same answers', () => {
    expect([5, 30, 60, 120].map(intakeCron)).toEqual(['*/5 * * * *', '*/30 * * * *', '17 * * * *', '17 */2 * * *']);
    const workflow = read(PROJECT_ROOT, '.github/workflows/mail-intake.yml');
    expect(withIntakeSchedule(workflow, 15)).toBe(workflow.replace('- cron: "17 * * * *"', '- cron: "*/15 * * * *"'));
    const files = ['README.md', '.github/workflows/mail-intake.yml'];
    const answers = { name: 'Grid Help', domain: 'grid.uni.example', now: '2026-11-27T10:00:00Z' };
    const readFile = (file: string) => (files.includes(file) ? read(PROJECT_ROOT, file) : undefined);
    expect(planInit(answers, files, readFile)).toEqual(planInit(answers, files, readFile));
  });
});

describe('the questions on a terminal', () => {
  it('asks for what the flags did not give, offering the defaults', async () => {
    const { PassThrough, Writable } = await import('node:stream');
    const { ask } = await import('../scripts/commands/init.ts');
    const input = new PassThrough();
    // A terminal outlives each question; the prompt library ends the stream it was given when a question is done.
    const output = new (class extends Writable {
      override end(): this {
        return this;
      }
    })({
      write: (chunk: Buffer, _encoding, done) => {
        output.emit('data', chunk);
        done();
      },
    });
    const answers: [string, string][] = [
      ['Name of the helpdesk', 'Prompted Grid Help\r'],
      ['Mail domain', 'prompted.eu\r'],
      ['GitHub repository of the helpdesk', 'prompt-org/helpdesk\r'],
      ['Is that repository public?', '\r'],
      ['public companion repository?', '\r'],
      ['Companion repository', '\r'],
      ['Public site URL', '\r'],
      ['Subject tag', '\r'],
      ['TPM members', 'alice-tpm, bob-tpm\r'],
      ['authserv-id of your receiving mail server', 'mx.prompted.eu\r'],
      ['Poll the mailbox every', '\r'],
    ];
    let screen = '';
    let next = 0;
    output.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      const question = answers[next];
      if (question && screen.includes(question[0])) {
        next += 1;
        screen = '';
        setImmediate(() => input.write(question[1]));
      }
    });
    const result = await ask({ timezone: 'Europe/Oslo' }, { input, output });
    expect(next).toBe(answers.length);
    expect(result).toEqual({
      timezone: 'Europe/Oslo',
      name: 'Prompted Grid Help',
      domain: 'prompted.eu',
      repository: 'prompt-org/helpdesk',
      visibility: 'private',
      issueRepository: 'prompt-org/helpdesk-issues',
      siteUrl: 'https://prompt-org.github.io/helpdesk/',
      subjectTag: '[PGH #{number}]',
      tpmMembers: ['alice-tpm', 'bob-tpm'],
      authservIds: ['mx.prompted.eu'],
      intakeEveryMinutes: 60,
    });
  });
});
