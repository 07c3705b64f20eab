/**
 * One rule says which GitHub repository takes a helpdesk's issues (lib/core/github/repository.ts). Fed
 * by both callers' inputs: `gitgus init`'s answers (what it writes into the issue forms, the README link
 * and the GitHub sync state) and the helpdesk.yml that GitHub intake later reads — they must name the same
 * repository, or intake would read issues from a repository init never set up.
 */
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../lib/core/documents.ts';
import { issueRepositoryOf } from '../lib/core/github/repository.ts';
import { parseSyncState, GITHUB_STATE_FILE } from '../lib/core/github/sync.ts';
import { githubSettingsOf, planInit, type InitInput } from '../lib/core/init.ts';
import { SETTINGS_FILE } from '../lib/core/paths.ts';

const NOW = '2026-12-01T00:00:00Z';

const CASES: { name: string; input: InitInput; issues: string | undefined }[] = [
  { name: 'a public helpdesk takes issues in its own repository', input: { visibility: 'public', repository: 'grid/helpdesk' }, issues: 'grid/helpdesk' },
  { name: 'a public helpdesk ignores a companion it was given', input: { visibility: 'public', repository: 'grid/helpdesk', issueRepository: 'grid/other' }, issues: 'grid/helpdesk' },
  { name: 'a private helpdesk gets a companion by default', input: { visibility: 'private', repository: 'grid/helpdesk' }, issues: 'grid/helpdesk-issues' },
  { name: 'a private helpdesk with a named companion', input: { visibility: 'private', repository: 'grid/helpdesk', issueRepository: 'grid/tickets-public' }, issues: 'grid/tickets-public' },
  { name: 'a companion without a helpdesk repository', input: { visibility: 'private', issueRepository: 'grid/tickets-public' }, issues: 'grid/tickets-public' },
  { name: 'no GitHub repository at all', input: { visibility: 'private' }, issues: undefined },
];

describe('issueRepositoryOf: init and GitHub intake name the same repository', () => {
  for (const { name, input, issues } of CASES) {
    it(name, () => {
      const plan = planInit({ ...input, now: NOW }, [], () => undefined);
      const file = (path: string) => plan.write.find((entry) => entry.path === path)?.content;
      // init's side: the answers, and the sync state it writes for the repository it set up.
      expect(issueRepositoryOf(githubSettingsOf(plan.answers))).toBe(issues);
      const state = file(GITHUB_STATE_FILE);
      expect(state === undefined ? undefined : Object.keys(parseSyncState(state).repositories)).toEqual(issues === undefined ? undefined : [issues]);
      expect(file('README.md')?.includes('/issues/new/choose')).toBe(issues !== undefined);
      if (issues !== undefined) expect(file('README.md')).toContain(`https://github.com/${issues}/issues/new/choose`);
      // GitHub intake's side: the helpdesk.yml init wrote, read back as intake reads it.
      const settings = parseSettings(file(SETTINGS_FILE) as string, SETTINGS_FILE);
      expect(issueRepositoryOf(settings)).toBe(issues);
    });
  }
});
