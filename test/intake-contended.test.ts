/**
 * A run that cannot push within its time bound stops with exit status 75 (EX_TEMPFAIL), after retrying
 * with backoff (not a fixed three tries), and leaves every unpushed mail untouched at its source: the
 * Maildir keeps it in new/, nothing is acknowledged, the checkout is back at origin's tip and clean.
 */
import { chmodSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backoffMs } from '../lib/mail/run.ts';
import { cleanupTemps, git, makeSmallHelpdesk, runGitgus, tempDir } from './helpers.ts';
import { deliver, leftovers, makeMaildir, newTicketMail, runIntakeProcess, uncleanPaths, unprocessed, type PlannedMail } from './fault-helpers.ts';

afterAll(cleanupTemps);

/** A clone of an origin whose pre-receive hook is `hook`, and a Maildir holding `mails`. */
function helpdeskBehind(hook: string, mails: PlannedMail[]): { clone: string; maildir: string } {
  const seed = makeSmallHelpdesk().dir;
  expect(runGitgus(['intake', '--reindex', '--root', seed]).status).toBe(0);
  const origin = path.join(tempDir('gitgus-origin-'), 'helpdesk.git');
  git(seed, ['clone', '-q', '--bare', seed, origin]);
  writeFileSync(path.join(origin, 'hooks', 'pre-receive'), hook);
  chmodSync(path.join(origin, 'hooks', 'pre-receive'), 0o755);
  const clone = path.join(tempDir('gitgus-clone-'), 'helpdesk');
  git(origin, ['clone', '-q', origin, clone]);
  const maildir = makeMaildir(path.join(tempDir('gitgus-maildir-'), 'Maildir'));
  deliver(maildir, mails);
  return { clone, maildir };
}

describe('a push that stays refused', () => {
  it('retries with backoff until the time bound, then exits 75 with the mail untouched', async () => {
    // Another writer moves main during every push: the hook commits to it (outside the push's object
    // quarantine), so receive-pack then loses the ref lock — "[remote rejected] (failed to update ref)".
    const { clone, maildir } = helpdeskBehind(
      [
        '#!/bin/sh',
        'cat >/dev/null',
        'unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES',
        'moved=$(git -c user.name=other -c user.email=other@example commit-tree "main^{tree}" -p main -m "another writer")',
        'git update-ref refs/heads/main "$moved"',
        'exit 0',
        '',
      ].join('\n'),
      [newTicketMail('refused.1@fault.example', 'First'), newTicketMail('refused.2@fault.example', 'Second')],
    );
    const tip = git(clone, ['rev-parse', 'HEAD']).trim();
    const names = readdirSync(path.join(maildir, 'new')).sort();

    const run = await runIntakeProcess(['--maildir', maildir, '--push', '--root', clone], { GITGUS_PUSH_DEADLINE_SECONDS: '12' });
    expect(run.status, run.stderr).toBe(75);
    expect(run.stderr).toMatch(/refused \d+ times/);
    expect(run.stderr).toMatch(/Nothing is lost: 2 messages stay unacknowledged/);
    // More than three tries, each after a wait.
    expect((run.stderr.match(/push refused \(\d+\)/g) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(path.join(maildir, 'new')).sort()).toEqual(names);
    expect(unprocessed(maildir)).toBe(2);
    // The checkout followed the other writer (its empty commits) and holds nothing of its own.
    git(clone, ['merge-base', '--is-ancestor', tip, 'HEAD']);
    expect(
      git(clone, ['log', '--format=%an', `${tip}..HEAD`])
        .trim()
        .split('\n'),
    ).toEqual(expect.arrayContaining(['other']));
    expect(git(clone, ['log', '--format=%an', `${tip}..HEAD`])).not.toContain('gitgus');
    expect(uncleanPaths(clone)).toEqual([]);
    expect(leftovers(clone)).toEqual([]);
  }, 120_000);

  it('stops at once with E_PUSH when a hook declines the push (not another writer: retrying cannot help)', async () => {
    const { clone, maildir } = helpdeskBehind('#!/bin/sh\necho "pushes are closed for maintenance" >&2\nexit 1\n', [newTicketMail('declined.1@fault.example', 'First')]);

    const run = await runIntakeProcess(['--maildir', maildir, '--push', '--root', clone, '--json'], { GITGUS_PUSH_DEADLINE_SECONDS: '60' });
    expect(run.status, run.stderr).not.toBe(0);
    expect(run.status).not.toBe(75);
    expect(run.seconds).toBeLessThan(30);
    expect(run.stderr).not.toMatch(/push refused \(\d+\)/);
    expect(run.stdout + run.stderr).toContain('E_PUSH');
    expect(unprocessed(maildir)).toBe(1);
  }, 120_000);

  it('waits a random time under a cap that doubles with each refusal (full jitter)', () => {
    expect(backoffMs(1, () => 1)).toBe(100);
    expect(backoffMs(3, () => 1)).toBe(400);
    expect(backoffMs(30, () => 1)).toBe(2000);
    expect(backoffMs(5, () => 0)).toBe(0);
    expect(backoffMs(5, () => 0.5)).toBe(800);
  });

  it('sizes the wait by how long the refused attempt took, so writers refused together start again apart', () => {
    // An attempt of 1.6 s (unit 0.8 s): up to 1.6 s after the first refusal, capped at four units.
    expect(backoffMs(1, () => 1, 800)).toBe(1600);
    expect(backoffMs(2, () => 1, 800)).toBe(3200);
    expect(backoffMs(9, () => 1, 800)).toBe(3200);
    expect(backoffMs(1, () => 0.25, 800)).toBe(400);
  });
});
