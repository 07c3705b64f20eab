/**
 * Which ticket a mail belongs to (docs/design.md §4.1, docs/peers.md §4.3), tried in this order, and
 * the rule that matched is recorded:
 *
 * 1. the per-ticket reply token in the recipient address (`helpdesk+165048@…`), when configured;
 * 2. In-Reply-To, then every References id: our own notification ids carry the ticket number, every other
 *    id is looked up among the Message-IDs the helpdesk has received;
 * 3. the subject tag after RFC 2047 decoding — the configured tag (`[GGUS #165048]`), a bare `[#165048]`,
 *    or GGUS's legacy `GGUS-Ticket-ID: #165048` — anywhere in the subject, so any chain of
 *    Re:/AW:/Fwd:/SV:/RE[2]: prefixes in front does not matter.
 *
 * Never on subject text alone. A tag naming no ticket threads nowhere (the mail starts a new ticket).
 */
import { eventKeyFromMessageId, normalizeMessageId, ticketFromMessageId } from '../mail-ids.ts';
import type { Settings } from '../schema/settings.ts';
import { domainOf, headerValues, type InboundMail } from './mail.ts';

type ThreadRule = 'reply-token' | 'in-reply-to' | 'references' | 'subject-tag';

export interface ThreadMatch {
  ticket: number;
  rule: ThreadRule;
  /** The id or tag that matched, for the commit trailer. */
  detail: string;
}

interface ThreadResult {
  match: ThreadMatch | undefined;
  /** Ticket numbers in the subject that name no ticket. */
  unknownTags: number[];
  /** True when In-Reply-To/References name one of our own notifications (a reply to our mail). */
  repliesToNotification: boolean;
  /** Event keys of our own notifications that In-Reply-To/References name (`3f9a2c1b7d0e.unit.internal`). */
  notificationKeys: string[];
}

