/**
 * `gitgus check` with its verdict cache (lib/store/check-cache.ts): verdicts keyed by Git blob id are
 * reused for unchanged files, a changed file is parsed again (so a cache can never hide a problem), and
 * the answer equals the one of reading every file (a copy without Git), on worker threads too.
 */
import { appendFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkTree } from '../lib/store/check-tree.ts';
import { checkTicketFiles } from '../lib/store/check-cache.ts';
import { cleanupTemps, git, makeSmallHelpdesk, runGitgus, tempDir, type SmallMessage } from './helpers.ts';

afterAll(() => cleanupTemps());

const diary: SmallMessage[] = [
  { date: '2026-11-02T10:00:00Z', text: 'Still failing.' },
  { date: '2026-11-03T10:00:00Z', author: { name: 'Claire Cic', github: 'claire-cic', role: 'supporter', unit: 'cic' }, source: 'cli', text: 'Looking into it.' },
];

/** #1001–#1003 in shard 1, each with a diary: enough files that a reused verdict and a re-read one differ. */
function threeTickets(): string {
  return makeSmallHelpdesk([
    { status: 'assigned', unit: 'cic', messages: diary },
    { status: 'in progress', unit: 'alice', messages: diary },
    { status: 'solved', unit: 'cic', messages: diary },
  ]).dir;
}

/** The same helpdesk without Git: checked by reading every file (the path before the cache). */
function withoutGit(root: string): string {
  const copy = path.join(tempDir('gitgus-nogit-'), 'helpdesk');
  cpSync(root, copy, { recursive: true, filter: (source) => path.basename(source) !== '.git' });
  return copy;
}

