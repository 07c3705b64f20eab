/**
 * `gitgus check` with its verdict cache (lib/store/check-cache.ts): verdicts keyed by Git blob id are
 * reused for unchanged files, a changed file is parsed again (so a cache can never hide a problem), and
 * the answer equals the one of reading every file (a copy without Git), on worker threads too.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkTree } from '../lib/store/check-tree.ts';
import { checkTicketFiles } from '../lib/store/check-cache.ts';
import { cleanupTemps, git, makeHelpdesk, tempDir } from './helpers.ts';

afterAll(() => cleanupTemps());

/** The same helpdesk without Git: checked by reading every file (the path before the cache). */
function withoutGit(root: string): string {
  const copy = path.join(tempDir('gitgus-nogit-'), 'helpdesk');
  cpSync(root, copy, { recursive: true, filter: (source) => path.basename(source) !== '.git' });
  return copy;
}

describe('gitgus check with the verdict cache', () => {
  it('reuses the verdicts of unchanged files and finds a problem in a changed one, like a full read', async () => {
    const root = makeHelpdesk();
    const first = await checkTree(root);
    expect(first.problems).toEqual([]);
    expect(first.reusedVerdicts).toBe(0);
    const again = await checkTree(root);
    const files = first.tickets + first.messages;
    expect(again.reusedVerdicts).toBe(files);
    expect({ ...again, reusedVerdicts: 0 }).toEqual(first);

    // An edit that breaks a message, not committed: Git's index has the old blob, the disk the new one.
    const messages = path.join(root, 'tickets/165/165003/messages');
    const name = readdirSync(messages)
      .filter((file) => file.endsWith('.md'))
      .sort()[0] as string;
    writeFileSync(path.join(messages, name), readFileSync(path.join(messages, name), 'utf8').replace(/^visibility: .*$/m, 'visibility: secret'));
    // And a ticket naming a unit that does not exist, committed.
    const index = path.join(root, 'tickets/165/165004/index.md');
    writeFileSync(index, readFileSync(index, 'utf8').replace(/^unit: .*$/m, 'unit: no-such-unit'));
    git(root, ['commit', '-q', '-am', 'break things']);
    const broken = await checkTree(root);
    expect(broken.reusedVerdicts).toBe(files - 2);
    expect(broken.problems.map((problem) => `${problem.file} ${problem.field ?? ''}`)).toEqual(['tickets/165/165003/messages/' + name + ' visibility', 'tickets/165/165004/index.md unit']);
    const plain = await checkTree(withoutGit(root));
    expect(plain.reusedVerdicts).toBeUndefined();
    expect(plain.problems).toEqual(broken.problems);
    expect({ ...plain, reusedVerdicts: broken.reusedVerdicts }).toEqual(broken);
  }, 60_000);

  it('parses on worker threads with the same verdicts as on the main thread', async () => {
    const root = makeHelpdesk();
    const onThread = await checkTicketFiles(root, 'thread');
    const onWorkers = await checkTicketFiles(root, 'workers', { workerThreshold: 1 });
    expect(onWorkers?.parsed).toBe(onThread?.parsed);
    expect(onWorkers?.tickets).toEqual(onThread?.tickets);
    expect(onWorkers?.problems).toEqual(onThread?.problems);
  }, 60_000);
  it('takes unchanged shards whole by their tree id and lists only shards that changed, committed or not', async () => {
    const root = makeHelpdesk();
    const first = await checkTicketFiles(root, 'k');
    expect(first).toMatchObject({ shardsListed: 1, shardsReused: 0, reused: 0, problems: [] });
    const again = await checkTicketFiles(root, 'k');
    expect(again).toMatchObject({ shardsListed: 0, shardsReused: 1, parsed: 0, reused: first?.parsed });
    expect(again?.tickets).toEqual(first?.tickets);

    // A new ticket in a new shard, not even added to Git: git status names it, only its shard is listed.
    const index = readFileSync(path.join(root, 'tickets/165/165003/index.md'), 'utf8').replace(/^number: .*$/m, 'number: 164999');
    mkdirSync(path.join(root, 'tickets/164/164999'), { recursive: true });
    writeFileSync(path.join(root, 'tickets/164/164999/index.md'), index);
    const untracked = await checkTicketFiles(root, 'k');
    expect(untracked).toMatchObject({ shardsListed: 1, shardsReused: 1, parsed: 1, problems: [] });
    expect(untracked?.tickets.map((entry) => entry.ticket.number)).toEqual([164999, ...(first?.tickets.map((entry) => entry.ticket.number) ?? [])]);

    // Committed: a tree id not seen yet, listed once more (its verdict is kept), then taken whole.
    git(root, ['add', '-A']);
    git(root, ['commit', '-q', '-m', 'a ticket in shard 164']);
    expect(await checkTicketFiles(root, 'k')).toMatchObject({ shardsListed: 1, shardsReused: 1, parsed: 0 });
    expect(await checkTicketFiles(root, 'k')).toMatchObject({ shardsListed: 0, shardsReused: 2, parsed: 0 });

    // A staged edit and a deletion in the work tree are found although HEAD's trees are cached.
    writeFileSync(path.join(root, 'tickets/164/164999/index.md'), index.replace(/^status: .*$/m, 'status: no-such-status'));
    git(root, ['add', 'tickets/164/164999/index.md']);
    rmSync(path.join(root, 'tickets/165/165004/index.md'));
    const edited = await checkTicketFiles(root, 'k');
    expect(edited).toMatchObject({ shardsListed: 2, shardsReused: 0 });
    expect(edited?.problems.map((problem) => `${problem.code} ${problem.file}`)).toEqual(['E_SCHEMA tickets/164/164999/index.md', 'E_MISSING_FILE tickets/165/165004']);
    // Another schema key: nothing is reused.
    expect(await checkTicketFiles(root, 'other')).toMatchObject({ shardsReused: 0, reused: 0 });
  }, 60_000);
});
