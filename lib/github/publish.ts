/**
 * Answering on GitHub: for each ticket that came from an issue, post what the issue still lacks — the
 * acknowledgement, public messages, the solution — and close or reopen it with the ticket
 * (lib/core/github/publish.ts plans it). Run after intake's commits are pushed, and after merges, for the
 * tickets changed in a commit range; the hidden marks in earlier comments make every rerun safe.
 */
import { ticketPageUrl } from '../core/site-parts.ts';
import { GitgusError } from '../errors.ts';
import { isOwnComment, issueOfTicket, marksIn } from '../core/github/issue.ts';
import { planPublish, type PublishAction } from '../core/github/publish.ts';
import { parseTicketPath } from '../core/paths.ts';
import type { Settings } from '../core/schema/settings.ts';
import type { Unit } from '../core/schema/unit.ts';
import { runGit } from '../git/native.ts';
import { listTicketFolders, loadSettings, loadTicket, loadTicketAt, loadUnits, type LoadedTicket } from '../store/load.ts';
import { addressPolicy, maskAddresses } from '../core/privacy.ts';
import type { GitHubApi } from './client.ts';

interface PublishOptions {
  root: string;
  api: GitHubApi;
  /** Tickets changed after this commit (exclusive) up to HEAD. */
  since?: string | undefined;
  /** Tickets to look at besides the range (those intake just made). */
  tickets?: Iterable<number>;
  /** Every ticket from GitHub (a full catch-up; one API call per ticket). */
  all?: boolean;
}

interface PublishedAction {
  ticket: number;
  issue: string;
  action: PublishAction['kind'];
  mark: string;
}

export interface PublishResult {
  /** Tickets from GitHub that were looked at. */
  checked: number;
  done: PublishedAction[];
  /** Tickets whose issue could not be updated; the next run tries again. */
  failures: { ticket: number; issue: string; message: string }[];
}

/** Ticket numbers with any file changed between `since` and HEAD. */
function ticketsChangedSince(root: string, since: string): number[] {
  const base = runGit(root, ['rev-parse', '--verify', '--quiet', `${since}^{commit}`], { allowFailure: true });
  if (base.status !== 0) {
    throw new GitgusError('E_GIT_REF', `--since '${since}' is not a commit in this helpdesk`, { hint: 'Pass a commit id or ref that exists (git log --oneline); in CI check out the full history (fetch-depth: 0).' });
  }
  const names = runGit(root, ['diff', '--name-only', '--no-renames', base.stdout.trim(), 'HEAD', '--', 'tickets']).stdout.split('\n');
  const numbers = new Set<number>();
  for (const name of names) {
    const location = parseTicketPath(name.trim());
    if (location) numbers.add(location.number);
  }
  return [...numbers].sort((a, b) => a - b);
}

function githubTickets(root: string, options: PublishOptions): LoadedTicket[] {
  if (options.all) {
    return listTicketFolders(root)
      .map((folder) => loadTicketAt(root, folder.path))
      .filter((doc) => issueOfTicket(doc.ticket) !== undefined)
      .map((doc) => loadTicket(root, doc.ticket.number, { messages: true }));
  }
  const numbers = new Set([...(options.tickets ?? []), ...(options.since === undefined ? [] : ticketsChangedSince(root, options.since))]);
  const out: LoadedTicket[] = [];
  for (const number of [...numbers].sort((a, b) => a - b)) {
    let doc: LoadedTicket;
    try {
      doc = loadTicket(root, number, { messages: true });
    } catch (error) {
      // A ticket removed in the range has nothing to publish.
      if (error instanceof GitgusError && error.code === 'E_NOT_FOUND') continue;
      throw error;
    }
    if (issueOfTicket(doc.ticket)) out.push(doc);
  }
  return out;
}

function pageUrl(settings: Settings, number: number): string {
  return ticketPageUrl(settings, number);
}

async function publishTicket(doc: LoadedTicket, settings: Settings, units: readonly Unit[], api: GitHubApi, done: PublishedAction[]): Promise<void> {
  const where = issueOfTicket(doc.ticket);
  if (!where) return;
  const issue = `${where.repository}#${where.number}`;
  const comments = await api.listComments(where.repository, where.number);
  // The token's identity is asked only when some comment carries a mark (none on a first publish).
  const marked = comments.filter((comment) => marksIn(comment.body).length > 0);
  const own = marked.length > 0 ? await api.identity() : undefined;
  const status = doc.ticket.status;
  // The issue's state matters only when the ticket's might change it; spare the call otherwise.
  const issueState = status === 'verified' || status === 'closed' || status === 'reopened' ? (await api.getIssue(where.repository, where.number)).state : 'unknown';
  const policy = addressPolicy(settings.intake.map((entry) => entry.address));
  const actions = planPublish({
    ticket: doc.ticket,
    messages: (doc.messages ?? []).map((entry) => ({ file: entry.file, message: entry.message, body: entry.body })),
    units,
    // "Already posted" marks count only in comments by the token's own account.
    existing: marked.length === 0 ? [] : marked.filter((comment) => isOwnComment(comment, own ?? { id: -1 })).map((comment) => comment.body),
    issueState,
    helpdeskName: settings.name,
    pageUrl: pageUrl(settings, doc.ticket.number),
    subjectTag: settings.subjectTag.replace('{number}', String(doc.ticket.number)),
    mask: (text) => maskAddresses(text, policy),
  });
  for (const action of actions) {
    if (action.kind === 'comment') await api.createComment(where.repository, where.number, action.body);
    else await api.setIssueState(where.repository, where.number, action.state, action.reason);
    done.push({ ticket: doc.ticket.number, issue, action: action.kind, mark: action.mark });
  }
}

/** Publishes to every affected issue; one issue's failure is reported and the others still get theirs. */
export async function publishToGitHub(options: PublishOptions): Promise<PublishResult> {
  const settings = loadSettings(options.root);
  const units = loadUnits(options.root).items.map((item) => item.unit);
  const tickets = githubTickets(options.root, options);
  const result: PublishResult = { checked: tickets.length, done: [], failures: [] };
  for (const doc of tickets) {
    const where = issueOfTicket(doc.ticket);
    try {
      await publishTicket(doc, settings, units, options.api, result.done);
    } catch (error) {
      if (!(error instanceof GitgusError)) throw error;
      result.failures.push({ ticket: doc.ticket.number, issue: where ? `${where.repository}#${where.number}` : '', message: error.message });
    }
  }
  return result;
}
