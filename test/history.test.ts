import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEventLog, readTicketEvents } from '../lib/git/history-index.ts';
import { addReply } from '../scripts/commands/reply.ts';
import { setFields } from '../scripts/commands/set.ts';
import { cleanupTemps, git, makeSmallHelpdesk, runGitgus, tempDir } from './helpers.ts';

afterAll(cleanupTemps);

describe('one-pass history index over a real repository', () => {
  let dir = '';
  let firstCommit = '';
  let webCommit = '';

  beforeAll(async () => {
    // #1001 at CIC, #1002 at GGUS, #1003 never touched after the first commit.
    dir = makeSmallHelpdesk([
      { status: 'assigned', unit: 'cic' },
      { status: 'in progress', unit: 'ggus' },
      { status: 'in progress', unit: 'ngi-de' },
    ]).dir;
    firstCommit = git(dir, ['rev-parse', 'HEAD']).trim();
    await setFields({ root: dir, number: 1001, assignments: ['status=in progress', 'priority=urgent'], actor: 'Claire Cic <claire-cic@grid.example>' });
    await addReply({ root: dir, number: 1001, text: 'Looking at the APEL logs now.', actor: 'Claire Cic <claire-cic@grid.example>' });
    await addReply({ root: dir, number: 1002, text: 'Internal: waiting for the site admin.', internal: true, actor: 'Anna Kit <anna-kit@grid.example>' });
    // A GitHub web-editor commit: plain message, no trailers, author with a no-reply address.
    const file = path.join(dir, 'tickets/1/1001/index.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('unit: cic', 'unit: ngi-it'));
    git(dir, ['add', '-A']);
    git(dir, ['-c', 'user.name=Giulia', '-c', 'user.email=4242+giulia-infn@users.noreply.github.com', 'commit', '-q', '-m', 'Update index.md']);
    webCommit = git(dir, ['rev-parse', 'HEAD']).trim();
  });

  it('reads every ticket in one pass, oldest event first', async () => {
    const events = await readTicketEvents(dir);
    expect(events.size).toBe(3);
    const ticket = events.get(1001) ?? [];
    expect(ticket[0]?.type).toBe('created');
    expect(ticket.map((e) => e.type).slice(-4)).toEqual(['status', 'priority', 'message', 'assigned']);
  });

  it('derives events from web-editor commits that carry no trailers', async () => {
    const ticket = (await readTicketEvents(dir)).get(1001) ?? [];
    const assigned = ticket.find((e) => e.type === 'assigned');
    expect(assigned).toMatchObject({ from: 'cic', to: 'ngi-it', commit: webCommit, actor: { name: 'Giulia', github: 'giulia-infn' } });
  });

  it('records internal notes as internal', async () => {
    const ticket = (await readTicketEvents(dir, { tickets: [1002] })).get(1002) ?? [];
    expect(ticket.at(-1)).toMatchObject({ type: 'message', visibility: 'internal', author: { role: 'supporter', unit: 'ngi-de' } });
  });

  it('reads only the asked tickets and only commits after `since`', async () => {
    const some = await readTicketEvents(dir, { tickets: [1001, 1002], since: firstCommit });
    expect([...some.keys()].sort()).toEqual([1001, 1002]);
    expect(some.get(1001)?.map((e) => e.type)).toEqual(['status', 'priority', 'message', 'assigned']);
    const log = await readEventLog(dir, { since: firstCommit });
    expect(log.map((e) => `${e.ticket} ${e.type}`)).toEqual(['1001 status', '1001 priority', '1001 message', '1002 message', '1001 assigned']);
    // Many tickets: the walk covers everything and filters in Node.
    const many = await readTicketEvents(dir, { tickets: Array.from({ length: 300 }, (_, i) => 1000 + i), since: firstCommit });
    expect([...many.keys()].sort()).toEqual([1001, 1002]);
  });

  it('refuses an unknown since commit with a hint', async () => {
    await expect(readTicketEvents(dir, { since: 'no-such-ref' })).rejects.toMatchObject({ code: 'E_GIT_REF' });
  });

  it('agrees with native git log on which commits touched a ticket', async () => {
    const commits = new Set(((await readTicketEvents(dir)).get(1001) ?? []).map((e) => e.commit));
    const native = git(dir, ['log', '--format=%H', '--', 'tickets/1/1001']).trim().split('\n');
    expect([...commits].sort()).toEqual(native.sort());
  });

  it('gitgus history prints the events with actors, and --json the same data', () => {
    const text = runGitgus(['history', '1001', '--root', dir]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('status assigned → in progress');
    expect(text.stdout).toContain('assigned cic → ngi-it  — @giulia-infn');
    const json = runGitgus(['history', '#1001', '--root', dir, '--json']);
    const events = JSON.parse(json.stdout) as { type: string }[];
    expect(events.map((e) => e.type)).toContain('assigned');
    const missing = runGitgus(['history', '999999', '--root', dir]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('gitgus list');
  });

  it('a repository without commits has no events', async () => {
    const empty = tempDir();
    git(empty, ['init', '-q', '-b', 'main']);
    expect((await readTicketEvents(empty)).size).toBe(0);
  });
});
