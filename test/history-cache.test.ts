/**
 * The event history's cache by commit (lib/git/history-cache.ts) on real Git repositories: each answer
 * is compared with a full one-pass walk (lib/git/history-index.ts) of the same commit, and the way it
 * was made (cached, appended, full) is the one the rule says.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { readTicketEventsCached } from '../lib/git/history-cache.ts';
import { readTicketEvents } from '../lib/git/history-index.ts';
import { cleanupTemps, git, makeSmallHelpdesk, tempDir } from './helpers.ts';

afterAll(() => cleanupTemps());

/**
 * #1001–#1006, assigned, less urgent, each with a message (every status and priority commit below is a
 * change); a cache path not made yet; and the seconds since the epoch of the helpdesk's first commit, so
 * later commits can be dated around it.
 */
function sixTickets(): { dir: string; cache: string; start: number } {
  const dir = makeSmallHelpdesk(Array.from({ length: 6 }, () => ({ status: 'assigned', messages: [{ date: '2026-11-03T10:00:00Z', text: 'Any news?' }] }))).dir;
  return { dir, cache: path.join(tempDir('gitgus-history-'), 'history.bin'), start: Number(git(dir, ['log', '-1', '--format=%ct']).trim()) };
}

/** Sets a front-matter field of a ticket and commits it, dated `at` (seconds since the epoch). */
function commitField(dir: string, number: number, field: string, value: string, at: number, message = `${field} of #${number}`): void {
  const file = path.join(dir, 'tickets', String(Math.floor(number / 1000)), String(number), 'index.md');
  const text = readFileSync(file, 'utf8');
  const changed = text.replace(new RegExp(`^${field}: .*$`, 'm'), `${field}: ${value}`);
  expect(changed).not.toBe(text);
  writeFileSync(file, changed);
  commitAt(dir, ['commit', '-q', '-am', message], at);
}

function commitAt(dir: string, args: string[], at: number): void {
  const date = `@${at} +0000`;
  const result = spawnSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
}

/** The cached answer next to a full walk of the same HEAD: the events must be equal. */
async function readBoth(dir: string, cache: string, key = 'k1') {
  const cached = await readTicketEventsCached(dir, cache, key);
  const full = await readTicketEvents(dir);
  expect(cached.events).toEqual(full);
  expect(cached.tip).toBe(git(dir, ['rev-parse', 'HEAD']).trim());
  return cached;
}

const statusEvents = (events: Map<number, { type: string }[]>, number: number) => (events.get(number) ?? []).filter((event) => event.type === 'status').length;

/** The shard files beside a tip file: shard → { name, bytes, mtime }. */
function shardFiles(cache: string): Map<number, { name: string; bytes: Buffer; mtimeMs: number }> {
  const dir = `${cache}.shards`;
  return new Map(readdirSync(dir).map((name) => [Number(name.split('-')[0]), { name, bytes: readFileSync(path.join(dir, name)), mtimeMs: statSync(path.join(dir, name)).mtimeMs }]));
}

