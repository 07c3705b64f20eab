/**
 * GitHub issue intake, the IO side: read issues and comments through the API client, ask the pure
 * decisions (lib/core/github/issue.ts) what they become, and commit through mail intake's session — the
 * same ticket numbering (intake/state.yml), Message-ID index (idempotency), main-branch guard and commit
 * identity as a mail. Nothing here writes to GitHub; answering on the issue (lib/github/publish.ts) waits
 * until the commits are safe.
 */
import { existsSync, readFileSync } from 'node:fs';
import { decideComment, decideNewIssue, isOwnOrBotComment, marksIn, issueMessageId, issueRefusal, commentMessageId, type GitHubChange, type GitHubComment, type GitHubIssue, type RoutingOutcome } from '../core/github/issue.ts';
import { issueRepositoryOf, type IssueRepositorySettings } from '../core/github/repository.ts';
import { advanceCursor, GITHUB_STATE_FILE, parseSyncState, serializeSyncState, syncStart, withCursor } from '../core/github/sync.ts';
import type { GitHubSyncState } from '../core/schema/github.ts';
import type { TicketInput } from '../core/schema/ticket.ts';
import { GitgusError, InternalError } from '../errors.ts';
import { commitChanges } from '../git/commit.ts';
import { IntakeSession } from '../intake/session.ts';
import { messageIdHash } from '../intake/index-store.ts';
import { resolveInside } from '../fs/paths.ts';
import { routeTicket } from '../core/routing.ts';
import type { RoutingRule } from '../core/schema/routing.ts';
import { TicketSchema } from '../core/schema/ticket.ts';
import { loadRoutingRules } from '../store/routing-rules.ts';
import type { GitHubApi } from './client.ts';

/** What happened to one issue or comment. */
export interface GitHubItemResult {
  kind: 'issue' | 'comment';
  /** created / appended: committed; duplicate: already imported; skipped: not a ticket's business (bots, our own comments, pull requests). */
  action: 'created' | 'appended' | 'duplicate' | 'skipped';
  issue: number;
  comment?: string;
  ticket?: number;
  reason: string;
  commit?: string;
}

function ownCommentReason(comment: GitHubComment): string {
  const marks = marksIn(comment.body);
  if (marks.length > 0) return `written by the helpdesk (${marks[0]?.startsWith('ticket ') ? 'its acknowledgement' : (marks[0] ?? '')})`;
  return comment.user ? `written by the bot ${comment.user.login}` : 'written by a deleted account';
}

/** The repository users open issues in (lib/core/github/repository.ts); intake without one is refused. */
export function requireIssueRepository(settings: IssueRepositorySettings): string {
  const repository = issueRepositoryOf(settings);
  if (!repository) {
    throw new GitgusError('E_GITHUB_REPOSITORY', 'helpdesk.yml names no GitHub repository for issues', {
      hint: 'Add `repository: owner/name` (issues in the helpdesk repository itself) or `issueRepository: owner/name` (a public companion repository) to helpdesk.yml.',
    });
  }
  return repository;
}

function readSyncState(root: string): GitHubSyncState | undefined {
  const file = resolveInside(root, GITHUB_STATE_FILE);
  return existsSync(file) ? parseSyncState(readFileSync(file, 'utf8')) : undefined;
}

interface GitHubIntakeOptions {
  root: string;
  api: GitHubApi;
  now?: () => Date;
}

export class GitHubIntake {
  readonly repository: string;
  readonly tickets = new Set<number>();
  private readonly session: IntakeSession;
  private readonly api: GitHubApi;
  private readonly now: () => Date;
  private rules: RoutingRule[] | undefined;

  private constructor(session: IntakeSession, api: GitHubApi, now: () => Date) {
    this.session = session;
    this.api = api;
    this.now = now;
    this.repository = requireIssueRepository(session.settings);
  }

  /** Opens mail intake's session (settings, units, index; refuses anywhere but the main branch). */
  static async open(options: GitHubIntakeOptions): Promise<GitHubIntake> {
    const now = options.now ?? (() => new Date());
    const session = IntakeSession.open(options.root, { mode: 'batch', now });
    // The index answers "is this issue a ticket already?"; a helpdesk without one gets it built first.
    await session.ensureIndex();
    return new GitHubIntake(session, options.api, now);
  }

  get root(): string {
    return this.session.root;
  }

  private ticketOfIssue(number: number): number | undefined {
    return this.session.ticketOfMessageId(issueMessageId(this.repository, number));
  }

  /**
   * The routing rules (units/routing.yml, then GGUS's defaults) decide the unit, as `gitgus route` does. An
   * issue has no intake address, so the intake-address default never applies: no other rule → TPM.
   */
  private route(draft: TicketInput, body: string): RoutingOutcome {
    this.rules ??= loadRoutingRules(this.root);
    const ticket = TicketSchema.parse(draft);
    const decision = routeTicket({ ticket, body }, { rules: this.rules, settings: this.session.settings, units: this.session.units });
    const { unit, ...fields } = decision.changes;
    return { unit, reason: decision.reason, fields, trailers: { Rule: decision.rule } };
  }

  private async commit(change: GitHubChange): Promise<string> {
    const key = change.indexEntry.idHash.slice(0, 16);
    const result = await this.session.commitChange(change, key);
    this.tickets.add(change.ticket);
    if (result.commit === undefined) throw new InternalError(`intake made no commit for ${change.commit.subject}`);
    return result.commit;
  }

