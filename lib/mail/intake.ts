/**
 * Mail intake, the IO side: parse (mailparser), ask the pure decision (lib/core/intake/decide.ts) what
 * happens, write it as one commit per message, keep the Message-ID index and the highest ticket number
 * up to date. One `IntakeSession` serves a whole run (one message from an MTA pipe, or an mbox of
 * thousands): settings, units, index shards and Git's object cache are read once, and the Git index
 * (the staging area) is refreshed once at the end instead of per commit.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { decideIntake, decideQuarantine, refusalOf, NoSenderError, UnsupportedSenderError, type ChangeDecision, type FileWrite, type IntakeAction, type IntakeDecision } from '../core/intake/decide.ts';
import { intakeKeys, type IntakeKeys } from '../core/intake/keys.ts';
import type { InboundMail } from '../core/intake/mail.ts';
import { INTAKE_STATE_FILE, quarantineRawPath, quarantineRecordPath } from '../core/intake/paths.ts';
import { parseTicket, type TicketDoc } from '../core/documents.ts';
import { parseFrontMatter } from '../core/frontmatter.ts';
import { filesDir, ticketIndexPath } from '../core/paths.ts';
import type { IndexEntry, IntakeState } from '../core/schema/intake.ts';
import type { Settings } from '../core/schema/settings.ts';
import type { Unit } from '../core/schema/unit.ts';
import { GitgusError, NotFoundError, ValidationError } from '../errors.ts';
import { commitChanges, syncIndex, type FileChange } from '../git/commit.ts';
import { runGit } from '../git/native.ts';
import { resolveInside } from '../store/fs-paths.ts';
import { loadSettings, loadUnits } from '../store/load.ts';
import { loadRoutingRules } from '../store/lifecycle-change.ts';
import type { RoutingRule } from '../core/schema/routing.ts';
import { existingShardFiles, highestTicketOnDisk, MessageIndex, readState, rebuildIndex, serializeState } from './intake-store.ts';
import { NotAnEmailError, parseMail, sha256, stripEnvelopeLine } from './parse.ts';

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
  /** single: a message that is no mail or has no sender is refused (thrown, nothing written); batch: quarantined. */
  mode: 'single' | 'batch';
  /** The envelope recipient (`--recipient`), for every message of the run. */
  recipient?: string | undefined;
  /** Clock, for tests. */
  now?: () => Date;
  /** Refresh Git's index after every commit instead of once in `finish()`. */
  updateIndexPerCommit?: boolean;
}

export interface IncomingMessage {
  raw: Buffer;
  /** When it arrived (IMAP INTERNALDATE, mbox From line); default now. */
  received?: Date | undefined;
  source?: string;
}

const INTAKE_IDENTITY_NAME = 'gitgus intake';

