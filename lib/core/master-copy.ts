/**
 * A master's public message copied to one of its slaves (GGUS: "master updates are pushed to slaves").
 * The copy's file name is derived from the master's ticket number and message file name, so every writer
 * that copies (`gitgus reply` in the same commit, `gitgus sync-slaves` after a merged pull request) makes
 * the same file, and a second run finds it and copies nothing twice. Pure: message in, file out.
 */
import { serializeMessage, type MessageDoc } from './documents.ts';
import { messageFileName, messagesDir, shortHash } from './paths.ts';

/** The key of the copy: the master's number and its message file name (`<time>-<key>.md`). */
export function masterCopyPath(master: number, masterFile: string, slave: number, date: string): string {
  return `${messagesDir(slave)}/${messageFileName(date, shortHash(`master-copy:${master}:${masterFile}`))}`;
}

/** Should this master message reach the slaves? Public messages written by people; system notes (status lines, relation notes) are made per ticket. */
export function isCopiedToSlaves(doc: MessageDoc): boolean {
  return doc.message.visibility === 'public' && doc.message.source !== 'system';
}

/** How a copy's body begins: the pull-request check knows a copy by it (lib/core/review.ts). */
export const MASTER_COPY_PREFIX = 'Copied from the master ticket #';

/** The system note on `slave` that carries the master's message, naming who wrote it on the master. */
export function masterCopy(master: number, masterFile: string, doc: MessageDoc, slave: number, helpdesk: string): { path: string; content: string } {
  const file = masterCopyPath(master, masterFile, slave, doc.message.date);
  const writer = `${doc.message.author.name}, ${doc.message.author.role}`;
  return {
    path: file,
    content: serializeMessage({ message: { date: doc.message.date, author: { name: helpdesk, role: 'system' }, visibility: 'public', source: 'system' }, body: `${MASTER_COPY_PREFIX}${master} (${writer}):\n\n${doc.body}` }, file),
  };
}

/** A master ticket and the message files added to it in the range looked at. */
export interface MasterInRange {
  number: number;
  slaves: readonly number[];
  /** File name inside `messages/` and the parsed message, for each message file added in the range. */
  added: readonly { file: string; doc: MessageDoc }[];
}

/** What the plan needs to know of a slave: is it open, whose duplicate is it, which message files does it have. */
export interface SlaveState {
  open: boolean;
  master: number | undefined;
  /** Repository paths of its message files. */
  messages: ReadonlySet<string>;
}

export interface SlaveCopy {
  master: number;
  masterFile: string;
  slave: number;
  path: string;
  content: string;
}

/**
 * The copies still missing after master messages arrived by another way than `gitgus reply` (a merged pull
 * request, a web edit): each public message of a person goes to each open slave that names this master and
 * does not hold its copy yet. Keyed by the copy's file name, so a second plan over the same tree is empty.
 */
export function planSlaveCopies(masters: readonly MasterInRange[], slaveOf: (number: number) => SlaveState | undefined, helpdesk: string): SlaveCopy[] {
  const copies: SlaveCopy[] = [];
  for (const master of [...masters].sort((a, b) => a.number - b.number)) {
    const added = [...master.added].filter((entry) => isCopiedToSlaves(entry.doc)).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    for (const slave of [...new Set(master.slaves)].sort((a, b) => a - b)) {
      const state = slaveOf(slave);
      if (!state?.open || state.master !== master.number) continue;
      for (const entry of added) {
        const copy = masterCopy(master.number, entry.file, entry.doc, slave, helpdesk);
        if (!state.messages.has(copy.path)) copies.push({ master: master.number, masterFile: entry.file, slave, ...copy });
      }
    }
  }
  return copies;
}