  /** Makes an issue a ticket unless it already is one (or is no ticket's business). */
  async importIssue(issue: GitHubIssue): Promise<GitHubItemResult> {
    const base = { kind: 'issue' as const, issue: issue.number };
    const existing = this.ticketOfIssue(issue.number);
    if (existing !== undefined) {
      this.tickets.add(existing);
      return { ...base, action: 'duplicate', ticket: existing, reason: `already ticket #${existing}` };
    }
    const refusal = issueRefusal(issue);
    if (refusal) return { ...base, action: 'skipped', reason: refusal };
    const change = decideNewIssue(issue, {
      repository: this.repository,
      settings: this.session.settings,
      units: this.session.units,
      idHash: messageIdHash,
      nextNumber: () => this.session.nextNumber(),
      route: (draft, body) => this.route(draft, body),
    });
    const commit = await this.commit(change);
    return { ...base, action: 'created', ticket: change.ticket, reason: change.reason, commit };
  }

  /** Makes a comment a message of its issue's ticket (importing the issue first when it has none yet). */
  async importComment(issue: GitHubIssue, comment: GitHubComment): Promise<GitHubItemResult> {
    const base = { kind: 'comment' as const, issue: issue.number, comment: String(comment.id) };
    // The token's identity is asked only when a comment carries a mark (a second call would cost every import).
    const own = marksIn(comment.body).length > 0 ? await this.api.identity() : { id: -1 };
    if (isOwnOrBotComment(comment, own)) return { ...base, action: 'skipped', reason: ownCommentReason(comment) };
    let ticket = this.ticketOfIssue(issue.number);
    if (ticket === undefined) {
      const imported = await this.importIssue(issue);
      if (imported.ticket === undefined) return { ...base, action: 'skipped', reason: `the issue is no ticket: ${imported.reason}` };
      ticket = imported.ticket;
    }
    const already = this.session.ticketOfMessageId(commentMessageId(this.repository, issue.number, comment.id));
    if (already !== undefined) return { ...base, action: 'duplicate', ticket: already, reason: `already a message of #${already}` };
    const change = decideComment(comment, this.session.loadTicket(ticket), {
      repository: this.repository,
      issueNumber: issue.number,
      units: this.session.units,
      idHash: messageIdHash,
    });
    const commit = await this.commit(change);
    return { ...base, action: 'appended', ticket, reason: change.reason, commit };
  }

  /**
   * Reads every issue and comment updated since the cursor and imports what is new, then moves the cursor
   * (committed to `intake/github.yml`). `since` overrides the stored cursor.
   */
  async sync(since?: string): Promise<{ results: GitHubItemResult[]; from: string; to: string }> {
    const state = readSyncState(this.root);
    const from = since ?? syncStart(state, this.repository, this.now());
    const results: GitHubItemResult[] = [];
    const seen: string[] = [];
    for (const issue of await this.api.listIssuesSince(this.repository, from)) {
      seen.push(issue.updated_at);
      results.push(await this.importIssue(issue));
      if (issue.pull_request || this.ticketOfIssue(issue.number) === undefined) continue;
      for (const comment of await this.api.listComments(this.repository, issue.number, from)) {
        seen.push(comment.updated_at);
        results.push(await this.importComment(issue, comment));
      }
    }
    const to = advanceCursor(from, seen, this.now());
    if (to !== state?.repositories[this.repository]?.since) {
      await commitChanges({
        dir: this.root,
        changes: [{ path: GITHUB_STATE_FILE, content: serializeSyncState(withCursor(state, this.repository, to)) }],
        message: { subject: `github: issues of ${this.repository} read up to ${to}`, trailers: { Event: 'github-sync', Intake: `github:${this.repository}` } },
        author: { name: 'gitgus intake', email: this.session.settings.sender },
      });
    }
    return { results, from, to };
  }

  /** Refreshes Git's index for this run's commits (once, as mail intake does). */
  async finish(): Promise<void> {
    try {
      await this.session.finish();
    } finally {
      this.session.close();
    }
  }
}

/** A webhook payload as Actions writes it to GITHUB_EVENT_PATH: only the parts gitgus reads. */
interface EventPayload {
  action?: string;
  issue?: GitHubIssue;
  comment?: GitHubComment;
  repository?: { full_name?: string };
}

/** What a webhook payload asks for: an issue, a comment on one, or nothing beyond the catch-up sync. */
export function eventItems(payload: unknown, repository: string): { issue?: GitHubIssue; comment?: GitHubComment; note: string } {
  const event = (payload ?? {}) as EventPayload;
  if (!event.issue) return { note: 'no issue in the event: catch-up sync only' };
  const from = event.repository?.full_name;
  if (from !== undefined && from.toLowerCase() !== repository.toLowerCase()) {
    throw new GitgusError('E_GITHUB_REPOSITORY', `the event is about ${from}, but this helpdesk takes issues from ${repository}`, {
      hint: 'Set issueRepository (or repository) in helpdesk.yml to the repository whose issues become tickets.',
    });
  }
  if (event.comment) {
    if (event.action !== undefined && event.action !== 'created') return { issue: event.issue, note: `comment ${event.action}: only new comments become messages` };
    return { issue: event.issue, comment: event.comment, note: 'new comment' };
  }
  return { issue: event.issue, note: `issue ${event.action ?? 'event'}` };
}