/** A quarantined message run again: its original keys (its files' names) and failed attempts so far. */
export interface QuarantineRetry {
  keys: IntakeKeys;
  attempts: number;
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The helpdesk's main branch: what origin/HEAD points at, else main. Only there may numbers be minted. */
export function mainBranch(root: string): string {
  const remoteHead = runGit(root, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'], { allowFailure: true });
  if (remoteHead.status === 0 && remoteHead.stdout.trim() !== '') return remoteHead.stdout.trim().replace(/^origin\//, '');
  return 'main';
}

function currentBranch(root: string): string {
  return runGit(root, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { allowFailure: true }).stdout.trim();
}

/** Git and file-system failures are not the message's fault: they stop the run, the message stays unprocessed. */
function isInfrastructureError(error: unknown): boolean {
  if (error instanceof GitgusError) return error.code.startsWith('E_GIT') || error.code === 'E_PATH_ESCAPE' || error.code === 'E_MISSING_DEPENDENCY';
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E(ACCES|NOSPC|ROFS|MFILE|NFILE|IO|PERM|BUSY)$/.test(code);
}

function readTicketIds(root: string, folder: string): { number: number; messageIds: string[] } | undefined {
  const index = `${folder}/index.md`;
  if (!existsSync(resolveInside(root, index))) return undefined;
  let number: number;
  const ids: string[] = [];
  try {
    const doc = parseTicket(readFileSync(resolveInside(root, index), 'utf8'), index);
    number = doc.ticket.number;
    if (doc.ticket.source.messageId) ids.push(doc.ticket.source.messageId);
  } catch {
    return undefined;
  }
  const dir = resolveInside(root, `${folder}/messages`);
  if (existsSync(dir)) {
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.md')) continue;
      const file = `${folder}/messages/${name}`;
      try {
        const { data } = parseFrontMatter(readFileSync(resolveInside(root, file), 'utf8'), file);
        if (typeof data.messageId === 'string' && data.messageId !== '') ids.push(data.messageId);
      } catch {
        // `gitgus check` reports broken message files; the index only needs the readable ones.
      }
    }
  }
  return { number, messageIds: ids };
}

export class IntakeSession {
  readonly root: string;
  readonly settings: Settings;
  readonly units: readonly Unit[];
  /** units/routing.yml, read when the first new ticket needs it. */
  private routingRules: RoutingRule[] | undefined;
  private readonly options: IntakeSessionOptions;
  private readonly index: MessageIndex;
  private readonly cache = {};
  private readonly touched = new Set<string>();
  private state: IntakeState;
  private indexed: boolean;
  private highestOnDisk: number;

  private constructor(root: string, settings: Settings, units: readonly Unit[], state: IntakeState | undefined, options: IntakeSessionOptions) {
    this.root = root;
    this.settings = settings;
    this.units = units;
    this.options = options;
    this.index = new MessageIndex(root);
    this.state = state ?? { lastNumber: 0, index: 1 };
    this.indexed = state !== undefined;
    this.highestOnDisk = highestTicketOnDisk(root);
  }

  /** Loads settings and units; on a helpdesk without intake/state.yml, first builds the index (one commit). */
  static open(root: string, options: IntakeSessionOptions): IntakeSession {
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
    const state = readState(root);
    return new IntakeSession(root, settings, units.items.map((doc) => doc.unit), state, options);
  }

  /** On a helpdesk without intake/state.yml, builds the index first (one commit), before any message. */
  async ensureIndex(): Promise<void> {
    if (this.indexed) return;
    await this.reindex('intake: build the Message-ID index (first intake in this helpdesk)');
  }

  /** Rebuilds the Message-ID index and state from the tickets and records, as one commit. */
  async reindex(subject = 'intake: rebuild the Message-ID index'): Promise<IntakeState> {
    const built = rebuildIndex(this.root, this.settings, (folder) => readTicketIds(this.root, folder));
    const written = new Set(built.files.map((file) => file.path));
    const stale = existingShardFiles(this.root).filter((file) => !written.has(file));
    const changes: FileChange[] = [...built.files, ...stale.map((file) => ({ path: file, content: null }))];
    try {
      await this.commit(changes, { subject, body: `${built.entries} Message-IDs from the tickets and intake records; highest ticket number ${built.state.lastNumber}.`, trailers: { Event: 'reindex' } });
    } catch (error) {
      if (!(error instanceof GitgusError && error.code === 'E_NOTHING_TO_COMMIT')) throw error;
    }
    this.state = built.state;
    this.indexed = true;
    return built.state;
  }

  /** The number the next new ticket gets (minted for real only when its commit is applied). */
  nextNumber(): number {
    return Math.max(this.state.lastNumber, this.highestOnDisk, this.settings.numberingStart - 1) + 1;
  }

  private ticketExists(number: number): boolean {
    return Number.isSafeInteger(number) && number > 0 && existsSync(resolveInside(this.root, ticketIndexPath(number)));
  }

  loadTicket(number: number): TicketDoc {
    const file = ticketIndexPath(number);
    if (!this.ticketExists(number)) throw new NotFoundError(`ticket #${number}`);
    return parseTicket(readFileSync(resolveInside(this.root, file), 'utf8'), file);
  }

  private ticketFiles(number: number): string[] {
    const dir = resolveInside(this.root, filesDir(number));
    return existsSync(dir) ? readdirSync(dir) : [];
  }

  private keysFor(mail: InboundMail | undefined, raw: Buffer): IntakeKeys {
    return mail ? intakeKeys(mail.messageId, mail.contentHash, sha256) : intakeKeys(undefined, sha256(raw), sha256);
  }

  /**
   * Takes one message to the end: a commit (created, appended, ignored, quarantined, or a first duplicate
   * record) or nothing (a repeat duplicate). Throws NotAnEmailError / NoSenderError in single mode, and
   * Git errors always: those are not the message's fault, so the message must stay unprocessed.
   */
  async process(message: IncomingMessage, retry?: QuarantineRetry): Promise<IntakeResult> {
    const received = isoSeconds(message.received ?? (this.options.now ?? (() => new Date()))());
    const raw = message.raw;
    let mail: InboundMail | undefined;
    let keys: IntakeKeys | undefined;
    let decision: IntakeDecision;
    try {
      mail = await parseMail(raw);
      if (this.options.mode === 'single' && !retry) {
        const refusal = refusalOf(mail, this.settings);
        if (refusal) throw refusal;
      }
      await this.ensureIndex();
      keys = this.keysFor(mail, raw);
      const prior = this.index.entries(keys.idHash).filter((entry) => !(retry && entry.outcome === 'quarantined'));
      decision = decideIntake(mail, {
        settings: this.settings,
        units: this.units,
        routingRules: (this.routingRules ??= loadRoutingRules(this.root)),
        received,
        envelopeRecipient: this.options.recipient,
        keys,
        priorEntries: prior,
        lookups: {
          ticketOfMessageId: (id) => this.index.ticketOf(id),
          ticketExists: (number) => this.ticketExists(number),
          loadTicket: (number) => this.loadTicket(number),
          ticketFiles: (number) => this.ticketFiles(number),
        },
        nextNumber: () => this.nextNumber(),
      });
    } catch (error) {
      if (this.options.mode === 'single' && !retry && (error instanceof NotAnEmailError || error instanceof NoSenderError)) throw error;
      if (isInfrastructureError(error)) throw error;
      await this.ensureIndex();
      const category = error instanceof NotAnEmailError ? 'not-email' : error instanceof NoSenderError ? 'no-sender' : error instanceof UnsupportedSenderError ? 'unsupported-sender' : mail === undefined ? 'parse-error' : 'error';
      const detail = error instanceof Error ? error.message : String(error);
      keys = retry ? retry.keys : (keys ?? this.keysFor(mail, stripEnvelopeLine(raw)));
      if (!retry) {
        const prior = this.index.entries(keys.idHash).find((entry) => entry.contentHash === keys?.contentHash && entry.outcome === 'quarantined');
        if (prior) return { action: 'duplicate', reason: 'already in quarantine', flags: [], key: keys.key, ...(message.source ? { source: message.source } : {}) };
      }
      decision = decideQuarantine({ keys, received, category, reason: detail.split('\n')[0] ?? detail, detail, raw, mail, envelopeRecipient: this.options.recipient, settings: this.settings, attempts: retry ? retry.attempts + 1 : 0 });
      if (retry) {
        // A failed retry only counts the attempt; the raw bytes are already kept.
        decision.files = decision.files.filter((file) => !file.path.endsWith('.eml'));
      }
    }
    const result = await this.apply(decision, keys.key, retry);
    return { ...result, ...(message.source ? { source: message.source } : {}) };
  }

  private async apply(decision: IntakeDecision, key: string, retry?: QuarantineRetry): Promise<IntakeResult> {
    const base = { action: decision.action, reason: decision.reason, flags: decision.flags, key, ...(decision.ticket === undefined ? {} : { ticket: decision.ticket }) };
    if (decision.action === 'duplicate') {
      if (existsSync(resolveInside(this.root, decision.record.path))) return { ...base, reason: `${decision.reason} (repeat already recorded)` };
      const commit = await this.commit([decision.record], decision.commit);
      return { ...base, commit };
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
    const commit = await this.commit(files, change.commit);
    this.index.remember(shard.path, shard.entries);
    if (otherShard) this.index.remember(otherShard.path, otherShard.entries);
    this.state = state;
    if (change.minted !== undefined) this.highestOnDisk = Math.max(this.highestOnDisk, change.minted);
    return { ...base, commit };
  }

  private async commit(changes: FileChange[], message: ChangeDecision['commit']): Promise<string> {
    const oid = await commitChanges({
      dir: this.root,
      changes,
      message,
      author: { name: INTAKE_IDENTITY_NAME, email: this.settings.sender },
      updateIndex: this.options.updateIndexPerCommit === true,
      cache: this.cache,
    });
    for (const change of changes) this.touched.add(change.path);
    return oid;
  }

  /** The ticket a Message-ID (or another intake's thread id) went to, from the index. */
  ticketOfMessageId(messageId: string): number | undefined {
    return this.index.ticketOf(messageId);
  }

  /**
   * Commits a change another intake decided (GitHub issues: lib/github/intake.ts) through the same index
   * line, ticket numbering (intake/state.yml) and commit identity as a mail's.
   */
  async commitChange(change: ChangeDecision, key: string): Promise<IntakeResult> {
    await this.ensureIndex();
    return this.apply(change, key);
  }

  /** Makes Git's index match the commits of this run (once, not per commit). */
  async finish(): Promise<void> {
    if (this.touched.size === 0 || this.options.updateIndexPerCommit) return;
    const paths = [...this.touched];
    this.touched.clear();
    await syncIndex(this.root, paths, this.cache);
  }
}

