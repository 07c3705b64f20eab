/**
 * Runs a message source through one intake session. Messages are acknowledged at their source (IMAP
 * flag, Maildir S flag) only after their commits are safe — Git's index refreshed and, where the
 * helpdesk has a remote, pushed — so a crash in between can neither lose a message (it is fetched again)
 * nor duplicate it (the second run finds it in the index and records a duplicate).
 *
 * A commit that minted a ticket number is never rebased (a number is only known to be free on the tip it
 * was minted on): when the push is refused, the chunk's commits are dropped, the checkout moves to the
 * remote's new tip, and the chunk's messages are taken in again there. Results are reported only once
 * their commits are safe, so what `--json` prints is what the helpdesk keeps.
 */
import { GitgusError } from '../errors.ts';
import { headCommit, pushOrDiscard } from '../git/push.ts';
import type { IntakeResult, IntakeSessionOptions } from '../intake/session.ts';
import { MailIntakeSession } from './intake-mail.ts';
import { hasRemote } from './push.ts';
import type { MessageSource, SourceMessage } from './sources.ts';

export interface RunOptions extends IntakeSessionOptions {
  root: string;
  /** Push after each chunk: true, false, or 'auto' (when the helpdesk has a remote and the source acknowledges). */
  push?: boolean | 'auto';
  /** Messages per chunk between two safe points (index refresh, push, acknowledgements). */
  chunkSize?: number;
  /** How often a refused push is answered by taking the chunk in again on the new tip. */
  pushAttempts?: number;
  onResult?: (result: IntakeResult, done: number) => void;
}

export interface RunSummary {
  results: IntakeResult[];
  counts: Record<IntakeResult['action'], number>;
  seconds: number;
}

function emptyCounts(): RunSummary['counts'] {
  return { created: 0, appended: 0, ignored: 0, duplicate: 0, quarantined: 0 };
}

export async function runIntake(source: MessageSource & { close?: () => Promise<void> }, options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  let session = MailIntakeSession.open(options.root, options);
  const results: IntakeResult[] = [];
  const chunkSize = options.chunkSize ?? 200;
  const pushAttempts = options.pushAttempts ?? 3;
  let pending: { message: SourceMessage; result: IntakeResult }[] = [];
  let chunkStart = headCommit(options.root);
  const shouldPush = (): boolean => {
    if (options.push === true) return true;
    if (options.push === 'auto' || options.push === undefined) return pending.some(({ message }) => message.acknowledge !== undefined) && hasRemote(options.root);
    return false;
  };
  const safePoint = async () => {
    await session.finish();
    if (pending.length === 0) return;
    if (shouldPush()) {
      for (let attempt = 1; pushOrDiscard(options.root, chunkStart) === 'rejected'; attempt += 1) {
        if (attempt >= pushAttempts) {
          throw new GitgusError('E_PUSH', `the push was refused ${pushAttempts} times: another writer keeps moving the main branch`, {
            hint: 'Nothing is lost: the messages stay unacknowledged at their source and the next run takes them in again.',
          });
        }
        // The checkout is now the remote's tip: take the chunk in again there (idempotency keys skip
        // whatever the other writer already imported).
        chunkStart = headCommit(options.root);
        session = MailIntakeSession.open(options.root, options);
        for (const entry of pending) entry.result = await session.process(entry.message);
        await session.finish();
      }
    }
    for (const { message, result } of pending) {
      await message.acknowledge?.();
      results.push(result);
      options.onResult?.(result, results.length);
    }
    pending = [];
    chunkStart = headCommit(options.root);
  };
  try {
    // for await also walks plain iterables (files, Maildir); the cast only tells TypeScript so.
    for await (const message of source.messages as AsyncIterable<SourceMessage>) {
      let result: IntakeResult;
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
  } finally {
    await source.close?.();
  }
  const counts = emptyCounts();
  for (const result of results) counts[result.action] += 1;
  return { results, counts, seconds: (performance.now() - started) / 1000 };
}
