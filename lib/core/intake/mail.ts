/**
 * An inbound mail as plain data: what the MIME parser at the IO edge (lib/mail/parse.ts) hands to the
 * pure intake decisions. Everything here is already decoded (charsets, encoded words, transfer encodings).
 */
import { EmailSchema } from '../schema/common.ts';

export interface MailAddress {
  /** Display name, decoded; may be empty. */
  name: string;
  /** The address as written; not necessarily valid. */
  address: string;
}

export interface InboundAttachment {
  /** File name as the sender gave it (untrusted: may hold paths, control characters, anything). */
  filename: string | undefined;
  contentType: string;
  size: number;
  content: Uint8Array;
}

export interface InboundMail {
  /** Header fields by lower-case name, each value unfolded but not decoded, in message order. */
  headers: Readonly<Record<string, readonly string[]>>;
  /**
   * The first From mailbox with a storable address, over every From header (a garbage first one loses to
   * a valid later one); the first mailbox at all when none is storable. Its own display name only.
   */
  from: MailAddress | undefined;
  /** The Sender header, used when From has no usable mailbox. */
  sender: MailAddress | undefined;
  /** The first Reply-To mailbox, used when neither From nor Sender is usable. */
  replyTo?: MailAddress | undefined;
  to: readonly MailAddress[];
  cc: readonly MailAddress[];
  /** Decoded subject (RFC 2047), possibly with line breaks an encoded word smuggled in. */
  subject: string;
  /** The Date header as an ISO time, when it parses. */
  date: string | undefined;
  /** Message-ID without angle brackets. */
  messageId: string | undefined;
  inReplyTo: readonly string[];
  references: readonly string[];
  /** Top-level content type, lower-case (`multipart/report`). */
  contentType: string;
  /** The body: the text parts, and HTML parts (an HTML-only mail, a stub text part) as Markdown. */
  text: string;
  /** True when some of `text` was converted from HTML (the original HTML is then an attachment). */
  fromHtml: boolean;
  attachments: readonly InboundAttachment[];
  /** Hex digest of the stable parts of the message (see lib/mail/parse.ts), for idempotency. */
  contentHash: string;
  /** Size of the raw message in bytes. */
  size: number;
}

/** All values of a header, case-insensitive name. */
export function headerValues(mail: Pick<InboundMail, 'headers'>, name: string): readonly string[] {
  return mail.headers[name.toLowerCase()] ?? [];
}

/** The first value of a header, trimmed, or undefined. */
export function headerValue(mail: Pick<InboundMail, 'headers'>, name: string): string | undefined {
  const value = headerValues(mail, name)[0];
  return value === undefined ? undefined : value.trim();
}

/** Whether an address can be stored as a ticket's or message's author (see EmailSchema). */
export function isStorableAddress(address: string): boolean {
  return EmailSchema.safeParse(address.trim()).success;
}

/**
 * The address the mail is from, as a helpdesk takes it: From when its mailbox is storable, else Sender,
 * else Reply-To; when none is storable, the first that holds an address at all (so the refusal can
 * name it).
 */
export function senderOf(mail: Pick<InboundMail, 'from' | 'sender'> & Partial<Pick<InboundMail, 'replyTo'>>): MailAddress | undefined {
  const candidates = [mail.from, mail.sender, mail.replyTo].filter((entry): entry is MailAddress => entry !== undefined && entry.address.trim() !== '');
  return candidates.find((entry) => isStorableAddress(entry.address)) ?? candidates[0];
}

/** Lower-case domain of an address, or '' when it has none. */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).trim().toLowerCase().replace(/\.$/, '');
}

/** `Jane Doe <jane@uni.example>`; for records and commit trailers, flattened to one line. */
export function formatAddress(address: MailAddress): string {
  const name = address.name.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  const mail = address.address.replace(/[\u0000-\u001f\u007f\s]+/g, '');
  return name === '' ? mail : `${name} <${mail}>`;
}
