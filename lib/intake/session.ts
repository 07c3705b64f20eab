/**
 * The intake session that mail (lib/mail/intake-mail.ts) and GitHub (lib/github/intake.ts) share: take a
 * decision of lib/core/intake/decide.ts or lib/core/github/issue.ts, write it as one commit per message, keep the Message-ID index and the highest ticket number
 * up to date. One `IntakeSession` serves a whole run (one message from an MTA pipe, or an mbox of
 * thousands): settings, units, index shards and Git's object cache are read once, and the Git index
 * (the staging area) is refreshed once at the end instead of per commit.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChangeDecision, FileWrite, IntakeAction, IntakeContext, IntakeDecision } from '../core/intake/decide.ts';
import type { IntakeKeys } from '../core/intake/keys.ts';
import { INTAKE_STATE_FILE, quarantineRawPath, quarantineRecordPath } from '../core/intake/paths.ts';
import { parseMessage, parseTicket, type MessageDoc, type TicketDoc } from '../core/documents.ts';
import { frontMatterField, parseYamlText } from '../core/frontmatter.ts';
import { filesDir, messagesDir, ticketIndexPath } from '../core/paths.ts';
import type { IndexEntry, IntakeState } from '../core/schema/intake.ts';
import type { Settings } from '../core/schema/settings.ts';
import type { Unit } from '../core/schema/unit.ts';
import { GitgusError, NotFoundError, ValidationError } from '../errors.ts';
import type { FileChange } from '../git/commit.ts';
import { BlobReader, readCommittedSync } from '../git/cat-file.ts';
import { publishCommits } from '../git/commit.ts';
import { FastImportWriter } from '../git/fast-import.ts';
import { guardCheckout, type CheckoutGuard } from '../git/guard.ts';
import { runGit } from '../git/native.ts';
import { faultPoint } from '../fault.ts';
import { indexShardPath } from '../core/intake/message-index.ts';
import { INTAKE_STATE_EXAMPLE, IntakeStateSchema } from '../core/schema/intake.ts';
import { parseWithFriendlyErrors } from '../core/friendly-errors.ts';
import { resolveInside } from '../fs/paths.ts';
import { loadSettings, loadUnits } from '../store/load.ts';
import { loadRoutingRules } from '../store/routing-rules.ts';
import type { RoutingRule } from '../core/schema/routing.ts';
import { existingShardFiles, highestTicketOnDisk, MessageIndex, messageIdHash, rebuildIndex, serializeState } from './index-store.ts';

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
 * The Message-ID of one file, for the one-time index build: a field scan (frontMatterField), not a YAML
 * parse per file — the parse was 70% of the build's time (10 s of 15 s at 10,000 tickets).
 */
function frontMatterMessageId(text: string, field: 'source.messageId' | 'messageId'): string | undefined {
  const id = frontMatterField(text, field);
  return typeof id === 'string' ? id : undefined;
}

function readTicketIds(root: string, folder: string): { number: number; messageIds: string[] } | undefined {
  const index = `${folder}/index.md`;
  const full = resolveInside(root, index);
  if (!existsSync(full)) return undefined;
  const number = Number(folder.split('/').pop());
  if (!Number.isSafeInteger(number)) return undefined;
  const ids: string[] = [];
  const first = frontMatterMessageId(readFileSync(full, 'utf8'), 'source.messageId');
  if (first) ids.push(first);
  const dir = resolveInside(root, `${folder}/messages`);
  if (existsSync(dir)) {
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.md')) continue;
      const id = frontMatterMessageId(readFileSync(resolveInside(root, `${folder}/messages/${name}`), 'utf8'), 'messageId');
      if (id) ids.push(id);
    }
  }
  return { number, messageIds: ids };
}

/**
 * EXACTLY ONCE, and where it is decided. A message's files and its Message-ID index line
 * (intake/message-ids/…) are written by the SAME commit, and a commit becomes durable only when the branch
 * moves to it by one atomic `git update-ref <branch> <new> <old>` (lib/git/commit.ts publishCommits).
 * So "stored" and "recorded as seen" become true together, or neither does. The idempotency check of a
 * later run reads the index shards (and intake/state.yml, the highest number minted) from the committed
 * tree of the branch tip through `git cat-file`, not from the work tree or a journal that can lag the
 * commit: a run killed at any instant and run again on the same input finds every message whose commit
 * landed, and takes in again exactly those whose commit did not. The work tree only follows the branch;
 * an interrupted follow is repaired by the next writer (lib/git/guard.ts → repairCheckout).
 */

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

