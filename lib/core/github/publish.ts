/**
 * What the helpdesk says on a ticket's GitHub issue: the acknowledgement with the ticket number and page
 * link, every public message that did not come from the issue itself, the solution, and the issue's state
 * following the ticket's. Planned without IO from the ticket and the comments already on the issue: each
 * comment carries a hidden mark, so a rerun (a retried job, an overlapping range) posts nothing twice.
 */
import { ticketLabel, shortHash } from '../paths.ts';
import type { Message } from '../schema/message.ts';
import type { Ticket } from '../schema/ticket.ts';
import type { Unit } from '../schema/unit.ts';
import { mark, marksIn } from './issue.ts';

interface PublishInput {
  ticket: Ticket;
  /** The ticket's messages with their file names (inside `messages/`). */
  messages: readonly { file: string; message: Message; body: string }[];
  units: readonly Unit[];
  /** Bodies of the comments already on the issue. */
  existing: readonly (string | undefined)[];
  issueState: string;
  helpdeskName: string;
  /** The ticket's page on the public site. */
  pageUrl: string;
  /** The subject tag with the number filled in (`[GGUS #165048]`), for answering by mail. */
  subjectTag: string;
  /** Masks private mail addresses in text that goes public (the site's rule). */
  mask: (text: string) => string;
}

export type PublishAction = { kind: 'comment'; mark: string; body: string } | { kind: 'state'; state: 'open' | 'closed'; reason: 'completed' | 'not_planned' | 'reopened'; mark: string };

/** An `@login` in mirrored text would notify that GitHub user; only the issue's author is meant to be. */
function quietMentions(text: string, author: string | undefined): string {
  // GitHub links a mention only at the start of a line or after a space or an opening bracket or quote.
  return text.replace(/(?<![^\s([{>"'])@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\b/g, (whole, login: string) => (author !== undefined && login.toLowerCase() === author.toLowerCase() ? whole : `@\u200b${login}`));
}

function unitName(units: readonly Unit[], id: string): string {
  return units.find((unit) => unit.id === id)?.name ?? id;
}

function acknowledgement(input: Pick<PublishInput, 'ticket' | 'units' | 'helpdeskName' | 'pageUrl' | 'subjectTag'>): string {
  const { ticket } = input;
  return [
    `Thank you. This issue is now ticket **${ticketLabel(ticket.number)}** of ${input.helpdeskName}, with ${unitName(input.units, ticket.unit)}.`,
    '',
    `Its page: ${input.pageUrl}`,
    '',
    `Answers from the supporters appear here as comments. Reply here, or by mail with \`${input.subjectTag}\` in the subject.`,
    '',
    mark('ticket', String(ticket.number)),
  ].join('\n');
}

function messageComment(input: PublishInput, entry: PublishInput['messages'][number]): string {
  const { author } = entry.message;
  const role = author.unit ? `${author.role}, ${unitName(input.units, author.unit)}` : author.role;
  const text = quietMentions(input.mask(entry.body.trim() === '' ? '(no text)' : entry.body.trim()), input.ticket.submitter.github);
  return [`**${input.mask(author.name)}** (${role}) on [${ticketLabel(input.ticket.number)}](${input.pageUrl}):`, '', text, '', mark('message', entry.file)].join('\n');
}

function solutionComment(input: PublishInput, solution: NonNullable<Ticket['solution']>, key: string): string {
  const verdict = input.ticket.status === 'unsolved' ? 'closed as unsolved' : 'solved';
  return [
    `Ticket [${ticketLabel(input.ticket.number)}](${input.pageUrl}) is ${verdict} (${solution.qualifier}):`,
    '',
    quietMentions(input.mask(solution.text.trim()), input.ticket.submitter.github),
    '',
    'If this does not solve your problem, reply here and the ticket is looked at again.',
    '',
    mark('solution', key),
  ].join('\n');
}

const CLOSED_FOR_GOOD = new Set(['verified', 'closed']);
/** Solutions GitHub calls "not planned" rather than "completed". */
const NOT_PLANNED = new Set(['invalid', "won't fix", 'duplicate']);

/** The comments and state change the issue still needs, in posting order. */
export function planPublish(input: PublishInput): PublishAction[] {
  const done = new Set(input.existing.flatMap((body) => marksIn(body)));
  const actions: PublishAction[] = [];
  const number = String(input.ticket.number);
  if (!done.has(`ticket ${number}`)) actions.push({ kind: 'comment', mark: `ticket ${number}`, body: acknowledgement(input) });

  const outgoing = input.messages.filter((entry) => entry.message.visibility === 'public' && entry.message.source !== 'github').sort((a, b) => a.file.localeCompare(b.file));
  for (const entry of outgoing) {
    if (!done.has(`message ${entry.file}`)) actions.push({ kind: 'comment', mark: `message ${entry.file}`, body: messageComment(input, entry) });
  }

  const { solution, status } = input.ticket;
  if (solution && (status === 'solved' || status === 'unsolved' || CLOSED_FOR_GOOD.has(status))) {
    // Keyed by the text, so a changed solution (reopened, solved again) is posted again.
    const key = `${number}-${shortHash(`${solution.qualifier}\n${solution.text}`)}`;
    if (!done.has(`solution ${key}`)) actions.push({ kind: 'comment', mark: `solution ${key}`, body: solutionComment(input, solution, key) });
  }
  if (CLOSED_FOR_GOOD.has(status) && input.issueState === 'open') {
    const qualifier = input.ticket.solution?.qualifier;
    const notPlanned = qualifier !== undefined && NOT_PLANNED.has(qualifier);
    actions.push({ kind: 'state', state: 'closed', reason: notPlanned ? 'not_planned' : 'completed', mark: `status ${number}-closed` });
  } else if (status === 'reopened' && input.issueState === 'closed') {
    actions.push({ kind: 'state', state: 'open', reason: 'reopened', mark: `status ${number}-reopened` });
  }
  return actions;
}
