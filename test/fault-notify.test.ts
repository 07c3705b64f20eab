/**
 * Crash safety of `gitgus notify` (issue 12): the process is SIGKILLed at each moment of its per-mail cycle
 * — after the SMTP server accepted a mail and before it is recorded (`sent`), with the state commit that
 * records it written but the ref not moved (`state-written`), right after the ref moved (`recorded`) — and
 * run again, over and over, until it finishes. Mails go to a real SMTP server on 127.0.0.1.
 *
 * The design is at-least-once (test/README.md): every planned mail arrives at least once, and a mail is
 * sent again only when a kill fell between its acceptance and its record (`sent`, `state-written`). Each mail is recorded on refs/gitgus/notify exactly once, and the final state (last
 * commit, daily counts, threads) equals that of an unkilled twin clone. The seed is printed;
 * GITGUS_FAULT_SEED=<seed> replays it.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NOTIFY_FAULT_PHASES } from '../lib/fault.ts';
import { NOTIFY_REF } from '../lib/notify/state.ts';
import { leftovers, runGitgusProcess, seeded, uncleanPaths } from './fault-helpers.ts';
import { cleanupTemps, git, tempDir } from './helpers.ts';
import { message, ticket } from './notify-fixtures.ts';
import { commitAt, head, makeNotifyHelpdesk, startSmtpSink, type SmtpSink } from './notify-helpers.ts';

afterAll(cleanupTemps);

const seed = Number(process.env.GITGUS_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
process.stdout.write(`notify crash test seed ${seed} (replay: GITGUS_FAULT_SEED=${seed} npx vitest run test/fault-notify.test.ts)\n`);

const JANE = { name: 'Jane Doe', email: 'jane@uni.test' };
const TOM = { name: 'Tom Shift', email: 'tom@grid.test', github: 'tom-shift' };
const TICKETS = [165201, 165202, 165203];
const KILLED_RUNS = 12;

/** Each ticket created, routed, answered and solved: 10 mails over 4 commits (test/notify-smtp.test.ts). */
async function ticketLives(dir: string): Promise<void> {
  for (const [index, number] of TICKETS.entries()) {
    const hour = String(9 + index).padStart(2, '0');
    const created = ticket({ number, status: 'new', unit: 'tpm', cc: ['boss@uni.test'], subscribers: ['watcher@lab.test'], title: `Jobs fail at site ${index}` });
    await commitAt(dir, number, 'tpm', { ticket: created, at: `2026-12-01T${hour}:00:00Z`, actor: JANE, subject: `#${number} created` });
    const assigned = { ...created, status: 'assigned' as const, unit: 'ngi-de' };
    await commitAt(dir, number, 'ngi-de', { ticket: assigned, at: `2026-12-01T${hour}:10:00Z`, actor: TOM });
    await commitAt(dir, number, 'ngi-de', { message: { message: message({ date: `2026-12-01T${hour}:20:00Z` }).message, body: `Could you resubmit a test job at site ${index}?` }, at: `2026-12-01T${hour}:20:00Z` });
    await commitAt(dir, number, 'ngi-de', { ticket: { ...assigned, status: 'solved' as const, solution: { qualifier: 'fixed' as const, text: 'Proxy renewed.' } }, at: `2026-12-01T${hour}:30:00Z` });
  }
}

function messageIds(mails: SmtpSink['received']): string[] {
  return mails.map((mail) => /^Message-ID:\s*<([^>\r\n]+)>/im.exec(mail.raw.toString('utf8'))?.[1] ?? '?');
}

interface StoredState {
  lastCommit: string;
  partial?: { commit: string; sent: string[] };
  sent: unknown;
  threads: unknown;
}

/** Every state on the ref, oldest first. */
function stateChain(dir: string): StoredState[] {
  return git(dir, ['rev-list', '--reverse', NOTIFY_REF])
    .split('\n')
    .filter(Boolean)
    .map((commit) => JSON.parse(git(dir, ['cat-file', 'blob', `${commit}:state.json`])) as StoredState);
}

