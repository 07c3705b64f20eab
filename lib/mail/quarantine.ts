/**
 * The quarantine: mail intake could not process, kept as raw bytes plus a record with the reason
 * (intake/quarantine/<key>.eml + .md). TPM lists it and, after a fix (a new gitgus version, a settings
 * change), retries it: a message that now goes through leaves the quarantine in the same commit that
 * files it; one that still fails stays, with its attempts counted.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseFrontMatter } from '../core/frontmatter.ts';
import { parseWithFriendlyErrors } from '../core/friendly-errors.ts';
import { QUARANTINE_DIR, quarantineRawPath } from '../core/intake/paths.ts';
import { INTAKE_RECORD_EXAMPLE, IntakeRecordSchema, type IntakeRecord } from '../core/schema/intake.ts';
import { NotFoundError } from '../errors.ts';
import { resolveInside } from '../fs/paths.ts';
import type { IntakeResult } from '../intake/session.ts';
import { MailIntakeSession } from './intake-mail.ts';
import { walkMarkdown } from '../intake/index-store.ts';

interface QuarantineEntry extends IntakeRecord {
  /** Repository path of the record. */
  path: string;
}

export function listQuarantine(root: string): QuarantineEntry[] {
  return walkMarkdown(root, QUARANTINE_DIR)
    .map((file) => {
      const { data } = parseFrontMatter(readFileSync(resolveInside(root, file), 'utf8'), file);
      return { ...parseWithFriendlyErrors(IntakeRecordSchema, data, file, INTAKE_RECORD_EXAMPLE), path: file };
    })
    .sort((a, b) => a.received.localeCompare(b.received) || a.key.localeCompare(b.key));
}

/** Runs quarantined messages through intake again: all of them, or those whose key starts with one of `keys`. */
export async function retryQuarantine(root: string, keys: string[] = [], options: { now?: () => Date } = {}): Promise<(IntakeResult & { quarantineKey: string })[]> {
  const entries = listQuarantine(root);
  const chosen = keys.length === 0 ? entries : entries.filter((entry) => keys.some((key) => entry.key.startsWith(key.toLowerCase())));
  const unknown = keys.filter((key) => !entries.some((entry) => entry.key.startsWith(key.toLowerCase())));
  if (unknown.length > 0) throw new NotFoundError(`quarantined message ${unknown.join(', ')}`, 'Run `gitgus quarantine list` to see the keys.');
  const session = MailIntakeSession.open(root, { mode: 'batch', ...(options.now ? { now: options.now } : {}) });
  const results: (IntakeResult & { quarantineKey: string })[] = [];
  try {
    for (const entry of chosen) {
      const rawPath = quarantineRawPath(entry.key);
      if (!existsSync(resolveInside(root, rawPath))) {
        results.push({ action: 'quarantined', reason: `raw message ${rawPath} is missing; restore it from Git history`, flags: [], key: entry.key, quarantineKey: entry.key });
        continue;
      }
      const raw = readFileSync(resolveInside(root, rawPath));
      const result = await session.process({ raw, received: new Date(entry.received), source: rawPath }, { keys: { idHash: entry.idHash, contentHash: entry.contentHash, key: entry.key, messageId: entry.messageId }, attempts: entry.attempts ?? 0 });
      results.push({ ...result, quarantineKey: entry.key });
    }
  } finally {
    try {
      await session.finish();
    } finally {
      session.close();
    }
  }
  return results;
}
