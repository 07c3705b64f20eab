/**
 * Turns a planned notification into the parts of a mail: subject with the ticket tag and status, a plain
 * text part and an HTML part (changed fields highlighted, the new messages, a link to the ticket page,
 * verify/reopen links on the solution), and the threading and loop headers. Pure: the SMTP side
 * (lib/mail/outgoing/) hands these parts to nodemailer, which builds and encodes every header, so no
 * ticket text is ever concatenated into raw header lines.
 */
import { ticketPageUrl } from '../site-parts.ts';
import { LOOP_HEADER, normalizeMessageId, notificationMessageId, VISIBILITY_HEADER } from '../mail-ids.ts';
import type { Settings } from '../schema/settings.ts';
import type { Ticket } from '../schema/ticket.ts';
import { describeEscalation, ESCALATION_KEYWORD, escalationAudience, nextEscalation } from '../escalation.ts';
import type { Unit } from '../schema/unit.ts';
import { carriesInternal, unitLabel, type PlannedMail, type Recipient, type ShownChange } from './plan.ts';
import type { AddedMessage } from './update.ts';
import { oneLine } from '../text.ts';

interface MailAddress {
  name?: string | undefined;
  address: string;
}

/** Everything needed to send one notification; nodemailer turns it into bytes. */
export interface OutgoingMail {
  /** The ticket the mail is about. */
  ticket: number;
  /** The event key inside the Message-ID. */
  key: string;
  /** Without angle brackets. */
  messageId: string;
  from: MailAddress;
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress;
  subject: string;
  text: string;
  /** Absent for machine-read mail (an interface mail is plain text only). */
  html?: string | undefined;
  /** Without angle brackets. */
  inReplyTo?: string | undefined;
  /** Without angle brackets, oldest first. */
  references: string[];
  /** ISO time (the update's time, so re-rendering gives the same bytes). */
  date: string;
  /** Extra headers, constant names and values built from settings only. */
  headers: Record<string, string>;
  /** Recipient roles by address, for logs and tests. */
  roles: Record<string, string>;
  /** A unit mailing list is a recipient. */
  list: boolean;
  /** Sign the mail (OpenPGP, PGP/MIME) before sending: the ALARM mail. */
  sign?: boolean;
  /** The whole message as signed (set by the signing edge): sent byte for byte, since any rebuild would break the signature. */
  raw?: Uint8Array | undefined;
  /** The sender whose mail caused this one (acknowledgement, Cc notice): their daily cap applies too. */
  onBehalfOf?: string;
}

interface RenderContext {
  settings: Settings;
  units: readonly Unit[];
  /** The newest notification already sent about this ticket (threading), if known. */
  previousNotification?: string | undefined;
}

/** A Message-ID a mail header can carry: `local@domain`, no spaces, brackets or control characters. */
const MESSAGE_ID = /^[^\s<>()\u0000-\u001f\u007f@]{1,200}@[^\s<>()\u0000-\u001f\u007f@]{1,200}$/;
const MAX_REFERENCES = 12;

/** The ticket's tag, `[GGUS #165048]` by default (settings.subjectTag). */
export function subjectTag(settings: Settings, number: number): string {
  return settings.subjectTag.replace('{number}', String(number));
}

/** The ticket's page on the public site: `<siteUrl>tickets/<number>/`, or in the site part that holds it. */
export function ticketUrl(settings: Settings, number: number): string {
  return ticketPageUrl(settings, number);
}

/**
 * The intake address replies go to: the one the ticket came in through, else the first configured; with
 * `mail.replyTokens`, its per-ticket form `helpdesk+165048@…`, which intake threads on before any header.
 */
function replyAddress(settings: Settings, ticket: Ticket): string {
  const came = ticket.source.address?.toLowerCase();
  const known = settings.intake.find((entry) => entry.address.toLowerCase() === came);
  const address = (known ?? settings.intake[0])?.address ?? settings.sender;
  if (settings.mail.replyTokens !== true) return address;
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at)}+${ticket.number}${address.slice(at)}`;
}

/**
 * Where a reply to a mail with internal notes goes: with reply tokens `helpdesk+165048.internal@…`, so it
 * becomes an internal note even when a mail client dropped every header; without them the public address
 * (an MTA without subaddressing would bounce `+internal`), and In-Reply-To and the `[internal]` subject mark do it.
 */
function internalReplyAddress(settings: Settings, ticket: Ticket): string {
  const address = replyAddress(settings, ticket);
  if (settings.mail.replyTokens !== true) return address;
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at)}.internal${address.slice(at)}`;
}

