/**
 * What gitgus stores of one mail, compared field by field with a suite's expectation. The rules are
 * written so that a design difference is not counted as a defect (addresses compared lower-cased, body
 * compared by its words so Markdown syntax and kept line breaks do not matter) while a lost body, a lost
 * attachment or a wrongly decoded charset always is.
 */
import { readFileSync } from 'node:fs';
import { planAttachments, sanitizeAttachmentName } from '../../lib/core/intake/attachments.ts';
import { requireSender } from '../../lib/core/intake/decide.ts';
import { parseMail } from '../../lib/mail/parse.ts';
import { decodeText, type ExpectedMail } from './expected.ts';

export const FIELDS = ['sender', 'name', 'subject', 'body', 'attachments', 'names'] as const;
export type Field = (typeof FIELDS)[number];

export interface MailVerdict {
  file: string;
  agree: Record<Field, boolean>;
  /** Why a field disagrees, for the table's notes. */
  detail: Partial<Record<Field, string>>;
  bodyLost: boolean;
  attachmentsLost: number;
  /** Fields that disagree where the expected text is not ASCII: a charset decoded wrongly. */
  charsetMismatches: Field[];
  crashed?: string;
}

function collapse(text: string | undefined): string {
  return (text ?? '').normalize('NFC').replace(/\s+/gu, ' ').trim();
}

/** Words (letters and digits) of a text, NFKC-folded and lower-case. */
function words(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Share of the expected words found in the actual text (as a multiset). */
function coverage(expected: string, actual: string): number {
  const want = words(expected);
  if (want.length === 0) return 1;
  const have = new Map<string, number>();
  for (const word of words(actual)) have.set(word, (have.get(word) ?? 0) + 1);
  let found = 0;
  for (const word of want) {
    const left = have.get(word) ?? 0;
    if (left > 0) {
      found += 1;
      have.set(word, left - 1);
    }
  }
  return found / want.length;
}

const nonAscii = (text: string | undefined) => /[^\x00-\x7f]/.test(text ?? '');

function sameText(a: string, b: string): boolean {
  return collapse(a).replace(/\uFEFF/g, '') === collapse(b).replace(/\uFEFF/g, '');
}

export async function compareMail(file: string, expected: ExpectedMail): Promise<MailVerdict> {
  const agree = Object.fromEntries(FIELDS.map((field) => [field, false])) as Record<Field, boolean>;
  const detail: MailVerdict['detail'] = {};
  let mail;
  try {
    mail = await parseMail(readFileSync(file));
  } catch (error) {
    return { file, agree, detail, bodyLost: expected.body.trim() !== '', attachmentsLost: expected.attachments.length, charsetMismatches: [], crashed: (error as Error).message };
  }
  let sender: { name: string; address: string } | undefined;
  try {
    sender = requireSender(mail);
  } catch (error) {
    detail.sender = (error as Error).message;
  }
  const want = expected.from;
  agree.sender = want === undefined ? true : sender?.address.toLowerCase() === want.address.toLowerCase();
  if (agree.sender) delete detail.sender;
  else detail.sender ??= `${sender?.address ?? '(none)'} ≠ ${want?.address ?? '(none)'}`;
  agree.name = want === undefined || collapse(sender?.name) === collapse(want.name);
  if (!agree.name) detail.name = `${JSON.stringify(sender?.name ?? null)} ≠ ${JSON.stringify(want?.name)}`;
  agree.subject = collapse(mail.subject) === collapse(expected.subject);
  if (!agree.subject) detail.subject = `${JSON.stringify(mail.subject)} ≠ ${JSON.stringify(expected.subject)}`;
  const share = coverage(expected.body, mail.text);
  agree.body = share >= 0.95;
  if (!agree.body) detail.body = `${Math.round(share * 100)}% of the expected words`;
  const bodyLost = words(expected.body).length >= 3 && share < 0.5;

  const stored = planAttachments(mail.attachments, [], Number.MAX_SAFE_INTEGER).stored;
  const unmatched = [...stored];
  let lost = 0;
  let namesAgree = true;
  const nameNotes: string[] = [];
  for (const attachment of expected.attachments) {
    const index = unmatched.findIndex((candidate) => {
      if (attachment.message) return candidate.type === 'message/rfc822';
      if (attachment.bytes) return Buffer.from(candidate.content).equals(Buffer.from(attachment.bytes));
      return sameText(decodeText(candidate.content, attachment.charset), attachment.text ?? '');
    });
    if (index < 0) {
      // A text part the suite calls an attachment but gitgus shows as part of the text is kept, not lost.
      if (attachment.text !== undefined && coverage(attachment.text, mail.text) >= 0.95) continue;
      lost += 1;
      continue;
    }
    const [match] = unmatched.splice(index, 1);
    if (attachment.name !== undefined && match) {
      const wanted = sanitizeAttachmentName(attachment.name);
      if (wanted !== '' && match.file !== wanted) {
        namesAgree = false;
        nameNotes.push(`${match.file} ≠ ${wanted}`);
      }
    }
  }
  agree.attachments = lost === 0;
  if (!agree.attachments) detail.attachments = `${lost} of ${expected.attachments.length} not stored byte-exact (stored: ${stored.map((entry) => `${entry.file} ${entry.size} B`).join(', ') || 'none'})`;
  agree.names = namesAgree;
  if (!namesAgree) detail.names = nameNotes.join('; ');

  const charsetMismatches: Field[] = [];
  if (!agree.name && nonAscii(want?.name)) charsetMismatches.push('name');
  if (!agree.subject && nonAscii(expected.subject)) charsetMismatches.push('subject');
  if (!agree.body && words(expected.body).some((word) => nonAscii(word)) && coverage(words(expected.body).filter(nonAscii).join(' '), mail.text) < 0.95) charsetMismatches.push('body');
  if (!agree.names && expected.attachments.some((attachment) => nonAscii(attachment.name))) charsetMismatches.push('names');
  return { file, agree, detail, bodyLost, attachmentsLost: lost, charsetMismatches };
}
