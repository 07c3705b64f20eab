/**
 * One ticket's page data: its files read and parsed with the core parsers, projected to public
 * (site/lib/public.ts), each text rendered through the sanitizing pipeline, and the two ways to answer.
 * Each page renders only its own ticket, so no build holds every body at once.
 */
import { ESCALATION_KEYWORD, escalationAudience, nextEscalation } from '../../lib/core/escalation.ts';
import { compactTime, messagesDir, ticketDir, ticketIndexPath } from '../../lib/core/paths.ts';
import type { Model } from './model.ts';
import type { PublicMessage, PublicTicket } from './public.ts';
import { prepareTicket, readPrepared, readTicketSource, type PreparedPage } from './ticket-prepare.ts';
import { pageKey } from './page-keys.ts';
import type { ViewTicket } from './view.ts';
import { roleWords, type TimelineEntry } from './history.ts';

interface TicketView {
  prepared: PreparedPage;
  ticket: PublicTicket;
  timeline: TimelineEntry[];
  replyByMail: { address: string; href: string; subject: string; tag: string };
  /** The user escalation link (a mailto with the keyword intake recognises), while the ticket can be escalated. */
  escalate?: { href: string; subject: string; level: number; audience: string };
  /** The submitter's self-service by mail (lib/core/intake/keywords.ts): mailto links with the keyword subjects. */
  selfService: { label: string; subject: string; href: string }[];
  pullRequest?: { newMessage: string; editTicket: string; folder: string };
}

/** The template a supporter's new message file starts from (lib/core/schema/message.ts). */
function messageTemplate(unit: string, date: string): string {
  return `---\ndate: ${date}\nauthor:\n  name: YOUR NAME\n  github: YOUR-GITHUB-LOGIN\n  role: supporter\n  unit: ${unit}\nvisibility: public\nsource: pull-request\n---\nWrite your answer here.\n`;
}

/** Placeholder time in pull-request links without JavaScript; the ticket script puts the real time in. */
const TEMPLATE_TIME = '2000-01-01T00:00:00Z';

function pullRequestLinks(repository: string, branch: string, number: number, unit: string): { newMessage: string; editTicket: string; folder: string } {
  const base = `https://github.com/${repository}`;
  const folder = messagesDir(number);
  const query = new URLSearchParams({ filename: `${compactTime(TEMPLATE_TIME)}-reply.md`, value: messageTemplate(unit, TEMPLATE_TIME) });
  return {
    newMessage: `${base}/new/${encodeURIComponent(branch)}/${folder}?${query.toString()}`,
    editTicket: `${base}/edit/${encodeURIComponent(branch)}/${ticketIndexPath(number)}`,
    folder: ticketDir(number),
  };
}

/**
 * The history's events plus one entry per public message, read from the files (the files decide what
 * is public; internal notes never appear).
 */
function mergeTimeline(events: readonly TimelineEntry[], messages: readonly PublicMessage[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [...events, ...messages.map((m): TimelineEntry => ({ time: m.date, kind: 'message', text: `Public message from ${m.author}, ${roleWords(m.role)}${m.unit ? ` (${m.unit})` : ''}` }))];
  return entries.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

/** The page's prepared content: from the cache the loader wrote, or prepared now when it is missing. */
function preparedFor(model: Model, number: number, digest: string | undefined): PreparedPage {
  const cached = digest === undefined ? undefined : readPrepared(model.root, number, digest);
  if (cached) return cached;
  const source = readTicketSource(model.root, ticketDir(number));
  return prepareTicket(source, digest ?? '', model.policy, model.renderText).prepared;
}

/**
 * The self-service keywords a ticket page offers; intake reads them from the subject (lib/core/intake/keywords.ts
 * selfServiceKeyword). The CC links leave ADDRESS for the writer to replace, and their body says so.
 */
const CC_BODY = 'Replace ADDRESS in the subject with the mail address, then send.';
const SELF_SERVICE_KEYWORDS: readonly (readonly [label: string, words: string, body?: string])[] = [
  ['Subscribe to this ticket', 'subscribe'],
  ['Unsubscribe', 'unsubscribe'],
  ['Submitter: mail me on every change', 'notify on every change'],
  ['Submitter: mail me only on solution', 'notify on solution'],
  ['Submitter: add a CC address', 'cc add ADDRESS', CC_BODY],
  ['Submitter: remove a CC address', 'cc remove ADDRESS', CC_BODY],
  ['Submitter: it affects the whole VO', 'affects vo'],
];

/** An RFC 6068 mailto link, its fields percent-encoded (a space as %20, never `+`, which RFC 6068 reads as a plus sign). */
function mailtoHref(address: string, subject: string, body?: string): string {
  return `mailto:${address}?subject=${encodeURIComponent(subject)}${body === undefined ? '' : `&body=${encodeURIComponent(body)}`}`;
}

export function ticketView(model: Model, number: number): TicketView {
  const summary = model.byNumber.get(number);
  const prepared = preparedFor(model, number, summary?.digest);
  const ticket = prepared.page.ticket;
  const settings = model.settings;
  const intake = settings.intake.find((entry) => entry.address === ticket.intake) ?? settings.intake[0];
  const tag = settings.subjectTag.replace('{number}', String(number));
  const subject = `${tag} ${ticket.title}`;
  const address = intake?.address ?? '';
  const messages: PublicMessage[] = prepared.messages.map((m) => ({ ...m, body: '' }));
  const view: TicketView = {
    prepared,
    ticket,
    timeline: mergeTimeline(model.history.timeline(summary ?? ticket), messages),
    replyByMail: { address, subject, tag, href: mailtoHref(address, subject) },
    selfService: address === '' ? [] : SELF_SERVICE_KEYWORDS.map(([label, words, body]) => ({ label, subject: `${tag} ${words}`, href: mailtoHref(address, `${tag} ${words}`, body) })),
  };
  const level = nextEscalation({ status: ticket.status, escalation: ticket.escalation });
  if (level !== undefined && address !== '') {
    const escalateSubject = `${tag} ${ESCALATION_KEYWORD}`;
    view.escalate = { href: mailtoHref(address, escalateSubject), subject: escalateSubject, level, audience: escalationAudience(level) };
  }
  if (settings.repository) view.pullRequest = pullRequestLinks(settings.repository, settings.branch, number, ticket.unit);
  return view;
}

/**
 * The key of a ticket's page (site/lib/page-keys.ts): its summary as the site sees it (with the colour and
 * the digest of its files), its timeline, its unit's name and the titles of the tickets it links to.
 */
export function ticketPageKey(model: Model, ticket: ViewTicket): string {
  const relations = ticket.relations ?? {};
  const linked = [relations.master, relations.parent, ...(relations.slaves ?? []), ...(relations.children ?? []), ...(relations.related ?? [])].filter((n): n is number => n !== undefined);
  return pageKey(
    model,
    'ticket',
    ticket,
    model.history.source,
    model.history.timeline(ticket),
    model.unitById.get(ticket.unit)?.name,
    linked.map((n) => model.byNumber.get(n)?.title),
  );
}
