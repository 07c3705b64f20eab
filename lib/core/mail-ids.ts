/**
 * The Message-IDs and loop header of the helpdesk's own outgoing mail, shared by notifications (which
 * write them) and intake (which threads replies on them and recognises its own mail coming back).
 *
 *     Message-ID: <gitgus.165048.solved-3f9a2c@ggus.example>
 *     X-Gitgus-Loop: noreply@ggus.example
 *     Auto-Submitted: auto-generated
 *
 * The ticket number sits in the id itself, so a reply's In-Reply-To/References find the ticket without
 * any index lookup, even for mail sent before the index existed. Pure.
 */

/** Header every outgoing mail carries; its value is the helpdesk's sender address. */
export const LOOP_HEADER = 'X-Gitgus-Loop';
/** RFC 3834 marker of outgoing notifications. */
export const AUTO_SUBMITTED_VALUE = 'auto-generated';

const EVENT_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0 || at === address.length - 1) throw new RangeError(`not a mail address: ${address}`);
  return address.slice(at + 1).toLowerCase();
}

/** `<gitgus.<number>.<eventKey>@<domain of sender>>`, angle brackets included (as written in headers). */
export function notificationMessageId(number: number, eventKey: string, senderAddress: string): string {
  if (!Number.isInteger(number) || number <= 0) throw new RangeError(`not a ticket number: ${number}`);
  // The key is part of a header: letters, digits, dot, hyphen and underscore keep it a valid dot-atom.
  if (!EVENT_KEY.test(eventKey)) throw new RangeError(`event key must be 1-100 letters, digits, '.', '_' or '-': ${eventKey}`);
  return `<gitgus.${number}.${eventKey}@${domainOf(senderAddress)}>`;
}

/** Message-ID without angle brackets and surrounding space, as stored in message files and the index. */
export function normalizeMessageId(id: string): string {
  return id.trim().replace(/^<+/, '').replace(/>+$/, '').trim();
}

/**
 * The ticket number in one of our own notification Message-IDs, or undefined for any other id
 * (another domain, another shape). Accepts the id with or without angle brackets.
 */
export function ticketFromMessageId(id: string, senderAddress: string): number | undefined {
  const match = /^gitgus\.(\d{1,12})\.([A-Za-z0-9][A-Za-z0-9._-]*)@([^@\s]+)$/.exec(normalizeMessageId(id));
  if (!match) return undefined;
  let domain: string;
  try {
    domain = domainOf(senderAddress);
  } catch {
    return undefined;
  }
  if ((match[3] as string).toLowerCase() !== domain) return undefined;
  const number = Number(match[1]);
  return Number.isSafeInteger(number) && number > 0 ? number : undefined;
}
