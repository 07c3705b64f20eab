/**
 * The Message-ID index: every message intake has received, so threading and idempotency never read
 * the tickets. Stored in the helpdesk as at most 4,096 small files keyed by the Message-ID hash,
 * `intake/message-ids/<aa>/<b>.tsv`, one sorted line per message:
 *
 *     <Message-ID hash, 32 hex>\t<content hash, 16 hex>\t<ticket number | ignored | quarantined>
 *
 * Why this shape: a lookup reads one file; a commit rewrites one blob (~200 lines, 16 KB at GGUS's
 * ~800,000 messages) and two small trees (256 and 16 entries), however large the helpdesk grows —
 * finer shards made the one-time index build write a file per message (measured: 78 s at 10,000
 * tickets). Sorted lines keep diffs quiet and make `merge=union` safe (intake/.gitattributes). Pure.
 */
import { ValidationError, type Problem } from '../../errors.ts';
import { IndexEntrySchema, type IndexEntry, type IndexOutcome } from '../schema/intake.ts';
import { INTAKE_DIR } from './paths.ts';

export const MESSAGE_INDEX_DIR = `${INTAKE_DIR}/message-ids`;

export function indexShardPath(idHash: string): string {
  if (!/^[a-f0-9]{32}$/.test(idHash)) throw new RangeError(`not a Message-ID hash: ${idHash}`);
  return `${MESSAGE_INDEX_DIR}/${idHash.slice(0, 2)}/${idHash.slice(2, 3)}.tsv`;
}

export function parseIndexShard(text: string, file: string): IndexEntry[] {
  const entries: IndexEntry[] = [];
  const problems: Problem[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const [idHash, contentHash, outcome] = line.split('\t');
    const parsed = IndexEntrySchema.safeParse({ idHash, contentHash, outcome: /^\d+$/.test(outcome ?? '') ? Number(outcome) : outcome });
    if (parsed.success) entries.push(parsed.data);
    else problems.push({ code: 'E_SCHEMA', file, field: `line ${index + 1}`, message: `is not '<32 hex>\\t<16 hex>\\t<ticket number|ignored|quarantined>': ${line.slice(0, 80)}`, hint: 'Rebuild the index with `gitgus intake --reindex`.' });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return entries;
}

function outcomeText(outcome: IndexOutcome): string {
  return typeof outcome === 'number' ? String(outcome) : outcome;
}

/** Sorted and without repeats, so the same set of entries is always the same bytes. */
export function serializeIndexShard(entries: readonly IndexEntry[]): string {
  const lines = new Set(entries.map((entry) => `${entry.idHash}\t${entry.contentHash}\t${outcomeText(entry.outcome)}`));
  return [...lines].sort().map((line) => `${line}\n`).join('');
}

/** Replaces the outcome of the entry with this id and content hash, or adds it. */
export function upsertEntry(entries: readonly IndexEntry[], entry: IndexEntry): IndexEntry[] {
  const rest = entries.filter((existing) => !(existing.idHash === entry.idHash && existing.contentHash === entry.contentHash));
  return [...rest, entry];
}
