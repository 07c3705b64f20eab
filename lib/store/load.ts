/**
 * Reading a helpdesk checkout from disk. IO only: parsing and validation are the core's.
 * Loaders collect problems instead of stopping at the first, so `gitgus check` can list them all.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { GitgusError, NotFoundError, ValidationError, type Problem } from '../errors.ts';
import { parseMessage, parseSettings, parseTicket, parseUnit, type MessageDoc, type TicketDoc, type UnitDoc } from '../core/documents.ts';
import { MESSAGE_FILE_PATTERN, SETTINGS_FILE, TICKETS_DIR, UNITS_DIR, ticketDir, ticketIndexPath } from '../core/paths.ts';
import type { Settings } from '../core/schema/settings.ts';
import { readRegularFile, resolveInside } from '../fs/paths.ts';

export interface LoadedMessage extends MessageDoc {
  /** File name inside `messages/`. */
  file: string;
}

export interface LoadedTicket extends TicketDoc {
  /** Repository path of `index.md`. */
  path: string;
  messages?: LoadedMessage[];
  /** File names inside `files/`. */
  files?: string[];
}

/** Files in data folders that are documentation, not data (changesets' ignoredMdFiles, starlight's `_` prefix). */
export function isDataFile(name: string): boolean {
  return name.endsWith('.md') && name !== 'README.md' && !name.startsWith('_') && !name.startsWith('.');
}

/** Walks up from `start` to the folder holding `helpdesk.yml`. */
export function findRoot(start: string): string {
  let dir = path.resolve(start);
  for (;;) {
    if (existsSync(path.join(dir, SETTINGS_FILE))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new NotFoundError(`a helpdesk (${SETTINGS_FILE}) in ${start} or any folder above it`, 'Run the command inside a helpdesk checkout, or pass --root DIR.');
    }
    dir = parent;
  }
}

/** A helpdesk file's text; a symbolic link or other non-regular file is refused (E_NOT_REGULAR_FILE). */
export function readText(root: string, repoPath: string): string {
  return readRegularFile(root, repoPath).toString('utf8');
}

export function loadSettings(root: string): Settings {
  const file = SETTINGS_FILE;
  if (!existsSync(resolveInside(root, file))) throw new NotFoundError(`${file} in ${root}`, 'Pass --root DIR pointing at a helpdesk checkout.');
  return parseSettings(readText(root, file), file);
}

export interface LoadResult<T> {
  items: T[];
  problems: Problem[];
}

function collect<T>(problems: Problem[], file: string, read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof ValidationError) problems.push(...error.problems);
    else if (error instanceof GitgusError) problems.push({ code: error.code, file, message: error.message, ...(error.hint ? { hint: error.hint } : {}) });
    else throw error;
    return undefined;
  }
}

export function loadUnits(root: string): LoadResult<UnitDoc & { path: string }> {
  const problems: Problem[] = [];
  const items: (UnitDoc & { path: string })[] = [];
  const dir = resolveInside(root, UNITS_DIR);
  if (!existsSync(dir)) return { items, problems: [{ code: 'E_MISSING_FILE', file: UNITS_DIR, message: 'folder is missing', hint: 'Every helpdesk needs units/ with at least the TPM unit.' }] };
  for (const name of readdirSync(dir).sort()) {
    if (!isDataFile(name)) continue;
    const file = `${UNITS_DIR}/${name}`;
    const doc = collect(problems, file, () => parseUnit(readText(root, file), file));
    if (doc) items.push({ ...doc, path: file });
  }
  return { items, problems };
}

/** Every ticket folder as `{shard, number}` from the directory names, sorted by number. */
export function listTicketFolders(root: string): { shard: string; number: string; path: string }[] {
  const base = resolveInside(root, TICKETS_DIR);
  if (!existsSync(base)) return [];
  const out: { shard: string; number: string; path: string }[] = [];
  // Dirent types come from readdir itself (no stat per entry) and do not follow links: a symbolic link in
  // place of a shard or ticket folder is not a ticket, wherever it points.
  for (const shard of readdirSync(base, { withFileTypes: true })) {
    if (!shard.isDirectory()) continue;
    for (const number of readdirSync(path.join(base, shard.name), { withFileTypes: true })) {
      if (number.isDirectory()) out.push({ shard: shard.name, number: number.name, path: `${TICKETS_DIR}/${shard.name}/${number.name}` });
    }
  }
  return out.sort((a, b) => Number(a.number) - Number(b.number) || a.path.localeCompare(b.path));
}

export interface TicketLoadOptions {
  /** Also read every message file (slower; `check` and `show` need them, `list` does not). */
  messages?: boolean;
}

export function loadTicketAt(root: string, folder: string, options: TicketLoadOptions = {}): LoadedTicket {
  const file = `${folder}/index.md`;
  const doc = parseTicket(readText(root, file), file);
  const ticket: LoadedTicket = { ...doc, path: file };
  if (options.messages) {
    ticket.messages = readMessages(root, folder);
    ticket.files = listDir(root, `${folder}/files`);
  }
  return ticket;
}

function listDir(root: string, repoPath: string): string[] {
  const dir = resolveInside(root, repoPath);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

function readMessages(root: string, folder: string): LoadedMessage[] {
  return listDir(root, `${folder}/messages`)
    .filter(isDataFile)
    .map((name) => {
      const file = `${folder}/messages/${name}`;
      return { ...parseMessage(readText(root, file), file), file: name };
    });
}

/** One ticket by number; throws NotFoundError with the next step when there is none. */
export function loadTicket(root: string, number: number, options: TicketLoadOptions = {}): LoadedTicket {
  const folder = ticketDir(number);
  if (!existsSync(resolveInside(root, ticketIndexPath(number)))) {
    throw new NotFoundError(`ticket #${number} (${folder}/index.md)`, 'Run `gitgus list` to see the ticket numbers.');
  }
  return loadTicketAt(root, folder, options);
}

/** All tickets, with every problem collected instead of thrown. */
export function loadTickets(root: string, options: TicketLoadOptions = {}): LoadResult<LoadedTicket> {
  const problems: Problem[] = [];
  const items: LoadedTicket[] = [];
  for (const folder of listTicketFolders(root)) {
    const file = `${folder.path}/index.md`;
    if (!existsSync(resolveInside(root, file))) {
      problems.push({ code: 'E_MISSING_FILE', file: folder.path, message: 'ticket folder has no index.md', hint: 'Restore index.md from Git history or remove the folder.' });
      continue;
    }
    const ticket = collect<LoadedTicket>(problems, file, () => ({ ...parseTicket(readText(root, file), file), path: file }));
    if (!ticket) continue;
    if (options.messages) {
      const messages: LoadedMessage[] = [];
      ticket.messages = messages;
      for (const name of listDir(root, `${folder.path}/messages`)) {
        const messageFile = `${folder.path}/messages/${name}`;
        if (!isDataFile(name)) continue;
        if (!MESSAGE_FILE_PATTERN.test(name)) {
          problems.push({ code: 'E_MESSAGE_NAME', file: messageFile, message: 'message file name must look like 20261127T101500Z-3f9a2c1b.md (time, then a key)' });
        }
        const message = collect(problems, messageFile, () => parseMessage(readText(root, messageFile), messageFile));
        if (message) messages.push({ ...message, file: name });
      }
      ticket.files = listDir(root, `${folder.path}/files`);
    }
    items.push(ticket);
  }
  return { items, problems };
}