describe('gitgus check with the verdict cache', () => {
  it('reuses the verdicts of unchanged files and finds a problem in a changed one, like a full read', async () => {
    const root = threeTickets();
    const first = await checkTree(root);
    expect(first.problems).toEqual([]);
    expect(first.reusedVerdicts).toBe(0);
    const again = await checkTree(root);
    const files = first.tickets + first.messages;
    expect(again.reusedVerdicts).toBe(files);
    expect({ ...again, reusedVerdicts: 0 }).toEqual(first);

    // An edit that breaks a message, not committed: Git's index has the old blob, the disk the new one.
    const messages = path.join(root, 'tickets/1/1001/messages');
    const name = readdirSync(messages)
      .filter((file) => file.endsWith('.md'))
      .sort()[0] as string;
    writeFileSync(path.join(messages, name), readFileSync(path.join(messages, name), 'utf8').replace(/^visibility: .*$/m, 'visibility: secret'));
    // And a ticket naming a unit that does not exist, committed.
    const index = path.join(root, 'tickets/1/1002/index.md');
    writeFileSync(index, readFileSync(index, 'utf8').replace(/^unit: .*$/m, 'unit: no-such-unit'));
    git(root, ['commit', '-q', '-am', 'break things']);
    const broken = await checkTree(root);
    expect(broken.reusedVerdicts).toBe(files - 2);
    expect(broken.problems.map((problem) => `${problem.file} ${problem.field ?? ''}`)).toEqual(['tickets/1/1001/messages/' + name + ' visibility', 'tickets/1/1002/index.md unit']);
    const plain = await checkTree(withoutGit(root));
    expect(plain.reusedVerdicts).toBeUndefined();
    expect(plain.problems).toEqual(broken.problems);
    expect({ ...plain, reusedVerdicts: broken.reusedVerdicts }).toEqual(broken);
  }, 60_000);

  it('parses on worker threads with the same verdicts as on the main thread', async () => {
    const root = threeTickets();
    const onThread = await checkTicketFiles(root, 'thread');
    const onWorkers = await checkTicketFiles(root, 'workers', { workerThreshold: 1 });
    expect(onWorkers?.parsed).toBe(onThread?.parsed);
    expect(onWorkers?.tickets).toEqual(onThread?.tickets);
    expect(onWorkers?.problems).toEqual(onThread?.problems);
  }, 60_000);
  it('takes unchanged shards whole by their tree id and lists only shards that changed, committed or not', async () => {
    const root = threeTickets();
    const first = await checkTicketFiles(root, 'k');
    expect(first).toMatchObject({ shardsListed: 1, shardsReused: 0, reused: 0, problems: [] });
    const again = await checkTicketFiles(root, 'k');
    expect(again).toMatchObject({ shardsListed: 0, shardsReused: 1, parsed: 0, reused: first?.parsed });
    expect(again?.tickets).toEqual(first?.tickets);

    // A new ticket in a new shard, not even added to Git: git status names it, only its shard is listed.
    const index = readFileSync(path.join(root, 'tickets/1/1001/index.md'), 'utf8').replace(/^number: .*$/m, 'number: 999');
    mkdirSync(path.join(root, 'tickets/0/999'), { recursive: true });
    writeFileSync(path.join(root, 'tickets/0/999/index.md'), index);
    const untracked = await checkTicketFiles(root, 'k');
    expect(untracked).toMatchObject({ shardsListed: 1, shardsReused: 1, parsed: 1, problems: [] });
    expect(untracked?.tickets.map((entry) => entry.ticket.number)).toEqual([999, ...(first?.tickets.map((entry) => entry.ticket.number) ?? [])]);

    // Committed: a tree id not seen yet, listed once more (its verdict is kept), then taken whole.
    git(root, ['add', '-A']);
    git(root, ['commit', '-q', '-m', 'a ticket in shard 0']);
    expect(await checkTicketFiles(root, 'k')).toMatchObject({ shardsListed: 1, shardsReused: 1, parsed: 0 });
    expect(await checkTicketFiles(root, 'k')).toMatchObject({ shardsListed: 0, shardsReused: 2, parsed: 0 });

    // A staged edit and a deletion in the work tree are found although HEAD's trees are cached.
    writeFileSync(path.join(root, 'tickets/0/999/index.md'), index.replace(/^status: .*$/m, 'status: no-such-status'));
    git(root, ['add', 'tickets/0/999/index.md']);
    rmSync(path.join(root, 'tickets/1/1002/index.md'));
    const edited = await checkTicketFiles(root, 'k');
    expect(edited).toMatchObject({ shardsListed: 2, shardsReused: 0 });
    expect(edited?.problems.map((problem) => `${problem.code} ${problem.file}`)).toEqual(['E_SCHEMA tickets/0/999/index.md', 'E_MISSING_FILE tickets/1/1002']);
    // Another schema key: nothing is reused.
    expect(await checkTicketFiles(root, 'other')).toMatchObject({ shardsReused: 0, reused: 0 });
  }, 60_000);

  it('checks the commit with --committed, without the work tree, and never lets an uncommitted edit be missed by the default check', async () => {
    const root = threeTickets();
    const clean = await checkTree(root);
    expect(clean.problems).toEqual([]);
    const problemsOf = (result: { problems: { code: string; file?: string }[] }) => result.problems.map((problem) => `${problem.code} ${problem.file}`);

    // An uncommitted edit that breaks a message: the default check finds it, --committed checks HEAD (fine).
    const messages = path.join(root, 'tickets/1/1001/messages');
    const name = readdirSync(messages)
      .filter((file) => file.endsWith('.md'))
      .sort()[0] as string;
    const broken = path.join(messages, name);
    const original = readFileSync(broken, 'utf8');
    writeFileSync(broken, original.replace(/^visibility: .*$/m, 'visibility: secret'));
    expect(problemsOf(await checkTree(root))).toEqual([`E_SCHEMA tickets/1/1001/messages/${name}`]);
    // From no cache at all, so every file is read: from Git's objects, not from the edited work tree.
    rmSync(path.join(root, '.git', 'gitgus'), { recursive: true, force: true });
    const ofHead = await checkTree(root, { committed: true });
    expect(ofHead).toMatchObject({ committed: true, reusedVerdicts: 0 });
    expect(ofHead.problems).toEqual([]);
    // The committed run put nothing of the work tree in the cache: the default check still sees the edit.
    expect(problemsOf(await checkTree(root))).toEqual([`E_SCHEMA tickets/1/1001/messages/${name}`]);
    const cli = runGitgus(['check', '--root', root, '--committed']);
    expect(cli.status).toBe(0);
    expect(runGitgus(['check', '--root', root]).status).toBe(1);

    // Committed, with a symbolic link committed as a message too: --committed reads Git's objects and
    // gives the default check's answer, from the cache and from nothing.
    symlinkSync('../index.md', path.join(messages, '20261201T000000Z-linked01.md'));
    git(root, ['add', '-A']);
    git(root, ['commit', '-q', '-m', 'a broken message and a link']);
    const expected = problemsOf(await checkTree(root));
    expect(expected).toEqual([`E_SCHEMA tickets/1/1001/messages/${name}`, 'E_NOT_REGULAR_FILE tickets/1/1001/messages/20261201T000000Z-linked01.md']);
    expect(problemsOf(await checkTree(root, { committed: true }))).toEqual(expected);
    rmSync(path.join(root, '.git', 'gitgus'), { recursive: true, force: true });
    const cold = await checkTree(root, { committed: true });
    expect(cold).toMatchObject({ committed: true, reusedVerdicts: 0 });
    expect(problemsOf(cold)).toEqual(expected);
    const onWorkers = await checkTicketFiles(root, 'committed-workers', { committed: true, workerThreshold: 1 });
    const onThread = await checkTicketFiles(root, 'work-tree', { workerThreshold: 1 });
    expect(onWorkers?.problems).toEqual(onThread?.problems);
    expect(onWorkers?.tickets).toEqual(onThread?.tickets);

    // helpdesk.yml and units/ are read from the work tree: edited there, --committed checks the work tree instead and says so.
    const unit = path.join(root, 'units', readdirSync(path.join(root, 'units')).filter((file) => file.endsWith('.md'))[0] as string);
    appendFileSync(unit, '\nAn uncommitted line.\n');
    const fallback = await checkTree(root, { committed: true });
    expect(fallback.committed).toBe(false);
    expect(fallback.notCommittedBecause).toBe(`${path.relative(root, unit)} differ from HEAD`);
    expect(problemsOf(fallback)).toEqual(expected);
    expect(runGitgus(['check', '--root', root, '--committed']).stderr).toContain(`checked the work tree, not HEAD: ${path.relative(root, unit)} differ from HEAD`);
  }, 90_000);
});
