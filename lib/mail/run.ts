/**
 * Runs a message source through one intake session. Messages are acknowledged at their source (IMAP
 * flag, Maildir S flag) only after their commits are safe — the branch moved by compare-and-swap and,
 * where the helpdesk has a remote, pushed — so a kill in between can neither lose a message (it is
 * fetched again) nor store it twice (the rerun finds its Message-ID line in the committed tree: see
 * EXACTLY ONCE in lib/intake/session.ts).
 *
 * A commit that minted a ticket number is never rebased (a number is only known to be free on the tip it
 * was minted on): when the push is refused, the chunk's commits are dropped, the checkout moves to the
 * remote's new tip, and the chunk's messages are taken in again there. Under contention the run backs
 * off with full jitter (a random wait up to an exponentially growing cap, small: the branch is free
 * again right after the push that beat this one) and keeps its chunk size (a push costs the same
 * whatever its size, so smaller chunks only collide more often). The retries are bounded by TIME (`pushDeadlineSeconds`, GITGUS_PUSH_DEADLINE_SECONDS,
 * default 300 s), not by a count: after that the run stops with E_PUSH_CONTENDED — exit status 75
 * (EX_TEMPFAIL) — leaving the unpushed messages untouched at their source (not flagged, not moved).
 * Results are reported only once their commits are safe, so what `--json` prints is what the helpdesk keeps.
 */
import { GitgusError } from '../errors.ts';
import { faultPoint } from '../fault.ts';
import { catchUp, clearUnacknowledged, headCommit, markAcknowledged, tryPush, unacknowledgedSince } from '../git/push.ts';
import type { IntakeResult, IntakeSessionOptions } from '../intake/session.ts';
import { MailIntakeSession } from './intake-mail.ts';
import { hasRemote } from './push.ts';
import type { MessageSource, SourceMessage } from './sources.ts';

interface RunOptions extends IntakeSessionOptions {
  root: string;
  /** Push after each chunk: true, false, or 'auto' (when the helpdesk has a remote and the source acknowledges). */
  push?: boolean | 'auto';
  /** Messages per chunk between two safe points (push, acknowledgements); the most it grows back to under contention. */
  chunkSize?: number;
  /** How long refused pushes are retried before the run gives up with E_PUSH_CONTENDED (default 300 s). */
  pushDeadlineSeconds?: number;
  onResult?: (result: IntakeResult, done: number) => void;
  /** Lines for the log: repairs after a killed run, retries under contention. */
  onNote?: (note: string) => void;
}

export interface RunSummary {
  results: IntakeResult[];
  counts: Record<IntakeResult['action'], number>;
  seconds: number;
  /** Refused pushes that were answered by taking a chunk in again. */
  refusedPushes: number;
}

