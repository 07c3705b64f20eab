import { readFileSync } from 'node:fs';
import { defineCommand } from 'citty';
import { GitgusError } from '../../lib/errors.ts';
import { githubClientFromEnv, type GitHubApi } from '../../lib/github/client.ts';
import type { GitHubItemResult } from '../../lib/github/intake.ts';
import { publishToGitHub, type PublishResult } from '../../lib/github/publish.ts';
import { runGitHub, type GitHubRunResult } from '../../lib/github/run.ts';
import { commonArgs, helpdeskRoot, printJson } from '../_shared.ts';

interface GitHubCommandOptions {
  root: string;
  /** `sync` (no event), `publish` (answer only), or undefined (the event, then a sync). */
  action?: 'sync' | 'publish' | undefined;
  /** Path of the webhook payload (GITHUB_EVENT_PATH). */
  event?: string | undefined;
  since?: string | undefined;
  push?: boolean | undefined;
  publish?: boolean;
  sync?: boolean;
  all?: boolean;
  api?: GitHubApi;
  now?: () => Date;
}

function readEvent(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new GitgusError('E_ARGUMENT', `cannot read the event file ${file}: ${(error as Error).message}`, { hint: 'In Actions pass --event "$GITHUB_EVENT_PATH".' });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new GitgusError('E_ARGUMENT', `${file} is not a JSON webhook payload`, { hint: 'In Actions pass --event "$GITHUB_EVENT_PATH".' });
  }
}

/** Runs GitHub issue intake (or only the answering on issues) for a helpdesk. */
export async function github(options: GitHubCommandOptions): Promise<GitHubRunResult | PublishResult> {
  const api = options.api ?? githubClientFromEnv();
  if (options.action === 'publish') {
    if (options.since === undefined && !options.all) throw new GitgusError('E_ARGUMENT', 'gitgus github publish needs --since <commit> or --all', { hint: 'In a push workflow: --since "${{ github.event.before }}".' });
    return publishToGitHub({ root: options.root, api, since: options.since, ...(options.all ? { all: true } : {}) });
  }
  if (options.action === 'sync' && options.event !== undefined) throw new GitgusError('E_ARGUMENT', '`gitgus github sync` takes no --event', { hint: 'Use `gitgus github --event FILE` (it syncs too).' });
  return runGitHub({
    root: options.root,
    api,
    ...(options.event === undefined ? {} : { event: readEvent(options.event) }),
    sync: options.sync !== false,
    since: options.since,
    push: options.push ?? 'auto',
    publish: options.publish !== false,
    ...(options.now ? { now: options.now } : {}),
  });
}

function describe(result: GitHubItemResult): string {
  const what = result.kind === 'issue' ? `issue #${result.issue}` : `comment ${result.comment ?? ''} on issue #${result.issue}`;
  return `${result.action}${result.ticket === undefined ? '' : ` ticket #${result.ticket}`}: ${what}: ${result.reason}`;
}

function report(result: GitHubRunResult | PublishResult): string[] {
  const lines: string[] = [];
  if ('results' in result) {
    if (result.note) lines.push(`event: ${result.note}`);
    lines.push(...result.results.filter((item) => item.action !== 'duplicate').map(describe));
    if (result.synced) lines.push(`synced ${result.repository} from ${result.synced.from} (cursor now ${result.synced.to})`);
    if (result.reruns > 0) lines.push(`the push was refused ${result.reruns} time(s); imported again on the new tip`);
    if (result.pushed) lines.push('pushed');
  }
  const published = 'results' in result ? result.published : result;
  if (published) {
    lines.push(...published.done.map((entry) => `${entry.issue}: ${entry.action} ${entry.mark} (ticket #${entry.ticket})`));
    lines.push(...published.failures.map((failure) => `${failure.issue}: not updated (ticket #${failure.ticket}): ${failure.message}`));
    lines.push(`answered on ${published.done.length === 0 ? 'no' : new Set(published.done.map((entry) => entry.issue)).size} issue(s) of ${published.checked} GitHub ticket(s) looked at`);
  }
  return lines;
}

export default defineCommand({
  meta: {
    name: 'github',
    description: [
      'GitHub issue intake: an issue opened through the issue form becomes a ticket, its comments become messages,',
      'and the helpdesk answers on the issue (ticket number and page, public messages, the solution) once its',
      'commits are pushed. Token from GITHUB_TOKEN (or GITGUS_GITHUB_TOKEN), API from GITHUB_API_URL.',
      '',
      'Examples:',
      '  gitgus github --event "$GITHUB_EVENT_PATH"        (in an issues / issue_comment workflow; syncs too)',
      '  gitgus github sync                                 (catch up on everything since the cursor in intake/github.yml)',
      '  gitgus github publish --since HEAD~5               (answer on the issues of tickets changed since a commit)',
    ].join('\n'),
  },
  args: {
    action: { type: 'positional', description: 'sync | publish (default: the --event, then a sync)', required: false, valueHint: 'sync|publish' },
    event: { type: 'string', description: 'Webhook payload file of an issues / issue_comment event (GITHUB_EVENT_PATH)', valueHint: 'FILE' },
    since: { type: 'string', description: 'sync: read issues updated since this time instead of the cursor; publish: tickets changed after this commit', valueHint: 'TIME|COMMIT' },
    all: { type: 'boolean', description: 'publish: look at every ticket from GitHub, not a range', default: false },
    sync: { type: 'boolean', description: 'With --event: also catch up since the cursor (default true; --no-sync handles the event only)', default: true },
    push: { type: 'boolean', description: 'Push the commits before answering on GitHub (default: when there is an origin remote)' },
    publish: { type: 'boolean', description: 'Answer on the issues after importing (default true)', default: true },
    ...commonArgs,
  },
  async run({ args }) {
    const action = args.action === undefined || args.action === '' ? undefined : args.action;
    if (action !== undefined && action !== 'sync' && action !== 'publish') {
      throw new GitgusError('E_ARGUMENT', `unknown github action '${action}'`, { hint: 'Use `gitgus github sync`, `gitgus github publish`, or `gitgus github --event FILE`.' });
    }
    const result = await github({
      root: helpdeskRoot(args.root),
      action,
      event: args.event,
      since: args.since,
      all: args.all,
      sync: args.sync,
      push: args.push,
      publish: args.publish,
    });
    if (args.json) printJson(result);
    else for (const line of report(result)) process.stderr.write(`${line}\n`);
    const failures = 'results' in result ? (result.published?.failures.length ?? 0) : result.failures.length;
    if (failures > 0) throw new GitgusError('E_GITHUB', `${failures} issue(s) could not be updated on GitHub`, { hint: 'The tickets are committed; the next run answers on those issues.' });
  },
});
