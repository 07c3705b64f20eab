/**
 * Raw RFC 822 bytes → `InboundMail` (lib/core/intake/mail.ts), with mailparser: every charset, encoded
 * words, quoted-printable/base64, multipart, nested message/rfc822, HTML-only mail converted to text by
 * html-to-text. The IO edge of intake: the decisions that follow are pure.
 */
import { simpleParser, type AddressObject, type EmailAddress, type ParsedMail } from 'mailparser';
import type { InboundAttachment, InboundMail, MailAddress } from '../core/intake/mail.ts';
import { normalizeMessageId } from '../core/mail-ids.ts';
import { GitgusError } from '../errors.ts';
import { sha256 } from '../intake/hash.ts';

/** Not an e-mail at all: refused in single mode (the MTA keeps or bounces it), quarantined in batches. */
export class NotAnEmailError extends GitgusError {
  constructor(detail: string) {
    super('E_MAIL_NOT_EMAIL', `the input is not an e-mail message (${detail})`, { hint: 'Pass one raw RFC 822 message (headers, a blank line, the body); nothing was written.' });
    this.name = 'NotAnEmailError';
  }
}

/**
 * What may stand before the first header and is dropped: an mbox "From " separator line some MTA pipes
 * put in front (Postfix pipe flag F), blank lines, and indentation of the very first header line.
 * Real mail has all three; none of them can hide a header block that is not there.
 */
export function stripEnvelopeLine(input: Buffer): Buffer {
  let raw = input;
  if (raw.subarray(0, 5).toString('latin1') === 'From ') {
    const end = raw.indexOf(0x0a);
    raw = end < 0 ? Buffer.alloc(0) : raw.subarray(end + 1);
  }
  let start = 0;
  for (;;) {
    const end = raw.indexOf(0x0a, start);
    if (end < 0 || raw.subarray(start, end).toString('latin1').trim() !== '') break;
    start = end + 1;
  }
  while (start < raw.length && (raw[start] === 0x20 || raw[start] === 0x09)) start += 1;
  return start === 0 ? raw : raw.subarray(start);
}

function headerBlockEnd(raw: Buffer): number {
  const lf = raw.indexOf('\n\n');
  const crlf = raw.indexOf('\r\n\r\n');
  const candidates = [lf, crlf].filter((index) => index >= 0);
  return candidates.length === 0 ? raw.length : Math.min(...candidates);
}

const HEADER_LINE = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;

/** Refuses what is not an e-mail at all: empty, binary, or without a header block. */
function assertLooksLikeMail(raw: Buffer): void {
  if (raw.length === 0 || raw.toString('latin1').trim() === '') throw new NotAnEmailError('it is empty');
  const headers = raw.subarray(0, headerBlockEnd(raw));
  if (headers.includes(0)) throw new NotAnEmailError('it is binary: NUL bytes in the header block');
  const firstLine = headers.toString('latin1').split(/\r?\n/)[0] ?? '';
  if (!HEADER_LINE.test(firstLine)) throw new NotAnEmailError(`no header block: the first line is not "Name: value" (${JSON.stringify(firstLine.slice(0, 60))})`);
}

function unfold(value: string): string {
  return value.replace(/\r?\n[ \t]+/g, ' ').replace(/\r?\n/g, ' ').trim();
}

function headerMap(parsed: ParsedMail): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const { key, line } of parsed.headerLines) {
    const colon = line.indexOf(':');
    const value = unfold(colon < 0 ? '' : line.slice(colon + 1));
    (map[key.toLowerCase()] ??= []).push(value);
  }
  return map;
}

function flattenAddresses(field: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  const out: MailAddress[] = [];
  const visit = (entry: EmailAddress) => {
    if (entry.group) entry.group.forEach(visit);
    else if (entry.address !== undefined && entry.address !== '') out.push({ name: entry.name ?? '', address: entry.address });
  };
  for (const object of objects) object.value.forEach(visit);
  return out;
}

function messageIds(value: string | string[] | undefined): string[] {
  const text = value === undefined ? '' : Array.isArray(value) ? value.join(' ') : value;
  const bracketed = [...text.matchAll(/<([^<>]*)>/g)].map((match) => normalizeMessageId(match[1] as string));
  const ids = bracketed.length > 0 ? bracketed : text.split(/\s+/).map(normalizeMessageId);
  return [...new Set(ids.filter((id) => id !== ''))];
}

/**
 * Content hash over what stays the same when one message reaches us twice (two intake addresses, mbox and
 * IMAP): the author-written headers and the body, line endings normalised. Trace headers (Received,
 * Delivered-To, Authentication-Results) differ per delivery and are left out on purpose.
 */
export function contentDigest(raw: Buffer, headers: Record<string, string[]>): string {
  const stable = ['from', 'to', 'cc', 'subject', 'date', 'message-id', 'in-reply-to', 'content-type']
    .map((name) => `${name}:${(headers[name] ?? []).join('\u0000').replace(/\s+/g, ' ').trim()}`)
    .join('\n');
  const end = headerBlockEnd(raw);
  const body = raw.subarray(end).toString('latin1').replace(/\r\n/g, '\n').replace(/^\n+/, '').replace(/\s+$/, '');
  return sha256(`${stable}\n\n${body}`);
}

function isoDate(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Parses raw bytes; throws NotAnEmailError before parsing when the input is no mail at all. */
export async function parseMail(input: Buffer): Promise<InboundMail> {
  const raw = stripEnvelopeLine(input);
  assertLooksLikeMail(raw);
  const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextLinks: true, skipTextToHtml: true, keepDeliveryStatus: false });
  const headers = headerMap(parsed);
  const senderHeader = parsed.headers.get('sender') as AddressObject | undefined;
  const contentType = (headers['content-type']?.[0] ?? 'text/plain').split(';')[0]?.trim().toLowerCase() || 'text/plain';
  const attachments: InboundAttachment[] = parsed.attachments.map((attachment) => ({
    filename: attachment.filename,
    contentType: attachment.contentType || 'application/octet-stream',
    size: attachment.content.length,
    content: attachment.content,
  }));
  let text = parsed.text ?? '';
  const fromHtml = typeof parsed.html === 'string' && parsed.html !== '' && !/^content-type:\s*text\/plain/im.test(raw.toString('latin1')) && contentType !== 'text/plain';
  const conversionError = (parsed as ParsedMail & { textConversionError?: Error }).textConversionError;
  if (conversionError && typeof parsed.html === 'string') {
    // Nothing is lost: the HTML that could not become text is kept as a file, never rendered.
    attachments.push({ filename: 'message.html', contentType: 'text/html', size: Buffer.byteLength(parsed.html), content: Buffer.from(parsed.html, 'utf8') });
    text = `${text}\n\n[The HTML body could not be converted to text (${conversionError.message}); it is kept as an attachment.]`.trim();
  }
  const messageId = parsed.messageId === undefined ? undefined : normalizeMessageId(parsed.messageId);
  return {
    headers,
    from: flattenAddresses(parsed.from)[0],
    sender: flattenAddresses(senderHeader)[0],
    to: flattenAddresses(parsed.to),
    cc: flattenAddresses(parsed.cc),
    subject: parsed.subject ?? '',
    date: isoDate(headers.date?.[0]),
    messageId: messageId === '' ? undefined : messageId,
    inReplyTo: messageIds(parsed.inReplyTo),
    references: messageIds(parsed.references),
    contentType,
    text,
    fromHtml,
    attachments,
    contentHash: contentDigest(raw, headers),
    size: input.length,
  };
}
