/**
 * GitHub issues and comments as the helpdesk sees them: their identity (origin, thread ids), the marks
 * that tell the helpdesk's own comments apart, and what an issue or a comment becomes — a new ticket or a
 * message — decided without IO. The IO edge (lib/github/intake.ts) fetches, asks, and commits through
 * mail intake's session, so numbering, the Message-ID index and the commit format are the same for both.
 */
import { formatActor } from '../actor.ts';
import type { CommitMessage } from '../commit-message.ts';
import { normalizeBody, serializeTicket, type TicketDoc } from '../documents.ts';
import { applyAssignments, describeChanges, messageFile, type FieldChange } from '../edit.ts';
import { extractSite, extractVo } from '../intake/extract.ts';
import { ticketIndexPath } from '../paths.ts';
import { roleOf } from '../people.ts';
import { GitHubLoginSchema } from '../schema/common.ts';
import { UNKNOWN_CONTENT_HASH, type IndexEntry } from '../schema/intake.ts';
import type { MessageInput } from '../schema/message.ts';
import type { Settings } from '../schema/settings.ts';
import type { TicketInput } from '../schema/ticket.ts';
import type { Unit } from '../schema/unit.ts';
import { parseIssueForm } from './form.ts';
import { resolveRequest } from '../team-alarm.ts';
import { isoSecondsOf } from '../time.ts';
import { oneLine } from '../text.ts';

/** The fields of GitHub's REST/webhook `simple-user` gitgus reads. */
interface GitHubUser {
  login: string;
  /** The account's numeric id: what tells the helpdesk's own comments from copies of them. */
  id?: number | bigint;
  /** `User`, `Bot`, `Organization`. */
  type?: string;
}

/** The fields of GitHub's `issue` object (REST and webhook payloads alike) gitgus reads. */
export interface GitHubIssue {
  number: number;
  title: string;
  body?: string | null;
  user: GitHubUser | null;
  html_url: string;
  state: string;
  created_at: string;
  updated_at: string;
  /** Present when the "issue" is a pull request. */
  pull_request?: unknown;
}

/** The fields of GitHub's `issue-comment` object gitgus reads. */
export interface GitHubComment {
  id: number | bigint;
  body?: string;
  user: GitHubUser | null;
  html_url: string;
  created_at: string;
  updated_at: string;
}

const GITHUB_SYSTEM = 'github';

/** Ticket `origin` of an issue: `{ system: github, id: owner/repo#12 }`, shown as `github:owner/repo#12`. */
function issueOrigin(repository: string, number: number): { system: string; id: string } {
  return { system: GITHUB_SYSTEM, id: `${repository}#${number}` };
}

function originLabel(origin: { system: string; id: string }): string {
  return `${origin.system}:${origin.id}`;
}

/** The issue a ticket came from, or undefined for a ticket from elsewhere. */
export function issueOfTicket(ticket: { origin?: { system: string; id: string } | undefined }): { repository: string; number: number } | undefined {
  if (ticket.origin?.system !== GITHUB_SYSTEM) return undefined;
  const match = /^([\w.-]+\/[\w.-]+)#(\d+)$/.exec(ticket.origin.id);
  return match ? { repository: match[1] as string, number: Number(match[2]) } : undefined;
}

/**
 * Thread ids of an issue and its comments: the Message-IDs GitHub itself gives the notification mail of
 * each (`owner/repo/issues/12@github.com`, `owner/repo/issues/12/<comment id>@github.com`). Stored in the
 * helpdesk's Message-ID index, they make a second import of the same issue or comment a no-op, and a
 * supporter's mail answering GitHub's notification threads to the ticket.
 */
export function issueMessageId(repository: string, number: number): string {
  return `${repository}/issues/${number}@github.com`;
}

export function commentMessageId(repository: string, number: number, commentId: number | bigint): string {
  return `${repository}/issues/${number}/${String(commentId)}@github.com`;
}

/**
 * Hidden marks in the comments the helpdesk writes. They are how a comment is known as ours (never imported
 * back, whoever's token wrote it) and how a rerun knows what was already posted.
 */
const MARK = /<!--\s*gitgus:([a-z]+)\s+([^\s>]+)\s*-->/g;

type MarkKind = 'ticket' | 'message' | 'solution' | 'status';

