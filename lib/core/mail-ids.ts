/**
 * Message-IDs of the mail the helpdesk sends. They encode the ticket and the event, so a reply threads
 * by its In-Reply-To/References alone, without a lookup table, and intake can tell our own mail coming back:
 *
 *     gitgus.<ticketNumber>.<eventKey>@<domain of settings.sender>
 *
 * Ids are returned and accepted without angle brackets, the way message files store them. Pure.
 */

const EVENT_KEY = /^[a-z0-9][a-z0-9.-]{0,80}$/;

/** The part after `@` of the sender address, lower-cased. */
function domainOf(senderAddress: string): string {
  const at = senderAddress.lastIndexOf('@');
  if (at < 0 || at === senderAddress.length - 1) throw new RangeError(`not a mail address: ${senderAddress}`);
  return senderAddress.slice(at + 1).toLowerCase();
}

/**
 * The Message-ID of a notification about ticket `number` for event `eventKey` (lower-case letters, digits,
 * dots and hyphens: safe in a header and unambiguous to parse).
 *
 * @example notificationMessageId(165048, '3f9a2c1b7d0e.unit', 'noreply@ggus.example')
 *          // 'gitgus.165048.3f9a2c1b7d0e.unit@ggus.example'
 */
export function notificationMessageId(number: number, eventKey: string, senderAddress: string): string {
  if (!Number.isInteger(number) || number <= 0) throw new RangeError(`not a ticket number: ${number}`);
  if (!EVENT_KEY.test(eventKey)) throw new RangeError(`event key must be lower-case letters, digits, dots and hyphens: ${eventKey}`);
  return `gitgus.${number}.${eventKey}@${domainOf(senderAddress)}`;
}

/**
 * The ticket number encoded in one of our own Message-IDs, or undefined when `id` is not ours (another
 * domain, another shape). Accepts the id with or without angle brackets; the domain compares case-insensitively.
 *
 * @example ticketFromMessageId('<gitgus.165048.3f9a2c1b7d0e.unit@ggus.example>', 'noreply@ggus.example') // 165048
 */
export function ticketFromMessageId(id: string, senderAddress: string): number | undefined {
  const bare = id.trim().replace(/^<(.*)>$/, '$1');
  const at = bare.lastIndexOf('@');
  if (at < 0 || bare.slice(at + 1).toLowerCase() !== domainOf(senderAddress)) return undefined;
  const match = /^gitgus\.(\d{1,12})\.([a-z0-9][a-z0-9.-]{0,80})$/.exec(bare.slice(0, at));
  if (!match) return undefined;
  const number = Number(match[1]);
  return number > 0 ? number : undefined;
}

/**
 * The event key inside one of our own Message-IDs (`3f9a2c1b7d0e.unit.internal`), or undefined when the id
 * is not ours. Intake reads it to tell what a reply answers (a mail with internal notes, a confirmation).
 */
export function eventKeyFromMessageId(id: string, senderAddress: string): string | undefined {
  if (ticketFromMessageId(id, senderAddress) === undefined) return undefined;
  const bare = id.trim().replace(/^<(.*)>$/, '$1');
  const local = bare.slice(0, bare.lastIndexOf('@'));
  return local.slice(local.indexOf('.', 'gitgus.'.length) + 1);
}

/**
 * Event keys of mails that carry internal notes end with this: a reply to such a mail becomes an internal
 * note (docs/ggus.md §3: the unit, the assignee and involved people see the internal diary).
 */
export const INTERNAL_KEY_SUFFIX = '.internal';

/** Header on mails that carry internal notes; its value is `internal`. */
export const VISIBILITY_HEADER = 'X-Gitgus-Visibility';

/** Header every outgoing mail carries, with settings.sender as its value; intake ignores mail that has it. */
export const LOOP_HEADER = 'X-Gitgus-Loop';

/** A Message-ID as stored in message files and the intake index: no angle brackets, no surrounding space. */
export function normalizeMessageId(id: string): string {
  return id.trim().replace(/^<+/, '').replace(/>+$/, '').trim();
}
