/**
 * The one way the helpdesk writes an instant: ISO 8601 in UTC to the second (`2026-03-01T10:00:00Z`).
 * Front-matter, commit trailers, index lines and the site all compare these as text, so they must agree to
 * the byte. Pure: the caller passes the time; nothing here reads a clock.
 */
export function isoSeconds(at: Date | number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A date as some outside source wrote it (a mail `Date:`, a GitHub timestamp), in our form; undefined when it is no date. */
export function isoSecondsOf(text: string): string | undefined {
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? undefined : isoSeconds(time);
}

/** The UTC day of an instant, `YYYY-MM-DD`: daily caps, the monitor's day, the site's report labels. */
export function utcDay(at: Date | number): string {
  return new Date(at).toISOString().slice(0, 10);
}
