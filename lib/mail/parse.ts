/**
 * Raw RFC 822 bytes → `InboundMail` (lib/core/intake/mail.ts). The IO edge of intake: the decisions that
 * follow are pure.
 *
 * - Headers first go through `predecodeHeaders` (charset.ts): raw 8-bit bytes and encoded words in any
 *   charset become UTF-8 encoded words, because mailparser reads raw header bytes as UTF-8 and knows fewer
 *   charsets than WHATWG + iconv-lite. mailparser then reads the header fields (addresses, subject, ids).
 * - The body is not mailparser's `text`/`html` (which drops an HTML part that is not top-level, merges
 *   named text parts into the text and inlines embedded messages): the MIME leaves (mime.ts, mailsplit)
 *   go to `chooseBody` (lib/core/intake/body.ts), which keeps every part either as text or as a file.
 * - postal-mime was measured on the same suite and read raw 8-bit headers and UTF-7 the same wrong way,
 *   so the parser stays mailparser, with the pre-pass in front of it.
 */
import libmime from 'libmime';
import { parseAddressHeader, simpleParser, type AddressObject, type EmailAddress, type ParsedMail } from 'mailparser';
import { chooseBody, type MimeLeaf } from '../core/intake/body.ts';
import { isStorableAddress, type InboundAttachment, type InboundMail, type MailAddress } from '../core/intake/mail.ts';
import { decodeBytes, predecodeHeaders } from './charset.ts';
import { readLeaves, repairMultipartHeaders } from './mime.ts';
import { unpackTnef } from './tnef.ts';
import { normalizeMessageId } from '../core/mail-ids.ts';
import { NotAnEmailError } from '../errors.ts';
import { sha256 } from '../intake/hash.ts';
import { isoSecondsOf } from '../core/time.ts';

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
  return value
    .replace(/\r?\n[ \t]+/g, ' ')
    .replace(/\r?\n/g, ' ')
    .trim();
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
function contentDigest(raw: Buffer, headers: Record<string, string[]>): string {
  const stable = ['from', 'to', 'cc', 'subject', 'date', 'message-id', 'in-reply-to', 'content-type'].map((name) => `${name}:${(headers[name] ?? []).join('\u0000').replace(/\s+/g, ' ').trim()}`).join('\n');
  const end = headerBlockEnd(raw);
  const body = raw.subarray(end).toString('latin1').replace(/\r\n/g, '\n').replace(/^\n+/, '').replace(/\s+$/, '');
  return sha256(`${stable}\n\n${body}`);
}

/** Every mailbox of every header of that name, in order; each keeps its own display name. */
function mailboxes(parsed: ParsedMail, name: string): MailAddress[] {
  const values = parsed.headerLines.filter((entry) => entry.key === name).map((entry) => entry.line.slice(entry.line.indexOf(':') + 1));
  return values.flatMap((value) => flattenAddresses(parseAddressHeader(value.replace(/\r?\n(?=[ \t])/g, ''))));
}

/** The first storable mailbox, else the first at all (so records and refusals can name it). */
function firstUsable(list: readonly MailAddress[]): MailAddress | undefined {
  return list.find((entry) => isStorableAddress(entry.address)) ?? list[0];
}

function metaCharset(html: Uint8Array): string | undefined {
  const head = Buffer.from(html.subarray(0, 4096)).toString('latin1');
  return /<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)/i.exec(head)?.[1];
}

/** TNEF blobs (winmail.dat) replaced by the files inside them; kept as they are when they hold none. */
function expandTnef(leaves: MimeLeaf[]): MimeLeaf[] {
  return leaves.flatMap((leaf) => {
    if (leaf.contentType !== 'application/ms-tnef' && leaf.contentType !== 'application/vnd.ms-tnef' && !/^winmail\.dat$/i.test(leaf.filename ?? '')) return [leaf];
    const files = unpackTnef(leaf.bytes);
    if (!files) return [leaf];
    return files.map((file, offset) => ({
      ...leaf,
      index: leaf.index + offset / 1000,
      contentType: libmime.detectMimeType(file.name) || 'application/octet-stream',
      charset: undefined,
      disposition: 'attachment',
      filename: file.name || undefined,
      bytes: file.content,
    }));
  });
}

/** Parses raw bytes; throws NotAnEmailError before parsing when the input is no mail at all. */
export async function parseMail(input: Buffer): Promise<InboundMail> {
  const original = stripEnvelopeLine(input);
  assertLooksLikeMail(original);
  const { raw, lossy: headersLossy } = predecodeHeaders(repairMultipartHeaders(original));
  const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextLinks: true, skipTextToHtml: true, skipHtmlToText: true, keepDeliveryStatus: false });
  const headers = headerMap(parsed);
  const contentType = (headers['content-type']?.[0] ?? 'text/plain').split(';')[0]?.trim().toLowerCase() || 'text/plain';
  const leaves = expandTnef(await readLeaves(raw));
  const body = chooseBody(leaves, {
    decode: (bytes, charset, type) => decodeBytes(bytes, charset ?? (type === 'text/html' ? metaCharset(bytes) : undefined)),
  });
  const attachments: InboundAttachment[] = [...body.attachments];
  if (body.lossy || headersLossy) {
    // Some bytes decode in no charset: the text shows U+FFFD there, and the mail as received is kept.
    attachments.push({ filename: 'original-message.eml', contentType: 'message/rfc822', size: input.length, content: input });
  }
  const messageId = parsed.messageId === undefined ? undefined : normalizeMessageId(parsed.messageId);
  return {
    headers,
    from: firstUsable(mailboxes(parsed, 'from')),
    sender: firstUsable(mailboxes(parsed, 'sender')),
    replyTo: firstUsable(mailboxes(parsed, 'reply-to')),
    to: flattenAddresses(parsed.to),
    cc: flattenAddresses(parsed.cc),
    subject: parsed.subject ?? '',
    date: headers.date?.[0] === undefined ? undefined : isoSecondsOf(headers.date[0]),
    messageId: messageId === '' ? undefined : messageId,
    inReplyTo: messageIds(parsed.inReplyTo),
    references: messageIds(parsed.references),
    contentType,
    text: body.text,
    fromHtml: body.fromHtml,
    attachments,
    contentHash: contentDigest(original, headers),
    size: input.length,
  };
}
