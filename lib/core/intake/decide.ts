/**
 * What happens to one inbound mail, decided without IO: duplicate, ignored, a new ticket, or a message
 * appended to a ticket with its state effects — as the exact files to write and the commit to make.
 * The IO edge (lib/intake/session.ts, fed by lib/mail/ and lib/github/) reads what `IntakeContext` asks for, writes what comes back, commits.
 */
import { formatActor } from '../actor.ts';
import { GitgusError, MailLimitError, NoSenderError, UnsupportedSenderError } from '../../errors.ts';
import type { CommitMessage } from '../commit-message.ts';
import type { MessageDoc, TicketDoc } from '../documents.ts';
import { applyAssignments, describeChanges, type FieldChange } from '../edit.ts';
import { serializeFrontMatter } from '../frontmatter.ts';
import { filesDir, messageFileName, messagesDir } from '../paths.ts';
import { roleOf, unitsOf } from '../people.ts';
import { EmailSchema } from '../schema/common.ts';
import { IntakeRecordSchema, UNKNOWN_CONTENT_HASH, type IndexEntry, type IndexOutcome, type IntakeRecordInput } from '../schema/intake.ts';
import type { MessageInput } from '../schema/message.ts';
import type { Settings } from '../schema/settings.ts';
import { isOpen, type Ticket, type TicketInput } from '../schema/ticket.ts';
import type { Unit } from '../schema/unit.ts';
import { serializeMessage, serializeTicket, normalizeBody } from '../documents.ts';
import { ticketIndexPath } from '../paths.ts';
import { planAttachments, type PlannedAttachment, type SkippedAttachment } from './attachments.ts';
import { formatBytes } from '../text.ts';
import { authenticateSender, type AuthenticationVerdict } from './authentication.ts';
import { classifyMail, trustedSenders } from './classify.ts';
import { createdStatus, FROM_REMOTE_FLAG, INTERFACE_HEADER, recogniseRemoteMail, remoteEffect, remoteTitle, type RemoteMail } from '../interface/inbound.ts';
import { remoteTicketUrl } from '../interface/mapping.ts';
import { extractSite, extractVo } from './extract.ts';
import { foldFrom, splitFolded } from './fold.ts';
import type { IntakeKeys } from './keys.ts';
import { isEscalationSubject, requestKeywords, selfServiceKeyword, REPLY_TO_SOLVED_FLAG, SELF_SERVICE_FLAG, SLAVE_REFUSED_FLAG, solutionKeyword, subscribeCodeOf, SUBSCRIBE_REQUEST_FLAG } from './keywords.ts';
import { resolveRequest } from '../team-alarm.ts';
import { describeEscalation, nextEscalation, type EscalationLevel } from '../escalation.ts';
import { formatAddress, headerValue, senderOf, type InboundMail, type MailAddress } from './mail.ts';
import { INTERNAL_KEY_SUFFIX } from '../mail-ids.ts';
import { duplicateRecordPath, ignoredRecordPath, quarantineRawPath, quarantineRecordPath } from './paths.ts';
import { routeDraft } from '../routing.ts';
import type { RoutingRule } from '../schema/routing.ts';
import { flattenSubject, replyToken, resolveRecipient, subjectTagPattern, subjectTags, threadMail, type ResolvedRecipient, type ThreadLookups, type ThreadMatch } from './thread.ts';
import { oneLine } from '../text.ts';

export type IntakeAction = 'created' | 'appended' | 'ignored' | 'duplicate' | 'quarantined';

/** Marks for TPM on a ticket or message. */
const INTAKE_FLAGS = {
  unauthenticated: 'unauthenticated',
  unknownSender: 'unknown-sender',
  tooManyCc: 'too-many-cc',
  collision: 'message-id-collision',
  attachmentTooLarge: 'attachment-too-large',
  replyToClosed: 'reply-to-closed',
  replyToSolved: REPLY_TO_SOLVED_FLAG,
  unknownTicketTag: 'unknown-ticket-tag',
  madeInternal: 'made-internal',
} as const;

/** Ticket titles are at most 250 characters (GGUS); the full subject then opens the body. */
const TITLE_MAX = 250;
/** References kept in a message file: the most recent ones, enough to thread, small enough to read. */
const REFERENCES_KEPT = 20;

export interface FileWrite {
  path: string;
  content: string | Uint8Array;
}

export interface IntakeContext {
  settings: Settings;
  units: readonly Unit[];
  /** The routing rules of units/routing.yml (none: GGUS's defaults only). */
  routingRules?: readonly RoutingRule[];
  /** When intake received the mail (ISO, seconds). */
  received: string;
  /** The envelope recipient an MTA passes (`--recipient`). */
  envelopeRecipient?: string | undefined;
  keys: IntakeKeys;
  /** Index entries with the same Message-ID hash. */
  priorEntries: readonly IndexEntry[];
  lookups: ThreadLookups & {
    loadTicket(number: number): TicketDoc;
    /** File names already in the ticket's files/. */
    ticketFiles(number: number): readonly string[];
    /** Our ticket linked to a unit's remote ticket (`remote` in its front-matter), for remote mail without our tag. */
    ticketOfRemote?(unit: string, remoteId: string): number | undefined;
    /** The ticket's messages (internal notes are matched against quotes); absent: none known. */
    ticketMessages?(number: number): readonly MessageDoc[];
  };
  /** The number the next new ticket gets; asked only when one is created. */
  nextNumber(): number;
  /** A fresh unguessable code (a subscription's confirmation); absent: subscriptions by mail are not offered. */
  newCode?(): string;
}

interface Base {
  /** The ticket created, appended to, or duplicated. */
  ticket?: number;
  reason: string;
  flags: string[];
}

interface DuplicateDecision extends Base {
  action: 'duplicate';
  outcome: IndexOutcome;
  /** Written only when no record of this key exists yet. */
  record: FileWrite;
  commit: CommitMessage;
}

export interface ChangeDecision extends Base {
  action: 'created' | 'appended' | 'ignored' | 'quarantined';
  files: FileWrite[];
  indexEntry: IndexEntry;
  commit: CommitMessage;
  /** Set when a ticket number was minted. */
  minted?: number;
}

export type IntakeDecision = DuplicateDecision | ChangeDecision;

/** Defaults of `mail.maxMailBytes` and `mail.maxAttachments`. */
const MAIL_MAX_BYTES = 30 * 1024 * 1024;
const MAIL_MAX_ATTACHMENTS = 20;

