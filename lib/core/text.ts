/**
 * One line, whatever the text holds: every character that can end a line in a mail header, a commit
 * subject or trailer, or a rendered title (C0 controls, DEL, NEL, the Unicode line and paragraph
 * separators) and every run of white space become one space. Longer than `max` characters (code points,
 * so a surrogate pair is never cut) and it ends in `…` within `max`.
 */
export function oneLine(text: string, max = Number.POSITIVE_INFINITY): string {
  const flat = text
    .replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (flat.length <= max) return flat;
  const chars = [...flat];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : flat;
}

/** A size for people (`512 B`, `3.4 KB`, `12.0 MB`): intake's notes on skipped attachments and the site's ticket pages. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