/** The subject mark of mails with internal notes; in a subject sent to intake it makes the mail an internal note. */
const INTERNAL_SUBJECT_MARK = '[internal]';

/** `mailto:` link that writes to intake with `<tag> verify`, `<tag> reopen` or `<tag> escalate` as the subject. */
function actionLink(settings: Settings, ticket: Ticket, action: 'verify' | 'reopen' | typeof ESCALATION_KEYWORD): string {
  return `mailto:${replyAddress(settings, ticket)}?subject=${encodeURIComponent(`${subjectTag(settings, ticket.number)} ${action}`)}`;
}

/**
 * The escalation offer of a mail to the submitter: the next level and its `mailto:` link, or undefined when
 * the mail is not to the submitter or the ticket cannot be escalated (closed, or at level 3 already).
 */
function escalationOffer(mail: PlannedMail, settings: Settings): { text: string; href: string } | undefined {
  if (mail.audience !== 'public' || ![...mail.to, ...mail.cc].some((r) => r.role === 'submitter')) return undefined;
  const level = nextEscalation(mail.ticket);
  if (level === undefined) return undefined;
  const current = mail.ticket.escalation ? ` (now ${describeEscalation(mail.ticket.escalation)})` : '';
  return {
    text: `No answer, or not the help you need? Escalate to level ${level} of 3 — ${escalationAudience(level)}${current}: write with the subject "${subjectTag(settings, mail.ticket.number)} ${ESCALATION_KEYWORD}"`,
    href: actionLink(settings, mail.ticket, ESCALATION_KEYWORD),
  };
}

const KIND_PREFIX: Record<PlannedMail['kind'], string> = {
  acknowledgement: 'Received: ',
  'cc notice': '',
  update: '',
  question: 'Question: ',
  solution: '',
  reminder: 'Your reply is needed: ',
  'unit alert': 'Attention: ',
  'children solved': 'Children solved: ',
  alarm: 'ALARM: ',
  subscription: '',
  refusal: 'Not added: ',
  escalation: 'Escalated: ',
};