export interface ThreadLookups {
  /** The ticket a received Message-ID belongs to (the intake index). */
  ticketOfMessageId(id: string): number | undefined;
  ticketExists(number: number): boolean;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A tolerant pattern for the configured tag: case-insensitive, any spacing, `{number}` captured. */
export function subjectTagPattern(subjectTag: string): RegExp {
  const [before = '', after = ''] = subjectTag.split('{number}');
  const part = (text: string) => escapeRegExp(text.trim()).replace(/\s+/g, '\\s*');
  return new RegExp(`${part(before)}\\s*0*(\\d{1,12})\\s*${part(after)}`, 'giu');
}

const BARE_TAG = /\[\s*#\s*0*(\d{1,12})\s*\]/giu;
const LEGACY_TAG = /GGUS-Ticket-ID\s*:\s*#\s*0*(\d{1,12})/giu;

/** Subjects are one line for matching: encoded words can smuggle in CR/LF and tabs. */
export function flattenSubject(subject: string): string {
  return subject.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Every ticket number tagged in the subject, in order of appearance, without repeats. */
export function subjectTags(subject: string, subjectTag: string): number[] {
  const flat = flattenSubject(subject);
  const found: { index: number; number: number }[] = [];
  for (const pattern of [subjectTagPattern(subjectTag), BARE_TAG, LEGACY_TAG]) {
    for (const match of flat.matchAll(pattern)) found.push({ index: match.index, number: Number(match[1]) });
  }
  const numbers = found.sort((a, b) => a.index - b.index).map((entry) => entry.number).filter((n) => Number.isSafeInteger(n) && n > 0);
  return [...new Set(numbers)];
}

/** `helpdesk+165048@ggus.example` → 165048 when `helpdesk@ggus.example` is an intake address (also `+165048.internal`). */
export function replyToken(address: string, intakeAddresses: readonly string[]): number | undefined {
  const match = /^([^+@\s]+)\+(\d{1,12})(?:\.internal)?@([^@\s]+)$/.exec(address.trim().toLowerCase());
  if (!match) return undefined;
  const base = `${match[1]}@${match[3]}`;
  return intakeAddresses.some((intake) => intake.toLowerCase() === base) ? Number(match[2]) : undefined;
}

/**
 * `helpdesk+internal@…` or `helpdesk+165048.internal@…` for an intake address `helpdesk@…`: the address a
 * supporter writes to (or the Reply-To of a mail with internal notes) so that the mail becomes an internal note.
 */
function internalAddress(address: string, intakeAddresses: readonly string[]): boolean {
  const match = /^([^+@\s]+)\+(?:\d{1,12}\.)?internal@([^@\s]+)$/.exec(address.trim().toLowerCase());
  if (!match) return false;
  const base = `${match[1]}@${match[2]}`;
  return intakeAddresses.some((intake) => intake.toLowerCase() === base);
}

/** Addresses the mail was delivered to, envelope first, then the headers in trust order. */
function recipientCandidates(mail: Pick<InboundMail, 'headers' | 'to' | 'cc'>, envelopeRecipient?: string): string[] {
  const candidates: string[] = [];
  if (envelopeRecipient) candidates.push(envelopeRecipient);
  for (const name of ['Delivered-To', 'X-Original-To']) {
    for (const value of headerValues(mail, name)) candidates.push(value.trim().replace(/^<(.*)>$/, '$1'));
  }
  for (const address of [...mail.to, ...mail.cc]) candidates.push(address.address);
  return candidates.map((address) => address.trim().toLowerCase()).filter((address) => address.includes('@'));
}

export interface ResolvedRecipient {
  /** The configured intake address the mail came to (the first configured one when none is named). */
  address: string;
  /** Whether the address was named by the envelope or a header (false: fell back to the first intake address). */
  named: boolean;
  /** Reply token in the recipient address, when tokens are configured. */
  token: number | undefined;
  /** The mail came to the internal form of an intake address (`helpdesk+internal@…`). */
  internal?: boolean;
}

/** Which intake address the mail came to: --recipient, then Delivered-To / X-Original-To / To / Cc. */
export function resolveRecipient(mail: Pick<InboundMail, 'headers' | 'to' | 'cc'>, settings: Pick<Settings, 'intake' | 'mail'>, envelopeRecipient?: string): ResolvedRecipient {
  const intake = settings.intake.map((entry) => entry.address.toLowerCase());
  for (const candidate of recipientCandidates(mail, envelopeRecipient)) {
    if (intake.includes(candidate)) return { address: candidate, named: true, token: undefined };
    if (internalAddress(candidate, intake)) {
      const base = `${candidate.slice(0, candidate.indexOf('+'))}@${domainOf(candidate)}`;
      const token = replyToken(candidate, intake);
      return { address: base, named: true, token: settings.mail.replyTokens ? token : undefined, internal: true };
    }
    const token = replyToken(candidate, intake);
    if (token !== undefined) {
      const base = `${candidate.slice(0, candidate.indexOf('+'))}@${domainOf(candidate)}`;
      return { address: base, named: true, token: settings.mail.replyTokens ? token : undefined };
    }
  }
  return { address: intake[0] as string, named: false, token: undefined };
}

/** Finds the ticket a mail replies to; see the module comment for the order. */
export function threadMail(
  mail: Pick<InboundMail, 'inReplyTo' | 'references' | 'subject'>,
  settings: Pick<Settings, 'sender' | 'subjectTag'>,
  recipient: ResolvedRecipient,
  lookups: ThreadLookups,
): ThreadResult {
  const ids = [...mail.inReplyTo.map((id) => ({ id, rule: 'in-reply-to' as const })), ...[...mail.references].reverse().map((id) => ({ id, rule: 'references' as const }))];
  const notificationKeys = ids.map(({ id }) => eventKeyFromMessageId(normalizeMessageId(id), settings.sender)).filter((key): key is string => key !== undefined);
  const repliesToNotification = notificationKeys.length > 0;
  const tags = subjectTags(mail.subject, settings.subjectTag);
  const unknownTags = tags.filter((number) => !lookups.ticketExists(number));
  const result = (match: ThreadMatch | undefined): ThreadResult => ({ match, unknownTags, repliesToNotification, notificationKeys });

  if (recipient.token !== undefined && lookups.ticketExists(recipient.token)) {
    return result({ ticket: recipient.token, rule: 'reply-token', detail: `+${recipient.token}` });
  }
  for (const { id, rule } of ids) {
    const bare = normalizeMessageId(id);
    if (bare === '') continue;
    const own = ticketFromMessageId(bare, settings.sender);
    const ticket = own ?? lookups.ticketOfMessageId(bare);
    if (ticket !== undefined && lookups.ticketExists(ticket)) return result({ ticket, rule, detail: bare });
  }
  const known = tags.find((number) => lookups.ticketExists(number));
  if (known !== undefined) return result({ ticket: known, rule: 'subject-tag', detail: `#${known}` });
  return result(undefined);
}
