/**
 * The pull-request check's rules: what a pull request changes (front-matter diffs, added and removed
 * files), judged for its author with the same lifecycle as the CLI. It never reads commit messages, so a
 * change made in GitHub's web editor is judged exactly like one made with `gitgus`.
 *
 * Pure: the changed files with their base and head texts, and the helpdesk as of the base (who is a
 * supporter, who administers) in; problems a supporter understands, each with the fix, out.
 */
import { GitgusError, ValidationError, type ErrorCode, type Problem } from '../errors.ts';
import { checkHelpdesk } from './check.ts';
import { parseMessage, parseSettings, parseTicket, parseUnit, type TicketDoc } from './documents.ts';
import { frontMatterText } from './frontmatter.ts';
import { isCopiedToSlaves, masterCopy, MASTER_COPY_PREFIX } from './master-copy.ts';
import { actorRoles, checkTicketChange, describeRoles, slaveMessageViolation, type ActorRole } from './lifecycle.ts';
import { MESSAGE_FILE_PATTERN, SETTINGS_FILE, parseTicketPath, shardOf, ticketDir } from './paths.ts';
import { describeAdministrator, isAdministrator, sameIdentity, type Identity } from './people.ts';
import type { Message } from './schema/message.ts';
import { checkRelationConsistency, relatedNumbers } from './relations.ts';
import { checkRoutingRules, parseRoutingRules, ROUTING_FILE } from './routing.ts';
import type { Settings } from './schema/settings.ts';
import { isOpen, type Ticket } from './schema/ticket.ts';
import { issueAllowed, TEAM_ALARM_ISSUE_TYPES } from './team-alarm.ts';
import type { Unit } from './schema/unit.ts';

/** A file the pull request adds (A), modifies (M) or deletes (D), with its text on each side. */
export interface ReviewedFile {
  path: string;
  status: 'A' | 'M' | 'D';
  /** Git's mode on the head side: `100644`/`100755` are files; `120000` (symlink) and `160000` (submodule) are not. */
  mode?: string | undefined;
  base?: string | undefined;
  head?: string | undefined;
}

/**
 * `intake` is what intake alone writes (numbers, Message-ID index, GitHub cursor, records); `ticket-path` a
 * path that looks like a ticket folder but is not the canonical one (wrong shard, leading zeros); `code`
 * everything else that is not helpdesk data (code, workflows, package*.json, .gitattributes, unknown files).
 */
type FileKind = 'ticket' | 'message' | 'attachment' | 'ticket-other' | 'ticket-path' | 'settings' | 'routing' | 'unit' | 'helpdesk-doc' | 'intake' | 'code';

/** Git modes of entries that are regular files; a symlink or submodule under helpdesk data is refused. */
const REGULAR_FILE_MODES = new Set(['100644', '100755']);

/** Whether `tickets/<shard>/<number>` is written exactly as intake writes it: shard = number div 1000, no leading zeros. */
function canonicalTicketPath(path: string): boolean {
  const match = /^tickets\/(\d+)\/(\d+)(?:\/|$)/.exec(path);
  if (!match) return false;
  const number = Number(match[2]);
  return match[2] === String(number) && match[1] === String(shardOf(number));
}

/** What a repository path is to the helpdesk. */
export function fileKind(path: string): FileKind {
  if (path === SETTINGS_FILE) return 'settings';
  if (path === ROUTING_FILE) return 'routing';
  if (path === 'intake' || path.startsWith('intake/')) return 'intake';
  if (/^units\/[^/]+\.md$/.test(path) && !/^units\/(README\.md|_|\.)/.test(path)) return 'unit';
  if (path.startsWith('units/')) return 'helpdesk-doc';
  const location = parseTicketPath(path);
  if (location) {
    if (!canonicalTicketPath(path)) return 'ticket-path';
    if (location.rest === 'index.md') return 'ticket';
    if (/^messages\/[^/]+$/.test(location.rest)) return 'message';
    if (/^files\/[^/]+$/.test(location.rest)) return 'attachment';
    return 'ticket-other';
  }
  if (path.startsWith('tickets/')) return 'helpdesk-doc';
  return 'code';
}

