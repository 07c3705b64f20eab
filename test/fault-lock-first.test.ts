/**
 * Every ticket-changing command takes the checkout's writer lock BEFORE it reads (issue 12): taking the lock
 * repairs what a writer killed between moving the branch and updating the work tree left behind, so the
 * command decides from what is committed. Each case leaves exactly that state (a real `gitgus` process
 * SIGKILLed at the `after-ref-update` fault point) and runs the next command on it; the result must equal
 * that of a twin checkout where the first command was never killed. A command that read first and locked
 * at its commit wrote the killed change's field back to its old value, or replied on a ticket the killed
 * change had verified. The lock must also be released however a command ends, in this process too.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ticketFile } from '../lib/core/edit.ts';
import { notify } from '../lib/notify/run.ts';
import { commitTicketChange } from '../lib/store/ticket-change.ts';
import { duplicateTicket } from '../lib/store/duplicate.ts';
import { runCli } from '../scripts/gitgus.ts';
import { addReply } from '../scripts/commands/reply.ts';
import { setFields } from '../scripts/commands/set.ts';
import { leftovers, runGitgusProcess, uncleanPaths } from './fault-helpers.ts';
import { cleanupTemps, git } from './helpers.ts';
import { ticket } from './notify-fixtures.ts';
import { commitAt, head, makeNotifyHelpdesk, startSmtpSink } from './notify-helpers.ts';

afterAll(cleanupTemps);

const ANNA = 'anna-kit';
const JANE = 'Jane Doe <jane@uni.test>';
const OPEN = 165101;
const SOLVED = 165102;

async function helpdesk(): Promise<string> {
  const dir = makeNotifyHelpdesk();
  await commitAt(dir, OPEN, 'ngi-de', { ticket: ticket({ number: OPEN, status: 'in progress', priority: 'less urgent', unit: 'ngi-de' }), at: '2026-12-01T09:00:00Z' });
  await commitAt(dir, SOLVED, 'ngi-de', { ticket: ticket({ number: SOLVED, status: 'solved', priority: 'less urgent', unit: 'ngi-de', solution: { qualifier: 'fixed', text: 'Done.' } }), at: '2026-12-01T10:00:00Z' });
  return dir;
}

/**
 * Two helpdesks in the same state; `args` runs in the twin as it is and in `dir` killed after the branch
 * moved, before the work tree followed.
 */
async function killedAfterRefUpdate(args: string[]): Promise<{ dir: string; twin: string }> {
  const twin = await helpdesk();
  const dir = await helpdesk();
  const done = await runGitgusProcess([...args, '--root', twin]);
  expect(done.status, done.stderr).toBe(0);
  const killed = await runGitgusProcess([...args, '--root', dir], { GITGUS_FAULT_PHASE: 'after-ref-update' });
  expect(killed.signal).toBe('SIGKILL');
  // The state the next command meets: the branch has the change, the work tree and index do not.
  expect(head(dir)).not.toBe(git(dir, ['rev-parse', 'HEAD~1']).trim());
  expect(uncleanPaths(dir).length).toBeGreaterThan(0);
  expect(leftovers(dir)).toEqual(expect.arrayContaining(['gitgus.lock', 'gitgus-intent']));
  return { dir, twin };
}

function ticketTree(dir: string): string[] {
  return git(dir, ['ls-tree', '-r', 'HEAD', '--', 'tickets']).trim().split('\n').filter(Boolean).sort();
}

function assertCleanAndUnlocked(dir: string): void {
  expect(uncleanPaths(dir)).toEqual([]);
  expect(git(dir, ['status', '--porcelain']).trim()).toBe('');
  expect(leftovers(dir)).toEqual([]);
}

