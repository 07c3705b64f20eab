/** How dates, ages and colours read on the site. Pure. */
import { ticketLabel } from '../../lib/core/paths.ts';
import { isoSeconds } from '../../lib/core/time.ts';

export { ticketLabel };

/** `2026-11-20 09:00 UTC`: unambiguous for a helpdesk spread over time zones. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${isoSeconds(date).slice(0, 16).replace('T', ' ')} UTC`;
}

export function formatDay(iso: string): string {
  return iso.slice(0, 10);
}

/** A compact age: `45 min`, `5 h`, `3 d`, `7 wk`, `4 mo`, `2 y`. */
export function formatAge(fromIso: string, now: Date): string {
  const ms = Math.max(0, now.getTime() - Date.parse(fromIso));
  const hours = ms / 3_600_000;
  if (hours < 1) return `${Math.round(ms / 60_000)} min`;
  if (hours < 48) return `${Math.round(hours)} h`;
  const days = hours / 24;
  if (days < 21) return `${Math.round(days)} d`;
  if (days < 90) return `${Math.round(days / 7)} wk`;
  if (days < 730) return `${Math.round(days / 30.44)} mo`;
  return `${Math.round(days / 365.25)} y`;
}

/** Hours as `5.2 h` or `3.1 d` (calendar days) for report tables. */
export function formatDuration(hours: number | undefined): string {
  if (hours === undefined || Number.isNaN(hours)) return '–';
  return hours < 48 ? `${hours.toFixed(1)} h` : `${(hours / 24).toFixed(1)} d`;
}

/** A CSS class for a priority colour (`light blue` → `colour-light-blue`). */
export function colourClass(colour: string): string {
  return `colour-${colour.replace(/\s+/g, '-')}`;
}
