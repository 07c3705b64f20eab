/**
 * The per-address daily cap: the last brake against mail loops (Znuny's `PostmasterMaxEmails`, 40 a day;
 * docs/peers.md §4.4). Every other rule should already stop a loop; this one bounds the damage when
 * they do not. Counts are per UTC day and per address; unit mailing lists get their own, higher cap
 * because a busy unit legitimately receives many notifications. Pure.
 */
import type { OutgoingMail } from './render.ts';

/** Mails sent per address on one UTC day. */
export interface SendCounts {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  counts: Readonly<Record<string, number>>;
}

interface CapLimits {
  /** Per person's address. */
  person: number;
  /** Per unit mailing list. */
  list: number;
  /** Mails written because of one sender's mail (acknowledgements, Cc notices), per sender; default unlimited. */
  sender?: number;
}

/** Default of `notify.senderDailyCap`: 20 new tickets a day with acknowledgement and Cc notice each. */
export const SENDER_DAILY_CAP = 40;

/** Count key of a sender's share: cannot collide with an address (no address starts with `sender:`). */
function senderKey(address: string): string {
  return `sender:${address.toLowerCase()}`;
}

interface CapResult {
  /** The mail with over-cap recipients removed; undefined when nobody is left. */
  mail?: OutgoingMail;
  /** Addresses dropped because they reached their cap today. */
  capped: string[];
  /** Counts after sending the mail. */
  counts: SendCounts;
}

/** Counts for `day`: yesterday's counts are forgotten at midnight UTC. */
export function countsFor(counts: SendCounts | undefined, day: string): SendCounts {
  return counts && counts.day === day ? counts : { day, counts: {} };
}

/**
 * Applies the cap to one mail: recipients who already got their day's share are removed (and reported);
 * the others are counted.
 *
 * @example
 * const { mail: allowed, capped, counts: next } = applyDailyCap(mail, counts, { person: 40, list: 500 }, (a) => lists.has(a));
 */
export function applyDailyCap(mail: OutgoingMail, counts: SendCounts, limits: CapLimits, isList: (address: string) => boolean): CapResult {
  const next: Record<string, number> = { ...counts.counts };
  const capped: string[] = [];
  // Beside each recipient's cap, the sender's: one sender writing 100 mails with 20 Cc each gets the helpdesk
  // to write in their name only up to this many times a day, whoever the recipients are.
  if (mail.onBehalfOf !== undefined && limits.sender !== undefined) {
    const key = senderKey(mail.onBehalfOf);
    const sent = next[key] ?? 0;
    if (sent >= limits.sender) return { capped: [key], counts };
    next[key] = sent + 1;
  }
  const keep = (recipient: { address: string }) => {
    const address = recipient.address.toLowerCase();
    const limit = isList(address) ? limits.list : limits.person;
    const sent = next[address] ?? 0;
    if (sent >= limit) {
      capped.push(address);
      return false;
    }
    next[address] = sent + 1;
    return true;
  };
  const to = mail.to.filter(keep);
  const cc = mail.cc.filter(keep);
  const result: CapResult = { capped, counts: { day: counts.day, counts: next } };
  if (to.length + cc.length === 0) return result;
  // A mail whose To was all capped still reaches its Cc: they move up, so the mail has a To.
  result.mail = to.length > 0 ? { ...mail, to, cc } : { ...mail, to: cc, cc: [] };
  return result;
}
