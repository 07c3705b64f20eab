/**
 * `gitgus doctor` on a real helpdesk: healthy after intake; then each thing a killed writer or a hand edit
 * leaves is found, and `--fix` repairs it with one commit per repair of the helpdesk (checkout repairs
 * make none), leaving only what needs a person (a gap in the numbers).
 */
import { copyFileSync, readdirSync, readFileSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diagnose, type DoctorFacts } from '../lib/core/doctor.ts';
import { cleanupTemps, git, makeSmallHelpdesk, runGitgus } from './helpers.ts';
import { leftovers, uncleanPaths } from './fault-helpers.ts';

afterAll(cleanupTemps);

interface DoctorReport {
  ok: boolean;
  repaired: string[];
  findings: { check: string; file: string; message: string; repair?: { kind: string } }[];
}

function doctor(root: string, fix = false): { status: number; report: DoctorReport } {
  const run = runGitgus(['doctor', '--json', '--root', root, ...(fix ? ['--fix'] : [])]);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  return { status: run.status, report: JSON.parse(run.stdout) as DoctorReport };
}

describe('gitgus doctor', () => {
  it('finds what a crash or a hand edit left, and --fix repairs it with one commit per repair', () => {
    // #1001–#1005, numbered from 1001, each opened by a mail (so intake's index has their Message-IDs); #1002 has replies by mail too.
    const byMail = (n: number) => ({ kind: 'email' as const, address: 'helpdesk@ggus.example', messageId: `first.${n}@uni.example` });
    const root = makeSmallHelpdesk(
      [1001, 1002, 1003, 1004, 1005].map((n) => ({
        status: 'assigned',
        unit: 'cic',
        source: byMail(n),
        messages: n === 1002 ? [1, 2].map((k) => ({ date: `2026-11-0${k + 2}T10:00:00Z`, messageId: `reply.${k}@uni.example`, text: `Reply ${k}.` })) : [],
      })),
      { numberingStart: 1001 },
    ).dir;
    expect(runGitgus(['intake', '--reindex', '--root', root]).status).toBe(0);
    const healthy = doctor(root);
    expect(healthy.report.findings).toEqual([]);
    expect(healthy.status).toBe(0);

    const gitDir = git(root, ['rev-parse', '--absolute-git-dir']).trim();
    const ticket = 'tickets/1/1002';
    const messages = readdirSync(path.join(root, ticket, 'messages'))
      .sort()
      .filter((name) => /^messageId: /m.test(readFileSync(path.join(root, ticket, 'messages', name), 'utf8')));
    // A message stored twice (committed), a ticket deleted by hand (a gap), the state behind the tickets.
    copyFileSync(path.join(root, ticket, 'messages', messages[0] as string), path.join(root, ticket, 'messages', '20991231T235959Z-dddd0001.md'));
    git(root, ['rm', '-q', '-r', 'tickets/1/1004']);
    writeFileSync(path.join(root, 'intake/state.yml'), readFileSync(path.join(root, 'intake/state.yml'), 'utf8').replace(/lastNumber: \d+/, 'lastNumber: 1001'));
    // An index shard lost by hand.
    const shardDir = path.join(root, 'intake/message-ids');
    const firstShard = path.join(readdirSync(shardDir).sort()[0] as string);
    const shardFile = readdirSync(path.join(shardDir, firstShard)).sort()[0] as string;
    git(root, ['rm', '-q', `intake/message-ids/${firstShard}/${shardFile}`]);
    git(root, ['add', '-A']);
    git(root, ['commit', '-q', '-m', 'hand edits']);
    // What a killed writer leaves in the checkout: an edited and an untracked file, a stale writer lock, an
    // old Git index lock, a temporary pack.
    writeFileSync(path.join(root, ticket, 'index.md'), 'half-written');
    writeFileSync(path.join(root, ticket, 'messages', '20991231T235959Z-eeee0002.md'), 'untracked');
    writeFileSync(path.join(gitDir, 'gitgus.lock'), `999999 ${os.hostname()} 2026-01-01T00:00:00Z gitgus intake (batch)\n`);
    writeFileSync(path.join(gitDir, 'index.lock'), '');
    utimesSync(path.join(gitDir, 'index.lock'), new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    mkdirSync(path.join(gitDir, 'objects', 'pack'), { recursive: true });
    writeFileSync(path.join(gitDir, 'objects', 'pack', 'tmp_pack_abc123'), 'partial');

    const sick = doctor(root);
    expect(sick.status).toBe(1);
    const checks = sick.report.findings.map((finding) => finding.check);
    expect(checks).toEqual(expect.arrayContaining(['work-tree', 'numbering', 'message-ids', 'index', 'locks']));
    expect(sick.report.findings.find((finding) => finding.check === 'message-ids')?.file).toBe(`${ticket}/messages/20991231T235959Z-dddd0001.md`);
    expect(sick.report.findings.some((finding) => finding.check === 'numbering' && finding.message.includes('#1004'))).toBe(true);

    const before = git(root, ['rev-parse', 'HEAD']).trim();
    const fixed = doctor(root, true);
    // One commit per repair of the helpdesk: the duplicate message, lastNumber, the index.
    const commits = git(root, ['log', '--format=%s', `${before}..HEAD`])
      .trim()
      .split('\n')
      .filter(Boolean);
    expect(commits).toHaveLength(3);
    expect(commits.every((subject) => subject.includes('doctor'))).toBe(true);
    expect(fixed.report.repaired).toHaveLength(5);
    // What is left needs a person: the gap (numbers are never reused).
    expect(fixed.report.findings.map((finding) => finding.check)).toEqual(['numbering']);
    expect(fixed.status).toBe(1);
    expect(uncleanPaths(root)).toEqual([]);
    expect(leftovers(root)).toEqual([]);
    expect(git(root, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
    expect(readFileSync(path.join(root, 'intake/state.yml'), 'utf8')).toMatch(/lastNumber: 1005\n/);
  });

  it('decides from facts alone: a helpdesk intake never ran in has no index yet, and that is no problem', () => {
    const facts: DoctorFacts = {
      status: [],
      tickets: [{ folder: 'tickets/1/1001', number: 1001, stated: 1001 }],
      numberingStart: 1000,
      lastNumber: undefined,
      stored: [{ messageId: 'a@b', idHash: 'x', ticket: 1001, file: 'tickets/1/1001/index.md' }],
      index: [],
      locks: [],
    };
    expect(diagnose(facts)).toEqual([]);
    expect(diagnose({ ...facts, lastNumber: 1001 }).map((finding) => finding.check)).toEqual(['index']);
    expect(diagnose({ ...facts, tickets: [...facts.tickets, { folder: 'tickets/1/1003', number: 1003, stated: 1004 }] }).map((finding) => finding.message)).toEqual([
      'number: 1004 in a folder named 1003',
      'ticket numbers missing between #1001 and #1003: #1002',
    ]);
  });
});
