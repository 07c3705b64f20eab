/**
 * The intake session that mail (lib/mail/intake-mail.ts) and GitHub (lib/github/intake.ts) share: take a
 * decision of lib/core/intake/decide.ts or lib/core/github/issue.ts, write it as one commit per message, keep the Message-ID index and the highest ticket number
 * up to date. One `IntakeSession` serves a whole run (one message from an MTA pipe, or an mbox of
 * thousands): settings, units, index shards and Git's object cache are read once, and the Git index
 * (the staging area) is refreshed once at the end instead of per commit.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChangeDecision, FileWrite, IntakeAction, IntakeContext, IntakeDecision } from '../core/intake/decide.ts';
import type { IntakeKeys } from '../core/intake/keys.ts';
import { INTAKE_STATE_FILE, quarantineRawPath, quarantineRecordPath } from '../core/intake/paths.ts';
import { parseMessage, parseTicket, type MessageDoc, type TicketDoc } from '../core/documents.ts';
import { parseYamlText } from '../core/frontmatter.ts';
import { filesDir, messagesDir, ticketIndexPath } from '../core/paths.ts';
import type { IndexEntry, IntakeState } from '../core/schema/intake.ts';
import type { Settings } from '../core/schema/settings.ts';
import type { Unit } from '../core/schema/unit.ts';
import { GitgusError, NotFoundError, ValidationError } from '../errors.ts';
import type { FileChange } from '../git/commit.ts';
import { FastImportWriter, syncIndexNative } from '../git/fast-import.ts';
import { runGit } from '../git/native.ts';
import { resolveInside } from '../fs/paths.ts';
import { loadSettings, loadUnits } from '../store/load.ts';
import { loadRoutingRules } from '../store/routing-rules.ts';
import type { RoutingRule } from '../core/schema/routing.ts';
import { existingShardFiles, highestTicketOnDisk, MessageIndex, readState, rebuildIndex, serializeState } from './index-store.ts';

export interface IntakeResult {
  action: IntakeAction;
  ticket?: number;
  reason: string;
  flags: string[];
  /** Idempotency key; names the message's files and records. */
  key?: string;
  /** The commit made, when one was. */
  commit?: string;
  /** Where the message came from (file name, mbox position, IMAP uid), for logs. */
  source?: string;
}

export interface IntakeSessionOptions {
  /** single: empty input is refused (thrown, nothing written); batch: quarantined. Everything else is quarantined in both. */
  mode: 'single' | 'batch';
  /** The envelope recipient (`--recipient`), for every message of the run. */
  recipient?: string | undefined;
  /** Clock, for tests. */
  now?: () => Date;
  /** Refresh Git's index after every commit instead of once in `finish()`. */
  updateIndexPerCommit?: boolean;
}

const INTAKE_IDENTITY_NAME = 'gitgus intake';

/** A quarantined message run again: its original keys (its files' names) and failed attempts so far. */
export interface QuarantineRetry {
  keys: IntakeKeys;
  attempts: number;
}

