/**
 * Reading and preparing intake's own files in a helpdesk checkout: the Message-ID index shards, the
 * state file with the highest ticket number, and the one-time rebuild of both from the tickets.
 * Reads are from the working tree (what the last commit wrote); writes go through the commit.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseIndexShard, indexShardPath, serializeIndexShard, upsertEntry, MESSAGE_INDEX_DIR } from '../core/intake/message-index.ts';
import { INTAKE_GITATTRIBUTES, INTAKE_README, INTAKE_STATE_FILE, INTAKE_DIR } from '../core/intake/paths.ts';
import { parseFrontMatter, parseYamlText, stringifyYamlValue } from '../core/frontmatter.ts';
import { parseWithFriendlyErrors } from '../core/friendly-errors.ts';
import { normalizeMessageId } from '../core/mail-ids.ts';
import { TICKETS_DIR } from '../core/paths.ts';
import { INTAKE_STATE_EXAMPLE, IntakeRecordSchema, IntakeStateSchema, UNKNOWN_CONTENT_HASH, type IndexEntry, type IntakeState } from '../core/schema/intake.ts';
import type { Settings } from '../core/schema/settings.ts';
import { resolveInside } from '../fs/paths.ts';
import { listTicketFolders } from '../store/load.ts';
import { sha256 } from './hash.ts';

function readState(root: string): IntakeState | undefined {
  const file = resolveInside(root, INTAKE_STATE_FILE);
  if (!existsSync(file)) return undefined;
  return parseWithFriendlyErrors(IntakeStateSchema, parseYamlText(readFileSync(file, 'utf8'), INTAKE_STATE_FILE) ?? {}, INTAKE_STATE_FILE, INTAKE_STATE_EXAMPLE);
}

export function serializeState(state: IntakeState): string {
  return stringifyYamlValue(IntakeStateSchema.parse(state));
}

/** The index, read lazily one shard at a time and kept for the rest of the run. */
export class MessageIndex {
  private readonly shards = new Map<string, IndexEntry[]>();
  private readonly read: (file: string) => string | undefined;
  /** `read` gives a file as committed (intake's pending writes, then the working tree). */
  constructor(read: (file: string) => string | undefined) {
    this.read = read;
  }

  entries(idHash: string): IndexEntry[] {
    return this.shard(indexShardPath(idHash)).filter((entry) => entry.idHash === idHash);
  }

  /** The ticket a received Message-ID went to (the earliest line that names a ticket). */
  ticketOf(messageId: string): number | undefined {
    const idHash = messageIdHash(messageId);
    const hit = this.entries(idHash).find((entry) => typeof entry.outcome === 'number');
    return hit === undefined ? undefined : (hit.outcome as number);
  }

  /** The shard file with `entry` added (or its outcome replaced), ready to commit. */
  withEntry(entry: IndexEntry, remove: IndexEntry[] = []): { path: string; content: string; entries: IndexEntry[] } {
    const file = indexShardPath(entry.idHash);
    const kept = this.shard(file).filter((existing) => !remove.some((gone) => gone.idHash === existing.idHash && gone.contentHash === existing.contentHash));
    const entries = upsertEntry(kept, entry);
    return { path: file, content: serializeIndexShard(entries), entries };
  }

  /** A shard file without some entries (a quarantined message retried under another key). */
  without(remove: IndexEntry): { path: string; content: string; entries: IndexEntry[] } {
    const file = indexShardPath(remove.idHash);
    const entries = this.shard(file).filter((existing) => !(existing.idHash === remove.idHash && existing.contentHash === remove.contentHash));
    return { path: file, content: serializeIndexShard(entries), entries };
  }

  /** Records what a commit wrote, so later lookups in this run see it without reading the file again. */
  remember(file: string, entries: IndexEntry[]): void {
    this.shards.set(file, entries);
  }

  private shard(file: string): IndexEntry[] {
    let entries = this.shards.get(file);
    if (entries === undefined) {
      const text = this.read(file);
      entries = text === undefined ? [] : parseIndexShard(text, file);
      this.shards.set(file, entries);
    }
    return entries;
  }
}

export function messageIdHash(messageId: string): string {
  return sha256(`message-id:${normalizeMessageId(messageId)}`).slice(0, 32);
}

/** The highest ticket number with a folder: the last shard's highest entry (two directory reads). */
export function highestTicketOnDisk(root: string): number {
  const base = resolveInside(root, TICKETS_DIR);
  if (!existsSync(base)) return 0;
  const shards = readdirSync(base).filter((name) => /^\d+$/.test(name)).map(Number).sort((a, b) => b - a);
  for (const shard of shards) {
    const numbers = readdirSync(path.join(base, String(shard))).filter((name) => /^\d+$/.test(name)).map(Number);
    if (numbers.length > 0) return Math.max(...numbers);
  }
  return 0;
}

