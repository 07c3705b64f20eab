/**
 * From a rendered notification to nodemailer's message options and to raw RFC 5322 bytes.
 *
 * nodemailer builds every header: addresses go in as `{ name, address }` objects and the subject as a
 * string, and it quotes, encodes (RFC 2047) and folds them itself, so a title with CR/LF or a name with
 * quotes or angle brackets cannot add a header line. Nothing here concatenates header text.
 */
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { OutgoingMail } from '../../core/notify/render.ts';

/** nodemailer reads `baseBoundary` (a fixed MIME boundary) but its types do not list it. */
type ComposeOptions = Mail.Options & { baseBoundary?: string };

/** nodemailer's options for one notification. Message-IDs get their angle brackets here. */
export function mailOptions(mail: OutgoingMail): ComposeOptions {
  // A signed mail is already whole: nodemailer passes it through untouched (the envelope comes from the caller).
  if (mail.raw !== undefined) return { raw: Buffer.from(mail.raw), disableFileAccess: true, disableUrlAccess: true };
  const bracket = (id: string) => `<${id}>`;
  return {
    from: mail.from,
    to: mail.to,
    ...(mail.cc.length > 0 ? { cc: mail.cc } : {}),
    replyTo: mail.replyTo,
    subject: mail.subject,
    text: mail.text,
    // A signed mail (the ALARM) has no HTML part: it would be an unsigned alternative to the signed text.
    ...(mail.html === undefined || mail.html === '' ? {} : { html: mail.html }),
    messageId: bracket(mail.messageId),
    ...(mail.inReplyTo ? { inReplyTo: bracket(mail.inReplyTo) } : {}),
    ...(mail.references.length > 0 ? { references: mail.references.map(bracket) } : {}),
    date: new Date(mail.date),
    headers: mail.headers,
    // The same notification always gets the same MIME boundary, so a dry run writes the same bytes twice.
    baseBoundary: createHash('sha256').update(mail.messageId).digest('hex').slice(0, 16),
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** The envelope recipients: To and Cc (there is never a Bcc). */
export function envelopeRecipients(mail: OutgoingMail): string[] {
  return [...mail.to, ...mail.cc].map((recipient) => recipient.address);
}

const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

/** The notification as the bytes of an .eml file (CRLF line ends, as on the wire). */
export async function composeEml(mail: OutgoingMail): Promise<Buffer> {
  const info = await composer.sendMail(mailOptions(mail));
  return info.message as Buffer;
}