/** The helpdesk's main branch: what origin/HEAD points at, else main. Only there may numbers be minted. */
function mainBranch(root: string): string {
  const remoteHead = runGit(root, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'], { allowFailure: true });
  if (remoteHead.status === 0 && remoteHead.stdout.trim() !== '') return remoteHead.stdout.trim().replace(/^origin\//, '');
  return 'main';
}

function currentBranch(root: string): string {
  return runGit(root, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { allowFailure: true }).stdout.trim();
}

/**
 * The Message-IDs of one ticket, for the one-time index build. The files are canonical (written by our
 * serializer), so a line scan of the front-matter finds `messageId:` without a YAML parse per file —
 * the parse was 70% of the build's time (10 s of 15 s at 10,000 tickets). A quoted value, the one shape
 * that needs YAML, is parsed on its own.
 */
function frontMatterMessageId(text: string, indent: string): string | undefined {
  const end = text.indexOf('\n---', 3);
  const head = end < 0 ? text : text.slice(0, end);
  const match = new RegExp(`^${indent}messageId: (.+)$`, 'm').exec(head);
  if (!match) return undefined;
  const value = (match[1] as string).trim();
  if (!/^["']/.test(value)) return value;
  try {
    const parsed = parseYamlText(value, 'messageId');
    return typeof parsed === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function readTicketIds(root: string, folder: string): { number: number; messageIds: string[] } | undefined {
  const index = `${folder}/index.md`;
  const full = resolveInside(root, index);
  if (!existsSync(full)) return undefined;
  const number = Number(folder.split('/').pop());
  if (!Number.isSafeInteger(number)) return undefined;
  const ids: string[] = [];
  const first = frontMatterMessageId(readFileSync(full, 'utf8'), '  ');
  if (first) ids.push(first);
  const dir = resolveInside(root, `${folder}/messages`);
  if (existsSync(dir)) {
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.md')) continue;
      const id = frontMatterMessageId(readFileSync(resolveInside(root, `${folder}/messages/${name}`), 'utf8'), '');
      if (id) ids.push(id);
    }
  }
  return { number, messageIds: ids };
}

function journalPath(root: string): string {
  const gitDir = runGit(root, ['rev-parse', '--absolute-git-dir']).stdout.trim();
  return path.join(gitDir, 'gitgus-intake-journal');
}

/**
 * intake/state.yml is written by intake alone, and intake mints a number only together with its ticket
 * folder, so `lastNumber` is never above the highest ticket (or numberingStart − 1). A higher value is a
 * jump intake did not make — an edit pushed past the pull-request check — and is refused, not followed.
 */
function assertNoForeignJump(state: IntakeState, settings: Settings, highestOnDisk: number): void {
  const highest = Math.max(highestOnDisk, settings.numberingStart - 1);
  if (state.lastNumber <= highest) return;
  throw new GitgusError('E_INTAKE_STATE', `${INTAKE_STATE_FILE} says the last number minted is ${state.lastNumber}, but the highest ticket is ${highest}: intake did not make that jump, so it mints nothing until it is undone`, {
    hint: `Restore ${INTAKE_STATE_FILE} from the commit that changed it (git log -- ${INTAKE_STATE_FILE}), or set lastNumber: ${highest}.`,
  });
}

/**
 * After a crash between moving the branch and writing the working tree, puts the journal's files back
 * to what the branch has, so the next run reads what was committed (and sees its messages as duplicates).
 */
function repairWorkingTree(root: string): void {
  const journal = journalPath(root);
  if (!existsSync(journal)) return;
  const paths = readFileSync(journal, 'utf8').split('\n').filter(Boolean);
  for (const file of paths) resolveInside(root, file);
  const present = new Set(paths.length === 0 ? [] : runGit(root, ['ls-tree', '-r', '-z', '--name-only', 'HEAD', '--', ...paths]).stdout.split('\0').filter(Boolean));
  if (present.size > 0) runGit(root, ['checkout', '-f', 'HEAD', '--', ...present]);
  for (const file of paths) if (!present.has(file)) rmSync(resolveInside(root, file), { force: true });
  syncIndexNative(root, paths);
  rmSync(journal, { force: true });
}

export class IntakeSession {
  readonly root: string;
  readonly settings: Settings;
  readonly units: readonly Unit[];
  /** units/routing.yml, read when the first new ticket needs it. */
  private routingRules: RoutingRule[] | undefined;
  protected readonly options: IntakeSessionOptions;
  private index: MessageIndex;
  /** Files committed since the last safe point and not yet in the working tree; reads look here first. */
  private readonly pending = new Map<string, string | Uint8Array | null>();
  private writer: FastImportWriter | undefined;
  /** Results whose commit id is known only once the writer finishes. */
  private readonly awaitingIds: { result: IntakeResult; mark: number }[] = [];
  private state: IntakeState;
  private indexed: boolean;
  private highestOnDisk: number;

  protected constructor(root: string, settings: Settings, units: readonly Unit[], state: IntakeState | undefined, options: IntakeSessionOptions) {
    this.root = root;
    this.settings = settings;
    this.units = units;
    this.options = options;
    this.index = new MessageIndex((file) => this.readText(file));
    this.state = state ?? { lastNumber: 0, index: 1 };
    this.indexed = state !== undefined;
    this.highestOnDisk = highestTicketOnDisk(root);
  }

  /** Loads settings and units; on a helpdesk without intake/state.yml, first builds the index (one commit). */
  static open(root: string, options: IntakeSessionOptions): IntakeSession {
    return new IntakeSession(...IntakeSession.prepare(root, options));
  }

  /** What a session (of any edge) starts from; refuses to run off the main branch. */
  protected static prepare(root: string, options: IntakeSessionOptions): [string, Settings, readonly Unit[], IntakeState | undefined, IntakeSessionOptions] {
    const settings = loadSettings(root);
    const units = loadUnits(root);
    if (units.problems.length > 0) throw new ValidationError(units.problems);
    const branch = currentBranch(root);
    const main = mainBranch(root);
    if (branch !== main) {
      throw new GitgusError('E_NOT_MAIN_BRANCH', `intake runs only on the main branch '${main}' (this checkout is on '${branch || 'a detached HEAD'}'): only there may ticket numbers be minted`, {
        hint: `Run \`git switch ${main}\` in ${root} first.`,
      });
    }
    repairWorkingTree(root);
    const state = readState(root);
    if (state) assertNoForeignJump(state, settings, highestTicketOnDisk(root));
    return [root, settings, units.items.map((doc) => doc.unit), state, options];
  }

  /** On a helpdesk without intake/state.yml, builds the index first (one commit), before any message. */
  ensureIndex(): Promise<void> {
    if (this.indexed) return Promise.resolve();
    this.reindex('intake: build the Message-ID index (first intake in this helpdesk)');
    return Promise.resolve();
  }

  /** Rebuilds the Message-ID index and state from the tickets and records, as one commit. */
  reindex(subject = 'intake: rebuild the Message-ID index'): IntakeState {
    const built = rebuildIndex(this.root, this.settings, (folder) => readTicketIds(this.root, folder));
    const written = new Set(built.files.map((file) => file.path));
    const stale = existingShardFiles(this.root).filter((file) => !written.has(file));
    const changes: FileChange[] = [...built.files, ...stale.map((file) => ({ path: file, content: null }))];
    const unchanged = stale.length === 0 && built.files.every((file) => this.readText(file.path) === file.content);
    if (!unchanged) this.commit(changes, { subject, body: `${built.entries} Message-IDs from the tickets and intake records; highest ticket number ${built.state.lastNumber}.`, trailers: { Event: 'reindex' } });
    // Shards read before the rebuild are stale now.
    this.index = new MessageIndex((file) => this.readText(file));
    this.state = built.state;
    this.indexed = true;
    return built.state;
  }

  /** The number the next new ticket gets (minted for real only when its commit is applied). */
  nextNumber(): number {
    return Math.max(this.state.lastNumber, this.highestOnDisk, this.settings.numberingStart - 1) + 1;
  }

  /** A file as the last commit has it: pending writes first, then the working tree. */
  private readText(file: string): string | undefined {
    if (this.pending.has(file)) {
      const content = this.pending.get(file);
      if (content === null || content === undefined) return undefined;
      return typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
    }
    const full = resolveInside(this.root, file);
    return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
  }

  protected exists(file: string): boolean {
    if (this.pending.has(file)) return this.pending.get(file) !== null;
    return existsSync(resolveInside(this.root, file));
  }

  private ticketExists(number: number): boolean {
    return Number.isSafeInteger(number) && number > 0 && this.exists(ticketIndexPath(number));
  }

  loadTicket(number: number): TicketDoc {
    const file = ticketIndexPath(number);
    const text = this.readText(file);
    if (text === undefined) throw new NotFoundError(`ticket #${number}`);
    return parseTicket(text, file);
  }

  /** The ticket's message files, committed and pending, oldest first (internal notes, subscription requests). */
  private ticketMessages(number: number): MessageDoc[] {
    const folder = messagesDir(number);
    const dir = resolveInside(this.root, folder);
    const names = new Set(existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.md')).map((name) => `${folder}/${name}`) : []);
    for (const file of this.pending.keys()) if (file.startsWith(`${folder}/`) && file.endsWith('.md')) names.add(file);
    const docs: MessageDoc[] = [];
    for (const file of [...names].sort()) {
      const text = this.readText(file);
      if (text !== undefined) docs.push(parseMessage(text, file));
    }
    return docs;
  }

  private ticketFiles(number: number): string[] {
    const folder = filesDir(number);
    const dir = resolveInside(this.root, folder);
    const names = new Set(existsSync(dir) ? readdirSync(dir) : []);
    for (const [file, content] of this.pending) {
      if (!file.startsWith(`${folder}/`)) continue;
      const name = file.slice(folder.length + 1);
      if (content === null) names.delete(name);
      else names.add(name);
    }
    return [...names];
  }

  /**
   * The ticket linked to a remote ticket. Only mail from an interfaced helpdesk that lost our tag asks, so
   * a scan of the front-matters (skipping every file without a `remote:` line) is enough.
   */
  private ticketOfRemote(unit: string, remoteId: string): number | undefined {
    const ticketsDir = resolveInside(this.root, 'tickets');
    if (!existsSync(ticketsDir)) return undefined;
    for (const shard of readdirSync(ticketsDir)) {
      const shardDir = path.join(ticketsDir, shard);
      if (!/^\d+$/.test(shard)) continue;
      for (const folder of readdirSync(shardDir)) {
        if (!/^\d+$/.test(folder)) continue;
        const file = `tickets/${shard}/${folder}/index.md`;
        const text = this.readText(file);
        if (text === undefined || !text.includes('\nremote:')) continue;
        try {
          const remote = parseTicket(text, file).ticket.remote;
          if (remote?.unit === unit && remote.id === remoteId) return Number(folder);
        } catch {
          continue;
        }
      }
    }
    return undefined;
  }

  /** The index entries with this Message-ID hash. */
  protected priorEntries(idHash: string): IndexEntry[] {
    return this.index.entries(idHash);
  }

  /**
   * What a decision (lib/core/intake/decide.ts) asks of the helpdesk, read through this session's pending
   * writes: settings, units, routing rules (read when the first new ticket needs them), the lookups and
   * the next number.
   */
  protected decisionContext(): Pick<IntakeContext, 'settings' | 'units' | 'routingRules' | 'lookups' | 'nextNumber' | 'newCode'> {
    return {
      settings: this.settings,
      units: this.units,
      routingRules: (this.routingRules ??= loadRoutingRules(this.root)),
      lookups: {
        ticketOfMessageId: (id) => this.index.ticketOf(id),
        ticketExists: (number) => this.ticketExists(number),
        loadTicket: (number) => this.loadTicket(number),
        ticketFiles: (number) => this.ticketFiles(number),
        ticketMessages: (number) => this.ticketMessages(number),
        ticketOfRemote: (unit, remoteId) => this.ticketOfRemote(unit, remoteId),
      },
      nextNumber: () => this.nextNumber(),
      // A subscription's confirmation code must be unguessable: random, and kept only in an internal note.
      newCode: () => randomBytes(18).toString('base64url'),
    };
  }

  /** The clock of this run (options.now in tests). */
  protected now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  protected apply(decision: IntakeDecision, key: string, retry?: QuarantineRetry): IntakeResult {
    const base = { action: decision.action, reason: decision.reason, flags: decision.flags, key, ...(decision.ticket === undefined ? {} : { ticket: decision.ticket }) };
    if (decision.action === 'duplicate') {
      if (this.exists(decision.record.path)) return { ...base, reason: `${decision.reason} (repeat already recorded)` };
      const result: IntakeResult = { ...base };
      this.awaitingIds.push({ result, mark: this.commit([decision.record], decision.commit) });
      return result;
    }
    const change: ChangeDecision = decision;
    const files: FileChange[] = change.files.map((file: FileWrite) => ({ path: file.path, content: file.content }));
    // A retried message may now have other keys than when it was quarantined: its old index line goes.
    const old: IndexEntry | undefined = retry && change.action !== 'quarantined' ? { idHash: retry.keys.idHash, contentHash: retry.keys.contentHash, outcome: 'quarantined' } : undefined;
    const stale = old && (old.idHash !== change.indexEntry.idHash || old.contentHash !== change.indexEntry.contentHash) ? old : undefined;
    const shard = this.index.withEntry(change.indexEntry, stale && stale.idHash === change.indexEntry.idHash ? [stale] : []);
    files.push({ path: shard.path, content: shard.content });
    const otherShard = stale && stale.idHash !== change.indexEntry.idHash ? this.index.without(stale) : undefined;
    if (otherShard) files.push({ path: otherShard.path, content: otherShard.content });
    if (retry && change.action !== 'quarantined') {
      files.push({ path: quarantineRecordPath(retry.keys.key), content: null }, { path: quarantineRawPath(retry.keys.key), content: null });
    }
    let state = this.state;
    if (change.minted !== undefined) {
      state = { ...this.state, lastNumber: Math.max(this.state.lastNumber, change.minted) };
      files.push({ path: INTAKE_STATE_FILE, content: serializeState(state) });
    }
    const mark = this.commit(files, change.commit);
    this.index.remember(shard.path, shard.entries);
    if (otherShard) this.index.remember(otherShard.path, otherShard.entries);
    this.state = state;
    if (change.minted !== undefined) this.highestOnDisk = Math.max(this.highestOnDisk, change.minted);
    const result: IntakeResult = { ...base };
    this.awaitingIds.push({ result, mark });
    return result;
  }

  /** The ticket a received Message-ID went to (GitHub intake keys issues and comments the same way). */
  ticketOfMessageId(id: string): number | undefined {
    return this.index.ticketOf(id);
  }

  /**
   * Commits a change decided elsewhere (GitHub issue intake) with the same index and numbering as mail,
   * and makes it safe at once, so the result carries its commit id and the branch has moved.
   */
  async commitChange(change: ChangeDecision, key: string): Promise<IntakeResult> {
    await this.ensureIndex();
    const result = this.apply(change, key);
    await this.finish();
    return result;
  }

  /** Streams one commit to Git; it becomes the branch tip (and the working tree) at the next safe point. */
  private commit(changes: FileChange[], message: ChangeDecision['commit']): number {
    this.writer ??= FastImportWriter.start(this.root);
    const mark = this.writer.commit({ changes, message, author: { name: INTAKE_IDENTITY_NAME, email: this.settings.sender }, date: this.now() });
    for (const change of changes) this.pending.set(change.path, change.content);
    return mark;
  }

  /**
   * The safe point: the branch moves to the commits made so far, then the working tree and Git's index
   * follow (natively, once — see syncIndexNative). A journal in .git names the files in between, so a
   * crash there is repaired by the next `IntakeSession.open` instead of leaving a stale working tree.
   */
  async finish(): Promise<void> {
    const writer = this.writer;
    if (!writer) return;
    this.writer = undefined;
    let ids: string[];
    try {
      ids = await writer.finish();
    } catch (error) {
      // Nothing moved: forget what this run believed it had written.
      this.pending.clear();
      this.awaitingIds.length = 0;
      throw error;
    }
    for (const { result, mark } of this.awaitingIds.splice(0)) result.commit = ids[mark - 1];
    const paths = [...this.pending.keys()];
    const journal = journalPath(this.root);
    writeFileSync(journal, paths.map((file) => `${file}\n`).join(''));
    for (const [file, content] of this.pending) {
      const full = resolveInside(this.root, file);
      if (content === null) {
        rmSync(full, { force: true });
      } else {
        mkdirSync(path.dirname(full), { recursive: true });
        writeFileSync(full, content);
      }
    }
    syncIndexNative(this.root, paths);
    rmSync(journal, { force: true });
    this.pending.clear();
  }
}
