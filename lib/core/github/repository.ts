/**
 * Which GitHub repository takes the issues of a helpdesk: the one rule that GitHub intake (which reads
 * them), `gitgus init` (which writes the issue forms, the README link and the sync state) and the settings
 * agree on. A public helpdesk takes issues in its own repository; a private one names a public companion
 * (`issueRepository`), because issues there are public while the tickets are not.
 */
import type { Settings } from '../schema/settings.ts';

export type IssueRepositorySettings = Pick<Settings, 'issueRepository' | 'repository'>;

/** `issueRepository` when set, else `repository`; undefined when the helpdesk names no GitHub repository. */
export function issueRepositoryOf(settings: IssueRepositorySettings): string | undefined {
  return settings.issueRepository ?? settings.repository;
}