interface ReviewContext {
  /** The pull request's author, a GitHub login. */
  author: string;
  /** The pull request author's GitHub numeric id, when known (matched against `github` ids in units/ and settings). */
  authorId?: number | undefined;
  /** The helpdesk as of the base: it decides who is a supporter and who administers. */
  base: { settings: Settings; units: readonly Unit[] };
  /**
   * The window a new message's date must fall in: not before the commit the pull request starts from (its
   * merge base with the base branch: the base tip when it branched), not after now (ISO).
   * Absent: dates are not judged (a caller with no clock).
   */
  dates?: { notBefore: string; notAfter: string } | undefined;
  /** Settings and units as the pull request leaves them, for checking references. */
  head: { settings: Settings | undefined; units: readonly Unit[] };
  /** Tickets near the changed ones (their relations' other sides), on either side of the change. */
  ticket(side: 'base' | 'head', number: number): Ticket | undefined;
}

/**
 * A TEAM or ALARM ticket offers only the reduced type-of-issue list (D-ISSUE), in a pull request as at
 * intake. Judged only when the change makes the pair (type, issue) new, so a ticket that was already outside
 * the list (older data) does not block every later change to it.
 */
function reducedIssueViolation(before: Ticket, after: Ticket): Omit<ReviewProblem, 'file' | 'line'> | undefined {
  if (after.type === 'USER' || issueAllowed(after.type, after.issue)) return undefined;
  if (before.type === after.type && before.issue === after.issue) return undefined;
  return {
    code: 'E_ISSUE_TYPE',
    field: 'issue',
    message: `is '${after.issue}', which ${after.type === 'ALARM' ? 'an' : 'a'} ${after.type} ticket does not offer: TEAM and ALARM tickets take only ${TEAM_ALARM_ISSUE_TYPES.join(', ')}`,
    hint: before.type === after.type ? `Set issue back to '${before.issue}' or to one of the values above.` : `Set issue to one of the values above, or keep type ${before.type}.`,
  };
}

/** A refusal, pointing at a line of a file for GitHub's annotations. */
export interface ReviewProblem extends Problem {
  line?: number;
}

export interface ReviewResult {
  author: string;
  administrator: boolean;
  /** Tickets the pull request touches. */
  tickets: number[];
  /** Helpdesk files judged (other files are refused unless an administrator changes them). */
  files: number;
  problems: ReviewProblem[];
}

/** The 1-based line of a front-matter field (its top-level key) in `text`; 1 when not found. */
function lineOf(text: string | undefined, field: string | undefined): number {
  if (text === undefined || field === undefined) return 1;
  const key = field.split('.')[0] ?? field;
  // In a front-matter document only the fields count (line 1 is the opening fence); a YAML file is all fields.
  const yaml = frontMatterText(text);
  const index = (yaml ?? text).split('\n').findIndex((line) => line.startsWith(`${key}:`));
  return index < 0 ? 1 : index + (yaml === undefined ? 1 : 2);
}

function fromValidation(error: unknown, code: ErrorCode, text: string | undefined): ReviewProblem[] {
  if (error instanceof ValidationError) return error.problems.map((problem) => ({ ...problem, code, line: lineOf(text, problem.field) }));
  if (error instanceof GitgusError) return [{ file: '', code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) }];
  throw error;
}

function tryParse<T>(parse: () => T, code: ErrorCode, text: string | undefined, problems: ReviewProblem[], file: string): T | undefined {
  try {
    return parse();
  } catch (error) {
    problems.push(...fromValidation(error, code, text).map((problem) => ({ ...problem, file: problem.file || file })));
    return undefined;
  }
}

const WHAT: Partial<Record<FileKind, string>> = {
  settings: 'the helpdesk settings (helpdesk.yml)',
  routing: 'the routing rules',
  unit: 'support units',
  'helpdesk-doc': "the helpdesk's own files",
};