/** `[GGUS #165048] CMS jobs fail at FZK-LCG2 (solved)`. */
function subjectOf(settings: Settings, mail: PlannedMail): string {
  // The confirmation code rides in the subject, so a plain reply (which keeps it) confirms.
  if (mail.kind === 'subscription') return oneLine(`${subjectTag(settings, mail.ticket.number)} subscribe ${mail.note ?? ''}`);
  if (mail.kind === 'alarm') {
    // GGUS's own alarm subject, which sites' filters match: `… ALARM ticket for site "<site>" "<vo>" "<subject>"`.
    const t = mail.ticket;
    return oneLine(`${subjectTag(settings, t.number)} ALARM ticket for site "${t.notifySite ?? ''}" "${t.vo ?? ''}" "${t.title}"`);
  }
  // A Cc notice carries no text of the sender's, not even the subject they wrote.
  if (mail.kind === 'cc notice') return oneLine(`${subjectTag(settings, mail.ticket.number)} You were named in copy on a ticket of ${settings.name}`);
  const mark = carriesInternal(mail) ? `${INTERNAL_SUBJECT_MARK} ` : '';
  return oneLine(`${subjectTag(settings, mail.ticket.number)} ${mark}${KIND_PREFIX[mail.kind]}${mail.ticket.title} (${mail.ticket.status})`);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function when(iso: string): string {
  return `${iso.replace('T', ' ').replace(/:\d{2}(?:\.\d+)?Z$/, '')} UTC`;
}

function authorLine(entry: AddedMessage, units: readonly Unit[]): string {
  const author = entry.message.author;
  const role = author.role === 'supporter' || author.role === 'tpm' ? `${author.role}${author.unit ? `, ${unitLabel(author.unit, units)}` : ''}` : author.role;
  const internal = entry.message.visibility === 'internal' ? ' — internal note, not sent to the submitter' : '';
  return `${author.name} (${role}), ${when(entry.message.date)}${internal}`;
}

/** Ticket fields shown in every mail, changed ones marked. */
function fieldRows(mail: PlannedMail, units: readonly Unit[]): { label: string; value: string; change?: ShownChange }[] {
  const t = mail.ticket;
  const rows: { field: string; label: string; value: string }[] = [
    { field: 'status', label: 'Status', value: t.status },
    { field: 'priority', label: 'Priority', value: t.priority },
    { field: 'unit', label: 'Support unit', value: unitLabel(t.unit, units) },
    { field: 'type', label: 'Type', value: `${t.type} · ${t.category} · ${t.issue}` },
  ];
  if (t.vo) rows.push({ field: 'vo', label: 'VO', value: t.vo });
  if (t.site) rows.push({ field: 'site', label: 'Affected site', value: t.site });
  if (mail.audience === 'supporters' && t.assignee) rows.push({ field: 'assignee', label: 'Assigned to', value: t.assignee });
  if (t.escalation) rows.push({ field: 'escalation', label: 'Escalation', value: describeEscalation(t.escalation) });
  if (t.issued) rows.push({ field: 'issued', label: 'Date of issue', value: when(t.issued) });
  rows.push({ field: 'created', label: 'Created', value: when(t.created) });
  return rows.map((row) => {
    const change = mail.changes.find((c) => c.field === row.field);
    return change ? { label: row.label, value: row.value, change } : { label: row.label, value: row.value };
  });
}

function introOf(mail: PlannedMail, settings: Settings): string {
  const label = `#${mail.ticket.number}`;
  switch (mail.kind) {
    case 'acknowledgement':
      return `Your request was received by ${settings.name} and registered as ticket ${label}. Replies to this mail are added to the ticket.`;
    case 'cc notice':
      return `You were named in copy of a request to ${settings.name}, registered as ticket ${label}. You will get its public updates; the ticket's page is linked below.`;
    case 'solution':
      return `Ticket ${label} is ${mail.ticket.status}.`;
    case 'reminder':
      return `Ticket ${label} is waiting for your reply.`;
    case 'question':
      return `Ticket ${label} is waiting for your reply: ${mail.actorName} asks you the question below. Reply to this mail to answer; the ticket then goes back to the support unit.`;
    case 'unit alert':
      return `Ticket ${label} needs your unit's attention.`;
    case 'children solved':
      return mail.note ?? `All child tickets of ${label} are finished.`;
    case 'subscription':
      return `Someone asked to subscribe ${mail.to[0]?.address ?? 'this address'} to ticket ${label} ("${oneLine(mail.ticket.title)}"): its public messages and its solution would be mailed here. To confirm, reply to this mail without changing the subject. If you did not ask for it, ignore this mail: nothing happens.`;
    case 'refusal': {
      const master = mail.note ?? '';
      return `Your mail was NOT added to ticket ${label}: it is a duplicate of ticket #${master}, and a duplicate accepts no update except through its master. Your mail is kept for the support unit, but nothing was changed. Please write to ticket #${master} instead: send your mail again to ${replyAddress(settings, { ...mail.ticket, number: Number(master) })} with "${subjectTag(settings, Number(master))}" in the subject. Updates of #${master} are copied to ${label}.`;
    }
    case 'alarm':
      return `ALARM ticket ${label}: an alarmer of ${mail.ticket.vo ?? 'the VO'} reports an emergency at ${mail.ticket.notifySite ?? 'your site'}. Confirm by replying to this mail with "${subjectTag(settings, mail.ticket.number)}" in the subject. This mail is signed by ${settings.name} (OpenPGP).`;
    case 'update':
      return `Ticket ${label} was updated by ${mail.actorName} on ${when(mail.time)}.`;
    case 'escalation':
      return `Ticket ${label} was escalated by its submitter on ${when(mail.time)}.`;
  }
}

/** The Cc notice: fixed words, the number and the link — nothing the sender wrote (title, request, name). */
function noticeText(mail: PlannedMail, settings: Settings): string {
  return `${[introOf(mail, settings), '', ticketUrl(settings, mail.ticket.number), '', '-- ', `${settings.name}. If you do not know this request, ignore this mail.`].join('\n')}\n`;
}

function noticeHtml(mail: PlannedMail, settings: Settings): string {
  const e = escapeHtml;
  const url = ticketUrl(settings, mail.ticket.number);
  return `${['<!DOCTYPE html>', `<html><head><meta charset="utf-8"><title>${e(subjectOf(settings, mail))}</title></head>`, `<body style="${STYLE.body}">`, `<p>${e(introOf(mail, settings))}</p>`, `<p><a href="${e(url)}">View ticket #${mail.ticket.number}</a></p>`, `<p style="color:#868e96;font-size:12px;margin-top:24px">${e(settings.name)}. If you do not know this request, ignore this mail.</p>`, '</body></html>'].join('\n')}\n`;
}

function textPart(mail: PlannedMail, context: RenderContext): string {
  const { settings, units } = context;
  if (mail.kind === 'cc notice') return noticeText(mail, settings);
  const t = mail.ticket;
  const lines: string[] = [`${subjectTag(settings, t.number)} ${oneLine(t.title)}`, ticketUrl(settings, t.number), '', introOf(mail, settings)];
  if (mail.note && mail.kind !== 'children solved' && mail.kind !== 'refusal') lines.push(mail.note);
  if (mail.changes.length > 0) {
    lines.push('', 'Changed:');
    for (const change of mail.changes) lines.push(`  * ${change.label}: ${change.from ? `${change.from} → ` : ''}${change.to}`);
  }
  for (const entry of mail.messages) {
    lines.push('', `── ${authorLine(entry, units)} ──`, entry.body.trimEnd() || '(no text)');
  }
  if ((mail.kind === 'solution' || mail.changes.some((c) => c.field === 'solution')) && t.solution) {
    lines.push('', `── Solution (${t.solution.qualifier}) ──`, t.solution.text.trimEnd());
  }
  if (mail.offerVerify) {
    lines.push(
      '',
      'Is the problem solved for you?',
      `  Confirm it: reply with the subject "${subjectTag(settings, t.number)} verify"`,
      `    ${actionLink(settings, t, 'verify')}`,
      `  Not solved: reply with the subject "${subjectTag(settings, t.number)} reopen" and say why`,
      `    ${actionLink(settings, t, 'reopen')}`,
    );
  }
  if (mail.request !== undefined) lines.push('', '── Your request ──', mail.request.trimEnd() || '(no text)');
  const escalate = escalationOffer(mail, settings);
  if (escalate) lines.push('', escalate.text, `    ${escalate.href}`);
  lines.push('', 'Ticket:');
  const rows = fieldRows(mail, units);
  const width = Math.max(...rows.map((row) => row.label.length));
  for (const row of rows) lines.push(`  ${row.change ? '*' : ' '} ${`${row.label}:`.padEnd(width + 1)} ${row.value}${row.change ? '   (changed)' : ''}`);
  lines.push('', '-- ', ...footerLines(mail, settings));
  return `${lines.join('\n')}\n`;
}

/**
 * The submitter's self-service by mail (lib/core/intake/keywords.ts) as mailto links: the mails to the
 * submitter and the ticket page offer them. `ADDRESS` is for the user to replace.
 */
function selfServiceLinks(settings: Settings, ticket: Ticket): { label: string; subject: string; href: string }[] {
  const tag = subjectTag(settings, ticket.number);
  const link = (label: string, words: string) => {
    const subject = `${tag} ${words}`;
    return { label, subject, href: `mailto:${replyAddress(settings, ticket)}?subject=${encodeURIComponent(subject)}` };
  };
  return [
    ticket.notify === 'on every change' ? link('Mail me only on solution', 'notify on solution') : link('Mail me on every change', 'notify on every change'),
    link('Add a CC address', 'cc add ADDRESS'),
    link('Remove a CC address', 'cc remove ADDRESS'),
    ticket.affectsVo === true ? link('It does not affect the whole VO', 'affects vo no') : link('It affects the whole VO', 'affects vo'),
    link('Subscribe to this ticket', 'subscribe'),
  ];
}

/** How a reply to this mail is taken: an internal note for mails with internal text, else a message. */
function footerLines(mail: PlannedMail, settings: Settings): string[] {
  const t = mail.ticket;
  const tag = subjectTag(settings, t.number);
  if (carriesInternal(mail)) {
    return [
      `${settings.name}. This mail contains internal notes: a reply to it becomes an INTERNAL note on ticket #${t.number}, never sent to the submitter or shown on the site.`,
      `To answer the submitter, write a new mail (do not quote the internal notes) to ${replyAddress(settings, t)} with "${tag}" in the subject.`,
    ];
  }
  if (mail.kind === 'refusal') return [`${settings.name}. A reply to this mail is not added to ticket #${t.number} either: write to ticket #${mail.note ?? ''}.`];
  if (mail.audience === 'supporters') {
    return [`${settings.name}. Reply to this mail to add a message to ticket #${t.number}; keep "${tag}" in the subject.`, 'This mail may contain internal notes: do not forward it to the submitter.'];
  }
  const solvedNote = mail.offerVerify ? ' A reply without "verify" or "reopen" in the subject is added to the ticket for the support unit and changes nothing else.' : '';
  const lines = [`${settings.name}. Reply to this mail to add a message to ticket #${t.number}; keep "${tag}" in the subject.${solvedNote}`, `View the ticket: ${ticketUrl(settings, t.number)}`];
  if (mail.to.some((recipient) => recipient.role === 'submitter')) {
    lines.push(
      `By mail, with the subject "${tag} <keyword>": ${selfServiceLinks(settings, t)
        .map((entry) => `${entry.label}: ${entry.href}`)
        .join(' · ')}`,
    );
  }
  return lines;
}

const STYLE = {
  body: 'font-family:sans-serif;font-size:14px;color:#212529;max-width:720px',
  changed: 'background:#fff3bf;font-weight:bold',
  message: 'white-space:pre-wrap;font-family:inherit;border-left:3px solid #adb5bd;padding:4px 12px;margin:4px 0 16px',
  internal: 'white-space:pre-wrap;font-family:inherit;border-left:3px solid #f76707;background:#fff4e6;padding:4px 12px;margin:4px 0 16px',
  cell: 'padding:2px 12px 2px 0;text-align:left;vertical-align:top',
};

function htmlPart(mail: PlannedMail, context: RenderContext): string {
  const { settings, units } = context;
  if (mail.kind === 'cc notice') return noticeHtml(mail, settings);
  const t = mail.ticket;
  const e = escapeHtml;
  const url = ticketUrl(settings, t.number);
  const parts: string[] = [
    '<!DOCTYPE html>',
    `<html><head><meta charset="utf-8"><title>${e(subjectOf(settings, mail))}</title></head>`,
    `<body style="${STYLE.body}">`,
    `<h2 style="font-size:18px">${e(subjectTag(settings, t.number))} ${e(oneLine(t.title))}</h2>`,
    `<p>${e(introOf(mail, settings))}${mail.note && mail.kind !== 'children solved' && mail.kind !== 'refusal' ? `<br>${e(mail.note)}` : ''}</p>`,
    `<p><a href="${e(url)}">View ticket #${t.number}</a></p>`,
  ];
  if (mail.changes.length > 0) {
    parts.push('<h3 style="font-size:15px">Changed</h3>', '<ul>');
    for (const change of mail.changes) {
      parts.push(`<li><strong>${e(change.label)}:</strong> ${change.from ? `<del>${e(change.from)}</del> → ` : ''}<mark style="${STYLE.changed}">${e(change.to)}</mark></li>`);
    }
    parts.push('</ul>');
  }
  for (const entry of mail.messages) {
    const style = entry.message.visibility === 'internal' ? STYLE.internal : STYLE.message;
    parts.push(`<p style="margin-bottom:0"><strong>${e(authorLine(entry, units))}</strong></p>`, `<div style="${style}">${e(entry.body.trimEnd() || '(no text)')}</div>`);
  }
  if ((mail.kind === 'solution' || mail.changes.some((c) => c.field === 'solution')) && t.solution) {
    parts.push(`<h3 style="font-size:15px">Solution (${e(t.solution.qualifier)})</h3>`, `<div style="${STYLE.message}">${e(t.solution.text.trimEnd())}</div>`);
  }
  if (mail.offerVerify) {
    parts.push('<p>Is the problem solved for you?</p>', `<p><a href="${e(actionLink(settings, t, 'verify'))}">Yes, verify the solution</a> &nbsp; · &nbsp; <a href="${e(actionLink(settings, t, 'reopen'))}">No, reopen the ticket</a></p>`);
  }
  if (mail.request !== undefined) parts.push('<h3 style="font-size:15px">Your request</h3>', `<div style="${STYLE.message}">${e(mail.request.trimEnd() || '(no text)')}</div>`);
  const escalate = escalationOffer(mail, settings);
  if (escalate) parts.push(`<p style="font-size:13px">${e(escalate.text.replace(/: write with the subject .*$/, ''))}: <a href="${e(escalate.href)}">escalate ticket #${t.number}</a></p>`);
  parts.push('<table style="border-collapse:collapse;margin-top:16px">');
  for (const row of fieldRows(mail, units)) {
    const style = row.change ? `${STYLE.cell};${STYLE.changed}` : STYLE.cell;
    parts.push(`<tr><th style="${style}">${e(row.label)}</th><td style="${style}">${e(row.value)}${row.change ? ' (changed)' : ''}</td></tr>`);
  }
  parts.push('</table>');
  parts.push(`<p style="color:#868e96;font-size:12px;margin-top:24px">${footerLines(mail, settings).map(e).join('<br>')}</p>`, '</body></html>');
  return `${parts.join('\n')}\n`;
}

function usableId(id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  const bare = normalizeMessageId(id);
  return MESSAGE_ID.test(bare) ? bare : undefined;
}

/**
 * The thread a notification joins: In-Reply-To the newest mail it answers (an announced message that came
 * by mail, else the previous notification, else the first mail), References the first mail, the ticket's
 * thread root `gitgus.<n>.thread@…` (like RT's fixed per-ticket id, so every notification shares one
 * ancestor even when earlier ones were never seen), the previous notification and the announced mails.
 */
export function threadOf(mail: PlannedMail, context: RenderContext): { inReplyTo?: string; references: string[] } {
  const { settings } = context;
  const root = notificationMessageId(mail.ticket.number, 'thread', settings.sender);
  const announced = mail.messages.map((m) => usableId(m.message.messageId)).filter((id): id is string => id !== undefined);
  const first = usableId(mail.ticket.source.messageId);
  const previous = usableId(context.previousNotification);
  const chain = [first, root, previous, ...announced].filter((id): id is string => id !== undefined);
  const references = [...new Set(chain)];
  const trimmed = references.length > MAX_REFERENCES ? [...references.slice(0, 2), ...references.slice(-(MAX_REFERENCES - 2))] : references;
  const inReplyTo = announced[announced.length - 1] ?? previous ?? first ?? root;
  return { inReplyTo, references: trimmed };
}

function address(recipient: Recipient): MailAddress {
  return recipient.name ? { name: oneLine(recipient.name), address: recipient.address } : { address: recipient.address };
}

/**
 * Renders a planned mail. Deterministic: the same plan and context give the same mail.
 *
 * @example const mail = renderNotification(planned, { settings, units, previousNotification });
 */
export function renderNotification(mail: PlannedMail, context: RenderContext): OutgoingMail {
  const { settings } = context;
  const headers: Record<string, string> = {
    'Auto-Submitted': mail.autoSubmitted,
    [LOOP_HEADER]: settings.sender,
    // Outlook's equivalent of Auto-Submitted: no out-of-office replies to notifications.
    'X-Auto-Response-Suppress': 'All',
  };
  if (mail.list) headers.Precedence = 'bulk';
  if (carriesInternal(mail)) headers[VISIBILITY_HEADER] = 'internal';
  const thread = threadOf(mail, context);
  const roles: Record<string, string> = {};
  for (const recipient of [...mail.to, ...mail.cc]) roles[recipient.address] = recipient.role;
  return {
    ticket: mail.ticket.number,
    key: mail.key,
    messageId: notificationMessageId(mail.ticket.number, mail.key, settings.sender),
    from: { name: oneLine(settings.name), address: settings.sender },
    to: mail.to.map(address),
    cc: mail.cc.map(address),
    replyTo: { name: oneLine(settings.name), address: carriesInternal(mail) ? internalReplyAddress(settings, mail.ticket) : replyAddress(settings, mail.ticket) },
    subject: subjectOf(settings, mail),
    text: textPart(mail, context),
    html: htmlPart(mail, context),
    ...(thread.inReplyTo ? { inReplyTo: thread.inReplyTo } : {}),
    references: thread.references,
    date: mail.time,
    headers,
    roles,
    list: mail.list,
    ...(mail.kind === 'alarm' ? { sign: true } : {}),
    ...(mail.onBehalfOf ? { onBehalfOf: mail.onBehalfOf } : {}),
  };
}
