import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEventLog, readTicketEvents } from '../lib/git/history-index.ts';
import { addReply } from '../scripts/commands/reply.ts';
import { setFields } from '../scripts/commands/set.ts';
import { cleanupTemps, git, makeHelpdesk, runGitgus, tempDir } from './helpers.ts';

afterAll(cleanupTemps);

describe('one-pass history index over a real repository', () => {
  let dir = '';
  let firstCommit = '';
  let webCommit = '';

  beforeAll(async () => {
    dir = makeHelpdesk();
    firstCommit = git(dir, ['rev-parse', 'HEAD']).trim();
    await setFields({ root: dir, number: 165012, assignments: ['status=in progress', 'priority=urgent'], actor: 'Claire Cic <claire-cic@grid.example>' });
    await addReply({ root: dir, number: 165012, text: 'Looking at the APEL logs now.', actor: 'Claire Cic <claire-cic@grid.example>' });
    await addReply({ root: dir, number: 165013, text: 'Internal: waiting for the site admin.', internal: true, actor: 'Anna Kit <anna-kit@grid.example>' });
    // A GitHub web-editor commit: plain message, no trailers, author with a no-reply address.
    const file = path.join(dir, 'tickets/165/165012/index.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('unit: cic', 'unit: ngi-it'));
    git(dir, ['add', '-A']);
    git(dir, ['-c', 'user.name=Giulia', '-c', 'user.email=4242+giulia-infn@users.noreply.github.com', 'commit', '-q', '-m', 'Update index.md']);
    webCommit = git(dir, ['rev-parse', 'HEAD']).trim();
  });

  it('reads every ticket in one pass, oldest event first', async () => {
    const events = await readTicketEvents(dir);
    expect(events.size).toBe(48);
    const ticket = events.get(165012) ?? [];
    expect(ticket[0]?.type).toBe('created');
    expect(ticket.map((e) => e.type).slice(-4)).toEqual(['status', 'priority', 'message', 'assigned']);
  });

  it('derives events from web-editor commits that carry no trailers', async () => {
    const ticket = (await readTicketEvents(dir)).get(165012) ?? [];
    const assigned = ticket.find((e) => e.type === 'assigned');
    expect(assigned).toMatchObject({ from: 'cic', to: 'ngi-it', commit: webCommit, actor: { name: 'Giulia', github: 'giulia-infn' } });
  });

  it('records internal notes as internal', async () => {
    const ticket = (await readTicketEvents(dir, { tickets: [165013] })).get(165013) ?? [];
    expect(ticket.at(-1)).toMatchObject({ type: 'message', visibility: 'internal', author: { role: 'supporter', unit: 'ngi-de' } });
  });

  it('reads only the asked tickets and only commits after `since`', async () => {
    const some = await readTicketEvents(dir, { tickets: [165012, 165013], since: firstCommit });
    expect([...some.keys()].sort()).toEqual([165012, 165013]);
    expect(some.get(165012)?.map((e) => e.type)).toEqual(['status', 'priority', 'message', 'assigned']);
    const log = await readEventLog(dir, { since: firstCommit });
    expect(log.map((e) => `${e.ticket} ${e.type}`)).toEqual(['165012 status', '165012 priority', '165012 message', '165013 message', '165012 assigned']);
    // Many tickets: the walk covers everything and filters in Node.
    const many = await readTicketEvents(dir, { tickets: Array.from({ length: 300 }, (_, i) => 165000 + i), since: firstCommit });
    expect([...many.keys()].sort()).toEqual([165012, 165013]);
  });

  it('refuses an unknown since commit with a hint', async () => {
    await expect(readTicketEvents(dir, { since: 'no-such-ref' })).rejects.toMatchObject({ code: 'E_GIT_REF' });
  });

  it('agrees with native git log on which commits touched a ticket', async () => {
    const commits = new Set(((await readTicketEvents(dir)).get(165012) ?? []).map((e) => e.commit));
    const native = git(dir, ['log', '--format=%H', '--', 'tickets/165/165012']).trim().split('\n');
    expect([...commits].sort()).toEqual(native.sort());
  });

  it('gitgus history prints the events with actors, and --json the same data', () => {
    const text = runGitgus(['history', '165012', '--root', dir]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('status assigned → in progress');
    expect(text.stdout).toContain('assigned cic → ngi-it  — @giulia-infn');
    const json = runGitgus(['history', '#165012', '--root', dir, '--json']);
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
