import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LAUNCHER, cleanupTemps, git, makeHelpdesk, makeSmallHelpdesk, runGitgus } from './helpers.ts';

afterAll(cleanupTemps);

function state(dir: string) {
  return { head: git(dir, ['rev-parse', 'HEAD']).trim(), status: git(dir, ['status', '--porcelain']) };
}

describe('gitgus check', () => {
  it('passes on the example helpdesk and reports counts', () => {
    const dir = makeHelpdesk();
    const result = runGitgus(['check', '--root', dir]);
    expect(result.stderr).toMatch(/^ok: 48 tickets, \d+ messages, 20 units\.$/m);
    expect(result.status).toBe(0);
    const json = JSON.parse(runGitgus(['check', '--root', dir, '--json']).stdout) as { ok: boolean; tickets: number; problems: unknown[] };
    expect(json).toMatchObject({ ok: true, tickets: 48, problems: [] });
  });

  it('lists every problem with file and field, never a stack trace, and exits 1', () => {
    const { dir } = makeSmallHelpdesk([{}, {}, {}]);
    const index = path.join(dir, 'tickets/1/1001/index.md');
    writeFileSync(index, readFileSync(index, 'utf8').replace(/^status: .*$/m, 'status: done'));
    const other = path.join(dir, 'tickets/1/1002/index.md');
    writeFileSync(other, readFileSync(other, 'utf8').replace(/^unit: .*$/m, 'unit: nowhere'));
    git(dir, ['mv', 'tickets/1/1003', 'tickets/1/1903']);
    const result = runGitgus(['check', '--root', dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("tickets/1/1001/index.md: status: expected one of 'new'");
    expect(result.stderr).toContain("tickets/1/1002/index.md: unit: names unit 'nowhere', which has no file in units/");
    expect(result.stderr).toContain('tickets/1/1903/index.md: number: is 1003, which belongs in tickets/1/1003/');
    expect(result.stderr).toContain('3 problem(s)');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('finds a ticket in the wrong shard and a duplicated number', () => {
    const { dir } = makeSmallHelpdesk([{}, {}, {}]);
    mkdirSync(path.join(dir, 'tickets/0'));
    git(dir, ['mv', 'tickets/1/1002', 'tickets/0/1002']);
    const result = runGitgus(['check', '--root', dir, '--json']);
    expect(result.status).toBe(1);
    const { problems } = JSON.parse(result.stdout) as { problems: { file: string; hint?: string }[] };
    expect(problems).toEqual([expect.objectContaining({ file: 'tickets/0/1002/index.md', hint: 'The shard is the number divided by 1000: move the folder to tickets/1/1002/.' })]);
  });

  it('says where to go when the folder is not a helpdesk', () => {
    const result = runGitgus(['check', '--root', '/']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Could not find a helpdesk (helpdesk.yml)');
    expect(result.stderr).toContain('--root DIR');
  });
});

describe('gitgus list and show', () => {
  // Five tickets to filter: two share unit and VO but not priority; #1002 has a public message and an internal note.
  const { dir } = makeSmallHelpdesk([
    { status: 'new', unit: 'tpm' },
    {
      status: 'in progress',
      unit: 'cic',
      vo: 'alice',
      priority: 'urgent',
      messages: [
        { date: '2026-11-03T10:00:00Z', text: 'Any news?' },
        { date: '2026-11-03T11:00:00Z', author: { name: 'Claire Cic', github: 'claire-cic', role: 'supporter', unit: 'cic' }, visibility: 'internal', source: 'cli', text: 'Waiting for the site admin.' },
      ],
    },
    { status: 'assigned', unit: 'cic', vo: 'alice', priority: 'less urgent' },
    { status: 'solved', unit: 'ngi-de', vo: 'cms' },
    { status: 'waiting for reply', unit: 'ngi-de' },
  ]);

  it('filters by status, unit, VO and priority', () => {
    const all = JSON.parse(runGitgus(['list', '--root', dir, '--json']).stdout) as { number: number; status: string; unit: string; vo?: string; priority: string }[];
    expect(all).toHaveLength(5);
    expect(all[0]?.number).toBe(1005);
    const open = JSON.parse(runGitgus(['list', '--root', dir, '--status', 'open', '--json']).stdout) as typeof all;
    expect(open.length).toBeGreaterThan(0);
    expect(open.every((t) => ['new', 'assigned', 'in progress', 'waiting for reply', 'on hold', 'reopened'].includes(t.status))).toBe(true);
    const unit = all.find((t) => t.vo === 'alice' && t.priority === 'urgent')!;
    const narrowed = JSON.parse(runGitgus(['list', '--root', dir, '--unit', unit.unit, '--vo', unit.vo!, '--priority', unit.priority, '--json']).stdout) as typeof all;
    expect(narrowed.map((t) => t.number)).toEqual([1002]);
    expect(narrowed.every((t) => t.unit === unit.unit && t.vo === unit.vo && t.priority === unit.priority)).toBe(true);
    const text = runGitgus(['list', '--root', dir, '--status', 'solved']);
    expect(text.stdout).toMatch(/^#\d+\s+solved/m);
  });

  it('refuses a filter value no ticket can have', () => {
    const result = runGitgus(['list', '--root', dir, '--status', 'done']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("--status: 'done' is not a status");
  });

  it('shows a ticket with its conversation, the internal note marked, and its history', () => {
    const result = runGitgus(['show', '#1002', '--root', dir]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^#1002 {2}/);
    expect(result.stdout).toContain('[INTERNAL NOTE]');
    expect(result.stdout).toContain('── history (git) ──');
    expect(runGitgus(['show', '999', '--root', dir]).stderr).toContain('Could not find ticket #999');
  });
});

function field(dir: string, number: number, name: string): string {
  const text = readFileSync(path.join(dir, `tickets/${Math.floor(number / 1000)}/${number}/index.md`), 'utf8');
  return new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1] ?? '';
}

describe('gitgus set', () => {
  it('changes fields in one structured commit', () => {
    const { dir } = makeSmallHelpdesk([{ status: 'in progress', unit: 'ngi-de' }]);
    const from = field(dir, 1001, 'priority');
    const to = from === 'very urgent' ? 'urgent' : 'very urgent';
    const unit = field(dir, 1001, 'unit');
    const result = runGitgus(['set', '1001', `priority=${to}`, 'cc=a@x.example, b@x.example', '--root', dir, '--actor', 'arne-arc']);
    const subject = `#1001 priority: ${from} → ${to}; cc: — → a@x.example, b@x.example`;
    expect(result.stderr).toContain(subject);
    expect(result.status).toBe(0);
    const index = readFileSync(path.join(dir, 'tickets/1/1001/index.md'), 'utf8');
    expect(field(dir, 1001, 'priority')).toBe(to);
    expect(index).toContain('cc:\n  - a@x.example\n  - b@x.example\n');
    expect(git(dir, ['log', '-1', '--format=%s%n%(trailers)'])).toBe(`${subject}\nTicket: 1001\nUnit: ${unit}\nActor: arne-arc (GitHub)\nEvent: set\nChanged: priority, cc\n\n`);
    expect(git(dir, ['show', '--name-only', '--format=', 'HEAD']).trim()).toBe('tickets/1/1001/index.md');
    expect(git(dir, ['status', '--porcelain'])).toBe('');
  });

  it('refuses unknown fields, bad values and immutable fields, writing nothing', () => {
    const { dir } = makeSmallHelpdesk([{ status: 'in progress', unit: 'ngi-de' }]);
    const before = state(dir);
    const result = runGitgus(['set', '1001', 'colour=red', 'priority=asap', 'number=1', 'unit=nowhere', '--root', dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('colour: is not a ticket field gitgus set can change');
    expect(result.stderr).toContain("priority: expected one of 'less urgent' | 'urgent' | 'very urgent' | 'top priority', received 'asap'");
    expect(result.stderr).toContain('number: cannot be changed after the ticket is created');
    expect(result.stderr).toContain("unit: names unit 'nowhere'");
    expect(state(dir)).toEqual(before);
  });

  it('needs a solution to set solved', () => {
    const { dir } = makeSmallHelpdesk([{ status: 'in progress', unit: 'ngi-de' }]);
    const before = state(dir);
    const refused = runGitgus(['set', '1001', 'status=solved', '--root', dir]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('solution: is required to set status solved');
    expect(state(dir)).toEqual(before);
  });

  it('says so when nothing changes', () => {
    const { dir } = makeSmallHelpdesk([{ status: 'in progress', unit: 'ngi-de' }]);
    const result = runGitgus(['set', '1001', `priority=${field(dir, 1001, 'priority')}`, '--root', dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('already has these values');
  });
});

/** #1001 on hold at ARC, #1002 verified. */
function replyHelpdesk(): string {
  return makeSmallHelpdesk([
    { status: 'on hold', unit: 'arc' },
    { status: 'verified', unit: 'ngi-de' },
  ]).dir;
}

describe('gitgus reply', () => {
  it('adds a public message from --message and an internal note from standard input, one commit each', () => {
    const dir = replyHelpdesk();
    const head = git(dir, ['rev-parse', 'HEAD']).trim();
    expect(runGitgus(['reply', '1001', '-m', 'Could you resubmit a test job?', '--root', dir, '--actor', 'dieter-de']).status).toBe(0);
    const note = runGitgus(['reply', '1001', '--internal', '--root', dir, '--actor', 'dieter-de', '--json'], { input: 'Site admin is on leave.\n' });
    expect(note.status).toBe(0);
    const { file } = JSON.parse(note.stdout) as { file: string };
    const text = readFileSync(path.join(dir, file), 'utf8');
    expect(text).toContain('visibility: internal');
    expect(text).toContain('role: supporter\n  unit: ngi-de');
    expect(text.endsWith('---\nSite admin is on leave.\n')).toBe(true);
    expect(git(dir, ['rev-list', '--count', `${head}..HEAD`]).trim()).toBe('2');
    expect(git(dir, ['log', '-2', '--format=%s'])).toBe('#1001 internal note from dieter-de (supporter)\n#1001 message from dieter-de (supporter)\n');
    expect(git(dir, ['fsck', '--strict', '--no-progress'])).toBe('');
  });

  it('refuses a message on a verified or closed ticket', () => {
    const dir = replyHelpdesk();
    // `--status closed` means the closed meta-status; `verified` is one status.
    const verified = JSON.parse(runGitgus(['list', '--root', dir, '--status', 'verified', '--json']).stdout) as { number: number }[];
    const target = verified[0]?.number as number;
    const before = state(dir);
    const result = runGitgus(['reply', String(target), '-m', 'Still broken', '--root', dir, '--actor', 'dieter-de']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`#${target} is verified and accepts no further messages`);
    expect(state(dir)).toEqual(before);
  });

  it('refuses an empty message and an internal note from someone who is not a supporter', () => {
    const dir = replyHelpdesk();
    const before = state(dir);
    expect(runGitgus(['reply', '1001', '-m', '  ', '--root', dir]).stderr).toContain('the message is empty');
    const outsider = runGitgus(['reply', '1001', '-m', 'hi', '--internal', '--root', dir, '--actor', 'Eve <eve@evil.example>']);
    expect(outsider.status).toBe(1);
    expect(outsider.stderr).toContain('only supporters may write internal notes');
    expect(state(dir)).toEqual(before);
  });
});

describe('the command line itself', () => {
  it('runs from an MTA pipe or cron with the system Node (the launcher re-runs on the pinned Node 24)', () => {
    const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find((candidate) => existsSync(candidate));
    expect(systemNode, 'no system node found; install nodejs').toBeDefined();
    const { dir } = makeSmallHelpdesk([{ status: 'new' }]);
    const result = spawnSync(systemNode as string, [LAUNCHER, 'list', '--status', 'new', '--json'], { cwd: path.join(dir, 'tickets'), encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect((JSON.parse(result.stdout) as unknown[]).length).toBeGreaterThan(0);
  });

  it('shows help with examples for every command', () => {
    for (const command of ['check', 'show', 'list', 'set', 'reply']) {
      const result = runGitgus([command, '--help']);
      expect(result.status, command).toBe(0);
      expect(result.stdout, command).toContain('Examples:');
      expect(result.stdout, command).toContain('--root');
    }
    expect(runGitgus(['--help']).stdout).toContain('reply');
  });

  it('refuses an unknown command and a bad ticket number clearly', () => {
    const unknown = runGitgus(['frobnicate']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(runGitgus(['show', 'abc']).stderr).toContain("'abc' is not a ticket number");
  });
});
