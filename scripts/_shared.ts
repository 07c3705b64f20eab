/** Helpers shared by the CLI commands. Internal (`_` prefix): not part of the library. */
import { readFileSync } from 'node:fs';
import { GitgusError } from '../lib/errors.ts';
import { findRoot } from '../lib/store/load.ts';

/** Arguments every command takes. */
export const commonArgs = {
  root: { type: 'string', description: 'Helpdesk checkout to act on (default: the one containing the current folder)', valueHint: 'DIR' },
  json: { type: 'boolean', description: 'Print machine-readable JSON on standard output', default: false },
} as const;

export const actorArg = {
  actor: { type: 'string', description: 'Who acts: a GitHub login or "Name <mail>" (default: git config user)', valueHint: 'WHO' },
} as const;

export function helpdeskRoot(root: string | undefined): string {
  return findRoot(root ?? process.cwd());
}

/** Accepts `165048` and `#165048`. */
export function parseTicketNumber(text: string | undefined): number {
  const match = /^#?(\d{1,9})$/.exec((text ?? '').trim());
  if (!match) throw new GitgusError('E_ARGUMENT', `'${text ?? ''}' is not a ticket number`, { hint: 'Give the number as 165048 or #165048.' });
  return Number(match[1]);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Standard input as text, or undefined when it is a terminal (nothing piped in). */
export function readStdin(): string | undefined {
  if (process.stdin.isTTY) return undefined;
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return undefined;
  }
}

/** `--now` of tick, monitor and build: an ISO time with a zone; a bare day means its midnight UTC. */
export function parseNow(text: string | undefined): Date | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = text.trim();
  const valid = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/.test(value);
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (!valid || Number.isNaN(at.getTime())) {
    throw new GitgusError('E_ARGUMENT', `--now '${value}' is not a time with a zone`, { hint: 'Give an ISO time like 2026-12-07T09:00:00Z (or +01:00 instead of Z).' });
  }
  return at;
}
