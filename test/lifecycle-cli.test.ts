import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTicket } from '../lib/core/documents.ts';
import type { Ticket } from '../lib/core/schema/ticket.ts';
import { readTicketEvents } from '../lib/git/history-index.ts';
import { relateTickets } from '../scripts/commands/relate.ts';
import { routeExisting } from '../scripts/commands/route.ts';
import { setFields } from '../scripts/commands/set.ts';
import { changeStatus } from '../scripts/commands/status.ts';
import { ticketIndexPath } from '../lib/core/paths.ts';
import { cleanupTemps, git, makeSmallHelpdesk, runGitgus } from './helpers.ts';

afterAll(cleanupTemps);

function ticketIn(dir: string, number: number): Ticket {
  const file = ticketIndexPath(number);
  return parseTicket(readFileSync(path.join(dir, file), 'utf8'), file).ticket;
}

/** Files of the last commit, and its subject and trailers. */
function lastCommit(dir: string): { files: string[]; message: string } {
  return {
    files: git(dir, ['show', '--name-only', '--format=', 'HEAD']).trim().split('\n').sort(),
    message: git(dir, ['log', '-1', '--format=%s%n%(trailers)']),
  };
}

// These test the lifecycle and routing rules, not the example: each builds the few tickets it needs (units,
// their supporters and the routing rules come from the example's units/).
describe('gitgus route', () => {
  it('--explain shows the decision and commits nothing; route commits it with the rule', async () => {
    // A user's ticket by mail, still at TPM: only the intake address decides, until it names a site to notify.
    const { dir } = makeSmallHelpdesk([{ status: 'new', unit: 'tpm', vo: 'atlas', site: 'FZK-LCG2', issue: 'Information System' }]);
    const head = git(dir, ['rev-parse', 'HEAD']);
    const explain = runGitgus(['route', '--explain', '1001', '--root', dir]);
    expect(explain.status).toBe(0);
    expect(explain.stdout).toContain('✔ ggus-intake-address');
    expect(explain.stdout).toContain('→ unit tpm by rule ggus-intake-address');
    expect(git(dir, ['rev-parse', 'HEAD'])).toBe(head);

    const file = path.join(dir, 'tickets/1/1001/index.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('site: ', 'notifySite: RAL-LCG2\nsite: '));
    git(dir, ['commit', '-qam', 'The submitter asked to notify RAL']);
    const result = await routeExisting({ root: dir, number: 1001, actor: 'tpm-shifter' });
    expect(result.decision).toMatchObject({ rule: 'notify-site-to-ngi', unit: 'ngi-uk' });
    expect(ticketIn(dir, 1001)).toMatchObject({ unit: 'ngi-uk', status: 'assigned' });
    const commit = lastCommit(dir);
    expect(commit.files).toEqual(['tickets/1/1001/index.md']);
    expect(commit.message).toContain('#1001 routed: tpm → ngi-uk by rule notify-site-to-ngi\n');
    expect(commit.message).toContain('Rule: notify-site-to-ngi\n');
    const events = (await readTicketEvents(dir, { tickets: [1001] })).get(1001) ?? [];
    expect(events.slice(-2).map((e) => e.type)).toEqual(['routed', 'status']);
    expect(events.at(-2)).toMatchObject({ type: 'routed', from: 'tpm', to: 'ngi-uk', rule: 'notify-site-to-ngi', actor: { github: 'tpm-shifter' } });
    await expect(routeExisting({ root: dir, number: 1001, actor: 'tpm-shifter' })).rejects.toMatchObject({ code: 'E_NO_CHANGE' });
  });

  it('a helpdesk without units/routing.yml routes by the GGUS defaults', () => {
    // A TEAM ticket naming a site to notify (IN2P3-CC, of NGI France).
    const { dir } = makeSmallHelpdesk([{ status: 'assigned', type: 'TEAM', unit: 'arc', vo: 'cms', site: 'IN2P3-CC', notifySite: 'IN2P3-CC', issue: 'Computing Services' }]);
    git(dir, ['rm', '-q', 'units/routing.yml']);
    git(dir, ['commit', '-qm', 'No routing rules']);
    const json = runGitgus(['route', '--explain', '1001', '--root', dir, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ticket: 1001, rule: 'ggus-team-alarm-site-ngi', unit: 'ngi-fr' });
  });
});

describe('gitgus assign, status, relate', () => {
  it('assign sets the unit and assigned in one commit; refuses unknown units and people who are not supporters', () => {
    const { dir, numbers } = makeSmallHelpdesk([{ status: 'in progress', unit: 'ngi-de' }]);
    const [n] = numbers as [number];
    const result = runGitgus(['assign', String(n), 'dcache', '--actor', 'tpm-shifter', '--root', dir]);
    expect(result.status, result.stderr).toBe(0);
    expect(ticketIn(dir, n)).toMatchObject({ unit: 'dcache', status: 'assigned' });
    expect(lastCommit(dir).message).toContain(`#${n} assigned: ngi-de → dcache\n`);
    expect(runGitgus(['assign', String(n), 'nowhere', '--root', dir]).stderr).toContain("there is no unit 'nowhere'");
    const refused = runGitgus(['assign', String(n), 'cms', '--actor', 'Jan Novak <jan.novak@cesnet.example>', '--root', dir]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('unit: only supporters and TPM assign tickets to a unit');
    expect(ticketIn(dir, n).unit).toBe('dcache');
  });

  it('status goes through the table: who, which transition, and the solution', async () => {
    const { dir, numbers } = makeSmallHelpdesk([{ status: 'assigned', unit: 'cic', vo: 'alice' }]);
    const [n] = numbers as [number];
    await expect(changeStatus({ root: dir, number: n, status: 'in progress', actor: 'arne-arc' })).rejects.toThrow('assigned → in progress may be made by a supporter of the responsible unit or TPM');
    await expect(changeStatus({ root: dir, number: n, status: 'solved', actor: 'claire-cic' })).rejects.toThrow('solution: is required to set status solved');
    await expect(changeStatus({ root: dir, number: n, status: 'done', actor: 'claire-cic' })).rejects.toThrow("'done' is not a status");
    const result = await changeStatus({ root: dir, number: n, status: 'solved', solution: 'APEL republished.', qualifier: 'fixed', actor: 'claire-cic' });
    expect(result).toMatchObject({ from: 'assigned', to: 'solved', effects: [] });
    expect(ticketIn(dir, n)).toMatchObject({ status: 'solved', solution: { qualifier: 'fixed', text: 'APEL republished.' } });
    await expect(changeStatus({ root: dir, number: n, status: 'verified', actor: 'claire-cic' })).rejects.toThrow('may be made by the submitter or a member of the VO team');
    const verified = runGitgus(['status', String(n), 'verified', '--actor', 'Sam Submitter <sam@uni.example>', '--root', dir]);
    expect(verified.status).toBe(0);
    expect(runGitgus(['status', String(n), 'reopened', '--actor', 'tpm-shifter', '--root', dir]).stderr).toContain('a verified ticket accepts no further change');
  });

  it('solving a master solves its duplicates and notes it on them, all in one commit', async () => {
    const { dir, numbers } = makeSmallHelpdesk([
      { status: 'in progress', unit: 'ngi-de' },
      { status: 'in progress', unit: 'network' },
    ]);
    const [slave, master] = numbers as [number, number];
    const related = await relateTickets({ root: dir, number: slave, kind: 'master', other: master, actor: 'nina-net' });
    expect(related).toMatchObject({ changed: [slave, master].sort((a, b) => a - b), effects: [{ ticket: slave, from: 'in progress', to: 'on hold' }] });
    const relateCommit = lastCommit(dir);
    expect(relateCommit.files).toHaveLength(3);
    expect(relateCommit.message).toContain(`#${slave} duplicate of #${master}\n`);
    expect(ticketIn(dir, master).relations).toEqual({ slaves: [slave] });

    await changeStatus({ root: dir, number: master, status: 'solved', solution: 'Dual-stack enabled.', actor: 'nina-net' });
    expect(ticketIn(dir, slave)).toMatchObject({ status: 'solved', solution: { qualifier: 'fixed', text: `Solved with its master #${master}: Dual-stack enabled.` } });
    const solveCommit = lastCommit(dir);
    expect(solveCommit.files.filter((file) => file.endsWith('index.md'))).toEqual([ticketIndexPath(master), ticketIndexPath(slave)].sort());
    expect(solveCommit.files.filter((file) => file.includes('/messages/'))).toHaveLength(1);
    const note = readFileSync(path.join(dir, solveCommit.files.find((file) => file.includes('/messages/')) as string), 'utf8');
    expect(note).toContain('role: system');
    expect(note).toContain(`Master ticket #${master} is solved; this duplicate is solved with it.`);
  });

  it('a parent waits on hold for its children and resumes when the last is solved', async () => {
    const { dir, numbers } = makeSmallHelpdesk([
      { status: 'in progress', unit: 'osg' },
      { status: 'in progress', unit: 'osg' },
    ]);
    const [parent, child] = numbers as [number, number];
    await relateTickets({ root: dir, number: child, kind: 'parent', other: parent, actor: 'oscar-osg' });
    expect(ticketIn(dir, parent)).toMatchObject({ status: 'on hold', relations: { children: [child] } });
    const solved = await changeStatus({ root: dir, number: child, status: 'solved', solution: 'Topology fixed.', actor: 'oscar-osg' });
    expect(solved.effects).toEqual([{ ticket: parent, from: 'on hold', to: 'in progress' }]);
    expect(ticketIn(dir, parent).status).toBe('in progress');
    const removed = runGitgus(['relate', String(child), '--parent', String(parent), '--remove', '--actor', 'oscar-osg', '--root', dir]);
    expect(removed.status).toBe(0);
    expect(ticketIn(dir, parent).relations).toBeUndefined();
    expect(runGitgus(['relate', String(child), '--root', dir]).stderr).toContain('give exactly one of --master, --parent or --related');
  });

  it('gitgus set goes through the lifecycle too: a new unit sets assigned; strangers are refused', async () => {
    const { dir, numbers } = makeSmallHelpdesk([{ status: 'in progress', unit: 'ngi-de' }]);
    const [n] = numbers as [number];
    const result = await setFields({ root: dir, number: n, assignments: ['unit=cms'], actor: 'dieter-de' });
    expect(result.changes.map((c) => c.field)).toEqual(['unit', 'status']);
    expect(ticketIn(dir, n)).toMatchObject({ unit: 'cms', status: 'assigned' });
    await expect(setFields({ root: dir, number: n, assignments: ['priority=urgent'], actor: 'mallory' })).rejects.toThrow('only supporters change tickets');
  });
});

describe('ticket type through gitgus set', () => {
  it('turns a TEAM ticket into an ALARM and refuses every other type change', async () => {
    // #1001 a USER ticket at NGI Germany, #1002 a TEAM ticket at LHCb.
    const { dir } = makeSmallHelpdesk([
      { status: 'in progress', unit: 'ngi-de' },
      { status: 'in progress', type: 'TEAM', unit: 'lhcb', vo: 'lhcb' },
    ]);
    await expect(setFields({ root: dir, number: 1001, assignments: ['type=TEAM'], actor: 'dieter-de' })).rejects.toThrow('a USER ticket cannot become TEAM: the type is fixed at creation');
    const result = await setFields({ root: dir, number: 1002, assignments: ['type=ALARM'], actor: 'luca-lhcb' });
    expect(result.changes).toMatchObject([{ field: 'type', from: 'TEAM', to: 'ALARM' }]);
    await expect(setFields({ root: dir, number: 1002, assignments: ['type=TEAM'], actor: 'luca-lhcb' })).rejects.toThrow('an ALARM ticket cannot become TEAM');
  });
});
