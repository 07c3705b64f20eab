/**
 * Fault test 2 of 3 (issue 12): intake killed with SIGKILL at random points, chosen by phase — parse,
 * after the objects are written, just before and just after the branch moves, half-way through the work
 * tree, during `git push`, before the Maildir acknowledgement, at start-up — and run again on the same
 * Maildir each time until every mail is acknowledged. The kill comes from lib/fault.ts
 * (GITGUS_FAULT_PHASE): the process kills its own process group, Git children included.
 *
 * Then: every mail stored exactly once, numbers gap-free, replies on their parent's ticket, auto-replies
 * recorded as ignored and unusable mail quarantined (each once), `git fsck --strict` clean, the work tree
 * and index clean, no stale lock, no temporary pack left, local and origin at the same commit.
 *
 * The seed is printed; GITGUS_FAULT_SEED=<seed> replays the same kills.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FAULT_PHASES, type IntakeFaultPhase } from '../lib/fault.ts';
import { cleanupTemps, tempDir } from './helpers.ts';
import {
  checkExactlyOnce,
  checkoutDefects,
  countKind,
  deliver,
  extendStream,
  faultSeed,
  intakeRecords,
  kept,
  makeMaildir,
  promised,
  runIntakeProcess,
  unprocessed,
  workerCheckout,
  type MailKind,
  type PlannedMail,
  type StreamMix,
} from './fault-helpers.ts';

afterAll(cleanupTemps);

const MAILS = 24;
const KILLS = 30;

/** How often each phase is met per run (chunks of 4 mails), to pick which occurrence dies. */
const OCCURRENCES: Record<IntakeFaultPhase, number> = {
  start: 1,
  parse: 8,
  'objects-written': 2,
  'before-ref-update': 2,
  'after-ref-update': 2,
  worktree: 2,
  'before-push': 2,
  push: 2,
  'before-acknowledge': 2,
};

/** The stream: new tickets, replies to earlier ones, auto-replies (recorded as ignored), unusable mail (quarantined). */
const MIX: StreamMix = { prefix: 'crash', subject: 'Crash test problem', newBelow: 0.45, replyBelow: 0.8, autoReplyBelow: 0.9 };

describe('intake killed with SIGKILL at random phases, then run again on the same input', () => {
  it('stores every mail exactly once and leaves a clean checkout', async () => {
    const { seed, random } = faultSeed('crash test', 'test/fault-crash.test.ts');
    const checkout = workerCheckout('gitgus-crash');
    const { before, clone } = checkout;
    const maildir = makeMaildir(path.join(tempDir('gitgus-crash-maildir-'), 'Maildir'));
    const mails: PlannedMail[] = [];
    deliver(maildir, extendStream(mails, random, MAILS, MIX));

    const kills: Record<string, number> = {};
    const unmet: Record<string, number> = {};
    let runs = 0;
    let completed = 0;
    const args = ['--maildir', maildir, '--push', '--json', '--chunk-size', '4', '--root', clone];
    while (unprocessed(maildir) > 0 || (kills.total ?? 0) < KILLS) {
      expect(runs, `seed ${seed}: too many runs`).toBeLessThan(KILLS * 4);
      runs += 1;
      const wantKill = (kills.total ?? 0) < KILLS;
      const phase = FAULT_PHASES[Math.floor(random() * FAULT_PHASES.length)] as IntakeFaultPhase;
      const nth = 1 + Math.floor(random() * OCCURRENCES[phase]);
      const delay = phase === 'push' ? 1 + Math.floor(random() * 150) : 0;
      if (wantKill && unprocessed(maildir) === 0) {
        // Everything is in: more mail arrives, so the kills still to come hit real work.
        deliver(maildir, extendStream(mails, random, 8, MIX));
      }
      const env: Record<string, string> = wantKill ? { GITGUS_FAULT_PHASE: `${phase}:${nth}`, GITGUS_FAULT_DELAY_MS: String(delay) } : {};
      const result = await runIntakeProcess(args, env);
      if (result.signal === 'SIGKILL') {
        kills[phase] = (kills[phase] ?? 0) + 1;
        kills.total = (kills.total ?? 0) + 1;
        continue;
      }
      expect(result.status, `seed ${seed}, run ${runs} (${phase}:${nth}): ${result.stderr}`).toBe(0);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      if (wantKill) unmet[phase] = (unmet[phase] ?? 0) + 1;
      completed += 1;
    }
    // A last run without faults must find nothing to do and leave nothing behind.
    const last = await runIntakeProcess(args);
    expect(last.status, last.stderr).toBe(0);

    const report = checkExactlyOnce(clone, mails, before);
    const ignored = intakeRecords(clone, 'ignored').length;
    const quarantined = intakeRecords(clone, 'quarantine').length;
    const kinds = (kind: MailKind) => countKind(mails, kind);
    process.stdout.write(
      `crash: seed ${seed}, ${mails.length} mails (${kinds('new')} new, ${kinds('reply')} replies, ${kinds('auto-reply')} auto-replies, ${kinds('unusable')} unusable), ` +
        `${runs} runs, ${kills.total ?? 0} SIGKILLs by phase ${JSON.stringify(Object.fromEntries(Object.entries(kills).filter(([key]) => key !== 'total')))}, ` +
        `${completed} runs completed (phase not reached: ${JSON.stringify(unmet)}); outcome: ${report.stored} stored, ${ignored} ignored, ${quarantined} quarantined; ` +
        `duplicates ${report.duplicates.length}, lost ${report.lost.length}, misthreaded ${report.misthreaded.length}, numbers #${report.numbers.first}–#${report.numbers.last} gaps ${report.numbers.gaps.length}\n`,
    );
    expect(kills.total).toBeGreaterThanOrEqual(KILLS);
    expect(kept(report), `seed ${seed}`).toEqual(promised(mails));
    expect(ignored).toBe(kinds('auto-reply'));
    expect(quarantined).toBe(kinds('unusable'));
    expect(checkoutDefects(checkout), `seed ${seed}`).toEqual([]);
    expect(unprocessed(maildir)).toBe(0);
  }, 480_000);
});
