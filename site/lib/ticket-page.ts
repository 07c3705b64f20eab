/**
 * One ticket's page data: its files read and parsed with the core parsers, projected to public
 * (site/lib/public.ts), each text rendered through the sanitizing pipeline, and the two ways to answer.
 * Each page renders only its own ticket, so no build holds every body at once.
 */
import { compactTime, messagesDir, ticketDir, ticketIndexPath } from '../../lib/core/paths.ts';
import type { Model } from './model.ts';
import { publicTicketPage, type PublicAttachment, type PublicMessage, type PublicTicketPage } from './public.ts';
import { parseTicketSource, readTicketSource } from './ticket-loader.ts';
import { roleWords, type TimelineEntry } from './history.ts';

/** Rendered text: what is shown, and the quoted history or signature shown folded. */
export interface RenderedText {
  html: string;
  folded?: string;
}

export interface RenderedMessage extends Omit<PublicMessage, 'body'> {
  text: RenderedText;
  staff: boolean;
}

export interface TicketView {
  page: PublicTicketPage;
  request: RenderedText;
  requestAttachments: PublicAttachment[];
  messages: RenderedMessage[];
  solution?: { qualifier: string; html: string };
  timeline: TimelineEntry[];
  replyByMail: { address: string; href: string; subject: string; tag: string };
  pullRequest?: { newMessage: string; editTicket: string; folder: string };
}

/** Splits Markdown at a 1-based line: the part before is shown, the rest folded. */
export function splitAtLine(markdown: string, foldFrom: number | undefined): { shown: string; folded?: string } {
  if (foldFrom === undefined) return { shown: markdown };
  const lines = markdown.split('\n');
  if (foldFrom <= 1 || foldFrom > lines.length) return { shown: markdown };
  const folded = lines.slice(foldFrom - 1).join('\n');
  return folded.trim() === '' ? { shown: markdown } : { shown: lines.slice(0, foldFrom - 1).join('\n'), folded };
}

function renderFolded(model: Model, markdown: string, foldFrom: number | undefined): RenderedText {
  const { shown, folded } = splitAtLine(markdown, foldFrom);
  const text: RenderedText = { html: model.renderText(shown) };
  if (folded !== undefined) text.folded = model.renderText(folded);
  return text;
}

/** The template a supporter's new message file starts from (lib/core/schema/message.ts). */
export function messageTemplate(unit: string, date: string): string {
  return `---\ndate: ${date}\nauthor:\n  name: YOUR NAME\n  github: YOUR-GITHUB-LOGIN\n  role: supporter\n  unit: ${unit}\nvisibility: public\nsource: pull-request\n---\nWrite your answer here.\n`;
}

/** Placeholder time in pull-request links without JavaScript; the ticket script puts the real time in. */
export const TEMPLATE_TIME = '2000-01-01T00:00:00Z';

export function pullRequestLinks(repository: string, branch: string, number: number, unit: string): { newMessage: string; editTicket: string; folder: string } {
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
export function mergeTimeline(events: readonly TimelineEntry[], messages: readonly PublicMessage[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    ...events,
    ...messages.map((m): TimelineEntry => ({ time: m.date, kind: 'message', text: `Public message from ${m.author}, ${roleWords(m.role)}${m.unit ? ` (${m.unit})` : ''}` })),
  ];
  return entries.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

export function ticketView(model: Model, number: number): TicketView {
  const folder = ticketDir(number);
  const { doc, messages } = parseTicketSource(readTicketSource(model.root, folder));
  const page = publicTicketPage(doc, messages, model.policy);
  const summary = model.byNumber.get(number) ?? page.ticket;
  const settings = model.settings;
  const intake = settings.intake.find((entry) => entry.address === page.ticket.intake) ?? settings.intake[0];
  const tag = settings.subjectTag.replace('{number}', String(number));
  const subject = `${tag} ${page.ticket.title}`;
  const address = intake?.address ?? '';
  const view: TicketView = {
    page,
    request: renderFolded(model, page.request, page.requestFoldFrom),
    requestAttachments: page.requestAttachments,
    messages: page.messages.map((m) => {
      const { body, ...rest } = m;
      return { ...rest, text: renderFolded(model, body, m.foldFrom), staff: m.role === 'supporter' || m.role === 'tpm' };
    }),
    timeline: mergeTimeline(model.history.timeline(summary), page.messages),
    replyByMail: { address, subject, tag, href: `mailto:${address}?subject=${encodeURIComponent(subject)}` },
  };
  if (page.solution) view.solution = { qualifier: page.solution.qualifier, html: model.renderText(page.solution.text) };
  if (settings.repository) view.pullRequest = pullRequestLinks(settings.repository, settings.branch, number, page.ticket.unit);
  return view;
}
