/**
 * A ticket field's value in words, the one display shared by `gitgus edit`/`show` (describeChanges) and
 * the notification mails, so a user reads the same value in the CLI and in a mail: lists joined, the
 * solution by its qualifier, nothing (undefined, null, '' or an empty list) as an em dash.
 */
export function displayValue(value: unknown): string {
  if (value === undefined || value === null || value === '') return '—';
  if (Array.isArray(value)) return value.length === 0 ? '—' : value.map(displayValue).join(', ');
  if (typeof value === 'object') {
    const qualifier = (value as { qualifier?: unknown }).qualifier;
    return typeof qualifier === 'string' ? qualifier : JSON.stringify(value);
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}
