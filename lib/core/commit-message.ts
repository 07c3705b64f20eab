/**
 * Structured commit messages for ticket changes (docs/design.md §3):
 *
 *     #165048 status: in progress → solved
 *
 *     Ticket: 165048
 *     Unit: roc-de
 *     Actor: alice (GitHub)
 *
 * Subjects are single lines built from validated data; trailers are Git's `Key: value` lines, so
 * `git log --grep` and `git interpret-trailers` read them.
 */
import { oneLine } from './text.ts';

export interface Trailers {
  Ticket?: string;
  Unit?: string;
  Actor?: string;
  Event?: string;
  [key: string]: string | undefined;
}

export interface CommitMessage {
  subject: string;
  body?: string;
  trailers: Trailers;
}

export function formatCommitMessage(message: CommitMessage): string {
  const parts = [oneLine(message.subject, 200)];
  if (message.body && message.body.trim() !== '') parts.push(message.body.trim());
  const trailerLines = Object.entries(message.trailers)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, value]) => `${key}: ${oneLine(value, 300)}`);
  if (trailerLines.length > 0) parts.push(trailerLines.join('\n'));
  return `${parts.join('\n\n')}\n`;
}

/** A trailer line as the helpdesk writes it: `Key: value`, the key a word (letters, digits, `-`, `_`). */
const TRAILER_LINE = /^[A-Za-z][\w-]*: /;

/**
 * The one trailer reader: `Key: value` lines into a record (a repeated key keeps its last value). Fed the
 * last paragraph of a message by parseCommitMessage, and Git's own `%(trailers:only,unfold)` output by the
 * history index (lib/git/history-index.ts); lines that are not trailers are skipped.
 */
export function parseTrailers(block: string): Trailers {
  const trailers: Trailers = {};
  for (const line of block.split('\n')) {
    if (!TRAILER_LINE.test(line)) continue;
    const colon = line.indexOf(': ');
    trailers[line.slice(0, colon)] = line.slice(colon + 2);
  }
  return trailers;
}

/** Reads the trailer block: the last paragraph, when every line in it is `Key: value`. */
export function parseCommitMessage(text: string): CommitMessage {
  const paragraphs = text
    .replace(/\r\n/g, '\n')
    .trim()
    .split(/\n{2,}/);
  const subject = paragraphs[0] ?? '';
  let trailers: Trailers = {};
  let bodyParagraphs = paragraphs.slice(1);
  const last = bodyParagraphs[bodyParagraphs.length - 1];
  if (last !== undefined && last.split('\n').every((line) => TRAILER_LINE.test(line))) {
    trailers = parseTrailers(last);
    bodyParagraphs = bodyParagraphs.slice(0, -1);
  }
  const body = bodyParagraphs.join('\n\n');
  return body === '' ? { subject, trailers } : { subject, body, trailers };
}
