/**
 * The sync cursor file (`intake/github.yml`, format in lib/core/schema/github.ts) and how it moves. Pure.
 */
import { parseYamlText, stringifyYamlValue } from '../frontmatter.ts';
import { parseWithFriendlyErrors } from '../friendly-errors.ts';
import { GITHUB_SYNC_STATE_EXAMPLE, GitHubSyncStateSchema, type GitHubSyncState } from '../schema/github.ts';
import { isoSeconds } from '../time.ts';

export const GITHUB_STATE_FILE = 'intake/github.yml';

/**
 * How far back each sync reads again before its cursor. GitHub's lists are eventually consistent: an issue
 * updated just before the last run may only now be listed. The Message-ID index makes re-reading free of
 * duplicates, so the overlap costs a few API calls and never a ticket.
 */
const SYNC_OVERLAP_MS = 5 * 60 * 1000;

/** A helpdesk that never synced reads back this far on its first run (not the whole history of a busy repository). */
const FIRST_SYNC_LOOKBACK_MS = 24 * 60 * 60 * 1000;

export function parseSyncState(text: string, file = GITHUB_STATE_FILE): GitHubSyncState {
  return parseWithFriendlyErrors(GitHubSyncStateSchema, parseYamlText(text, file) ?? {}, file, GITHUB_SYNC_STATE_EXAMPLE);
}

export function serializeSyncState(state: GitHubSyncState): string {
  const sorted = Object.fromEntries(Object.entries(state.repositories).sort(([a], [b]) => a.localeCompare(b)));
  return stringifyYamlValue(GitHubSyncStateSchema.parse({ repositories: sorted }));
}

/** Where a sync of `repository` starts: the stored cursor, else `now` minus the first-sync look-back. */
export function syncStart(state: GitHubSyncState | undefined, repository: string, now: Date): string {
  return state?.repositories[repository]?.since ?? isoSeconds(now.getTime() - FIRST_SYNC_LOOKBACK_MS);
}

/**
 * The cursor after a sync that saw items updated at `seen`: the newest of them minus the overlap, never
 * earlier than where this sync started (a cursor only moves forward) and never later than `now`.
 */
export function advanceCursor(start: string, seen: readonly string[], now: Date): string {
  const newest = Math.max(...seen.map((time) => Date.parse(time)).filter((ms) => !Number.isNaN(ms)), -Infinity);
  if (newest === -Infinity) return start;
  const next = Math.min(newest - SYNC_OVERLAP_MS, now.getTime());
  return next > Date.parse(start) ? isoSeconds(next) : start;
}

export function withCursor(state: GitHubSyncState | undefined, repository: string, since: string): GitHubSyncState {
  return { repositories: { ...state?.repositories, [repository]: { since } } };
}