/** What a session (of any edge) starts from: see IntakeSession.prepare. */
type SessionStart = [string, Settings, readonly Unit[], string | undefined, CheckoutGuard, IntakeSessionOptions];

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
  /** The branch tip the session's committed reads come from; moves with each safe point. */
  private base: string | undefined;
  /** Files read from `base` (index shards, state), so each is read once per run. */
  private readonly committed = new Map<string, string | undefined>();
  private guard: CheckoutGuard | undefined;
  /**
   * One long-lived `git cat-file --batch` for the idempotency reads of messages at `base` (a process per
   * message was 40% of a 200-mail run: ~15 ms each). A new one starts when `base` moves, so it never has
   * to notice packs written after it started.
   */
  private reader: { base: string; blobs: BlobReader } | undefined;
  /** What the writer lock's clean-up did (a stale lock, a repaired work tree), for the run's log. */
  readonly notes: string[];

  protected constructor(root: string, settings: Settings, units: readonly Unit[], base: string | undefined, guard: CheckoutGuard, options: IntakeSessionOptions) {
    this.root = root;
    this.settings = settings;
    this.units = units;
    this.options = options;
    this.base = base;
    this.guard = guard;
    this.notes = guard.notes;
    this.index = new MessageIndex((file) => this.readIndexFile(file));
    try {
      const state = this.readStateCommitted();
      this.highestOnDisk = highestTicketOnDisk(root);
      if (state) assertNoForeignJump(state, settings, this.highestOnDisk);
      this.state = state ?? { lastNumber: 0, index: 1 };
      this.indexed = state !== undefined;
    } catch (error) {
      guard.release();
      throw error;
    }
  }

  /** Loads settings and units; on a helpdesk without intake/state.yml, first builds the index (one commit). */
  static open(root: string, options: IntakeSessionOptions): IntakeSession {
    return new IntakeSession(...IntakeSession.prepare(root, options));
  }

  /** What a session (of any edge) starts from; refuses to run off the main branch. */
  protected static prepare(root: string, options: IntakeSessionOptions): SessionStart {
    const branch = currentBranch(root);
    const main = mainBranch(root);
    if (branch !== main) {
      throw new GitgusError('E_NOT_MAIN_BRANCH', `intake runs only on the main branch '${main}' (this checkout is on '${branch || 'a detached HEAD'}'): only there may ticket numbers be minted`, {
        hint: `Run \`git switch ${main}\` in ${root} first.`,
      });
    }
    // One writer per checkout, taken before anything of the helpdesk is read: a killed one's locks, temp
    // packs and half-followed work tree are cleaned up here (see lib/store/change-context.ts for why first).
    const guard = guardCheckout(root, `gitgus intake (${options.mode})`);
    try {
      faultPoint('start');
      const settings = loadSettings(root);
      const units = loadUnits(root);
      if (units.problems.length > 0) throw new ValidationError(units.problems);
      const base = runGit(root, ['rev-parse', '--verify', '--quiet', 'HEAD'], { allowFailure: true }).stdout.trim() || undefined;
      return [root, settings, units.items.map((doc) => doc.unit), base, guard, options];
    } catch (error) {
      guard.release();
      throw error;
    }
  }

  /** Releases the checkout's writer lock (uncommitted streamed commits are dropped). */
  close(): void {
    if (this.writer) {
      this.writer.abort();
      this.writer = undefined;
      this.pending.clear();
      this.awaitingIds.length = 0;
    }
    this.closeReader();
    this.guard?.release();
    this.guard = undefined;
  }

  private closeReader(): void {
    this.reader?.blobs.close();
    this.reader = undefined;
  }

  /**
   * Which of `files` still need reading from `base`; on a helpdesk without commits, none (each is then
   * recorded as absent). What the sync and the async read below share.
   */
  private unread(files: readonly string[]): { base: string; missing: string[] } | undefined {
    const missing = [...new Set(files)].filter((file) => !this.pending.has(file) && !this.committed.has(file));
    if (missing.length === 0) return undefined;
    if (this.base === undefined) {
      for (const file of missing) this.committed.set(file, undefined);
      return undefined;
    }
    return { base: this.base, missing };
  }

  /** Index shards and state as committed at `base`, read in one `git cat-file` for all of `files`. */
  private prefetch(files: string[]): void {
    const wanted = this.unread(files);
    if (!wanted) return;
    for (const [file, text] of readCommittedSync(this.root, wanted.base, wanted.missing)) this.committed.set(file, text);
  }

  /** An intake file as committed: this run's streamed commits first, then the branch tip's tree. */
  private readIndexFile(file: string): string | undefined {
    if (this.pending.has(file)) return this.readText(file);
    this.prefetch([file]);
    return this.committed.get(file);
  }

  private readStateCommitted(): IntakeState | undefined {
    const text = this.readIndexFile(INTAKE_STATE_FILE);
    if (text === undefined) return undefined;
    return parseWithFriendlyErrors(IntakeStateSchema, parseYamlText(text, INTAKE_STATE_FILE) ?? {}, INTAKE_STATE_FILE, INTAKE_STATE_EXAMPLE);
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
    this.index = new MessageIndex((file) => this.readIndexFile(file));
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

  /** The ticket's message files with their names (`<time>-<key>.md`), oldest first: what `duplicate` carries over. */
  namedMessages(number: number): { name: string; doc: MessageDoc }[] {
    const folder = messagesDir(number);
    const dir = resolveInside(this.root, folder);
    const names = new Set(existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.md')) : []);
    for (const file of this.pending.keys()) if (file.startsWith(`${folder}/`) && file.endsWith('.md')) names.add(file.slice(folder.length + 1));
    const named: { name: string; doc: MessageDoc }[] = [];
    for (const name of [...names].sort()) {
      const text = this.readText(`${folder}/${name}`);
      if (text !== undefined) named.push({ name, doc: parseMessage(text, `${folder}/${name}`) });
    }
    return named;
  }

  /** The bytes of a ticket's attachment (`files/<name>`), pending writes first; undefined when it is not there. */
  attachmentBytes(number: number, name: string): Uint8Array | undefined {
    const file = `${filesDir(number)}/${name}`;
    if (this.pending.has(file)) {
      const content = this.pending.get(file);
      if (content === null || content === undefined) return undefined;
      return typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    }
    const full = resolveInside(this.root, file);
    return existsSync(full) ? readFileSync(full) : undefined;
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

  /**
   * Reads from the committed tree (see EXACTLY ONCE above), through the session's long-lived reader, every
   * index shard a decision about these Message-IDs can look at; `idHash` is the message's own.
   */
  protected async prefetchShards(idHash: string, relatedIds: readonly string[]): Promise<void> {
    const wanted = this.unread([idHash, ...relatedIds.map((id) => messageIdHash(id))].map((hash) => indexShardPath(hash)));
    if (!wanted) return;
    const { base, missing } = wanted;
    if (this.reader?.base !== base) {
      this.closeReader();
      this.reader = { base, blobs: new BlobReader(this.root) };
    }
    const blobs = this.reader.blobs;
    const reads = Promise.all(missing.map((file) => blobs.readIfPresent(`${base}:${file}`)));
    blobs.flush();
    const texts = await Promise.race([reads, blobs.failed]);
    for (const [index, file] of missing.entries()) this.committed.set(file, texts[index]);
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
   * The safe point: the branch moves to the commits made so far by compare-and-swap, then the working tree
   * and Git's index follow (lib/git/commit.ts publishCommits: an intent file in .git names the paths first,
   * so a kill in between is repaired by the next writer instead of leaving a stale work tree).
   */
  async finish(): Promise<void> {
    const writer = this.writer;
    if (!writer) return;
    this.writer = undefined;
    try {
      const ids = await writer.close();
      const tip = ids[ids.length - 1] as string;
      publishCommits(this.root, { ref: writer.ref, parent: writer.parent, tip, files: this.pending, reason: `gitgus intake: ${ids.length} commit${ids.length === 1 ? '' : 's'}` });
      for (const { result, mark } of this.awaitingIds.splice(0)) result.commit = ids[mark - 1];
      for (const [file, content] of this.pending) {
        if (file.startsWith('intake/')) this.committed.set(file, content === null ? undefined : typeof content === 'string' ? content : Buffer.from(content).toString('utf8'));
      }
      this.base = tip;
      this.pending.clear();
      // Batches add a pack each, single mails loose objects; Git consolidates them when there are many (cheap otherwise).
      runGit(this.root, ['gc', '--auto', '--quiet'], { allowFailure: true });
    } catch (error) {
      // Nothing moved: forget what this run believed it had written (shards it read stay as committed).
      for (const file of this.pending.keys()) this.committed.delete(file);
      this.index = new MessageIndex((file) => this.readIndexFile(file));
      this.state = this.readStateCommitted() ?? { lastNumber: 0, index: 1 };
      this.pending.clear();
      this.awaitingIds.length = 0;
      throw error;
    }
  }
}
