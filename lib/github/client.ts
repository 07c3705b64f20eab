/**
 * The GitHub edge: the six REST calls gitgus makes, through @octokit/rest. Nothing else in gitgus talks
 * to GitHub, so tests point this one client at a local server (`baseUrl`) and assert every call.
 *
 * In Actions, GITHUB_API_URL names the API (GitHub Enterprise Server too) and GITHUB_TOKEN the token;
 * GITGUS_GITHUB_TOKEN wins when set, for a companion repository the workflow's own token cannot write to.
 */
import { Octokit } from '@octokit/rest';
import { GitgusError } from '../errors.ts';
import type { GitHubComment, GitHubIssue } from '../core/github/issue.ts';

interface GitHubClientOptions {
  token: string;
  /** API root, default https://api.github.com. */
  baseUrl?: string;
  /** The account the token comments as, when GET /user cannot tell (a GitHub App's installation token). */
  identity?: GitHubIdentity | undefined;
}

/** What gitgus asks of GitHub; an interface so the sync logic can be read without Octokit. */
export interface GitHubApi {
  getIssue(repository: string, number: number): Promise<GitHubIssue>;
  /** Issues (not pull requests) updated at or after `since`, oldest update first. */
  listIssuesSince(repository: string, since: string | undefined): Promise<GitHubIssue[]>;
  /** An issue's comments, oldest first; only those updated at or after `since` when given. */
  listComments(repository: string, number: number, since?: string): Promise<GitHubComment[]>;
  createComment(repository: string, number: number, body: string): Promise<GitHubComment>;
  /** Closes (`completed` / `not_planned`) or reopens an issue. */
  setIssueState(repository: string, number: number, state: 'open' | 'closed', reason?: 'completed' | 'not_planned' | 'reopened'): Promise<void>;
  /**
   * Who comments through this token: its hidden "already posted" marks count only in comments by this
   * account, so nobody else's comment can suppress an answer. Asked once per client.
   */
  identity(): Promise<GitHubIdentity>;
}

interface GitHubIdentity {
  login: string;
  id: number;
}

/**
 * The account GitHub shows on comments made with the Actions token (GITHUB_TOKEN). Such an installation
 * token cannot read `GET /user` (403 "Resource not accessible by integration"), so this is who it is;
 * another GitHub App's token names itself in GITGUS_GITHUB_IDENTITY (`login:id`).
 */
const ACTIONS_IDENTITY: GitHubIdentity = { login: 'github-actions[bot]', id: 41898282 };

function parseIdentity(text: string | undefined): GitHubIdentity | undefined {
  if (!text) return undefined;
  const match = /^([\w.[\]-]+):(\d+)$/.exec(text.trim());
  if (!match) throw new GitgusError('E_ARGUMENT', `GITGUS_GITHUB_IDENTITY='${text}' is not login:id`, { hint: 'Write the login and numeric id of the account the token comments as, e.g. my-app[bot]:123456.' });
  return { login: match[1] as string, id: Number(match[2]) };
}

function split(repository: string): { owner: string; repo: string } {
  const [owner, repo, ...rest] = repository.split('/');
  if (!owner || !repo || rest.length > 0) throw new GitgusError('E_ARGUMENT', `'${repository}' is not a repository name`, { hint: 'Write it as owner/name, e.g. example-grid/helpdesk.' });
  return { owner, repo };
}

function failure(action: string, repository: string, error: unknown): GitgusError {
  const status = (error as { status?: number }).status;
  const message = error instanceof Error ? error.message : String(error);
  const hint =
    status === 401
      ? 'The token was refused: check the GITHUB_TOKEN / GITGUS_GITHUB_TOKEN secret.'
      : status === 403
        ? 'The token may lack the issues: write permission, or the rate limit was hit; the next run catches up.'
        : status === 404
          ? `Check that ${repository} exists and the token can see it (a private companion repository needs a token of its own).`
          : 'GitHub did not answer as expected; the next run catches up.';
  return new GitgusError('E_GITHUB', `GitHub ${action} on ${repository} failed${status ? ` (HTTP ${status})` : ''}: ${message}`, { data: { repository, status }, hint, cause: error });
}

/** Wraps every call so a GitHub failure arrives as one coded error naming the call and the repository. */
async function call<T>(action: string, repository: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw failure(action, repository, error);
  }
}

export function createGitHubClient(options: GitHubClientOptions): GitHubApi {
  const octokit = new Octokit({ auth: options.token, ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}), userAgent: 'gitgus' });
  let identity: Promise<GitHubIdentity> | undefined;
  return {
    identity() {
      identity ??= (async () => {
        if (options.identity) return options.identity;
        try {
          const { data } = await octokit.rest.users.getAuthenticated();
          return { login: data.login, id: data.id };
        } catch (error) {
          // An installation token (the Actions token) has no user: it comments as github-actions[bot].
          if ((error as { status?: number }).status === 403) return ACTIONS_IDENTITY;
          throw failure('users.getAuthenticated', 'the token', error);
        }
      })();
      return identity;
    },
    async getIssue(repository, number) {
      const { owner, repo } = split(repository);
      return call('issues.get', repository, async () => (await octokit.rest.issues.get({ owner, repo, issue_number: number })).data as GitHubIssue);
    },
    async listIssuesSince(repository, since) {
      const { owner, repo } = split(repository);
      const issues = await call('issues.listForRepo', repository, () => octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, state: 'all', sort: 'updated', direction: 'asc', per_page: 100, ...(since ? { since } : {}) }));
      // The issues endpoint lists pull requests too; they are not tickets.
      return (issues as GitHubIssue[]).filter((issue) => !issue.pull_request);
    },
    async listComments(repository, number, since) {
      const { owner, repo } = split(repository);
      return call('issues.listComments', repository, async () => (await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: number, per_page: 100, ...(since ? { since } : {}) })) as GitHubComment[]);
    },
    async createComment(repository, number, body) {
      const { owner, repo } = split(repository);
      return call('issues.createComment', repository, async () => (await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body })).data as GitHubComment);
    },
    async setIssueState(repository, number, state, reason) {
      const { owner, repo } = split(repository);
      await call('issues.update', repository, () => octokit.rest.issues.update({ owner, repo, issue_number: number, state, ...(reason ? { state_reason: reason } : {}) }));
    },
  };
}

/** The client Actions would build: token and API root from the environment; a clear error without a token. */
export function githubClientFromEnv(env: NodeJS.ProcessEnv = process.env): GitHubApi {
  const token = env.GITGUS_GITHUB_TOKEN || env.GITHUB_TOKEN;
  if (!token) {
    throw new GitgusError('E_GITHUB_TOKEN', 'no GitHub token: set GITHUB_TOKEN (in Actions: env: GITHUB_TOKEN: ${{ github.token }})', {
      hint: 'For a companion repository the workflow token cannot write to, set GITGUS_GITHUB_TOKEN to a fine-grained token with Issues: read and write there.',
    });
  }
  const identity = parseIdentity(env.GITGUS_GITHUB_IDENTITY);
  return createGitHubClient({ token, ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}), ...(identity ? { identity } : {}) });
}
