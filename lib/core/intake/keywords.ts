/**
 * Verify and reopen by mail. Solution mails offer two mailto links to the intake address with the subject
 * `[GGUS #165048] verify` or `[GGUS #165048] reopen`. Only these keywords change the status: a plain reply,
 * to whichever mail, is appended and flagged for the unit (GGUS once verified on a plain reply to the
 * solution mail, which verified "No, it is still failing!" too). Only a subject that is the tag plus exactly
 * the keyword counts, so a sentence such as "cannot verify the fix" never changes a ticket.
 */
import { flattenSubject, subjectTagPattern } from './thread.ts';

type SolutionKeyword = 'verify' | 'reopen';

const REPLY_PREFIX = /^(?:(?:re|aw|sv|vs|wg|fw|fwd|tr|antw|odp|r|rif)(?:\s*\[\d+\])?\s*:\s*)+/iu;

/** The keyword a subject carries after the ticket's tag, or undefined. */
export function solutionKeyword(subject: string, subjectTag: string): SolutionKeyword | undefined {
  const flat = flattenSubject(subject);
  const withoutTag = flat.replace(subjectTagPattern(subjectTag), ' ').replace(/\[\s*#\s*\d{1,12}\s*\]/gu, ' ').replace(/\s+/g, ' ').trim();
  const word = withoutTag.replace(REPLY_PREFIX, '').trim().toLowerCase();
  if (withoutTag === flat) return undefined;
  if (word === 'verify' || word === 'verified') return 'verify';
  if (word === 'reopen' || word === 're-open') return 'reopen';
  return undefined;
}

/**
 * Whether a subject is the ticket's tag plus the word `escalate` (the escalation link in every mail to the
 * submitter and on the ticket page writes exactly that; lib/core/escalation.ts has the levels).
 */
export function isEscalationSubject(subject: string, subjectTag: string): boolean {
  const flat = flattenSubject(subject);
  const withoutTag = flat.replace(subjectTagPattern(subjectTag), ' ').replace(/\[\s*#\s*\d{1,12}\s*\]/gu, ' ').replace(/\s+/g, ' ').trim();
  if (withoutTag === flat) return false;
  return /^escalat(?:e|ion)$/.test(withoutTag.replace(REPLY_PREFIX, '').trim().toLowerCase());
}

/** What a new mail asks for in keyword lines (`Type: ALARM`, `Notify site: FZK-LCG2`, `VO: atlas`, `Type of issue: File Transfer`). */
interface RequestKeywords {
  type?: string;
  notifySite?: string;
  vo?: string;
  issue?: string;
}

const REQUEST_LINE = /^[ \t]*(ticket[ \t-]?type|type of issue|issue[ \t-]?type|type|notify[ \t-]?site|vo)[ \t]*:[ \t]*(\S.{0,99}?)[ \t]*$/gimu;

/**
 * Keyword lines of a new mail, the first of each kind. GGUS told mail submitters to "include the site name,
 * VO, etc." (docs/ggus.md §3); a line of its own, `Name: value`, is what a person writes and what a
 * script can send. Only the visible part counts (not quoted history), and the words themselves stay in the request.
 */
export function requestKeywords(text: string): RequestKeywords {
  const out: RequestKeywords = {};
  for (const match of text.matchAll(REQUEST_LINE)) {
    const name = (match[1] ?? '').toLowerCase().replace(/[\s-]+/g, ' ');
    const value = match[2] ?? '';
    const key: keyof RequestKeywords = name === 'type' || name === 'ticket type' ? 'type' : name === 'notify site' ? 'notifySite' : name === 'vo' ? 'vo' : 'issue';
    out[key] ??= value;
  }
  return out;
}

/**
 * Submitter self-service by mail (issue 16 point 11), the subject being the ticket's tag plus one of:
 *
 *     notify on every change | notify on solution   the submitter's notification mode
 *     cc add ADDRESS | cc remove ADDRESS            the CC list (the submitter only)
 *     affects vo | affects vo no                    the "affects the whole VO" flag (the submitter only)
 *     subscribe                                     anyone: a confirmation mail goes to the sender
 *     subscribe CODE                                the reply to that mail: the sender is subscribed
 *     unsubscribe                                   a subscriber leaves
 *
 * The ticket page and the mails to the submitter offer each as a mailto link.
 */
type SelfService =
  | { kind: 'notify'; mode: 'on every change' | 'on solution' }
  | { kind: 'cc'; action: 'add' | 'remove'; address: string }
  | { kind: 'affects-vo'; value: boolean }
  | { kind: 'subscribe'; code?: string }
  | { kind: 'unsubscribe' };

/** The self-service keyword a subject carries after the ticket's tag, or undefined. */
export function selfServiceKeyword(subject: string, subjectTag: string): SelfService | undefined {
  const flat = flattenSubject(subject);
  const withoutTag = flat.replace(subjectTagPattern(subjectTag), ' ').replace(/\[\s*#\s*\d{1,12}\s*\]/gu, ' ').replace(/\s+/g, ' ').trim();
  if (withoutTag === flat) return undefined;
  const words = withoutTag.replace(REPLY_PREFIX, '').trim();
  const lower = words.toLowerCase();
  if (lower === 'notify on every change') return { kind: 'notify', mode: 'on every change' };
  if (lower === 'notify on solution') return { kind: 'notify', mode: 'on solution' };
  const cc = /^cc (add|remove) (\S+@\S+)$/i.exec(words);
  if (cc) return { kind: 'cc', action: (cc[1] as string).toLowerCase() as 'add' | 'remove', address: (cc[2] as string).toLowerCase() };
  if (lower === 'affects vo' || lower === 'affects vo yes') return { kind: 'affects-vo', value: true };
  if (lower === 'affects vo no') return { kind: 'affects-vo', value: false };
  if (lower === 'unsubscribe') return { kind: 'unsubscribe' };
  const subscribe = /^subscribe(?: ([A-Za-z0-9_-]{16,64}))?$/i.exec(words);
  if (subscribe) return subscribe[1] === undefined ? { kind: 'subscribe' } : { kind: 'subscribe', code: subscribe[1] };
  return undefined;
}

/** Flag of the internal note that records a subscription request and its confirmation code. */
export const SUBSCRIBE_REQUEST_FLAG = 'subscribe-request';
/** Flag of the message that records a self-service change made by mail. */
export const SELF_SERVICE_FLAG = 'self-service';
/**
 * A mail to a duplicate (slave) ticket: GGUS slaves "cannot be updated" (D-SSG), so intake keeps it as an
 * internal note with this flag, changes nothing, and notify tells the sender to write to the master.
 */
export const SLAVE_REFUSED_FLAG = 'slave-refused';
/** A submitter's reply to a solved ticket that neither verifies nor reopens: flagged for the unit, and it holds tick's auto-close. */
export const REPLY_TO_SOLVED_FLAG = 'reply-to-solved';

/** The confirmation code inside a subscription request note (`Confirmation code: …`). */
export function subscribeCodeOf(body: string): string | undefined {
  return /^Confirmation code: ([A-Za-z0-9_-]{16,64})$/m.exec(body)?.[1];
}