/** Throws MailLimitError when the mail is larger or carries more attachments than the settings allow. */
function checkMailLimits(mail: Pick<InboundMail, 'size' | 'attachments'>, settings: Settings): void {
  const maxBytes = settings.mail.maxMailBytes ?? MAIL_MAX_BYTES;
  if (mail.size > maxBytes) throw new MailLimitError('too-large', `the mail is ${formatBytes(mail.size)}, more than the ${formatBytes(maxBytes)} a mail may have (settings.mail.maxMailBytes)`);
  const maxAttachments = settings.mail.maxAttachments ?? MAIL_MAX_ATTACHMENTS;
  if (mail.attachments.length > maxAttachments) throw new MailLimitError('too-many-attachments', `the mail has ${mail.attachments.length} attachments, more than the ${maxAttachments} a mail may carry (settings.mail.maxAttachments)`);
}

function actorTrailer(address: MailAddress): string {
  return formatActor({ name: address.name, email: address.address }, 'mail');
}

function recordFile(path: string, record: IntakeRecordInput, body: string): FileWrite {
  const parsed = IntakeRecordSchema.parse(record);
  return { path, content: serializeFrontMatter(parsed, normalizeBody(body)) };
}

function baseRecord(mail: InboundMail, ctx: IntakeContext, recipient: ResolvedRecipient | undefined): Omit<IntakeRecordInput, 'action' | 'category' | 'reason'> {
  const from = mail.from ? oneLine(formatAddress(mail.from), 500) : '';
  const subject = oneLine(mail.subject, 1000);
  const recipientAddress = recipient?.named ? recipient.address : undefined;
  return {
    key: ctx.keys.key,
    idHash: ctx.keys.idHash,
    contentHash: ctx.keys.contentHash,
    received: ctx.received,
    ...(mail.date ? { date: mail.date } : {}),
    ...(validMessageId(ctx.keys.messageId) ? { messageId: ctx.keys.messageId } : {}),
    ...(from ? { from } : {}),
    ...(recipientAddress ? { recipient: recipientAddress } : {}),
    ...(subject ? { subject } : {}),
    size: mail.size,
  };
}

function validMessageId(id: string | undefined): id is string {
  return id !== undefined && id.length <= 998 && !/[\u0000-\u001f\u007f]/.test(id);
}

/** Text kept in an ignored record: enough for TPM to see what it was, never megabytes. */
const IGNORED_TEXT_MAX = 20_000;

function validAddress(address: string): string | undefined {
  const parsed = EmailSchema.safeParse(address.trim());
  return parsed.success ? parsed.data : undefined;
}

/** The sender a ticket or message needs; throws NoSenderError when the mail has none usable. */
export function requireSender(mail: Pick<InboundMail, 'from' | 'sender'> & Partial<Pick<InboundMail, 'replyTo'>>): MailAddress {
  const sender = senderOf(mail);
  if (!sender) throw new NoSenderError('no From, Sender or Reply-To header with an address');
  if (!sender.address.includes('@')) throw new NoSenderError(`'${oneLine(sender.address, 80)}' is not a mail address`);
  const address = validAddress(sender.address);
  if (!address) throw new UnsupportedSenderError(oneLine(sender.address, 120));
  return { name: sender.name, address };
}

export function decideIntake(mail: InboundMail, ctx: IntakeContext): IntakeDecision {
  const { settings, keys } = ctx;
  const recipient = resolveRecipient(mail, settings, ctx.envelopeRecipient);

  const same = ctx.priorEntries.find((entry) => entry.contentHash === keys.contentHash || entry.contentHash === UNKNOWN_CONTENT_HASH);
  if (same) {
    const ticket = typeof same.outcome === 'number' ? same.outcome : undefined;
    const what = ticket === undefined ? `an earlier copy (${same.outcome})` : `#${ticket}`;
    const reason = `already received: same Message-ID and content as ${what}`;
    return {
      action: 'duplicate',
      ...(ticket === undefined ? {} : { ticket }),
      outcome: same.outcome,
      reason,
      flags: [],
      record: recordFile(duplicateRecordPath(keys.key), { ...baseRecord(mail, ctx, recipient), action: 'duplicate', category: 'duplicate', reason, ...(ticket === undefined ? {} : { ticket }) }, ''),
      commit: { subject: `intake: message delivered again, duplicate of ${what}`, trailers: { Event: 'duplicate', 'Intake-Key': keys.key, ...(ticket === undefined ? {} : { Ticket: String(ticket) }) } },
    };
  }
  const collisionFlags = ctx.priorEntries.length > 0 ? [INTAKE_FLAGS.collision] : [];

  const ignored = classifyMail(mail, settings, trustedSenders(ctx.units));
  // Mail from a unit's own helpdesk is machine mail by its headers (RT sends everything Precedence: bulk),
  // yet it is the interface: read it — but never our own mail coming back, a bounce or spam.
  const remote = recogniseRemoteMail(mail, ctx.units, new Set([settings.sender, ...settings.intake.map((entry) => entry.address)].map((a) => a.toLowerCase())));
  if (remote && (!ignored || ignored.category === 'auto-reply' || ignored.category === 'list')) return decideRemoteMail(mail, ctx, recipient, remote, collisionFlags);
  if (ignored) {
    const reason = `${ignored.reason}: never a ticket, never answered`;
    const text = mail.text.length > IGNORED_TEXT_MAX ? `${mail.text.slice(0, IGNORED_TEXT_MAX)}\n\n[… ${mail.text.length - IGNORED_TEXT_MAX} more characters not kept]` : mail.text;
    return {
      action: 'ignored',
      reason,
      flags: collisionFlags,
      files: [recordFile(ignoredRecordPath(keys.key, ctx.received), { ...baseRecord(mail, ctx, recipient), action: 'ignored', category: ignored.category, reason }, text)],
      indexEntry: { idHash: keys.idHash, contentHash: keys.contentHash, outcome: 'ignored' },
      commit: {
        subject: `intake: ignored ${ignored.category} from ${mail.from ? oneLine(mail.from.address, 100) || 'unknown sender' : 'unknown sender'}`,
        body: reason,
        trailers: { Event: 'ignored', 'Intake-Key': keys.key, Intake: recipient.address },
      },
    };
  }

  checkMailLimits(mail, settings);
  const author = requireSender(mail);
  const senderEmail = author.address;

  const thread = threadMail(mail, settings, recipient, ctx.lookups);
  const auth = authenticateSender(mail, senderEmail, settings);
  const planned = { mail, ctx, recipient, author, auth, collisionFlags, unknownTags: thread.unknownTags, notificationKeys: thread.notificationKeys };
  if (thread.match) {
    const doc = ctx.lookups.loadTicket(thread.match.ticket);
    if (doc.ticket.status === 'verified' || doc.ticket.status === 'closed') {
      if ((settings.mail.replyToClosed ?? 'new-ticket') === 'new-ticket') return newTicket({ ...planned, linkTo: doc });
      return appendMessage({ ...planned, doc, match: thread.match, repliesToNotification: thread.repliesToNotification });
    }
    return appendMessage({ ...planned, doc, match: thread.match, repliesToNotification: thread.repliesToNotification });
  }
  return newTicket({ ...planned, linkTo: undefined });
}

