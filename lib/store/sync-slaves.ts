/**
 * `gitgus sync-slaves`: the IO around lib/core/master-copy.ts. `gitgus reply` copies a master's public
 * message to its slaves in the same commit; a message that reached the master another way (a supporter's
 * merged pull request, an edit in GitHub's web editor) is copied here, after the fact, in one commit.
 */
import { existsSync, readdirSync } from 'node:fs';
import { parseMessage } from '../core/documents.ts';
import { planSlaveCopies, type MasterInRange, type SlaveCopy, type SlaveState } from '../core/master-copy.ts';
import { messagesDir, parseTicketPath, ticketIndexPath } from '../core/paths.ts';
import { isOpen } from '../core/schema/ticket.ts';
import { GitgusError } from '../errors.ts';
import { resolveInside } from '../fs/paths.ts';
import { changedPaths, resolveCommit } from '../git/tree-diff.ts';
import { isDataFile, loadSettings, loadTicket, readText } from './load.ts';
import { SYSTEM_ACTOR, withChangeContext } from './change-context.ts';
import { commitTicketChange } from './ticket-change.ts';

interface SyncSlavesOptions {
  root: string;
  /** Look at the message files added after this commit, up to HEAD. */
  since: string;
  dryRun?: boolean;
  now?: Date;
}

interface SyncSlavesResult {
  since: string;
  /** Masters with message files added in the range. */
  masters: number[];
  copies: Omit<SlaveCopy, 'content'>[];
  /** The one commit that holds every copy; absent when nothing was missing (or a dry run). */
  commit?: string;
  /** Message files that could not be read, skipped with the reason (the pull-request check refuses them). */
  problems: { file: string; message: string }[];
}

export async function syncSlaves(options: SyncSlavesOptions): Promise<SyncSlavesResult> {
  if (options.since.trim() === '') throw new GitgusError('E_ARGUMENT', '--since is empty', { hint: 'Give the commit the main branch was at before the merge: gitgus sync-slaves --since <commit>.' });
  // The writer lock first, as every writer takes it (withChangeContext): it repairs what a killed writer left, so
  // the plan is made from what is committed, and no other writer adds a copy between the plan and the commit.
  return withChangeContext(options.root, SYSTEM_ACTOR, { what: 'gitgus sync-slaves', lock: options.dryRun !== true }, () => syncLocked(options));
}

async function syncLocked(options: SyncSlavesOptions): Promise<SyncSlavesResult> {
  const root = options.root;
  const since = resolveCommit(root, options.since, '--since');
  const problems: SyncSlavesResult['problems'] = [];
  const addedByTicket = new Map<number, string[]>();
  for (const change of changedPaths(root, since, 'HEAD')) {
    if (change.status !== 'A') continue;
    const location = parseTicketPath(change.path);
    const name = location?.rest.startsWith('messages/') ? location.rest.slice('messages/'.length) : undefined;
    if (!location || name === undefined || name.includes('/') || !isDataFile(name)) continue;
    addedByTicket.set(location.number, [...(addedByTicket.get(location.number) ?? []), name]);
  }
  const masters: MasterInRange[] = [];
  for (const [number, files] of addedByTicket) {
    if (!existsSync(resolveInside(root, ticketIndexPath(number)))) continue;
    const slaves = loadTicket(root, number).ticket.relations?.slaves ?? [];
    if (slaves.length === 0) continue;
    const added: MasterInRange['added'][number][] = [];
    for (const file of files) {
      const repoPath = `${messagesDir(number)}/${file}`;
      try {
        added.push({ file, doc: parseMessage(readText(root, repoPath), repoPath) });
      } catch (error) {
        if (!(error instanceof GitgusError)) throw error;
        problems.push({ file: repoPath, message: error.message });
      }
    }
    masters.push({ number, slaves, added });
  }
  const settings = loadSettings(root);
  const copies = planSlaveCopies(masters, (number) => slaveState(root, number), settings.name);
  const result: SyncSlavesResult = { since, masters: masters.map((master) => master.number).sort((a, b) => a - b), copies: copies.map(({ content: _content, ...copy }) => copy), problems };
  if (copies.length === 0 || options.dryRun) return result;
  const first = copies[0] as SlaveCopy;
  const pairs = [...new Set(copies.map((copy) => `#${copy.master} → #${copy.slave}`))];
  result.commit = await commitTicketChange({
    dir: root,
    number: first.master,
    unit: loadTicket(root, first.master).ticket.unit,
    subject: `${copies.length} master message${copies.length === 1 ? '' : 's'} copied to duplicates (${pairs.join(', ')})`,
    body: copies.map((copy) => `#${copy.master} ${copy.masterFile} → #${copy.slave}`).join('\n'),
    event: 'master-copy',
    actor: { name: 'gitgus sync-slaves', email: settings.sender },
    files: copies.map((copy) => ({ path: copy.path, content: copy.content })),
    ...(options.now ? { date: options.now } : {}),
  });
  return result;
}

function slaveState(root: string, number: number): SlaveState | undefined {
  if (!existsSync(resolveInside(root, ticketIndexPath(number)))) return undefined;
  const ticket = loadTicket(root, number).ticket;
  const folder = resolveInside(root, messagesDir(number));
  const messages = existsSync(folder) ? readdirSync(folder).map((name) => `${messagesDir(number)}/${name}`) : [];
  return { open: isOpen(ticket.status), master: ticket.relations?.master, messages: new Set(messages) };
}
