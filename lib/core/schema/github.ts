/**
 * `intake/github.yml`: how far `gitgus github sync` has read each issue repository. Issues and comments
 * updated at or after `since` are listed again on the next run; the Message-ID index makes a second
 * import of the same issue or comment a no-op, so an overlap costs API calls, never a duplicate.
 */
import { z } from 'zod';
import { TimestampSchema } from './common.ts';

export const GitHubSyncStateSchema = z
  .object({
    repositories: z.record(
      z.string().regex(/^[\w.-]+\/[\w.-]+$/, { error: 'expected owner/name' }),
      z
        .object({
          /** Issues and comments updated at or after this time are read on the next sync. */
          since: TimestampSchema,
        })
        .strict(),
    ),
  })
  .strict();

export type GitHubSyncState = z.output<typeof GitHubSyncStateSchema>;

export const GITHUB_SYNC_STATE_EXAMPLE = `repositories:
  example-grid/helpdesk-issues:
    since: 2026-11-27T09:10:00Z
`;
