/**
 * Crash safety of the writers other than mail intake (issue 12 point 1): `gitgus github sync` and
 * `gitgus tick` are killed with SIGKILL at each phase of the one write path they share with mail intake
 * (lib/git/commit.ts: objects written, before and after the compare-and-swap of the branch, half-way
 * through the work tree; GitHub intake also at start-up), each kill followed by a rerun of the same input.
 * The end state must equal that of a twin checkout where the same runs were never killed: every issue one
 * ticket, every comment one message, every due tick rule applied once, the work tree and index clean, no
 * lock, intent or temporary pack left. The seed is printed; GITGUS_FAULT_SEED=<seed> replays it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FaultPhase } from '../lib/fault.ts';
import { cleanupTemps, git, makeHelpdesk } from './helpers.ts';
import { leftovers, runGitgusProcess, seeded, uncleanPaths } from './fault-helpers.ts';
import { examplePayload, GitHubApiServer, restCommentFromWebhook, restIssueFromWebhook, type WebhookPayload } from './fixtures/github/api-server.ts';
import { ticket } from './notify-fixtures.ts';
import { commitAt, makeNotifyHelpdesk } from './notify-helpers.ts';

afterAll(cleanupTemps);

const REPO = 'Codertocat/Hello-World';
const COMMENTS_PER_ISSUE = 2;
/** The phases of the shared write path (lib/git/commit.ts) and how often one run meets them at most. */
const WRITE_PHASES: FaultPhase[] = ['objects-written', 'before-ref-update', 'after-ref-update', 'worktree'];

