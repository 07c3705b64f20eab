/**
 * Classify first (docs/peers.md §4.4): mail written by machines — auto-replies, bounces and other
 * reports, list mail, our own mail coming back, spam flagged by the receiving server — never becomes a
 * ticket and is never answered; it is recorded with the reason. Answering it is how helpdesk mail loops start.
 */
import { LOOP_HEADER } from '../mail-ids.ts';
import type { Settings } from '../schema/settings.ts';
import type { Unit } from '../schema/unit.ts';
import { headerValue, headerValues, type InboundMail } from './mail.ts';

type IgnoreCategory = 'own-mail' | 'auto-reply' | 'bounce' | 'list' | 'spam';

interface Ignored {
  category: IgnoreCategory;
  /** One line for TPM, naming the header that decided it. */
  reason: string;
}

const BULK_PRECEDENCE = new Set(['auto_reply', 'bulk', 'junk', 'list']);
const BOUNCE_SENDERS = /^(mailer-daemon|postmaster)$/i;

function localPart(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : address.slice(0, at);
}

function short(value: string): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}

/** The bare address in a header value such as `helpdesk@x`, `<helpdesk@x>` or `Helpdesk <helpdesk@x>`. */
function addressIn(value: string): string {
  const bracketed = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
  return (bracketed?.[1] ?? value).trim().toLowerCase();
}

/** `helpdesk+165048@x` and `helpdesk+internal@x` are ours too when `helpdesk@x` is. */
function withoutSubaddress(address: string): string {
  return address.replace(/^([^+@]+)\+[^@]*@/, '$1@');
}

/**
 * Senders whose mail is never taken for list mail: unit mailing lists (a unit's list or an interfaced
 * helpdesk relays its supporters' answers with List-Id or Precedence: bulk) and unit members.
 */
export function trustedSenders(units: readonly Pick<Unit, 'mailingList' | 'members'>[]): Set<string> {
  const out = new Set<string>();
  for (const unit of units) {
    out.add(unit.mailingList.toLowerCase());
    for (const member of unit.members) if (member.email) out.add(member.email.toLowerCase());
  }
  return out;
}

/**
 * Why the mail must not become a ticket or a message, or undefined when it may. `trusted` (see
 * trustedSenders) exempts those senders from the list-mail rules only: their auto-replies are still machine mail.
 */
export function classifyMail(mail: InboundMail, settings: Pick<Settings, 'sender' | 'intake'>, trusted: ReadonlySet<string> = new Set()): Ignored | undefined {
  const ownAddresses = new Set([settings.sender, ...settings.intake.map((entry) => entry.address)].map((a) => a.toLowerCase()));
  const loop = headerValues(mail, LOOP_HEADER).map((value) => value.trim().toLowerCase());
  if (loop.includes(settings.sender.toLowerCase())) {
    return { category: 'own-mail', reason: `our own mail came back (${LOOP_HEADER}: ${settings.sender})` };
  }
  // The generic X-Loop (Sieve, procmail, RT, list servers) naming one of our addresses: our mail went round.
  for (const value of headerValues(mail, 'X-Loop')) {
    const address = withoutSubaddress(addressIn(value));
    if (ownAddresses.has(address)) return { category: 'own-mail', reason: `mail loop (X-Loop: ${short(value)} is our own address)` };
  }
  const fromAddress = mail.from?.address.trim().toLowerCase();
  if (fromAddress && ownAddresses.has(fromAddress)) {
    return { category: 'own-mail', reason: `sent from our own address ${fromAddress}` };
  }

  const autoSubmitted = headerValue(mail, 'Auto-Submitted');
  if (autoSubmitted !== undefined && autoSubmitted.split(';')[0]?.trim().toLowerCase() !== 'no') {
    return { category: 'auto-reply', reason: `automatic mail (Auto-Submitted: ${short(autoSubmitted)})` };
  }
  for (const name of ['X-Autoreply', 'X-Autorespond']) {
    const value = headerValue(mail, name);
    if (value !== undefined) return { category: 'auto-reply', reason: `auto-reply (${name}: ${short(value)})` };
  }

  const returnPath = headerValue(mail, 'Return-Path');
  if (mail.contentType === 'multipart/report') {
    return { category: 'bounce', reason: 'delivery or feedback report (Content-Type: multipart/report)' };
  }
  if (returnPath !== undefined && /^<\s*>$/.test(returnPath)) {
    return { category: 'bounce', reason: 'bounce (null Return-Path <>)' };
  }
  if (fromAddress && BOUNCE_SENDERS.test(localPart(fromAddress))) {
    return { category: 'bounce', reason: `bounce (from ${fromAddress})` };
  }

  const precedence = headerValue(mail, 'Precedence')?.toLowerCase();
  const fromTrusted = fromAddress !== undefined && trusted.has(fromAddress);
  if (precedence !== undefined && BULK_PRECEDENCE.has(precedence) && !(fromTrusted && (precedence === 'bulk' || precedence === 'list'))) {
    return { category: precedence === 'list' ? 'list' : 'auto-reply', reason: `bulk or automatic mail (Precedence: ${precedence})` };
  }
  const listId = headerValue(mail, 'List-Id');
  if (listId !== undefined && !fromTrusted) return { category: 'list', reason: `mailing-list mail (List-Id: ${short(listId)})` };

  const spamFlag = headerValue(mail, 'X-Spam-Flag');
  if (spamFlag !== undefined && /^yes\b/i.test(spamFlag)) return { category: 'spam', reason: 'marked as spam by the receiving server (X-Spam-Flag: YES)' };
  const spamStatus = headerValue(mail, 'X-Spam-Status');
  if (spamStatus !== undefined && /^yes\b/i.test(spamStatus)) return { category: 'spam', reason: `marked as spam by the receiving server (X-Spam-Status: ${short(spamStatus)})` };
  return undefined;
}