/** Statuses a relation implies are the helpdesk's own changes; a pull request may write them for it. */
function impliedByRelations(before: Ticket, after: Ticket, context: ReviewContext, changed: ReadonlySet<number>): boolean {
  if (before.status === after.status) return false;
  const mine = after.relations ?? {};
  const head = (n: number) => context.ticket('head', n);
  if (after.status === 'on hold') {
    if (mine.master !== undefined && before.relations?.master !== mine.master) return true;
    if ((mine.children ?? []).some((child) => isOpen(head(child)?.status ?? 'closed'))) return true;
  }
  if ((after.status === 'solved' || after.status === 'unsolved') && mine.master !== undefined) {
    const master = head(mine.master);
    if (master?.status === after.status && changed.has(mine.master)) return true;
  }
  if (before.status === 'on hold' && after.status === 'in progress') {
    if (before.relations?.master !== undefined && mine.master === undefined) return true;
    if ((before.relations?.children ?? []).length > 0 && !(mine.children ?? []).some((child) => isOpen(head(child)?.status ?? 'closed'))) return true;
  }
  return false;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Judges every helpdesk file a pull request changes. Refuses: schema errors; new, renumbered, moved or
 * deleted tickets; forbidden transitions and actors; changes beyond a submitter's own by someone who is
 * not a supporter; edited or deleted messages and attachments; edits of the original request; settings,
 * units and routing changes by anyone but an administrator; relations left one-sided.
 */
export function reviewChanges(files: readonly ReviewedFile[], context: ReviewContext): ReviewResult {
  const problems: ReviewProblem[] = [];
  const person: Identity = { github: context.author, ...(context.authorId === undefined ? {} : { githubId: context.authorId }) };
  const administrator = isAdministrator(context.base.settings.administrators, person);
  const headUnitIds = new Set(context.head.units.map((unit) => unit.id));
  const add = (file: string, text: string | undefined, problem: Omit<ReviewProblem, 'file' | 'line'>) => problems.push({ file, line: lineOf(text, problem.field), ...problem });
  const judged = admitted(files, context, administrator, add);
  const touched = new Set(judged.map((file) => parseTicketPath(file.path)?.number).filter((n): n is number => n !== undefined));

  // 1. Tickets that appear, disappear or move: the number inside decides, so a moved folder is one problem.
  const tickets = judged.filter((file) => fileKind(file.path) === 'ticket');
  const deleted = new Map(tickets.filter((file) => file.status === 'D').map((file) => [numberInside(file.base) ?? (parseTicketPath(file.path)?.number as number), file]));
  const settledFolders = new Set<string>();
  const changedTickets = new Map<number, { file: ReviewedFile; before: TicketDoc; after: TicketDoc }>();
  for (const file of tickets) {
    const folder = file.path.replace(/\/index\.md$/, '');
    const number = parseTicketPath(file.path)?.number as number;
    if (file.status === 'A') {
      settledFolders.add(folder);
      const from = deleted.get(numberInside(file.head) ?? number);
      if (from) {
        settledFolders.add(from.path.replace(/\/index\.md$/, ''));
        add(file.path, file.head, {
          code: 'E_TICKET_MOVED',
          message: `moves ticket #${numberInside(file.head) ?? number} from ${from.path}: ticket folders never move`,
          hint: `Put the ticket back in ${from.path.replace(/index\.md$/, '')} — a ticket stays in its folder for life.`,
        });
      } else {
        add(file.path, file.head, {
          code: 'E_NEW_TICKET',
          field: 'number',
          message: 'adds a new ticket: pull requests never create tickets, only intake on the main branch mints ticket numbers',
          hint: 'Open the ticket by mail or through the issue form. To add to an existing ticket, add a message file to its messages/ folder.',
        });
      }
      continue;
    }
    if (file.status === 'D') {
      settledFolders.add(folder);
      const movedTo = tickets.some((other) => other.status === 'A' && (numberInside(other.head) ?? parseTicketPath(other.path)?.number) === (numberInside(file.base) ?? number));
      if (!movedTo) add(file.path, undefined, { code: 'E_TICKET_DELETED', message: `deletes ticket #${number}: tickets are never deleted`, hint: `Restore it: git checkout <base> -- ${folder}. To close a ticket, change its status.` });
      continue;
    }
    const after = tryParse(() => parseTicket(file.head as string, file.path), 'E_SCHEMA', file.head, problems, file.path);
    const before = file.base === undefined ? undefined : tryParse(() => parseTicket(file.base as string, file.path), 'E_BASE_INVALID', undefined, [], file.path);
    if (!after || !before) continue;
    if (after.ticket.number !== before.ticket.number) {
      add(file.path, file.head, { code: 'E_RENUMBERED', field: 'number', message: `renumbers ticket #${before.ticket.number} to #${after.ticket.number}: ticket numbers never change`, hint: `Set number back to ${before.ticket.number}.` });
      continue;
    }
    changedTickets.set(number, { file, before, after });
  }

  // 2. Ticket state changes: the lifecycle, references, and both sides of every relation.
  const changedNumbers = new Set(changedTickets.keys());
  const implied = new Set<number>();
  for (const [number, { file, before, after }] of changedTickets) {
    const text = file.head;
    if (before.body !== after.body) {
      add(file.path, text, {
        code: 'E_REQUEST_EDITED',
        message: `edits the original request of #${number}: it is kept as the submitter wrote it`,
        hint: 'Undo the change below the front-matter and add a message with the correction or summary instead.',
      });
    }
    if (!same(before.ticket, after.ticket) && !headUnitIds.has(after.ticket.unit)) {
      add(file.path, text, { code: 'E_REFERENCE', field: 'unit', message: `names unit '${after.ticket.unit}', which has no file in units/`, hint: `known units: ${[...headUnitIds].sort().join(', ')}` });
    }
    const roles = actorRoles(person, before.ticket, context.base.units);
    if (impliedByRelations(before.ticket, after.ticket, context, changedNumbers)) implied.add(number);
    const judgedRoles = implied.has(number) ? new Set<ActorRole>([...roles, 'system']) : roles;
    for (const violation of checkTicketChange(before.ticket, after.ticket, judgedRoles)) {
      add(file.path, text, { code: violation.code, field: violation.field, message: violation.message, hint: violation.hint });
    }
    if ((after.ticket.status === 'solved' || after.ticket.status === 'unsolved') && !after.ticket.solution && before.ticket.status === after.ticket.status) {
      add(file.path, text, { code: 'E_SOLUTION', field: 'solution', message: `is required while the status is ${after.ticket.status}`, hint: 'Put the solution back (qualifier and text).' });
    }
    const issueProblem = reducedIssueViolation(before.ticket, after.ticket);
    if (issueProblem) add(file.path, text, issueProblem);
    if (!same(before.ticket.relations, after.ticket.relations)) {
      const numbers = [number, ...relatedNumbers(before.ticket.relations, after.ticket.relations)];
      const lookup = (n: number) => (n === number ? after.ticket : (changedTickets.get(n)?.after.ticket ?? context.ticket('head', n)));
      // This ticket's links all; the other tickets' only where they point back here (their other links are not this change's).
      for (const problem of checkRelationConsistency(numbers, lookup, (from, to) => from === number || to === number)) {
        const at = problem.ticket === number ? file : changedTickets.get(problem.ticket)?.file;
        const path = at?.path ?? `${ticketDir(problem.ticket)}/index.md`;
        if (problems.some((existing) => existing.file === path && existing.message === problem.message)) continue;
        add(path, at?.head, { code: 'E_RELATION', field: problem.field, message: problem.message, hint: problem.hint });
      }
    }
  }

  // 3. Everything else: the helpdesk's configuration, and what is added to tickets.
  const copies = masterCopiesOf(judged, context);
  for (const file of judged) {
    const kind = fileKind(file.path);
    if (kind === 'ticket') continue;
    const location = parseTicketPath(file.path);
    // Files in a ticket folder that is new, deleted or moved were reported with the folder.
    if (location && settledFolders.has(file.path.split('/').slice(0, 3).join('/'))) continue;

    if (kind === 'settings' || kind === 'routing' || kind === 'unit' || kind === 'helpdesk-doc') {
      reviewConfiguration(file, kind, context, administrator, headUnitIds, problems, add);
      continue;
    }
    if (kind === 'ticket-other') {
      add(file.path, undefined, {
        code: 'E_UNKNOWN_FILE',
        message: 'is not a part of a ticket: a ticket folder holds index.md, messages/ and files/ only',
        hint: `Move the file into ${ticketDir(location?.number ?? 0)}/files/ as an attachment, or take it out of the pull request.`,
      });
      continue;
    }
    reviewAddition(file, kind, location?.number as number, { context, person, implied, touched, copies }, problems, add);
  }

  problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { author: context.author, administrator, tickets: [...touched].sort((a, b) => a - b), files: judged.length, problems };
}

type Add = (file: string, text: string | undefined, problem: Omit<ReviewProblem, 'file' | 'line'>) => void;

function administratorsHint(context: ReviewContext, path: string): string {
  const admins = context.base.settings.administrators;
  return admins.length > 0 ? `Ask an administrator (${admins.map(describeAdministrator).join(', ')}) to make this change, or take ${path} out of the pull request.` : 'helpdesk.yml lists no administrators; add them there in a change of its own.';
}

/**
 * The gate before any judging: what a pull request may touch at all. The base's code judges, so a file it
 * does not understand is refused rather than skipped — skipping it would let a "reply" carry a workflow
 * step, a postinstall script or a change of this very file past the check. Returns the files to judge.
 */
function admitted(files: readonly ReviewedFile[], context: ReviewContext, administrator: boolean, add: Add): ReviewedFile[] {
  const judged: ReviewedFile[] = [];
  for (const file of files) {
    const kind = fileKind(file.path);
    if (kind === 'intake') {
      add(file.path, undefined, {
        code: 'E_INTAKE_FILE',
        message: "changes intake/, which only intake writes (the highest number minted, the Message-ID index, the GitHub cursor, mail records): no pull request may change it, not even an administrator's",
        hint: `Take ${file.path} out of the pull request (git checkout <base> -- ${file.path}).`,
      });
      continue;
    }
    if (kind === 'code') {
      if (!administrator)
        add(file.path, undefined, {
          code: 'E_ADMIN_ONLY',
          message: `is not helpdesk data (tickets/, units/, helpdesk.yml): only helpdesk administrators change code, workflows, package files and anything else, and @${context.author} is not one`,
          hint: administratorsHint(context, file.path),
        });
      continue;
    }
    if (file.status !== 'D' && file.mode !== undefined && !REGULAR_FILE_MODES.has(file.mode)) {
      const what = file.mode === '120000' ? 'a symbolic link' : file.mode === '160000' ? 'a submodule' : `an entry of mode ${file.mode}`;
      add(file.path, undefined, {
        code: 'E_NOT_REGULAR_FILE',
        message: `is ${what}: helpdesk data holds regular files only, so nothing can point outside its ticket folder`,
        hint: 'Replace it with the file itself (git rm --cached it, copy the content in, git add).',
      });
      continue;
    }
    if (kind === 'ticket-path') {
      const location = parseTicketPath(file.path) as { number: number };
      add(file.path, undefined, {
        code: 'E_TICKET_PATH',
        message: `is not in a canonical ticket folder: ticket #${location.number} lives in ${ticketDir(location.number)} (shard = number div 1000, the number without leading zeros)`,
        hint: `Move the file to ${ticketDir(location.number)}/.`,
      });
      continue;
    }
    judged.push(file);
  }
  return judged;
}

/** The number written inside a ticket's front-matter, without a full parse (for moves). */
function numberInside(text: string | undefined): number | undefined {
  const match = text === undefined ? null : /^number:\s*(\d+)\s*$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

function reviewConfiguration(file: ReviewedFile, kind: FileKind, context: ReviewContext, administrator: boolean, headUnitIds: ReadonlySet<string>, problems: ReviewProblem[], add: Add): void {
  if (!administrator) {
    add(file.path, file.head, {
      code: 'E_ADMIN_ONLY',
      message: `only helpdesk administrators change ${WHAT[kind] ?? 'this file'}, and @${context.author} is not one`,
      hint: administratorsHint(context, file.path),
    });
  }
  if (file.head === undefined) {
    if (kind === 'settings') add(file.path, undefined, { code: 'E_SETTINGS_DELETED', message: 'is deleted, but every helpdesk needs its settings', hint: `Restore it: git checkout <base> -- ${SETTINGS_FILE}` });
    return;
  }
  const text = file.head;
  if (kind === 'settings') tryParse(() => parseSettings(text, file.path), 'E_SCHEMA', text, problems, file.path);
  if (kind === 'unit') tryParse(() => parseUnit(text, file.path), 'E_SCHEMA', text, problems, file.path);
  if (kind === 'routing') {
    const rules = tryParse(() => parseRoutingRules(text, file.path), 'E_SCHEMA', text, problems, file.path);
    if (rules && context.head.settings) {
      for (const problem of checkRoutingRules(rules, context.head.settings, headUnitIds, file.path)) problems.push({ ...problem, code: 'E_REFERENCE', line: 1 });
    }
  }
}

/** The copies (path → exact content) of every public message this change adds to a master, on each of its duplicates. */
function masterCopiesOf(files: readonly ReviewedFile[], context: ReviewContext): Map<string, string> {
  const copies = new Map<string, string>();
  for (const file of files) {
    const location = parseTicketPath(file.path);
    const name = location?.rest.startsWith('messages/') ? location.rest.slice('messages/'.length) : undefined;
    if (file.status !== 'A' || file.head === undefined || !location || name === undefined || name.includes('/')) continue;
    const slaves = context.ticket('base', location.number)?.relations?.slaves ?? [];
    if (slaves.length === 0) continue;
    let doc;
    try {
      doc = parseMessage(file.head, file.path);
    } catch {
      continue; // reported as E_SCHEMA where the file itself is judged
    }
    if (!isCopiedToSlaves(doc)) continue;
    for (const slave of slaves) {
      const copy = masterCopy(location.number, name, doc, slave, context.base.settings.name);
      copies.set(copy.path, copy.content);
    }
  }
  return copies;
}

/** A message or attachment: append-only, written by the submitter or a supporter, signed honestly. */
function reviewAddition(
  file: ReviewedFile,
  kind: FileKind,
  number: number,
  who: { context: ReviewContext; person: Identity; implied: ReadonlySet<number>; touched: ReadonlySet<number>; copies: ReadonlyMap<string, string> },
  problems: ReviewProblem[],
  add: Add,
): void {
  const { context } = who;
  const what = kind === 'message' ? 'message' : 'attachment';
  if (file.status !== 'A') {
    add(file.path, undefined, {
      code: kind === 'message' ? 'E_MESSAGE_CHANGED' : 'E_ATTACHMENT_CHANGED',
      message: `${file.status === 'D' ? 'deletes' : 'edits'} an existing ${what}: ${what}s are append-only, so the conversation stays as everyone saw it`,
      hint: `Restore it (git checkout <base> -- ${file.path}) and add a new ${kind === 'message' ? 'message with the correction' : 'file instead'}.`,
    });
    return;
  }
  const ticket = context.ticket('base', number);
  if (!ticket) {
    add(file.path, file.head, { code: 'E_NO_TICKET', message: `adds a ${what} to ticket #${number}, which does not exist`, hint: 'Check the ticket number in the folder name.' });
    return;
  }
  const roles = actorRoles(who.person, ticket, context.base.units);
  const supporter = roles.has('supporter') || roles.has('tpm');
  if (ticket.status === 'verified' || ticket.status === 'closed') {
    add(file.path, file.head, { code: 'E_FROZEN', message: `adds a ${what} to #${number}, which is ${ticket.status}: a ${ticket.status} ticket accepts no further change`, hint: 'Open a new ticket and relate it to this one.' });
    return;
  }
  if (!supporter && !roles.has('submitter')) {
    add(file.path, file.head, {
      code: 'E_NOT_ALLOWED',
      message: `only the submitter of #${number} and supporters write on a ticket, and @${context.author} is neither`,
      hint: "A supporter is a member of a unit in units/; the submitter is the person in the ticket's submitter field (by mail address or GitHub login).",
    });
    return;
  }
  if (kind !== 'message') return;
  const name = file.path.split('/').pop() ?? '';
  if (!MESSAGE_FILE_PATTERN.test(name)) {
    add(file.path, undefined, {
      code: 'E_MESSAGE_NAME',
      message: 'message file name must look like 20261127T101500Z-3f9a2c1b.md (the time, then a key)',
      hint: 'Rename the file: UTC time as YYYYMMDDTHHMMSSZ, a dash, 4–16 lower-case letters or digits, .md (gitgus reply names it for you).',
    });
  }
  const doc = tryParse(() => parseMessage(file.head as string, file.path), 'E_SCHEMA', file.head, problems, file.path);
  if (!doc) return;
  const author = doc.message.author;
  // A duplicate takes messages only as copies of its master's (a system note in the same change as the master's).
  const slave = slaveMessageViolation(ticket);
  const master = ticket.relations?.master;
  if (slave && !(author.role === 'system' && doc.message.visibility === 'public' && master !== undefined && who.touched.has(master))) {
    add(file.path, file.head, { code: slave.code, message: slave.message, hint: slave.hint });
    return;
  }
  // What claims to be a copy of the master's message must be that copy, byte for byte (the file `gitgus reply`
  // and `gitgus sync-slaves` write), so a pull request cannot put words of its own on a duplicate under it.
  if (slave && doc.body.startsWith(MASTER_COPY_PREFIX) && who.copies.get(file.path) !== file.head) {
    add(file.path, file.head, {
      code: slave.code,
      message: `${slave.message}: this is not the copy of a message this change adds to #${master ?? '?'}`,
      hint: "Leave the copy out: after the merge, gitgus sync-slaves copies the master ticket's public messages to its duplicates.",
    });
    return;
  }
  const claimed = author.role;
  reviewSignature(file, doc.message, { context, roles, ticket, system: claimed === 'system' }, add);
  // A system note may come with a status the ticket's relations imply (gitgus relate and status write both).
  const mayClaim =
    claimed === 'submitter'
      ? roles.has('submitter')
      : claimed === 'supporter'
        ? supporter
        : claimed === 'tpm'
          ? roles.has('tpm')
          : claimed === 'system'
            ? (who.implied.has(number) || (master !== undefined && who.touched.has(master))) && doc.message.visibility === 'public'
            : true;
  if (!mayClaim) {
    const honest = roles.has('tpm') ? 'tpm' : supporter ? 'supporter' : 'submitter';
    add(file.path, file.head, {
      code: 'E_MESSAGE_AUTHOR',
      field: 'author.role',
      message: `says the writer is ${claimed === 'system' ? 'the helpdesk itself' : claimed}, but @${context.author} is ${describeRoles(roles)}`,
      hint: `Set author.role to ${honest}.`,
    });
  }
  if (!supporter && doc.message.visibility === 'internal') {
    add(file.path, file.head, { code: 'E_INTERNAL_NOTE', field: 'visibility', message: 'is internal, but only supporters write internal notes', hint: 'Set visibility: public.' });
  }
}

/**
 * A message says who wrote it, when and how; in a pull request all of that must be the pull request's:
 * `author.github` its author, `name`/`email`/`unit` that person's entry in units/ (one of their units) or,
 * for the submitter, the ticket's submitter entry, `source: pull-request`, and a date between the base tip's
 * commit it starts from and now. A system note (what gitgus status/relate write) carries the helpdesk's name and no person.
 */
function reviewSignature(file: ReviewedFile, message: Message, who: { context: ReviewContext; roles: ReadonlySet<ActorRole>; ticket: Ticket; system: boolean }, add: Add): void {
  const { context } = who;
  const author = message.author;
  const sign = (field: string, what: string, fix: string) => add(file.path, file.head, { code: 'E_MESSAGE_AUTHOR', field, message: what, hint: fix });
  if (who.system) {
    if (author.name !== context.base.settings.name || author.email !== undefined || author.github !== undefined || author.unit !== undefined) {
      sign(
        'author',
        `is a system note, which carries the helpdesk's name (${context.base.settings.name}) and no person's name, address, login or unit`,
        `Write the message as yourself: author.github ${context.author}, your name from units/, role supporter.`,
      );
    }
    if (message.source !== 'system') sign('source', `is a system note with source ${message.source}: system notes have source system`, 'Set source: system.');
  } else {
    if (author.github === undefined || author.github.toLowerCase() !== context.author.toLowerCase()) {
      sign(
        'author.github',
        author.github === undefined ? `names no GitHub login, but a message in a pull request is signed by its author, @${context.author}` : `says the message is by @${author.github}, but the pull request is by @${context.author}`,
        `A message is signed by its writer: set author.github to ${context.author}.`,
      );
    } else {
      const person: Identity = { github: context.author, ...(context.authorId === undefined ? {} : { githubId: context.authorId }) };
      const memberships = context.base.units.flatMap((unit) => unit.members.filter((member) => sameIdentity(member, person)).map((member) => ({ unit: unit.id, member })));
      const submitter = who.roles.has('submitter') ? who.ticket.submitter : undefined;
      const entries: { name?: string | undefined; email?: string | undefined; unit?: string | undefined }[] = [
        ...memberships.map(({ unit, member }) => ({ name: member.name, email: member.email, unit })),
        ...(submitter ? [{ name: submitter.name, email: submitter.email, unit: undefined }] : []),
      ];
      const fitsField = {
        name: (entry: (typeof entries)[number]) => entry.name === undefined || entry.name === author.name,
        email: (entry: (typeof entries)[number]) => author.email === undefined || author.email.toLowerCase() === entry.email?.toLowerCase(),
        unit: (entry: (typeof entries)[number]) => author.unit === undefined || author.unit === entry.unit,
      };
      if (!entries.some((entry) => fitsField.name(entry) && fitsField.email(entry) && fitsField.unit(entry))) {
        const known = entries.map((entry) => [entry.name ?? '(any name)', entry.email ?? '(no address)', entry.unit ? `unit ${entry.unit}` : 'submitter'].join(', '));
        const field = (['name', 'email', 'unit'] as const).find((key) => !entries.some(fitsField[key])) ?? 'name';
        sign(
          `author.${field}`,
          `signs as ${[author.name, author.email, author.unit].filter(Boolean).join(', ')}, which is not an entry of @${context.author} in units/ or the ticket's submitter`,
          known.length > 0 ? `Use your own entry: ${known.join('; or ')}.` : `@${context.author} has no entry in units/; sign with your own name, without email or unit.`,
        );
      }
    }
    if (message.source !== 'pull-request') sign('source', `says it came by ${message.source}, but it comes in a pull request`, 'Set source: pull-request.');
  }
  if (context.dates) {
    const at = Date.parse(message.date);
    if (at < Date.parse(context.dates.notBefore))
      sign('date', `is dated ${message.date}, before the base commit the pull request starts from (${context.dates.notBefore}): a new message cannot be backdated into the conversation`, 'Set date to the time you write it (gitgus reply does).');
    else if (at > Date.parse(context.dates.notAfter)) sign('date', `is dated ${message.date}, in the future (now is ${context.dates.notAfter})`, 'Set date to the time you write it (gitgus reply does).');
  }
}

/** Settings and units cross-checked as the pull request leaves them (intake units, site NGIs, a TPM unit). */
export function checkHeadConfiguration(settings: Settings, units: readonly (Unit & { path?: string })[]): ReviewProblem[] {
  const docs = units.map((unit) => ({ unit, body: '', path: `units/${unit.id}.md` }));
  return checkHelpdesk({ settings, units: docs, tickets: [] }).map((problem) => ({ ...problem, code: 'E_REFERENCE', line: 1 }));
}

// ---------------------------------------------------------------------------------------------------
// Presenting the result.

/** GitHub's workflow-command escaping: data and property values (docs: "workflow commands"). */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One `::error file=…,line=…,title=…::…` line per problem, for GitHub Actions to pin on the diff. */
export function formatAnnotations(result: ReviewResult): string {
  const lines = result.problems.map((problem) => {
    const title = `gitgus check${problem.field ? `: ${problem.field}` : ''}`;
    const message = problem.hint ? `${problem.message}\nFix: ${problem.hint}` : problem.message;
    return `::error file=${escapeProperty(problem.file)},line=${problem.line ?? 1},title=${escapeProperty(title)}::${escapeData(message)}`;
  });
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** Plain text, one problem per block, with the fix indented below. */
export function formatReviewText(result: ReviewResult): string {
  const blocks = result.problems.map((problem) => {
    const where = `${problem.file}${problem.line && problem.line > 1 ? `:${problem.line}` : ''}${problem.field ? ` (${problem.field})` : ''}`;
    return [`${where}: ${problem.message}`, ...(problem.hint ? problem.hint.split('\n').map((line, index) => `    ${index === 0 ? 'fix: ' : '     '}${line}`) : [])].join('\n');
  });
  const summary =
    result.problems.length === 0
      ? `ok: @${result.author} may make these changes (${result.files} helpdesk file(s), ${result.tickets.length} ticket(s)).`
      : `${result.problems.length} problem(s) in the changes of @${result.author} (${result.files} helpdesk file(s), ${result.tickets.length} ticket(s)).`;
  return `${[...blocks, summary].join('\n\n')}\n`;
}