const seed = Number(process.env.GITGUS_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
process.stdout.write(`writers crash test seed ${seed} (replay: GITGUS_FAULT_SEED=${seed} npx vitest run test/fault-writers.test.ts)\n`);

/** Every committed file under tickets/ with its blob id, so two checkouts can be compared exactly. */
function ticketTree(dir: string): string[] {
  return git(dir, ['ls-tree', '-r', 'HEAD', '--', 'tickets']).trim().split('\n').filter(Boolean).sort();
}

function assertClean(dir: string): void {
  expect(git(dir, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
  expect(uncleanPaths(dir)).toEqual([]);
  expect(git(dir, ['status', '--porcelain']).trim()).toBe('');
  expect(leftovers(dir)).toEqual([]);
}

/** Runs `args` with a kill at `phase:nth` (the next run is the rerun); true when the kill happened, false when the run finished before reaching it. */
async function killThenRerun(args: string[], env: Record<string, string>, phase: FaultPhase, nth: number): Promise<boolean> {
  const killed = await runGitgusProcess(args, { ...env, GITGUS_FAULT_PHASE: `${phase}:${nth}` });
  if (killed.signal !== 'SIGKILL') {
    expect(killed.status, killed.stderr).toBe(0);
    return false;
  }
  return true;
}

describe('GitHub intake killed with SIGKILL, then run again', () => {
  let server: GitHubApiServer;
  beforeEach(async () => {
    server = await new GitHubApiServer().start();
    server.now = () => new Date('2026-11-27T10:00:00Z');
  });
  afterEach(async () => {
    await server.close();
  });

  function helpdeskTakingIssues(): string {
    const root = makeHelpdesk();
    const file = path.join(root, 'helpdesk.yml');
    writeFileSync(file, `${readFileSync(file, 'utf8')}issueRepository: ${REPO}\n`);
    git(root, ['commit', '-q', '-am', 'take issues from the example payloads repository']);
    return root;
  }

  it('stores every issue and comment once, as an unkilled twin does, ', async () => {
    const opened = examplePayload('issues', 'opened');
    const comment = restCommentFromWebhook(examplePayload('issue_comment', 'created').comment as NonNullable<WebhookPayload['comment']>);
    const env = { GITHUB_TOKEN: server.token, GITHUB_API_URL: server.url };
    const twin = helpdeskTakingIssues();
    const root = helpdeskTakingIssues();
    const args = (dir: string) => ['github', 'sync', '--since', '2019-01-01T00:00:00Z', '--no-publish', '--json', '--root', dir];

    const random = seeded(seed);
    const kills: Record<string, number> = {};
    let runs = 0;
    // Each round a new issue with its comments arrives (3 commits to make), and the run is killed at a
    // random one of them; the next round's run is the rerun of this one's input. Two kills per write phase, one at start-up.
    const phases: FaultPhase[] = ['start', ...WRITE_PHASES, ...WRITE_PHASES];
    for (const [round, phase] of phases.entries()) {
      const n = round + 1;
      server.addIssue(REPO, { ...restIssueFromWebhook(opened.issue), number: n, id: 5000 + n, title: `Crash test issue ${n}`, updated_at: `2026-11-27T09:${String(n).padStart(2, '0')}:00Z` });
      for (let c = 1; c <= COMMENTS_PER_ISSUE; c += 1) {
        const at = `2026-11-27T09:${String(n).padStart(2, '0')}:${String(c).padStart(2, '0')}Z`;
        server.addComment(REPO, n, { ...comment, id: 9000 + n * 10 + c, body: `Comment ${c} on issue ${n}.`, created_at: at, updated_at: at });
      }
      const nth = phase === 'start' ? 1 : 1 + Math.floor(random() * (1 + COMMENTS_PER_ISSUE));
      runs += 1;
      if (await killThenRerun(args(root), env, phase, nth)) kills[phase] = (kills[phase] ?? 0) + 1;
    }
    const twinRun = await runGitgusProcess(args(twin), env);
    expect(twinRun.status, twinRun.stderr).toBe(0);
    const last = await runGitgusProcess(args(root), env);
    expect(last.status, last.stderr).toBe(0);
    expect(last.stderr).not.toMatch(/\n\s+at /);
    const again = await runGitgusProcess(args(root), env);
    const actions = (JSON.parse(again.stdout) as { results: { action: string }[] }).results.map((r) => r.action);
    expect(new Set(actions)).toEqual(new Set(['duplicate']));

    const total = Object.values(kills).reduce((a, b) => a + b, 0);
    process.stdout.write(`writers/github: seed ${seed}, ${phases.length} issues + ${phases.length * COMMENTS_PER_ISSUE} comments, ${runs + 2} runs, ${total} SIGKILLs by phase ${JSON.stringify(kills)}; rerun: ${actions.length} items all duplicate\n`);
    expect(total).toBeGreaterThanOrEqual(6);
    // Same tickets, same messages, same bytes as the run that was never killed: nothing lost, nothing twice.
    expect(ticketTree(root)).toEqual(ticketTree(twin));
    expect(git(root, ['show', 'HEAD:intake/state.yml'])).toBe(git(twin, ['show', 'HEAD:intake/state.yml']));
    assertClean(root);
  }, 240_000);
});

describe('tick killed with SIGKILL, then run again', () => {
  async function tickHelpdesk(): Promise<string> {
    const dir = makeNotifyHelpdesk();
    const tom = { name: 'Tom Shift', email: 'tom@grid.test', github: 'tom-shift' };
    await commitAt(dir, 165001, 'ngi-de', { ticket: ticket({ number: 165001, status: 'assigned', priority: 'very urgent', unit: 'ngi-de' }), at: '2026-12-04T13:00:00Z', actor: tom });
    const b = ticket({ number: 165002, status: 'in progress', unit: 'ngi-de', priority: 'less urgent' });
    await commitAt(dir, 165002, 'ngi-de', { ticket: b, at: '2026-11-30T09:00:00Z', actor: tom });
    await commitAt(dir, 165002, 'ngi-de', { ticket: { ...b, status: 'waiting for reply' }, at: '2026-12-04T14:00:00Z' });
    await commitAt(dir, 165003, 'ngi-de', { ticket: ticket({ number: 165003, status: 'solved', unit: 'ngi-de', priority: 'less urgent', solution: { qualifier: 'fixed', text: 'Done.' } }), at: '2026-12-04T16:00:00Z' });
    return dir;
  }

  it('applies each due rule once (no second reminder or warning record), as an unkilled twin does', async () => {
    const twin = await tickHelpdesk();
    const dir = await tickHelpdesk();
    // Times at which the fixture's rules fall due (QoS warning, colour + reminder, reminder + auto-close).
    const times = ['2026-12-07T11:00:00Z', '2026-12-11T14:00:00Z', '2026-12-18T16:00:00Z'];
    const random = seeded(seed + 1);
    const kills: Record<string, number> = {};
    let runs = 0;
    for (const now of times) {
      const twinRun = await runGitgusProcess(['tick', '--now', now, '--root', twin]);
      expect(twinRun.status, twinRun.stderr).toBe(0);
      for (let k = 0; k < 3; k += 1) {
        const phase = WRITE_PHASES[Math.floor(random() * WRITE_PHASES.length)] as FaultPhase;
        runs += 1;
        // The first kill of each due time stops the first time the phase comes (the rules have work to do, so it
        // comes); later ones may pick the second time, which a run with one commit never reaches.
        const occurrence = k === 0 ? 1 : 1 + Math.floor(random() * 2);
        if (await killThenRerun(['tick', '--now', now, '--root', dir], {}, phase, occurrence)) kills[phase] = (kills[phase] ?? 0) + 1;
      }
      const last = await runGitgusProcess(['tick', '--now', now, '--root', dir, '--json']);
      runs += 1;
      expect(last.status, last.stderr).toBe(0);
      const rerun = await runGitgusProcess(['tick', '--now', now, '--root', dir, '--json']);
      runs += 1;
      expect((JSON.parse(rerun.stdout) as { changes: unknown[] }).changes).toEqual([]);
    }
    const total = Object.values(kills).reduce((a, b) => a + b, 0);
    process.stdout.write(`writers/tick: seed ${seed + 1}, ${times.length} due times, ${runs} runs, ${total} SIGKILLs by phase ${JSON.stringify(kills)}\n`);
    expect(total).toBeGreaterThanOrEqual(times.length);
    expect(ticketTree(dir)).toEqual(ticketTree(twin));
    expect(
      git(dir, ['log', '--format=%s', '-12'])
        .split('\n')
        .filter((s) => s.startsWith('#')),
    ).toEqual(
      git(twin, ['log', '--format=%s', '-12'])
        .split('\n')
        .filter((s) => s.startsWith('#')),
    );
    assertClean(dir);
  }, 240_000);
});
