/**
 * Attachment names from mail are untrusted: they may hold paths (`../../.git/config`), control and bidi
 * characters (`invoice\u202Efdp.exe` shows as `invoiceexe.pdf`), hidden extensions (`report.pdf.exe`,
 * `report.pdf        .exe`), leading dots (`.gitattributes` would configure Git for the folder) or
 * names Windows reserves. sanitize-filename handles separators, reserved characters and names, and the
 * byte limit; the rest is the helpdesk's own policy, applied around it.
 */
import sanitizeFilename from 'sanitize-filename';
import type { InboundAttachment } from './mail.ts';
import { formatBytes } from '../text.ts';

/** Longest stored name in characters; long enough for real names, short enough for every file system. */
const MAX_ATTACHMENT_NAME = 100;

const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb]/gu;

const EXTENSION_BY_TYPE: Record<string, string> = {
  'text/plain': 'txt',
  'text/html': 'html',
  'text/calendar': 'ics',
  'text/csv': 'csv',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'application/pdf': 'pdf',
  'application/zip': 'zip',
  'application/json': 'json',
  'message/rfc822': 'eml',
  'message/delivery-status': 'txt',
  'application/ms-tnef': 'dat',
};

/**
 * A safe file name for one attachment, or '' when nothing usable is left: the last path segment only,
 * no invisible or bidi characters, whitespace collapsed, no leading dots, only the last dot kept (so the
 * extension shown is the real one), at most MAX_ATTACHMENT_NAME characters with the extension kept.
 */
export function sanitizeAttachmentName(raw: string | undefined): string {
  if (raw === undefined) return '';
  const lastSegment = raw.normalize('NFC').split(/[/\\]/).pop() ?? '';
  let name = lastSegment.replace(INVISIBLE, '').replace(/\s+/gu, ' ').trim();
  // Shorten before sanitize-filename, whose 255-byte cut would take the extension off.
  const lastDot = name.lastIndexOf('.');
  if (name.length > MAX_ATTACHMENT_NAME && lastDot > 0 && name.length - lastDot <= 17) name = `${[...name.slice(0, lastDot)].slice(0, MAX_ATTACHMENT_NAME).join('')}${name.slice(lastDot)}`;
  name = sanitizeFilename(name, { replacement: '_' }).replace(/^[.\s_]+/u, '').replace(/[.\s]+$/u, '');
  const dot = name.lastIndexOf('.');
  let stem = dot > 0 ? name.slice(0, dot) : name;
  let extension = dot > 0 ? name.slice(dot + 1) : '';
  stem = stem.replace(/\./g, '_').replace(/\s+$/u, '');
  extension = extension.replace(/\s+/gu, '').slice(0, 16);
  if (stem === '') return '';
  const room = MAX_ATTACHMENT_NAME - (extension === '' ? 0 : extension.length + 1);
  stem = [...stem].slice(0, room).join('').replace(/[.\s]+$/u, '');
  return extension === '' ? stem : `${stem}.${extension}`;
}

function splitExtension(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
}

export interface PlannedAttachment {
  /** Name inside the ticket's files/. */
  file: string;
  size: number;
  type: string;
  content: Uint8Array;
}

export interface SkippedAttachment {
  /** The sanitized name it would have had. */
  file: string;
  size: number;
  reason: string;
}

/**
 * Names every attachment uniquely inside files/ (existing names included, compared case-insensitively
 * for case-insensitive file systems) and leaves out those over the size limit.
 */
export function planAttachments(
  attachments: readonly InboundAttachment[],
  existingFiles: readonly string[],
  maxBytes: number,
): { stored: PlannedAttachment[]; skipped: SkippedAttachment[] } {
  const taken = new Set(existingFiles.map((name) => name.toLowerCase()));
  const stored: PlannedAttachment[] = [];
  const skipped: SkippedAttachment[] = [];
  attachments.forEach((attachment, index) => {
    const type = attachment.contentType.toLowerCase().replace(/[^a-z0-9!#$&^_.+/-]/g, '').slice(0, 200) || 'application/octet-stream';
    let base = sanitizeAttachmentName(attachment.filename);
    if (base === '') base = `attachment-${index + 1}.${EXTENSION_BY_TYPE[type] ?? 'bin'}`;
    if (attachment.size > maxBytes) {
      skipped.push({ file: base, size: attachment.size, reason: `larger than the ${formatBytes(maxBytes)} limit (settings.mail.attachmentMaxBytes)` });
      return;
    }
    const [stem, extension] = splitExtension(base);
    let file = base;
    for (let n = 2; taken.has(file.toLowerCase()); n += 1) file = `${stem}-${n}${extension}`;
    taken.add(file.toLowerCase());
    stored.push({ file, size: attachment.size, type, content: attachment.content });
  });
  return { stored, skipped };
}