export function mark(kind: MarkKind, key: string): string {
  if (!/^[A-Za-z0-9._#-]+$/.test(key)) throw new RangeError(`mark key must be letters, digits, . _ # -: ${key}`);
  return `<!-- gitgus:${kind} ${key} -->`;
}

/** Every mark in a text, as `kind key`. */
export function marksIn(text: string | undefined): string[] {
  return [...(text ?? '').matchAll(MARK)].map((match) => `${match[1] ?? ''} ${match[2] ?? ''}`);
}

/** Whether a comment is the helpdesk's own: written by the token's account. Only then do its marks count. */
export function isOwnComment(comment: Pick<GitHubComment, 'user'>, own: { id: number | bigint }): boolean {
  return comment.user?.id !== undefined && Number(comment.user.id) === Number(own.id);
}

/**
 * A comment the helpdesk must not import: one it wrote (its own account, with a mark), or any bot's (stale
 * bots, CI reports) — bots are not people asking for help. A person's comment is imported even when it
 * carries a mark: copying one cannot make it disappear from the ticket.
 */
export function isOwnOrBotComment(comment: Pick<GitHubComment, 'body' | 'user'>, own: { id: number | bigint }): boolean {
  return (marksIn(comment.body).length > 0 && isOwnComment(comment, own)) || comment.user?.type === 'Bot' || comment.user === null;
}

/** Why an issue is not a ticket, or undefined when it is one. */
export function issueRefusal(issue: GitHubIssue): string | undefined {
  if (issue.pull_request) return 'a pull request, not an issue';
  if (!issue.user) return 'opened by a deleted account (no author to answer)';
  if (issue.user.type === 'Bot') return `opened by the bot ${issue.user.login}`;
  if (!GitHubLoginSchema.safeParse(issue.user.login).success) return `author '${issue.user.login}' is not a GitHub login`;
  return undefined;
}

/** The index line that makes a thread id known: outcome the ticket; content is not compared (an issue may be edited). */
function indexEntry(idHash: string, ticket: number): IndexEntry {
  return { idHash, contentHash: UNKNOWN_CONTENT_HASH, outcome: ticket };
}

/** GitHub's timestamp in our form (GitHub already writes seconds; an unreadable one is kept, and the schema refuses it). */
function githubTime(text: string): string {
  return isoSecondsOf(text) ?? text;
}

/** A routing decision as the routing rules (or mail intake's stub) give it. */
export interface RoutingOutcome {
  unit: string;
  /** Why, for the commit body. */
  reason: string;
  /** Fields a rule set besides the unit (priority, VO, notify site, involve). */
  fields?: Partial<Pick<TicketInput, 'status' | 'priority' | 'vo' | 'notifySite' | 'involve'>>;
  /** Commit trailers naming the rule. */
  trailers?: Record<string, string>;
}

/** The change one issue or comment makes, in the shape mail intake's session commits (lib/intake/session.ts). */
export interface GitHubChange {
  action: 'created' | 'appended';
  ticket: number;
  reason: string;
  flags: string[];
  files: { path: string; content: string }[];
  indexEntry: IndexEntry;
  commit: CommitMessage;
  minted?: number;
}

interface NewIssueContext {
  /** `owner/repo` the issue is in. */
  repository: string;
  settings: Pick<Settings, 'vos' | 'sites' | 'alarmers'>;
  /** Support units: members of a VO's unit may open TEAM tickets for it. */
  units?: readonly Unit[];
  /** Hash of a thread id, as the Message-ID index keys it (SHA-256 at the IO edge). */
  idHash: (messageId: string) => string;
  /** The number the new ticket gets; asked once. */
  nextNumber(): number;
  /** Routes the drafted ticket (the routing rules; mail intake's stub until they land). */
  route(ticket: TicketInput, body: string): RoutingOutcome;
}

/** The ticket an issue opened through the form (or in free text) becomes. */
export function decideNewIssue(issue: GitHubIssue, ctx: NewIssueContext): GitHubChange {
  const login = issue.user?.login ?? '';
  const form = parseIssueForm(issue.body);
  const fullTitle = oneLine(form.summary ?? issue.title, 10_000);
  const title = fullTitle === '' ? '(no summary)' : oneLine(fullTitle, 250);
  const notes = [...form.notes];
  if (title !== fullTitle && fullTitle !== '') notes.unshift(`Summary: ${fullTitle}`);
  const site = form.site ?? extractSite([issue.title, form.description], Object.keys(ctx.settings.sites));
  // GitHub authenticated the login: TEAM/ALARM by the alarmers list and the VO's unit (lib/core/team-alarm.ts).
  const request = resolveRequest({ type: form.type, vo: form.vo, notifySite: form.notifySite, issue: form.issue }, { vo: extractVo([issue.title, form.description], ctx.settings.vos) }, { github: login }, true, {
    settings: ctx.settings,
    units: ctx.units ?? [],
  });
  const { vo, notifySite, type } = request;
  notes.push(...request.notes.map((note) => `(${note})`));
  const priority = form.priority ?? 'less urgent';
  const body = normalizeBody([form.description, notes.length > 0 ? notes.join('\n') : ''].filter((part) => part.trim() !== '').join('\n\n'));
  const origin = issueOrigin(ctx.repository, issue.number);
  const number = ctx.nextNumber();
  const draft: TicketInput = {
    number,
    title,
    status: 'new',
    priority,
    originalPriority: priority,
    type,
    ...(request.issue ? { issue: request.issue } : {}),
    unit: 'tpm',
    ...(vo ? { vo } : {}),
    ...(site ? { site } : {}),
    ...(notifySite ? { notifySite } : {}),
    ...(request.flags.length > 0 ? { flags: request.flags } : {}),
    submitter: { name: login, github: login },
    created: githubTime(issue.created_at),
    source: { kind: 'github' },
    origin,
  };
  const routing = ctx.route(draft, body);
  // The original priority is the one the ticket starts with, after routing (a rule may raise an ALARM to top priority).
  const ticket: TicketInput = { ...draft, ...routing.fields, unit: routing.unit, originalPriority: routing.fields?.priority ?? priority };
  const path = ticketIndexPath(number);
  const label = originLabel(origin);
  const reason = [`GitHub issue ${label}${form.fromForm ? ' (issue form)' : ' (free text, no form headings)'}`, routing.reason].join('; ');
  return {
    action: 'created',
    ticket: number,
    reason,
    flags: [],
    minted: number,
    files: [{ path, content: serializeTicket({ ticket, body }, path) }],
    indexEntry: indexEntry(ctx.idHash(issueMessageId(ctx.repository, issue.number)), number),
    commit: {
      subject: `#${number} new ticket from GitHub issue ${label} by ${login}: ${title}`,
      body: reason,
      trailers: { Ticket: String(number), Unit: ticket.unit, Actor: formatActor({ github: login }), Event: 'created', Intake: label, ...routing.trailers },
    },
  };
}

interface CommentContext {
  repository: string;
  issueNumber: number;
  units: readonly Unit[];
  idHash: (messageId: string) => string;
}

/**
 * A comment on a ticket's issue becomes a public message. Like a mail reply, the submitter answering a
 * ticket that is `waiting for reply` moves it to `in progress`; GitHub authenticated the author, so no
 * authentication flag applies.
 */
export function decideComment(comment: GitHubComment, doc: TicketDoc, ctx: CommentContext): GitHubChange {
  const login = comment.user?.login ?? 'ghost';
  const number = doc.ticket.number;
  const { role, unit } = roleOf({ github: login }, doc.ticket, ctx.units);
  const messageId = commentMessageId(ctx.repository, ctx.issueNumber, comment.id);
  const message: MessageInput = {
    date: githubTime(comment.created_at),
    author: { name: login, ...(GitHubLoginSchema.safeParse(login).success ? { github: login } : {}), role, ...(unit ? { unit } : {}) },
    visibility: 'public',
    source: 'github',
    messageId,
    inReplyTo: issueMessageId(ctx.repository, ctx.issueNumber),
  };
  const file = messageFile(number, { message, body: comment.body ?? '' }, `comment ${String(comment.id)}`);
  const files = [file];
  let changes: FieldChange[] = [];
  const reasons = [`comment ${comment.html_url}`];
  if (role === 'submitter' && doc.ticket.status === 'waiting for reply') {
    const path = ticketIndexPath(number);
    const applied = applyAssignments(doc, [{ field: 'status', value: 'in progress' }], { file: path, unitIds: new Set(ctx.units.map((u) => u.id)) });
    changes = applied.changes;
    files.push({ path, content: serializeTicket({ ticket: applied.ticket, body: doc.body }, path) });
    reasons.push('submitter replied to waiting for reply');
  }
  const who = `${login} (${role})`;
  return {
    action: 'appended',
    ticket: number,
    reason: reasons.join('; '),
    flags: [],
    files,
    indexEntry: indexEntry(ctx.idHash(messageId), number),
    commit: {
      subject: changes.length > 0 ? `${describeChanges(number, changes)} by GitHub comment from ${who}` : `#${number} message by GitHub comment from ${who}`,
      body: reasons.join('\n'),
      trailers: {
        Ticket: String(number),
        Unit: doc.ticket.unit,
        Actor: formatActor({ github: login }),
        Event: changes.length > 0 ? 'status' : 'message',
        Intake: originLabel(issueOrigin(ctx.repository, ctx.issueNumber)),
      },
    },
  };
}
