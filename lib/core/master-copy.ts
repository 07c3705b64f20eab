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

/** The system note on `slave` that carries the master's message, naming who wrote it on the master. */
export function masterCopy(master: number, masterFile: string, doc: MessageDoc, slave: number, helpdesk: string): { path: string; content: string } {
  const file = masterCopyPath(master, masterFile, slave, doc.message.date);
  const writer = `${doc.message.author.name}, ${doc.message.author.role}`;
  return {
    path: file,
    content: serializeMessage({ message: { date: doc.message.date, author: { name: helpdesk, role: 'system' }, visibility: 'public', source: 'system' }, body: `Copied from the master ticket #${master} (${writer}):\n\n${doc.body}` }, file),
  };
}
