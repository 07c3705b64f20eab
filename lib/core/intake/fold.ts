/**
 * Quoted history and signatures are folded for display, never removed: the full text stays in the file,
 * and `foldFrom` names the line from which the rest is the quoted tail (`> …`, "On … wrote:", "-- ",
 * "Sent from my iPhone"). email-reply-parser (used by Crisp on ~1M mails a day, ~10 locales) finds it.
 *
 * Only a trailing run is folded: quoted lines between two parts of an inline reply stay visible, because
 * the answer below them needs them.
 */
import EmailReplyParser from 'email-reply-parser';

/** Longer texts are not folded: the parser's regular expressions are not built for megabyte inputs. */
const FOLD_MAX_CHARS = 100_000;

function nonEmptyLines(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
}

/** The 1-based line where the folded tail starts, or undefined when nothing is worth folding. */
export function foldFrom(text: string): number | undefined {
  const normalized = text.replace(/\r\n?/g, '\n');
  if (normalized.length > FOLD_MAX_CHARS || normalized.trim() === '') return undefined;
  let fragments;
  try {
    fragments = new EmailReplyParser().read(normalized).getFragments();
  } catch {
    return undefined;
  }
  let start = fragments.length;
  while (start > 0 && (fragments[start - 1] as (typeof fragments)[number]).isHidden()) start -= 1;
  const tail = fragments.slice(start).map((fragment) => fragment.getContent()).join('\n');
  const tailLines = nonEmptyLines(tail).length;
  const visibleLines = nonEmptyLines(fragments.slice(0, start).map((fragment) => fragment.getContent()).join('\n')).length;
  if (tailLines === 0 || visibleLines === 0) return undefined;

  // Count the tail's non-empty lines back from the end of the original text; the parser joins the
  // lines of a wrapped "On … wrote:" header, so the visible part keeps at least its own line count.
  const lines = normalized.replace(/\n+$/, '').split('\n');
  let seen = 0;
  let index = lines.length;
  while (index > 0 && seen < tailLines) {
    index -= 1;
    if ((lines[index] as string).trim() !== '') seen += 1;
  }
  const before = nonEmptyLines(lines.slice(0, index).join('\n')).length;
  if (before < visibleLines) {
    // Walk forward until the visible part has all its lines.
    let count = before;
    while (index < lines.length && count < visibleLines) {
      if ((lines[index] as string).trim() !== '') count += 1;
      index += 1;
    }
  }
  while (index < lines.length && (lines[index] as string).trim() === '') index += 1;
  return index >= lines.length ? undefined : index + 1;
}

/** Splits a body at `foldFrom`: what is shown, and what is folded. */
export function splitFolded(body: string, fold: number | undefined): { visible: string; folded: string } {
  if (fold === undefined) return { visible: body, folded: '' };
  const lines = body.split('\n');
  return { visible: lines.slice(0, fold - 1).join('\n').replace(/\s+$/, ''), folded: lines.slice(fold - 1).join('\n') };
}