/** How often each mail was newly recorded along the chain (added to the in-flight list of its commit). */
function recordCounts(chain: StoredState[]): Map<string, number> {
  const counts = new Map<string, number>();
  let previous: StoredState['partial'];
  for (const state of chain) {
    const before = new Set(previous?.commit === state.partial?.commit ? previous?.sent : []);
    for (const id of state.partial?.sent ?? []) if (!before.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
    previous = state.partial;
  }
  return counts;
}

describe('notify killed with SIGKILL between sending and recording, then run again', () => {
  let sink: SmtpSink;
  beforeEach(async () => {
    sink = await startSmtpSink();
  });
  afterEach(async () => {
    await sink.close();
  });

  it('sends every planned mail at least once, again only after a kill before its record, and records each once', async () => {
    const dir = makeNotifyHelpdesk();
    const since = head(dir);
    await ticketLives(dir);
    const twin = `${tempDir('gitgus-notify-twin-')}/helpdesk`;
    git(dir, ['clone', '-q', dir, twin]);

    const twinRun = await runGitgusProcess(['notify', '--since', since, '--root', twin], sink.env);
    expect(twinRun.status, twinRun.stderr).toBe(0);
    const planned = messageIds(sink.received.splice(0));
    expect(new Set(planned).size).toBe(planned.length);
    expect(planned.length).toBe(TICKETS.length * 10);

    const random = seeded(seed);
    const kills: Record<string, number> = {};
    let runs = 0;
    for (let k = 0; k < KILLED_RUNS; k += 1) {
      const phase = NOTIFY_FAULT_PHASES[k % NOTIFY_FAULT_PHASES.length] as string;
      const nth = 1 + Math.floor(random() * 3);
      runs += 1;
      const run = await runGitgusProcess(['notify', '--since', since, '--root', dir], { ...sink.env, GITGUS_FAULT_PHASE: `${phase}:${nth}` });
      if (run.signal === 'SIGKILL') kills[phase] = (kills[phase] ?? 0) + 1;
      else expect(run.status, run.stderr).toBe(0);
    }
    const last = await runGitgusProcess(['notify', '--since', since, '--root', dir, '--json'], sink.env);
    const again = await runGitgusProcess(['notify', '--since', since, '--root', dir, '--json'], sink.env);
    runs += 2;
    expect(last.status, last.stderr).toBe(0);
    expect(last.stderr).not.toMatch(/\n\s+at /);
    expect((JSON.parse(again.stdout) as { sent: unknown[] }).sent).toEqual([]);

    const received = messageIds(sink.received);
    const times = new Map<string, number>();
    for (const id of received) times.set(id, (times.get(id) ?? 0) + 1);
    const missing = planned.filter((id) => !times.has(id));
    const unplanned = received.filter((id) => !planned.includes(id));
    const resent = received.length - times.size;
    const chain = stateChain(dir);
    const records = recordCounts(chain);
    const recordedTwice = [...records].filter(([, count]) => count > 1).map(([id]) => id);
    const total = Object.values(kills).reduce((a, b) => a + b, 0);
    process.stdout.write(
      `notify crash: seed ${seed}, ${planned.length} planned mails over ${TICKETS.length * 4} commits, ${runs} runs, ${total} SIGKILLs by phase ${JSON.stringify(kills)}; ` +
        `${received.length} mails received (${resent} sent again), missing ${missing.length}, recorded twice ${recordedTwice.length}, ${chain.length} state commits\n`,
    );
    expect(total).toBeGreaterThanOrEqual(9);
    for (const phase of NOTIFY_FAULT_PHASES) expect(kills[phase] ?? 0, phase).toBeGreaterThan(0);
    // At least once: nothing lost, nothing unplanned.
    expect(missing).toEqual([]);
    expect(unplanned).toEqual([]);
    // Again only where a kill fell between the server's acceptance and the ref's move: every `sent` kill, and a
    // `state-written` kill when that state recorded a mail (it may also be the state that only moves lastCommit on).
    expect(resent).toBeGreaterThanOrEqual(kills.sent ?? 0);
    expect(resent).toBeLessThanOrEqual((kills.sent ?? 0) + (kills['state-written'] ?? 0));
    // Recorded exactly once each, and the state equals the unkilled twin's (no count or thread kept twice).
    expect(recordedTwice).toEqual([]);
    expect([...records.keys()].sort()).toEqual([...planned].sort());
    const final = chain[chain.length - 1] as StoredState;
    const twinFinal = stateChain(twin).pop() as StoredState;
    expect({ lastCommit: final.lastCommit, sent: final.sent, threads: final.threads, partial: final.partial }).toEqual({ lastCommit: twinFinal.lastCommit, sent: twinFinal.sent, threads: twinFinal.threads, partial: twinFinal.partial });
    expect(final.lastCommit).toBe(head(dir));
    expect(uncleanPaths(dir)).toEqual([]);
    expect(git(dir, ['status', '--porcelain']).trim()).toBe('');
    expect(leftovers(dir)).toEqual([]);
  }, 240_000);
});