describe('a ticket-changing command after a writer killed between the branch and the work tree', () => {
  it('gitgus set keeps the killed change (reads the repaired ticket), as the unkilled twin does', async () => {
    const { dir, twin } = await killedAfterRefUpdate(['set', String(OPEN), 'priority=urgent', '--actor', ANNA]);
    for (const root of [twin, dir]) await setFields({ root, number: OPEN, assignments: ['assignee=dieter-de'], actor: ANNA });
    expect(ticketTree(dir)).toEqual(ticketTree(twin));
    const state = git(dir, ['show', `HEAD:tickets/165/${OPEN}/index.md`]);
    expect(state).toMatch(/^priority: urgent$/m);
    expect(state).toMatch(/^assignee: dieter-de$/m);
    assertCleanAndUnlocked(dir);
  }, 60_000);

  it('gitgus reply refuses a ticket the killed command verified, as the unkilled twin does', async () => {
    const { dir, twin } = await killedAfterRefUpdate(['status', String(SOLVED), 'verified', '--actor', JANE]);
    const tips = [head(twin), head(dir)];
    for (const root of [twin, dir]) {
      await expect(addReply({ root, number: SOLVED, text: 'One more thing about the proxy.', actor: ANNA, now: new Date('2026-12-02T10:00:00Z') })).rejects.toMatchObject({ code: 'E_TICKET_CLOSED' });
    }
    expect([head(twin), head(dir)]).toEqual(tips);
    expect(ticketTree(dir)).toEqual(ticketTree(twin));
    // The refusal released the lock, and taking it had repaired the work tree.
    assertCleanAndUnlocked(dir);
    // The same through the CLI in this process: exit 1, the lock released.
    expect(await runCli(['reply', String(SOLVED), '--message', 'Still there?', '--actor', ANNA, '--root', dir])).toBe(1);
    assertCleanAndUnlocked(dir);
  }, 60_000);

  it('a writer that reads before the lock gets E_STALE_READ at its commit, and nothing is committed', async () => {
    const { dir, twin } = await killedAfterRefUpdate(['set', String(OPEN), 'priority=urgent', '--actor', ANNA]);
    const tip = head(dir);
    // Prepared from the stale work tree (priority less urgent), as the commands did before they locked first.
    const stale = ticket({ number: OPEN, status: 'in progress', priority: 'less urgent', unit: 'ngi-de', assignee: 'dieter-de' });
    const file = ticketFile({ ticket: stale, body: 'Since Monday all CMS pilot jobs fail with "proxy expired".' });
    await expect(commitTicketChange({ dir, number: OPEN, unit: 'ngi-de', subject: `#${OPEN} stale`, event: 'set', actor: { name: 'Anna Kit', email: 'anna@kit.test' }, files: [file] })).rejects.toMatchObject({ code: 'E_STALE_READ' });
    expect(head(dir)).toBe(tip);
    expect(git(dir, ['show', `HEAD:tickets/165/${OPEN}/index.md`])).toMatch(/^priority: urgent$/m);
    assertCleanAndUnlocked(dir);
    expect(ticketTree(dir)).toEqual(ticketTree(twin));
  }, 60_000);

  it('gitgus notify and gitgus duplicate take the lock first too, repair the checkout, and release the lock in this process', async () => {
    const { dir } = await killedAfterRefUpdate(['set', String(OPEN), 'priority=urgent', '--actor', ANNA]);
    // The two ticket commits of helpdesk(), and the killed command's commit after them.
    const since = git(dir, ['rev-parse', 'HEAD~3']).trim();
    const sink = await startSmtpSink();
    try {
      const result = await notify({ root: dir, since, env: sink.env, now: new Date('2026-12-02T10:00:00Z') });
      expect(result.sent.length).toBeGreaterThan(0);
    } finally {
      await sink.close();
    }
    assertCleanAndUnlocked(dir);
    const copies = await duplicateTicket({ root: dir, number: OPEN, units: 'dcache', actor: ANNA, now: new Date('2026-12-02T11:00:00Z') });
    expect(copies.copies.map((copy) => copy.action)).toEqual(['created']);
    expect(existsSync(path.join(git(dir, ['rev-parse', '--absolute-git-dir']).trim(), 'gitgus.lock'))).toBe(false);
    assertCleanAndUnlocked(dir);
  }, 60_000);
});