describe('history cache by commit', () => {
  it('is taken as it is at the same tip, appended for new commits, and equal to a full walk', async () => {
    const { dir, cache, start } = sixTickets();
    const first = await readBoth(dir, cache);
    expect(first.walk).toBe('full');
    expect(first.reason).toBe('no history cache');
    expect((await readBoth(dir, cache)).walk).toBe('cached');

    commitField(dir, 1003, 'status', 'on hold', start + 100);
    const appended = await readBoth(dir, cache);
    expect(appended.walk).toBe('appended');
    expect(statusEvents(appended.events, 1003)).toBe(statusEvents(first.events, 1003) + 1);

    // Two new commits to the same ticket: appended in the walk's order, as a full walk has them.
    commitField(dir, 1003, 'status', 'in progress', start + 200);
    commitField(dir, 1003, 'priority', 'urgent', start + 300);
    expect((await readBoth(dir, cache)).walk).toBe('appended');
    expect((await readBoth(dir, cache)).walk).toBe('cached');
  }, 60_000);

  it('walks everything again after a rewritten history (amend, reset)', async () => {
    const { dir, cache, start } = sixTickets();
    commitField(dir, 1002, 'status', 'on hold', start + 100);
    expect((await readBoth(dir, cache)).walk).toBe('full');

    // Amend: the cached tip still exists (reflog) but is no longer an ancestor of HEAD.
    const file = path.join(dir, 'tickets/1/1002/index.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^status: .*$/m, 'status: in progress'));
    git(dir, ['add', '-A']);
    commitAt(dir, ['commit', '-q', '--amend', '-m', 'amended'], start + 150);
    const amended = await readBoth(dir, cache);
    expect(amended.walk).toBe('full');
    expect(amended.reason).toMatch(/is not an ancestor of HEAD \(history rewritten\)/);

    // Reset to before the change: the change's events are gone, as in a full walk.
    const beforeReset = amended.events;
    git(dir, ['reset', '-q', '--hard', 'HEAD~1']);
    const reset = await readBoth(dir, cache);
    expect(reset.walk).toBe('full');
    expect(reset.reason).toMatch(/not an ancestor/);
    expect(statusEvents(reset.events, 1002)).toBe(statusEvents(beforeReset, 1002) - 1);
  }, 60_000);

  it('walks everything when a new commit is dated before the cached tip', async () => {
    const { dir, cache, start } = sixTickets();
    commitField(dir, 1004, 'status', 'on hold', start + 1000);
    expect((await readBoth(dir, cache)).walk).toBe('full');
    // A commit made on a machine whose clock is behind: a full walk orders it among the old ones.
    commitField(dir, 1004, 'status', 'in progress', start + 500);
    const older = await readBoth(dir, cache);
    expect(older.walk).toBe('full');
    expect(older.reason).toBe('a new commit is dated before the cached one');
  }, 60_000);

  it('gives a full walk’s answer after merging a side branch', async () => {
    const { dir, cache, start } = sixTickets();
    expect((await readBoth(dir, cache)).walk).toBe('full');
    // A side branch from the cached tip, main moves on, then a merge: every new commit is newer than the tip.
    git(dir, ['checkout', '-q', '-b', 'side']);
    commitField(dir, 1005, 'status', 'in progress', start + 100, 'side: status');
    git(dir, ['checkout', '-q', 'main']);
    commitField(dir, 1003, 'priority', 'top priority', start + 200, 'main: priority');
    commitAt(dir, ['merge', '-q', '--no-ff', '--no-edit', 'side'], start + 300);
    const merged = await readBoth(dir, cache);
    expect(merged.walk).toBe('appended');

    // A side branch holding a commit older than the tip, merged later: the full walk's answer again.
    git(dir, ['checkout', '-q', '-b', 'late', 'HEAD~1']);
    commitField(dir, 1006, 'status', 'on hold', start + 250, 'late: status');
    git(dir, ['checkout', '-q', 'main']);
    commitAt(dir, ['merge', '-q', '--no-ff', '--no-edit', 'late'], start + 400);
    const late = await readBoth(dir, cache);
    expect(late.walk).toBe('full');
    expect(late.reason).toBe('a new commit is dated before the cached one');
  }, 60_000);

  it('walks everything for a cache of other code, another version, or a torn file', async () => {
    const { dir, cache } = sixTickets();
    expect((await readBoth(dir, cache, 'code-a')).walk).toBe('full');
    expect((await readBoth(dir, cache, 'code-a')).walk).toBe('cached');
    const otherCode = await readBoth(dir, cache, 'code-b');
    expect(otherCode.walk).toBe('full');
    expect(otherCode.reason).toBe('history cache made by other code');

    const stored = deserialize(readFileSync(cache)) as { version: number };
    writeFileSync(cache, serialize({ ...stored, version: stored.version + 1 }));
    const otherVersion = await readBoth(dir, cache, 'code-b');
    expect(otherVersion.walk).toBe('full');
    expect(otherVersion.reason).toMatch(/^history cache of version \d+, this is \d+$/);

    writeFileSync(cache, readFileSync(cache).subarray(0, 100));
    const torn = await readBoth(dir, cache, 'code-b');
    expect(torn.walk).toBe('full');
    expect(torn.reason).toBe('no history cache');
    expect((await readBoth(dir, cache, 'code-b')).walk).toBe('cached');
  }, 60_000);

  it('keeps one file per ticket shard: an append rewrites only the shards its commits touched, a one-ticket read opens one file', async () => {
    const { dir, cache, start } = sixTickets();
    // A second shard: ticket #999 in tickets/0/ (a copy of #1003 under its own number).
    cpSync(path.join(dir, 'tickets/1/1003'), path.join(dir, 'tickets/0/999'), { recursive: true });
    const index = path.join(dir, 'tickets/0/999/index.md');
    writeFileSync(index, readFileSync(index, 'utf8').replace(/^number: 1003$/m, 'number: 999'));
    git(dir, ['add', '-A']);
    commitAt(dir, ['commit', '-q', '-m', 'ticket #999'], start + 50);
    const first = await readBoth(dir, cache);
    expect(first.walk).toBe('full');
    expect(first.written).toEqual([0, 1]);
    const before = shardFiles(cache);
    expect([...before.keys()].sort()).toEqual([0, 1]);

    await new Promise((resolve) => setTimeout(resolve, 20));
    commitField(dir, 1003, 'status', 'on hold', start + 100);
    const appended = await readBoth(dir, cache);
    expect(appended.walk).toBe('appended');
    expect(appended.written).toEqual([1]);
    const after = shardFiles(cache);
    // Shard 0: the same file, untouched (name, bytes, mtime); shard 1: a new file, the old one removed.
    expect(after.get(0)).toEqual(before.get(0));
    expect(after.get(1)?.name).not.toBe(before.get(1)?.name);
    expect(after.get(1)?.bytes.equals(before.get(1)?.bytes ?? Buffer.alloc(0))).toBe(false);
    expect(readdirSync(`${cache}.shards`)).toHaveLength(2);

    // One ticket's events read its shard's file alone: with shard 1's file gone, #999 is still cached.
    rmSync(path.join(`${cache}.shards`, after.get(1)?.name ?? ''));
    const one = await readTicketEventsCached(dir, cache, 'k1', { tickets: [999] });
    expect(one.walk).toBe('cached');
    expect([...one.events.keys()]).toEqual([999]);
    expect(one.events).toEqual(await readTicketEvents(dir, { tickets: [999] }));
    // Everything needs shard 1 too: its missing file means a full walk, and the answer is still right.
    const missing = await readBoth(dir, cache);
    expect(missing.walk).toBe('full');
    expect(missing.reason).toBe('a history cache shard file is missing or torn');
    expect((await readBoth(dir, cache)).walk).toBe('cached');
  }, 60_000);
});
