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
import { deliver, leftovers, makeMaildir, newTicketMail, runIntakeProcess, uncleanPaths, unprocessed } from './fault-helpers.ts';

afterAll(cleanupTemps);

describe('a push that stays refused', () => {
  it('retries with backoff until the time bound, then exits 75 with the mail untouched', async () => {
    const seed = makeSmallHelpdesk().dir;
    expect(runGitgus(['intake', '--reindex', '--root', seed]).status).toBe(0);
    const origin = path.join(tempDir('gitgus-refusing-'), 'helpdesk.git');
    git(seed, ['clone', '-q', '--bare', seed, origin]);
    // The origin refuses every push, as a branch that other writers keep moving would.
    const hook = path.join(origin, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "another writer moved main" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    const clone = path.join(tempDir('gitgus-refused-'), 'helpdesk');
    git(origin, ['clone', '-q', origin, clone]);
    const tip = git(clone, ['rev-parse', 'HEAD']).trim();
    const maildir = makeMaildir(path.join(tempDir('gitgus-refused-maildir-'), 'Maildir'));
    deliver(maildir, [newTicketMail('refused.1@fault.example', 'First'), newTicketMail('refused.2@fault.example', 'Second')]);
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
    expect(git(clone, ['rev-parse', 'HEAD']).trim()).toBe(tip);
    expect(uncleanPaths(clone)).toEqual([]);
    expect(leftovers(clone)).toEqual([]);
  }, 120_000);

  it('waits a random time under a cap that doubles with each refusal (full jitter)', () => {
    expect(backoffMs(1, () => 1)).toBe(100);
    expect(backoffMs(3, () => 1)).toBe(400);
    expect(backoffMs(30, () => 1)).toBe(2000);
    expect(backoffMs(5, () => 0)).toBe(0);
    expect(backoffMs(5, () => 0.5)).toBe(800);
  });
});