interface Planned {
  mail: InboundMail;
  ctx: IntakeContext;
  recipient: ResolvedRecipient;
  author: MailAddress;
  auth: AuthenticationVerdict;
  collisionFlags: string[];
  unknownTags: number[];
  /** Event keys of our notifications the mail answers. */
  notificationKeys: readonly string[];
}

function personName(address: MailAddress): string {
  const name = oneLine(address.name, 200);
  if (name !== '') return name;
  return address.address.slice(0, address.address.indexOf('@')) || address.address;
}

function attachmentFiles(number: number, stored: PlannedAttachment[]): FileWrite[] {
  return stored.map((attachment) => ({ path: `${filesDir(number)}/${attachment.file}`, content: attachment.content }));
}

function skippedNote(skipped: SkippedAttachment[]): string {
  return skipped.map((entry) => `[Attachment ${entry.file} (${formatBytes(entry.size)}) was not stored: ${entry.reason}.]`).join('\n');
}

function withNote(text: string, note: string): string {
  return note === '' ? text : `${text.replace(/\s+$/, '')}\n\n${note}`;
}

/** Cc of a new ticket: valid, not ours, not a unit's list, not the submitter; none at all past the limit. */
function ccOf(mail: InboundMail, ctx: IntakeContext, submitter: string): { cc: string[]; flags: string[] } {
  const intake = ctx.settings.intake.map((entry) => entry.address);
  const excluded = new Set([ctx.settings.sender, ...intake, ...ctx.units.map((unit) => unit.mailingList), submitter].map((a) => a.toLowerCase()));
  const cc: string[] = [];
  for (const entry of mail.cc) {
    const address = validAddress(entry.address);
    if (!address || excluded.has(address) || replyToken(address, intake) !== undefined || cc.includes(address)) continue;
    cc.push(address);
  }
  if (cc.length > ctx.settings.mail.ccLimit) return { cc: [], flags: [INTAKE_FLAGS.tooManyCc] };
  return { cc, flags: [] };
}

function mailTrailers(planned: Planned, event: string, unit: string, number: number, extra: Record<string, string> = {}): CommitMessage['trailers'] {
  return {
    Ticket: String(number),
    Unit: unit,
    Actor: actorTrailer(planned.author),
    Event: event,
    Intake: planned.recipient.address,
    'Intake-Key': planned.ctx.keys.key,
    Authenticated: planned.auth.authenticated ? 'yes' : `no (${planned.auth.reason})`,
    ...extra,
  };
}

/**
 * Intake never mints a number its own threading cannot read back out of the subject tag it sends (a
 * number past 12 digits, or an unsafe integer): every reply to such a ticket would open a new one.
 */
function assertThreadable(number: number, subjectTag: string): void {
  const tag = subjectTag.replace('{number}', String(number));
  if (Number.isSafeInteger(number) && number > 0 && subjectTags(tag, subjectTag).includes(number)) return;
  throw new GitgusError('E_NUMBER_UNTHREADABLE', `refusing to mint ticket number ${number}: threading could not read it back from the subject tag '${oneLine(tag, 80)}', so replies would never reach the ticket`, {
    hint: 'Check intake/state.yml (lastNumber) and numberingStart in helpdesk.yml: ticket numbers have at most 12 digits.',
  });
}

