/**
 * Runs a message source through one intake session. Messages are acknowledged at their source (IMAP
 * flag, Maildir S flag) only after their commits are safe — Git's index refreshed and, where the
 * helpdesk has a remote, pushed — so a crash in between can neither lose a message (it is fetched again)
 * nor duplicate it (the second run finds it in the index and records a duplicate).
 */
import { IntakeSession, type IntakeResult, type IntakeSessionOptions } from './intake.ts';
import { hasRemote, pushBranch } from './push.ts';
import type { MessageSource, SourceMessage } from './sources.ts';

export interface RunOptions extends IntakeSessionOptions {
  root: string;
  /** Push after each chunk: true, false, or 'auto' (when the helpdesk has a remote and the source acknowledges). */
  push?: boolean | 'auto';
  /** Messages per chunk between two safe points (index refresh, push, acknowledgements). */
  chunkSize?: number;
  onResult?: (result: IntakeResult, done: number) => void;
}

export interface RunSummary {
  results: IntakeResult[];
  counts: Record<IntakeResult['action'], number>;
  seconds: number;
}

export function emptyCounts(): RunSummary['counts'] {
  return { created: 0, appended: 0, ignored: 0, duplicate: 0, quarantined: 0 };
}

export async function runIntake(source: MessageSource & { close?: () => Promise<void> }, options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  const session = IntakeSession.open(options.root, options);
  const results: IntakeResult[] = [];
  const counts = emptyCounts();
  const chunkSize = options.chunkSize ?? 200;
  let pending: SourceMessage[] = [];
  const shouldPush = (): boolean => {
    if (options.push === true) return true;
    if (options.push === 'auto' || options.push === undefined) return pending.some((message) => message.acknowledge !== undefined) && hasRemote(options.root);
    return false;
  };
  const safePoint = async () => {
    await session.finish();
    if (pending.length === 0) return;
    if (shouldPush()) pushBranch(options.root);
    for (const message of pending) await message.acknowledge?.();
    pending = [];
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
      results.push(result);
      counts[result.action] += 1;
      pending.push(message);
      options.onResult?.(result, results.length);
      if (pending.length >= chunkSize) await safePoint();
    }
    await safePoint();
  } finally {
    await source.close?.();
  }
  return { results, counts, seconds: (performance.now() - started) / 1000 };
}
