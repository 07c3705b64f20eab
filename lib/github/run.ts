/**
 * One run of GitHub issue intake, as the workflow calls it: import (the event's issue or comment, then a
 * catch-up sync — a concurrency group keeps only one pending run, so no run may trust that it saw every
 * event), make the commits safe (push; on a refused push, drop them and import again on the new tip),
 * and only then answer on the issues. Answering last means no issue is ever told a ticket number that was
 * not pushed.
 */
import { GitgusError } from '../errors.ts';
import { hasRemote } from '../mail/push.ts';
import { catchUp, clearUnacknowledged, headCommit, markAcknowledged, tryPush, unacknowledgedSince } from '../git/push.ts';
import { backoffMs } from '../mail/run.ts';
import type { GitHubApi } from './client.ts';
import { loadSettings } from '../store/load.ts';
import { eventItems, GitHubIntake, requireIssueRepository, type GitHubItemResult } from './intake.ts';
import { publishToGitHub, type PublishResult } from './publish.ts';

interface GitHubRunOptions {
  root: string;
  api: GitHubApi;
  /** The webhook payload (GITHUB_EVENT_PATH), when the run was started by an issue event. */
  event?: unknown;
  /** Run the catch-up sync (default true). */
  sync?: boolean;
  /** Sync from this time instead of the stored cursor. */
  since?: string | undefined;
  /** Push to origin: true, false, or 'auto' (when there is an origin remote). */
  push?: boolean | 'auto';
  /** Answer on the issues after the commits are safe (default true). */
  publish?: boolean;
  /** How long refused pushes are retried (with backoff and jitter) before E_PUSH_CONTENDED; default 300 s. */
  pushDeadlineSeconds?: number;
  now?: () => Date;
}

export interface GitHubRunResult {
  repository: string;
  results: GitHubItemResult[];
  /** The sync window, when a sync ran. */
  synced?: { from: string; to: string };
  pushed: boolean;
  /** Imports re-run because the push was refused. */
  reruns: number;
  note?: string;
  published?: PublishResult;
}

async function importOnce(options: GitHubRunOptions): Promise<Omit<GitHubRunResult, 'pushed' | 'reruns' | 'published'> & { tickets: Set<number> }> {
  // An event about another repository is refused before anything is written (even the first index build).
  const items = options.event === undefined ? undefined : eventItems(options.event, requireIssueRepository(loadSettings(options.root)));
  const intake = await GitHubIntake.open({ root: options.root, api: options.api, ...(options.now ? { now: options.now } : {}) });
  const results: GitHubItemResult[] = [];
  const note = items?.note;
  let synced: { from: string; to: string } | undefined;
  try {
    if (items?.issue && items.comment) results.push(await intake.importComment(items.issue, items.comment));
    else if (items?.issue) results.push(await intake.importIssue(items.issue));
    if (options.sync !== false) {
      const sync = await intake.sync(options.since);
      results.push(...sync.results);
      synced = { from: sync.from, to: sync.to };
    }
  } catch (error) {
    // Release the checkout; what was committed so far stays (it is pushed, or dropped, by the next run).
    await intake.finish().catch(() => undefined);
    throw error;
  }
  await intake.finish();
  return { repository: intake.repository, results, ...(synced ? { synced } : {}), ...(note ? { note } : {}), tickets: intake.tickets };
}

export async function runGitHub(options: GitHubRunOptions): Promise<GitHubRunResult> {
  const push = options.push === 'auto' || options.push === undefined ? hasRemote(options.root) : options.push;
  const deadlineMs = (options.pushDeadlineSeconds ?? Number(process.env.GITGUS_PUSH_DEADLINE_SECONDS ?? '300')) * 1000;
  const before = headCommit(options.root);
  // Commits after this one (a killed run's too) hold issues the cursor has not safely passed: droppable.
  let start = unacknowledgedSince(options.root);
  let reruns = 0;
  const contended = performance.now();
  for (;;) {
    const attemptBegan = performance.now();
    const run = await importOnce(options);
    let pushed = false;
    if (push && headCommit(options.root) !== start) {
      if (tryPush(options.root) === 'rejected') {
        reruns += 1;
        // As mail intake does (lib/mail/run.ts backoffMs): the wait is sized by the refused attempt's length.
        const wait = backoffMs(reruns, Math.random, (performance.now() - attemptBegan) / 2);
        if (performance.now() - contended + wait > deadlineMs) {
          // Give up on the remote's tip, holding nothing of this run's own: its input is still at the source.
          catchUp(options.root, start);
          throw new GitgusError('E_PUSH_CONTENDED', `the push was refused ${reruns} times in ${((performance.now() - contended) / 1000).toFixed(0)} s: other writers kept moving the main branch`, {
            hint: 'Nothing is lost: the next run imports the same issues and comments again (exit status 75 = try again later).',
          });
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
        catchUp(options.root, start);
        start = headCommit(options.root);
        markAcknowledged(options.root, start);
        continue;
      }
      pushed = true;
    }
    clearUnacknowledged(options.root);
    const { tickets, ...rest } = run;
    const result: GitHubRunResult = { ...rest, pushed, reruns };
    if (options.publish !== false) result.published = await publishToGitHub({ root: options.root, api: options.api, since: before, tickets });
    return result;
  }
}