function newTicket(planned: Planned & { linkTo: TicketDoc | undefined }): ChangeDecision {
  const { mail, ctx, author, auth } = planned;
  const { settings } = ctx;
  const number = ctx.nextNumber();
  assertThreadable(number, settings.subjectTag);
  const fullSubject = flattenSubject(mail.subject);
  const title = fullSubject === '' ? '(no subject)' : oneLine(fullSubject, TITLE_MAX);
  const titleTruncated = title !== fullSubject && fullSubject !== '';
  const prefix = titleTruncated ? `Subject: ${fullSubject}\n\n` : '';
  const { stored, skipped } = planAttachments(mail.attachments, [], settings.mail.attachmentMaxBytes);
  const text = normalizeBody(mail.text);
  const fold = foldFrom(text);
  const visible = splitFolded(text, fold).visible;
  const body = withNote(`${prefix}${text}`, skippedNote(skipped));
  const { cc, flags: ccFlags } = ccOf(mail, ctx, author.address);
  const site = extractSite([fullSubject, visible], Object.keys(settings.sites));
  // Keyword lines (`Type: ALARM`, `Notify site: FZK-LCG2`, `VO: atlas`): TEAM/ALARM only for those allowed, and a mail address counts only when authenticated.
  const request = resolveRequest(requestKeywords(visible), { vo: extractVo([fullSubject, visible], settings.vos) }, { email: author.address }, auth.authenticated, { settings, units: ctx.units });
  const { vo, notifySite, type } = request;
  // The routing rules (units/routing.yml, then GGUS's defaults) decide the unit; a rule may also set the status, priority, VO, notify site, involve.
  const draft = { title, type, ...(vo ? { vo } : {}), ...(site ? { site } : {}), ...(notifySite ? { notifySite } : {}), source: { kind: 'email' as const, address: planned.recipient.address } };
  const routing = routeDraft(draft, visible, { rules: ctx.routingRules ?? [], settings, units: ctx.units });
  const flags = [...new Set([
    ...(auth.authenticated ? [] : [INTAKE_FLAGS.unauthenticated]),
    ...ccFlags,
    ...planned.collisionFlags,
    ...(skipped.length > 0 ? [INTAKE_FLAGS.attachmentTooLarge] : []),
    ...(planned.unknownTags.length > 0 ? [INTAKE_FLAGS.unknownTicketTag] : []),
    ...(planned.linkTo ? [INTAKE_FLAGS.replyToClosed] : []),
    ...request.flags,
  ])];
  const messageId = validMessageId(ctx.keys.messageId) ? ctx.keys.messageId : undefined;
  const issued = issuedAt(mail.date, ctx.received);
  const ticket: TicketInput = {
    number,
    title,
    status: 'new',
    // Reports use the priority the ticket started with (GGUS D-RG): the one routing set, not the default.
    originalPriority: routing.fields.priority ?? 'less urgent',
    type,
    ...(request.issue ? { issue: request.issue } : {}),
    unit: routing.unit,
    ...(notifySite ? { notifySite } : {}),
    ...routing.fields,
    ...(vo ? { vo } : {}),
    ...(site ? { site } : {}),
    submitter: { name: personName(author), email: author.address },
    ...(cc.length > 0 ? { cc } : {}),
    created: ctx.received,
    ...(issued ? { issued } : {}),
    source: { kind: 'email', address: planned.recipient.address, ...(messageId ? { messageId } : {}) },
    ...(planned.linkTo ? { relations: { related: [planned.linkTo.ticket.number] } } : {}),
    ...(stored.length > 0 ? { attachments: stored.map(({ file, size, type }) => ({ file, size, type })) } : {}),
    ...(flags.length > 0 ? { flags } : {}),
    ...(fold === undefined ? {} : { foldFrom: fold + (prefix === '' ? 0 : prefix.split('\n').length - 1) }),
  };
  const indexPath = ticketIndexPath(number);
  const files: FileWrite[] = [{ path: indexPath, content: serializeTicket({ ticket, body }, indexPath) }, ...attachmentFiles(number, stored)];
  const reasons = [routing.reason, ...request.notes];
  if (planned.linkTo) {
    const old = planned.linkTo;
    const related = [...new Set([...(old.ticket.relations?.related ?? []), number])].sort((a, b) => a - b);
    const oldTicket: Ticket = { ...old.ticket, relations: { ...old.ticket.relations, related } };
    const oldPath = ticketIndexPath(old.ticket.number);
    files.push({ path: oldPath, content: serializeTicket({ ticket: oldTicket, body: old.body }, oldPath) });
    reasons.push(`a reply to #${old.ticket.number}, which is ${old.ticket.status}: new ticket linked to it (settings.mail.replyToClosed)`);
  }
  if (planned.unknownTags.length > 0) reasons.push(`subject names ${planned.unknownTags.map((n) => `#${n}`).join(', ')}, which does not exist`);
  if (!auth.authenticated) reasons.push(`sender not authenticated: ${auth.reason}`);
  if (ccFlags.length > 0) reasons.push(`more than ${settings.mail.ccLimit} Cc addresses: none added`);
  if (planned.collisionFlags.length > 0) reasons.push('Message-ID seen before with other content (collision)');
  const reason = reasons.join('; ');
  return {
    action: 'created',
    ticket: number,
    reason,
    flags,
    minted: number,
    files,
    indexEntry: { idHash: ctx.keys.idHash, contentHash: ctx.keys.contentHash, outcome: number },
    commit: {
      subject: `#${number} new ticket by mail from ${personName(author)}: ${title}`,
      body: reason,
      trailers: mailTrailers(planned, 'created', routing.unit, number, { Rule: routing.rule, ...(planned.linkTo ? { Related: String(planned.linkTo.ticket.number) } : {}) }),
    },
  };
}

/**
 * The mail's Date: as the ticket's date of issue, when it is believable: not after intake received the mail
 * (a clock ahead would put the issue in the future) and not more than 30 days before it (a typo, a resent
 * archive). Otherwise none, and the date of issue is the creation time, as GGUS defaults it.
 */
function issuedAt(date: string | undefined, received: string): string | undefined {
  if (date === undefined) return undefined;
  const at = Date.parse(date);
  const got = Date.parse(received);
  if (Number.isNaN(at) || Number.isNaN(got) || at > got || got - at > ISSUED_MAX_AGE_MS) return undefined;
  return date;
}
const ISSUED_MAX_AGE_MS = 30 * 24 * 3600 * 1000;

function isParticipant(ticket: Ticket, address: string, units: readonly Unit[]): boolean {
  const lower = address.toLowerCase();
  const people = [ticket.submitter.email, ticket.assignee, ...(ticket.cc ?? []), ...(ticket.involve ?? []), ...(ticket.subscribers ?? [])];
  if (people.some((person) => person?.toLowerCase() === lower)) return true;
  if (units.some((unit) => unit.mailingList.toLowerCase() === lower)) return true;
  return unitsOf({ email: lower }, units).length > 0;
}

/** The status a mail moves the ticket to, and why; only the submitter, and only when authenticated. */
function stateEffect(planned: Planned, doc: TicketDoc, isSubmitter: boolean): { status?: 'in progress' | 'verified' | 'reopened'; flags: string[]; note: string } {
  const status = doc.ticket.status;
  const keyword = solutionKeyword(planned.mail.subject, planned.ctx.settings.subjectTag);
  if (status === 'verified' || status === 'closed') return { flags: [INTAKE_FLAGS.replyToClosed], note: `reply to a ${status} ticket appended (settings.mail.replyToClosed: append)` };
  if (!isSubmitter) return { flags: [], note: keyword ? `'${keyword}' is only taken from the submitter` : '' };
  let intended: { status?: 'in progress' | 'verified' | 'reopened'; flags: string[]; note: string } = { flags: [], note: '' };
  if (status === 'waiting for reply') intended = { status: 'in progress', flags: [], note: 'submitter replied to waiting for reply' };
  else if (status === 'solved' || status === 'unsolved') {
    if (keyword === 'verify') intended = { status: 'verified', flags: [], note: 'submitter verified the solution by mail' };
    else if (keyword === 'reopen') intended = { status: 'reopened', flags: [], note: 'submitter reopened the ticket by mail' };
    // A plain reply never verifies, whichever mail it answers and whatever it says ("No, it is still failing!"
    // verified tickets before): GGUS changes no field by mail, so it is appended and flagged for the unit,
    // which reopens the ticket if the reply says the problem is back; the submitter has the reopen link.
    else intended = { flags: [INTAKE_FLAGS.replyToSolved], note: `reply to a ${status} ticket without the verify or reopen keyword: appended and flagged for the unit, status unchanged` };
  }
  if (intended.status && !planned.auth.authenticated) {
    return { flags: [INTAKE_FLAGS.unauthenticated], note: `would set ${intended.status}, but the sender is not authenticated (${planned.auth.reason}): appended for TPM` };
  }
  return intended;
}

/**
 * A mail whose subject is the tag plus `escalate` raises the user escalation by one level (strictly in
 * order, at most 3): only from the submitter, only when authenticated, only on an open ticket.
 */
function escalationEffect(planned: Planned, doc: TicketDoc, isSubmitter: boolean): { level?: EscalationLevel; flags: string[]; note: string } {
  if (!isEscalationSubject(planned.mail.subject, planned.ctx.settings.subjectTag)) return { flags: [], note: '' };
  if (!isSubmitter) return { flags: [], note: "'escalate' is only taken from the submitter" };
  const level = nextEscalation(doc.ticket);
  if (level === undefined) return { flags: [], note: `'escalate' ignored: the ticket is ${isOpen(doc.ticket.status) ? 'already at the highest escalation level' : doc.ticket.status}` };
  if (!planned.auth.authenticated) return { flags: [INTAKE_FLAGS.unauthenticated], note: `would escalate to level ${level}, but the sender is not authenticated (${planned.auth.reason}): appended for TPM` };
  return { level, flags: [], note: `submitter escalated the ticket to ${describeEscalation(level)}` };
}

/** Words of a text with mail quote marks (`> `) and all spacing removed, lower-cased: re-wrapped quotes still match. */
function quoteWords(text: string): string[] {
  return text.split('\n').map((line) => line.replace(/^[\s>|]+/, '')).join(' ').toLowerCase().split(/[\s\u00a0]+/).filter((word) => word !== '');
}

/** Consecutive words of an internal note that, found in a mail, count as quoting it. */
const QUOTE_WINDOW = 8;

/** Whether `text` quotes one of the internal notes: any 8 consecutive words of a note, or all of a shorter one. */
function quotesInternal(text: string, notes: readonly string[]): boolean {
  const haystack = ` ${quoteWords(text).join(' ')} `;
  for (const note of notes) {
    const words = quoteWords(note);
    if (words.length < QUOTE_WINDOW) {
      // A note of a few words ("ok", "checked") is too common to judge by; three words or more are not.
      if (words.length >= 3 && haystack.includes(` ${words.join(' ')} `)) return true;
      continue;
    }
    for (let start = 0; start + QUOTE_WINDOW <= words.length; start++) {
      if (haystack.includes(` ${words.slice(start, start + QUOTE_WINDOW).join(' ')} `)) return true;
    }
  }
  return false;
}

/** The subject mark that makes a mail an internal note (`[internal]`, as mails with internal notes carry it). */
const INTERNAL_MARK = /\[\s*internal\s*\]/iu;

/**
 * Why a mail to a ticket becomes an internal note, or undefined: sent to the internal address, a reply to a
 * mail that carried internal notes, marked `[internal]` in the subject, or quoting an internal note. Internal
 * text must never reach the submitter or the site, whoever quotes it (docs/ggus.md §3).
 */
function internalReason(planned: Planned, number: number): string | undefined {
  if (planned.recipient.internal) return 'sent to the internal address';
  if (planned.notificationKeys.some((key) => key.endsWith(INTERNAL_KEY_SUFFIX))) return 'a reply to a mail with internal notes';
  if (INTERNAL_MARK.test(flattenSubject(planned.mail.subject))) return 'the subject is marked [internal]';
  const notes = (planned.ctx.lookups.ticketMessages?.(number) ?? []).filter((doc) => doc.message.visibility === 'internal').map((doc) => doc.body);
  if (notes.length > 0 && quotesInternal(planned.mail.text, notes)) return 'it quotes an internal note';
  return undefined;
}

interface SelfServiceEffect {
  /** The ticket after the change, when there is one. */
  ticket?: Ticket;
  changes: FieldChange[];
  flags: string[];
  note: string;
  /** The message replaces the mail's text (a subscription request records its confirmation code). */
  body?: string;
  /** Self-service mails are recorded as internal notes: they are requests to the helpdesk, not conversation. */
  internal: boolean;
}

/**
 * The self-service keyword of a mail (lib/core/intake/keywords.ts) applied: notification mode, CC and the
 * "affects the whole VO" flag for the authenticated submitter; subscribing for anyone, but only once the
 * address answered the confirmation mail with its code (a From is easy to forge; the code only reaches
 * the real address).
 */
function selfServiceEffect(planned: Planned, doc: TicketDoc, isSubmitter: boolean): SelfServiceEffect {
  const none: SelfServiceEffect = { changes: [], flags: [], note: '', internal: false };
  const service = selfServiceKeyword(planned.mail.subject, planned.ctx.settings.subjectTag);
  if (!service) return none;
  const ticket = doc.ticket;
  const address = planned.author.address;
  const flags = [SELF_SERVICE_FLAG];
  const change = (field: keyof Ticket, to: unknown, note: string): SelfServiceEffect => {
    const from = ticket[field];
    if (JSON.stringify(from ?? null) === JSON.stringify(to ?? null)) return { changes: [], flags, note: `${note}: already so`, internal: true };
    const next = { ...ticket, [field]: to };
    if (to === undefined || (Array.isArray(to) && to.length === 0)) delete (next as Partial<Ticket>)[field];
    return { ticket: next, changes: [{ field, from, to }], flags, note, internal: true };
  };
  if (service.kind === 'subscribe' || service.kind === 'unsubscribe') {
    const subscribers = ticket.subscribers ?? [];
    if (service.kind === 'unsubscribe') return change('subscribers', subscribers.filter((entry) => entry !== address), `${address} unsubscribed by mail`);
    if (service.code === undefined) {
      const code = planned.ctx.newCode?.();
      if (code === undefined) return { changes: [], flags, note: 'subscription requested, but this intake makes no confirmation codes', internal: true };
      const body = `Subscription to #${ticket.number} requested by ${address}; a confirmation mail goes to that address.\nConfirmation code: ${code}\n`;
      return { changes: [], flags: [...flags, SUBSCRIBE_REQUEST_FLAG], note: `subscription requested by ${address}: confirmation mail to that address`, body, internal: true };
    }
    const requested = (planned.ctx.lookups.ticketMessages?.(ticket.number) ?? []).some((m) => (m.message.flags ?? []).includes(SUBSCRIBE_REQUEST_FLAG) && m.message.author.email === address && subscribeCodeOf(m.body) === service.code);
    if (!requested) return { changes: [], flags, note: `subscription code from ${address} matches no request from that address: not subscribed`, internal: true };
    return change('subscribers', [...new Set([...subscribers, address])].sort(), `${address} confirmed the subscription by mail`);
  }
  if (!isSubmitter || !planned.auth.authenticated) {
    return { changes: [], flags, note: `'${planned.mail.subject}' changes the ticket only for the submitter, authenticated${planned.auth.authenticated ? '' : ` (${planned.auth.reason})`}: nothing changed`, internal: true };
  }
  if (service.kind === 'notify') return change('notify', service.mode, `the submitter set the notification mode to ${service.mode} by mail`);
  if (service.kind === 'affects-vo') return change('affectsVo', service.value || undefined, `the submitter marked the ticket as ${service.value ? '' : 'not '}affecting the whole VO by mail`);
  const valid = EmailSchema.safeParse(service.address);
  if (!valid.success) return { changes: [], flags, note: `'${service.address}' is not a mail address: CC unchanged`, internal: true };
  const cc = ticket.cc ?? [];
  if (service.action === 'add' && cc.length >= planned.ctx.settings.mail.ccLimit) return { changes: [], flags, note: `CC has ${cc.length} addresses, the limit (mail.ccLimit): not added`, internal: true };
  const next = service.action === 'add' ? [...new Set([...cc, valid.data])] : cc.filter((entry) => entry !== valid.data);
  return change('cc', next, `the submitter ${service.action === 'add' ? 'added' : 'removed'} ${valid.data} ${service.action === 'add' ? 'to' : 'from'} CC by mail`);
}

function appendMessage(planned: Planned & { doc: TicketDoc; match: ThreadMatch; repliesToNotification: boolean }): ChangeDecision {
  const { mail, ctx, author, doc, match } = planned;
  const number = doc.ticket.number;
  const isSubmitter = doc.ticket.submitter.email?.toLowerCase() === author.address.toLowerCase();
  const participant = isParticipant(doc.ticket, author.address, ctx.units);
  // A slave takes no update except through its master (GGUS D-SSG): the mail is refused — kept as an internal
  // note (nothing is lost; supporters see it), no keyword acts, and notify mails the sender the master's number.
  // Refused rather than redirected to the master: the sender may not be on the master (another submitter's
  // ticket), and a redirect would publish their text there, to people they never wrote to.
  const master = doc.ticket.relations?.master;
  const refused = master !== undefined;
  const none = { flags: [] as string[], note: '' };
  const effect: ReturnType<typeof stateEffect> = refused ? none : stateEffect(planned, doc, isSubmitter);
  const escalation: { level?: EscalationLevel; flags: string[]; note: string } = refused ? none : escalationEffect(planned, doc, isSubmitter);
  const service: SelfServiceEffect = refused ? { changes: [], flags: [SLAVE_REFUSED_FLAG], note: `#${number} is a duplicate (slave) of #${master} and accepts no update except through its master: kept as an internal note, nothing changed, the sender is told to write to #${master}`, internal: true } : selfServiceEffect(planned, doc, isSubmitter);
  const internal = refused ? `a mail to a duplicate of #${master}` : (internalReason(planned, number) ?? (service.internal ? 'a self-service request' : undefined));
  const { stored, skipped } = planAttachments(mail.attachments, ctx.lookups.ticketFiles(number), ctx.settings.mail.attachmentMaxBytes);
  const flags = [...new Set([
    ...(participant ? [] : [INTAKE_FLAGS.unknownSender]),
    ...effect.flags,
    ...escalation.flags,
    ...planned.collisionFlags,
    ...(skipped.length > 0 ? [INTAKE_FLAGS.attachmentTooLarge] : []),
    ...(internal && !service.internal ? [INTAKE_FLAGS.madeInternal] : []),
    ...service.flags,
  ])];
  const text = service.body ?? withNote(normalizeBody(mail.text), skippedNote(skipped));
  const fold = service.body === undefined ? foldFrom(normalizeBody(mail.text)) : undefined;
  const { role, unit } = roleOf({ email: author.address }, doc.ticket, ctx.units);
  const messageId = validMessageId(ctx.keys.messageId) ? ctx.keys.messageId : undefined;
  const inReplyTo = mail.inReplyTo.find(validMessageId);
  const references = mail.references.filter(validMessageId).slice(-REFERENCES_KEPT);
  const message: MessageInput = {
    date: ctx.received,
    author: { name: personName(author), email: author.address, role, ...(unit ? { unit } : {}) },
    visibility: internal ? 'internal' : 'public',
    source: 'mail',
    ...(messageId ? { messageId } : {}),
    ...(inReplyTo ? { inReplyTo } : {}),
    ...(references.length > 0 ? { references } : {}),
    ...(stored.length > 0 ? { attachments: stored.map(({ file, size, type }) => ({ file, size, type })) } : {}),
    ...(flags.length > 0 ? { flags } : {}),
    ...(fold === undefined ? {} : { foldFrom: fold }),
  };
  const messagePath = `${messagesDir(number)}/${messageFileName(ctx.received, ctx.keys.key)}`;
  const files: FileWrite[] = [{ path: messagePath, content: serializeMessage({ message, body: text }, messagePath) }, ...attachmentFiles(number, stored)];
  let changes: FieldChange[] = [];
  const indexPath = ticketIndexPath(number);
  let next: Ticket | undefined;
  if (effect.status) {
    const applied = applyAssignments(doc, [{ field: 'status', value: effect.status }], { file: indexPath, unitIds: new Set(ctx.units.map((u) => u.id)) });
    changes = applied.changes;
    next = applied.ticket;
  }
  if (escalation.level !== undefined) {
    next = { ...(next ?? doc.ticket), escalation: escalation.level };
    changes = [...changes, { field: 'escalation', from: doc.ticket.escalation, to: escalation.level }];
  }
  if (service.ticket) {
    const base = next ?? doc.ticket;
    const field = service.changes[0]?.field as keyof Ticket;
    next = { ...base, [field]: service.ticket[field] };
    if (service.ticket[field] === undefined) delete (next as Partial<Ticket>)[field];
    changes = [...changes, ...service.changes];
  }
  if (next) files.push({ path: indexPath, content: serializeTicket({ ticket: next, body: doc.body }, indexPath) });
  const reasons = [`threaded by ${match.rule} (${oneLine(match.detail, 120)})`];
  if (effect.note) reasons.push(effect.note);
  if (escalation.note) reasons.push(escalation.note);
  if (service.note) reasons.push(service.note);
  if (internal) reasons.push(`kept as an internal note: ${internal}`);
  if (!participant) reasons.push(`sender ${author.address} is not on the ticket: flagged for TPM`);
  if (planned.collisionFlags.length > 0) reasons.push('Message-ID seen before with other content (collision)');
  const who = `${personName(author)} (${role})`;
  const subject = changes.length > 0 ? `${describeChanges(number, changes)} by mail from ${who}` : `#${number} message by mail from ${who}`;
  return {
    action: 'appended',
    ticket: number,
    reason: reasons.join('; '),
    flags,
    files,
    indexEntry: { idHash: ctx.keys.idHash, contentHash: ctx.keys.contentHash, outcome: number },
    commit: {
      subject,
      body: reasons.join('\n'),
      trailers: mailTrailers(planned, escalation.level !== undefined ? 'escalation' : changes.length > 0 ? 'status' : 'message', doc.ticket.unit, number, { 'Thread-Rule': match.rule }),
    },
  };
}

interface QuarantineInput {
  keys: IntakeKeys;
  received: string;
  /** Stable word: not-email, no-sender, parse-error, error. */
  category: string;
  reason: string;
  /** Longer explanation for the record's body (the error message). */
  detail: string;
  raw: Uint8Array;
  /** What was understood of the mail, when it parsed. */
  mail?: InboundMail | undefined;
  envelopeRecipient?: string | undefined;
  settings: Settings;
  /** Failed retries so far. */
  attempts?: number;
}

/** Keeps the raw bytes and the reason, so `gitgus quarantine retry` can run the message again after a fix. */
export function decideQuarantine(input: QuarantineInput): ChangeDecision {
  const { keys } = input;
  const mail = input.mail;
  const recipient = mail ? resolveRecipient(mail, input.settings, input.envelopeRecipient) : undefined;
  // A From that does not parse (`jane at uni dot example`) is kept as it was written, for TPM to answer by hand.
  const rawFrom = mail ? headerValue(mail, 'From') : undefined;
  const parsedFrom = mail?.from && mail.from.address.includes('@') ? formatAddress(mail.from) : undefined;
  const from = oneLine(parsedFrom ?? rawFrom ?? '', 500);
  const subject = mail ? oneLine(mail.subject, 1000) : '';
  const record: IntakeRecordInput = {
    action: 'quarantined',
    category: input.category,
    reason: oneLine(input.reason, 500),
    key: keys.key,
    idHash: keys.idHash,
    contentHash: keys.contentHash,
    received: input.received,
    ...(mail?.date ? { date: mail.date } : {}),
    ...(validMessageId(keys.messageId) ? { messageId: keys.messageId } : {}),
    ...(from ? { from } : {}),
    ...(recipient?.named ? { recipient: recipient.address } : {}),
    ...(subject ? { subject } : {}),
    size: input.raw.length,
    raw: `${keys.key}.eml`,
    ...(input.attempts ? { attempts: input.attempts } : {}),
  };
  return {
    action: 'quarantined',
    reason: oneLine(input.reason, 500),
    flags: [],
    files: [
      recordFile(quarantineRecordPath(keys.key), record, input.detail),
      { path: quarantineRawPath(keys.key), content: input.raw },
    ],
    indexEntry: { idHash: keys.idHash, contentHash: keys.contentHash, outcome: 'quarantined' },
    commit: {
      subject: `intake: quarantined a message (${input.category})`,
      body: `${oneLine(input.reason, 500)}\n\nSee ${quarantineRecordPath(keys.key)}; after a fix, run gitgus quarantine retry ${keys.key}.`,
      trailers: { Event: 'quarantined', 'Intake-Key': keys.key },
    },
  };
}

/**
 * A mail from an interfaced unit's own helpdesk (lib/core/interface/inbound.ts): threaded by our own
 * rules, else by the remote's number; links, maps status and priority, appends the correspondence; or,
 * for a ticket we do not know, creates one for TPM with its origin set.
 */
function decideRemoteMail(mail: InboundMail, ctx: IntakeContext, recipient: ResolvedRecipient, remote: RemoteMail, collisionFlags: string[]): ChangeDecision {
  const { settings } = ctx;
  const author = requireSender(mail);
  const auth = authenticateSender(mail, author.address, settings);
  const planned: Planned = { mail, ctx, recipient, author, auth, collisionFlags, unknownTags: [], notificationKeys: [] };
  const thread = threadMail(mail, settings, recipient, ctx.lookups);
  let match: ThreadMatch | undefined = thread.match;
  if (!match && remote.remoteId !== undefined) {
    const linked = ctx.lookups.ticketOfRemote?.(remote.unit.id, remote.remoteId);
    if (linked !== undefined) match = { ticket: linked, rule: 'references', detail: `${remote.iface.system} #${remote.remoteId}` };
  }
  const interfaceTrailers = { Interface: remote.unit.id, ...(remote.remoteId ? { Remote: `${remote.iface.system}:${remote.remoteId}` } : {}) };
  if (!match) {
    if (remote.echo || (remote.automatic && headerValue(mail, INTERFACE_HEADER)?.toLowerCase() !== 'created')) {
      const reason = `automatic mail of ${remote.iface.name} about no ticket of ours: recorded, never a ticket`;
      return {
        action: 'ignored',
        reason,
        flags: collisionFlags,
        files: [recordFile(ignoredRecordPath(ctx.keys.key, ctx.received), { ...baseRecord(mail, ctx, recipient), action: 'ignored', category: 'auto-reply', reason }, mail.text.slice(0, IGNORED_TEXT_MAX))],
        indexEntry: { idHash: ctx.keys.idHash, contentHash: ctx.keys.contentHash, outcome: 'ignored' },
        commit: { subject: `intake: ignored automatic mail from ${remote.unit.id}'s helpdesk`, body: reason, trailers: { Event: 'ignored', 'Intake-Key': ctx.keys.key, Intake: recipient.address, ...interfaceTrailers } },
      };
    }
    return remoteNewTicket(planned, remote, interfaceTrailers);
  }
  const doc = ctx.lookups.loadTicket(match.ticket);
  const number = doc.ticket.number;
  const effect = remoteEffect(remote, doc);
  // A forged From must not move a ticket: the remote's status and priority count only from an authenticated sender.
  if (effect.changed && !auth.authenticated && (effect.changed.status !== undefined || effect.changed.priority !== undefined)) {
    const { status: _status, priority: _priority, ...kept } = effect.changed;
    effect.changed = Object.keys(kept).length > 0 ? kept : undefined;
    effect.reasons.push(`status and priority not applied: the sender is not authenticated (${auth.reason})`);
  }
  const files: FileWrite[] = [];
  let changes: FieldChange[] = [];
  if (effect.changed) {
    const next: Ticket = { ...doc.ticket, ...effect.changed };
    for (const [field, value] of Object.entries(effect.changed)) changes.push({ field, from: (doc.ticket as Record<string, unknown>)[field], to: value });
    // solved and unsolved need a solution: the remote's, in words that say where it was found.
    if ((next.status === 'solved' || next.status === 'unsolved') && !next.solution) {
      const link = remote.remoteId ? remoteTicketUrl(remote.iface, remote.remoteId) : undefined;
      next.solution = { qualifier: 'fixed', text: `${next.status === 'solved' ? 'Solved' : 'Closed unsolved'} in ${remote.iface.name}${remote.remoteId ? ` (${remote.iface.system} #${remote.remoteId})` : ''}; see its messages${link ? ` and ${link}` : ''}.` };
    }
    const indexPath = ticketIndexPath(number);
    files.push({ path: indexPath, content: serializeTicket({ ticket: next, body: doc.body }, indexPath) });
  }
  const { stored, skipped } = planAttachments(mail.attachments, ctx.lookups.ticketFiles(number), settings.mail.attachmentMaxBytes);
  if (effect.appendMessage) {
    const messageId = validMessageId(ctx.keys.messageId) ? ctx.keys.messageId : undefined;
    const inReplyTo = mail.inReplyTo.find(validMessageId);
    const references = mail.references.filter(validMessageId).slice(-REFERENCES_KEPT);
    const flags = [...new Set([FROM_REMOTE_FLAG, ...collisionFlags, ...(skipped.length > 0 ? [INTAKE_FLAGS.attachmentTooLarge] : [])])];
    const fold = foldFrom(normalizeBody(mail.text));
    const message: MessageInput = {
      date: ctx.received,
      author: { name: personName(author), email: author.address, role: 'supporter', unit: remote.unit.id },
      visibility: remote.internal ? 'internal' : 'public',
      source: 'mail',
      ...(messageId ? { messageId } : {}),
      ...(inReplyTo ? { inReplyTo } : {}),
      ...(references.length > 0 ? { references } : {}),
      ...(stored.length > 0 ? { attachments: stored.map(({ file, size, type }) => ({ file, size, type })) } : {}),
      flags,
      ...(fold === undefined ? {} : { foldFrom: fold }),
    };
    const messagePath = `${messagesDir(number)}/${messageFileName(ctx.received, ctx.keys.key)}`;
    files.push({ path: messagePath, content: serializeMessage({ message, body: withNote(normalizeBody(mail.text), skippedNote(skipped)) }, messagePath) }, ...attachmentFiles(number, stored));
    effect.reasons.push(remote.internal ? `${remote.iface.name}'s internal comment: kept internal` : `${remote.iface.name}'s correspondence appended`);
  }
  const reasons = [`from ${remote.unit.id}'s helpdesk (${remote.iface.name}); threaded by ${match.rule} (${oneLine(match.detail, 120)})`, ...effect.reasons];
  if (files.length === 0) {
    const reason = `${reasons.join('; ')}; nothing new`;
    return {
      action: 'ignored',
      ticket: number,
      reason,
      flags: collisionFlags,
      files: [recordFile(ignoredRecordPath(ctx.keys.key, ctx.received), { ...baseRecord(mail, ctx, recipient), action: 'ignored', category: 'auto-reply', reason, ticket: number }, '')],
      indexEntry: { idHash: ctx.keys.idHash, contentHash: ctx.keys.contentHash, outcome: number },
      commit: { subject: `#${number} nothing new from ${remote.unit.id}'s helpdesk`, body: reason, trailers: { Ticket: String(number), Event: 'ignored', 'Intake-Key': ctx.keys.key, Intake: recipient.address, ...interfaceTrailers } },
    };
  }
  changes = changes.filter((change) => change.field !== 'remote');
  const linked = effect.changed?.remote ? ` linked to ${remote.iface.system} #${effect.changed.remote.id}` : '';
  const subject = changes.length > 0 ? `${describeChanges(number, changes)} by ${remote.unit.id}'s helpdesk${linked}` : `#${number} ${effect.appendMessage ? 'message' : 'update'} from ${remote.unit.id}'s helpdesk${linked}`;
  return {
    action: 'appended',
    ticket: number,
    reason: reasons.join('; '),
    flags: collisionFlags,
    files,
    indexEntry: { idHash: ctx.keys.idHash, contentHash: ctx.keys.contentHash, outcome: number },
    commit: { subject, body: reasons.join('\n'), trailers: { ...mailTrailers(planned, changes.length > 0 ? 'status' : 'message', doc.ticket.unit, number, { 'Thread-Rule': match.rule }), ...interfaceTrailers } },
  };
}

/** A ticket the remote helpdesk created and sent us: assigned to TPM, origin and link set (GOCTX). */
function remoteNewTicket(planned: Planned, remote: RemoteMail, interfaceTrailers: Record<string, string>): ChangeDecision {
  const { mail, ctx, author } = planned;
  const { settings } = ctx;
  const number = ctx.nextNumber();
  const tpm = ctx.units.find((unit) => unit.family === 'tpm')?.id ?? 'tpm';
  const title = oneLine(remoteTitle(remote, flattenSubject(mail.subject), subjectTagPattern(settings.subjectTag)), TITLE_MAX) || '(no subject)';
  const { stored, skipped } = planAttachments(mail.attachments, [], settings.mail.attachmentMaxBytes);
  const text = normalizeBody(mail.text);
  const fold = foldFrom(text);
  const start = createdStatus(remote);
  const messageId = validMessageId(ctx.keys.messageId) ? ctx.keys.messageId : undefined;
  const link = remote.remoteId ? { system: remote.iface.system, id: remote.remoteId } : undefined;
  const ticket: TicketInput = {
    number,
    title,
    status: start.status,
    originalPriority: 'less urgent',
    unit: tpm,
    submitter: { name: personName(author), email: author.address },
    created: ctx.received,
    source: { kind: 'interface', address: planned.recipient.address, ...(messageId ? { messageId } : {}) },
    ...(link ? { origin: link, remote: { unit: remote.unit.id, ...link } } : {}),
    ...(stored.length > 0 ? { attachments: stored.map(({ file, size, type }) => ({ file, size, type })) } : {}),
    ...(fold === undefined ? {} : { foldFrom: fold }),
  };
  const indexPath = ticketIndexPath(number);
  const files: FileWrite[] = [{ path: indexPath, content: serializeTicket({ ticket, body: withNote(text, skippedNote(skipped)) }, indexPath) }, ...attachmentFiles(number, stored)];
  const reason = `created in ${remote.iface.name}${link ? ` as ${link.system} #${link.id}` : ''} and sent to us: assigned to TPM; ${start.reason}`;
  return {
    action: 'created',
    ticket: number,
    reason,
    flags: planned.collisionFlags,
    minted: number,
    files,
    indexEntry: { idHash: ctx.keys.idHash, contentHash: ctx.keys.contentHash, outcome: number },
    commit: {
      subject: `#${number} new ticket from ${remote.unit.id}'s helpdesk: ${title}`,
      body: reason,
      trailers: { ...mailTrailers(planned, 'created', tpm, number, { Rule: 'interface' }), ...interfaceTrailers },
    },
  };
}