const INTAKE_README_TEXT = `# intake/

Written by \`gitgus intake\`; read by TPM. Nothing here is edited by hand.

| path | what |
|---|---|
| \`state.yml\` | \`lastNumber\`: the highest ticket number ever minted; the next ticket gets the one after, so no number is reused |
| \`message-ids/<aa>/<b>.tsv\` | the Message-ID index: one line per received mail, \`<Message-ID hash>\\t<content hash>\\t<ticket or ignored/quarantined>\`; threading and duplicate checks read one small file instead of every ticket |
| \`ignored/<yyyy-mm>/<key>.md\` | mail that is never a ticket and never answered — auto-replies, bounces, list mail, our own mail coming back, spam — with the reason and the text |
| \`duplicates/<k>/<key>.md\` | a mail delivered again (the first repeat of each) |
| \`quarantine/<key>.md\` + \`.eml\` | mail intake could not process: the reason, and the raw message. \`gitgus quarantine list\` shows them; \`gitgus quarantine retry\` runs them again after a fix |

Every file here is written by one commit per message, with \`Event:\` and \`Intake-Key:\` trailers, so
\`git log --grep "Intake-Key: <key>"\` finds what happened to a mail.
`;

/** Index lines are a set: a union merge of two branches' lines is the right answer. */
const INTAKE_GITATTRIBUTES_TEXT = 'message-ids/**/*.tsv merge=union\n';

/**
 * Builds the index and state from the helpdesk's files: every ticket's first-mail Message-ID and every
 * message's, plus ignored and quarantined records. Run once, when intake meets a helpdesk without
 * intake/state.yml; costs one read of every message file, which is why it is never done per message.
 */
export function rebuildIndex(root: string, settings: Settings, readTicketIds: (folder: string) => { number: number; messageIds: string[] } | undefined): { files: { path: string; content: string }[]; state: IntakeState; entries: number } {
  const shards = new Map<string, IndexEntry[]>();
  let count = 0;
  const add = (entry: IndexEntry) => {
    const file = indexShardPath(entry.idHash);
    shards.set(file, upsertEntry(shards.get(file) ?? [], entry));
    count += 1;
  };
  let highest = 0;
  for (const folder of listTicketFolders(root)) {
    const found = readTicketIds(folder.path);
    if (!found) continue;
    highest = Math.max(highest, found.number);
    for (const id of found.messageIds) add({ idHash: messageIdHash(id), contentHash: UNKNOWN_CONTENT_HASH, outcome: found.number });
  }
  for (const sub of ['ignored', 'duplicates', 'quarantine']) {
    for (const file of walkMarkdown(root, `${INTAKE_DIR}/${sub}`)) {
      try {
        const { data } = parseFrontMatter(readFileSync(resolveInside(root, file), 'utf8'), file);
        const record = IntakeRecordSchema.parse(data);
        if (record.action === 'duplicate') continue;
        add({ idHash: record.idHash, contentHash: record.contentHash, outcome: record.action === 'ignored' ? 'ignored' : 'quarantined' });
      } catch {
        // A damaged record is still on disk for TPM; the index just does not know it.
      }
    }
  }
  const previous = readState(root)?.lastNumber ?? 0;
  const state: IntakeState = { lastNumber: Math.max(previous, highest, settings.numberingStart - 1), index: 1 };
  const files = [...shards].map(([file, entries]) => ({ path: file, content: serializeIndexShard(entries) }));
  files.push({ path: INTAKE_STATE_FILE, content: serializeState(state) });
  if (!existsSync(resolveInside(root, INTAKE_README))) files.push({ path: INTAKE_README, content: INTAKE_README_TEXT });
  if (!existsSync(resolveInside(root, INTAKE_GITATTRIBUTES))) files.push({ path: INTAKE_GITATTRIBUTES, content: INTAKE_GITATTRIBUTES_TEXT });
  return { files, state, entries: count };
}

/** Index shard files that exist now (a rebuild deletes those it no longer writes). */
export function existingShardFiles(root: string): string[] {
  const base = resolveInside(root, MESSAGE_INDEX_DIR);
  if (!existsSync(base)) return [];
  const out: string[] = [];
  for (const a of readdirSync(base)) {
    const dir = path.join(base, a);
    for (const b of readdirSync(dir)) out.push(`${MESSAGE_INDEX_DIR}/${a}/${b}`);
  }
  return out;
}

export function walkMarkdown(root: string, dir: string): string[] {
  const full = resolveInside(root, dir);
  if (!existsSync(full)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(full, { withFileTypes: true })) {
    const child = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...walkMarkdown(root, child));
    else if (entry.name.endsWith('.md') && entry.name !== 'README.md') out.push(child);
  }
  return out.sort();
}