function emptyCounts(): RunSummary['counts'] {
  return { created: 0, appended: 0, ignored: 0, duplicate: 0, quarantined: 0 };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Full jitter (AWS architecture blog, "Exponential Backoff and Jitter"): uniform in
 * [0, min(cap, unit·2^n)]. The unit is how long the refused attempt took (mail: taking the chunk in and
 * pushing it), halved: the writers refused together all start again together otherwise, and each round of
 * them lets only one through while the rest redo their whole chunk for nothing (bench/contention.ts counted
 * 11–16 refusals for 8 pushes with a fixed 50 ms unit). Spread over about one attempt's length, most find
 * the branch free when their turn comes. A waiting writer costs the others no CPU; a redone chunk does.
 * Long fixed waits left the origin idle while every writer slept (13% of one worker's throughput with a
 * 100 ms base and 8 s cap), hence the cap of 2 s (or four units, when one attempt is longer).
 */
export function backoffMs(attempt: number, random: () => number = Math.random, unitMs = 50): number {
  return random() * Math.min(Math.max(2000, 4 * unitMs), unitMs * 2 ** Math.min(attempt, 16));
}

export async function runIntake(source: MessageSource & { close?: () => Promise<void> }, options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  const note = (line: string) => options.onNote?.(line);
  let session = MailIntakeSession.open(options.root, options);
  for (const line of session.notes) note(line);
  const results: IntakeResult[] = [];
  const chunkSize = options.chunkSize ?? 200;
  const deadlineMs = (options.pushDeadlineSeconds ?? Number(process.env.GITGUS_PUSH_DEADLINE_SECONDS ?? '300')) * 1000;
  let refusedPushes = 0;
  /** When the chunk in hand began to be taken in: a refused attempt's length sizes the backoff. */
  let chunkBegan = performance.now();
  const pending: { message: SourceMessage; result: IntakeResult }[] = [];
  // Commits after this one hold unacknowledged input (possibly a killed run's): a refused push may drop them.
  let chunkStart = unacknowledgedSince(options.root);
  const pushing = options.push === true || ((options.push === 'auto' || options.push === undefined) && hasRemote(options.root));
  const shouldPush = (entries: typeof pending): boolean => {
    if (options.push === true) return true;
    if (options.push === 'auto' || options.push === undefined) return pushing && entries.some(({ message }) => message.acknowledge !== undefined);
    return false;
  };
  const acknowledge = async (entries: typeof pending) => {
    faultPoint('before-acknowledge');
    for (const { message, result } of entries) {
      await message.acknowledge?.();
      faultPoint('acknowledged');
      results.push(result);
      options.onResult?.(result, results.length);
    }
    chunkStart = headCommit(options.root);
    markAcknowledged(options.root, chunkStart);
  };
  const safePoint = async () => {
    await session.finish();
    if (pending.length === 0 && headCommit(options.root) === chunkStart) return;
    if (!shouldPush(pending)) {
      await acknowledge(pending.splice(0));
      return;
    }
    faultPoint('before-push');
    if (tryPush(options.root) === 'pushed') {
      await acknowledge(pending.splice(0));
      return;
    }
    let attemptMs = performance.now() - chunkBegan;
    // Refused: another writer moved the branch. Back off, catch up with its tip (one fetch), and land the
    // messages again there (idempotency keys skip whatever another writer already imported).
    let queue = pending.splice(0);
    let attempt = 0;
    let contended = performance.now();
    for (;;) {
      refusedPushes += 1;
      attempt += 1;
      // The chunk is NOT shrunk: each push costs a fetch and a push whatever its size, so smaller chunks
      // under contention mean more pushes to collide, and throughput fell with them (bench/contention.ts).
      const wait = backoffMs(attempt, Math.random, attemptMs / 2);
      if (performance.now() - contended + wait > deadlineMs) {
        // Give up on the remote's tip, holding nothing of this run's own: its input is still at the source.
        catchUp(options.root, chunkStart);
        throw new GitgusError('E_PUSH_CONTENDED', `the push to origin was refused ${attempt} times in ${((performance.now() - contended) / 1000).toFixed(0)} s: other writers kept moving the main branch`, {
          data: { refused: attempt, unpushed: queue.length },
          hint: `Nothing is lost: ${queue.length} message${queue.length === 1 ? '' : 's'} stay unacknowledged at their source and the next run takes them in again (exit status 75 = try again later).`,
        });
      }
      note(
        `push refused (${attempt}): another writer moved the main branch; waiting ${(wait / 1000).toFixed(2)} s, then taking ${Math.min(chunkSize, queue.length)} message${Math.min(chunkSize, queue.length) === 1 ? '' : 's'} in again on the new tip`,
      );
      await sleep(wait);
      const began = performance.now();
      catchUp(options.root, chunkStart);
      chunkStart = headCommit(options.root);
      markAcknowledged(options.root, chunkStart);
      session.close();
      session = MailIntakeSession.open(options.root, options);
      const take = queue.slice(0, chunkSize);
      for (const entry of take) entry.result = await session.process(entry.message);
      await session.finish();
      if (headCommit(options.root) === chunkStart) {
        // All repeats another writer had already stored, recorded before: nothing to push.
        await acknowledge(take);
      } else if (tryPush(options.root) === 'pushed') {
        await acknowledge(take);
      } else {
        attemptMs = performance.now() - began;
        continue;
      }
      queue = queue.slice(take.length);
      if (queue.length === 0) return;
      attempt = 0;
      contended = performance.now();
    }
  };
  try {
    // for await also walks plain iterables (files, Maildir); the cast only tells TypeScript so.
    for await (const message of source.messages as AsyncIterable<SourceMessage>) {
      let result: IntakeResult;
      if (pending.length === 0) chunkBegan = performance.now();
      try {
        result = await session.process(message);
      } catch (error) {
        // The failing message is not acknowledged; those before it are made safe first.
        await safePoint();
        throw error;
      }
      pending.push({ message, result });
      if (pending.length >= chunkSize) await safePoint();
    }
    await safePoint();
    clearUnacknowledged(options.root);
  } finally {
    session.close();
    await source.close?.();
  }
  const counts = emptyCounts();
  for (const result of results) counts[result.action] += 1;
  return { results, counts, seconds: (performance.now() - started) / 1000, refusedPushes };
}
