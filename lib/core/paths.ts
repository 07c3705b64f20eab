/**
 * Where things live in a helpdesk checkout. Pure string work, shared by the store, the checks and the site.
 * Repository paths always use `/`.
 */
import { isoSeconds } from './time.ts';

export const TICKETS_DIR = 'tickets';
export const UNITS_DIR = 'units';
export const SETTINGS_FILE = 'helpdesk.yml';

/** A folder with 165,000 entries makes every commit rewrite a huge tree, so tickets are sharded by thousands. */
export function shardOf(number: number): number {
  return Math.floor(number / 1000);
}

export function ticketDir(number: number): string {
  return `${TICKETS_DIR}/${shardOf(number)}/${number}`;
}

export function ticketIndexPath(number: number): string {
  return `${ticketDir(number)}/index.md`;
}

export function messagesDir(number: number): string {
  return `${ticketDir(number)}/messages`;
}

export function filesDir(number: number): string {
  return `${ticketDir(number)}/files`;
}

export function unitPath(id: string): string {
  return `${UNITS_DIR}/${id}.md`;
}

/** `2026-11-27T10:15:00Z` → `20261127T101500Z`: sorts by time, safe in every file system. */
export function compactTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a time: ${iso}`);
  return isoSeconds(date).replace(/[-:]/g, '');
}

/** Message file name: time first so `ls` shows the conversation in order, then a short key against collisions. */
export function messageFileName(date: string, key: string): string {
  if (!/^[a-z0-9]{4,16}$/.test(key)) throw new RangeError(`message key must be 4-16 lower-case letters or digits: ${key}`);
  return `${compactTime(date)}-${key}.md`;
}

export const MESSAGE_FILE_PATTERN = /^\d{8}T\d{6}Z-[a-z0-9]{4,16}\.md$/;

/** Parses `tickets/<shard>/<number>/...` back into its parts, or undefined for any other path. */
export function parseTicketPath(path: string): { shard: number; number: number; rest: string } | undefined {
  const match = /^tickets\/(\d+)\/(\d+)(?:\/(.*))?$/.exec(path);
  if (!match) return undefined;
  return { shard: Number(match[1]), number: Number(match[2]), rest: match[3] ?? '' };
}

/**
 * A short, stable hash (FNV-1a, 2×32 bits) for file-name keys. Not cryptographic; pure JS so the core
 * stays free of node:* imports.
 */
export function shortHash(text: string, length = 8): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ code, 0x5bd1e995) >>> 0;
  }
  return (h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0')).slice(0, length);
}

/** `#165048`, the way GGUS users quote tickets. */
export function ticketLabel(number: number): string {
  return `#${number}`;
}
