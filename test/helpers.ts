/**
 * Test fixtures: temporary helpdesks as real Git repositories, and the CLI run as a real process.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { serializeMessage, serializeTicket } from '../lib/core/documents.ts';
import { messageFileName, messagesDir, shortHash, ticketIndexPath } from '../lib/core/paths.ts';
import type { MessageInput } from '../lib/core/schema/message.ts';
import type { TicketInput } from '../lib/core/schema/ticket.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const LAUNCHER = path.join(PROJECT_ROOT, 'bin', 'gitgus.js');

const temps: string[] = [];

export function tempDir(prefix = 'gitgus-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** Removes every temp dir made so far (call from afterAll). */
export function cleanupTemps(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Runs native git; throws with stderr on failure. */
export function git(dir: string, args: string[], input?: string): string {
  const result = spawnSync('git', args, { cwd: dir, encoding: 'utf8', input, env: { ...process.env, LC_ALL: 'C' } });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

interface HelpdeskOptions {
  /** Copy the bundled example (helpdesk.yml, units/, tickets/); default true. */
  example?: boolean;
  /** Which parts of the example to copy when `example` is not false; default all three. */
  exampleParts?: ('helpdesk.yml' | 'units' | 'tickets')[];
  /** Extra files: repo path → content. */
  files?: Record<string, string>;
  /** The first commit's message. */
  commitMessage?: string;
}

/** A temporary helpdesk: a Git repository on `main` with one commit holding the example helpdesk. */
export function makeHelpdesk(options: HelpdeskOptions = {}): string {
  const dir = tempDir('gitgus-helpdesk-');
  if (options.example !== false) {
    for (const entry of options.exampleParts ?? ['helpdesk.yml', 'units', 'tickets']) cpSync(path.join(PROJECT_ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  for (const [file, content] of Object.entries(options.files ?? {})) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['config', 'user.name', 'Test Runner']);
  git(dir, ['config', 'user.email', 'runner@test.example']);
  git(dir, ['config', 'commit.gpgsign', 'false']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', options.commitMessage ?? 'example helpdesk']);
  return dir;
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `gitgus` as a real process through the launcher, as an MTA pipe or CI would. */
export function runGitgus(args: string[], options: { cwd?: string; input?: string | Buffer; env?: Record<string, string> } = {}): CliResult {
  const result = spawnSync(process.execPath, [LAUNCHER, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    input: options.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Gives `root` a bare `origin` holding its main branch, and a second clone of it (another writer, e.g. a
 * concurrent intake run) — for tests of refused pushes.
 */
export function withRemote(root: string): { remote: string; other: string } {
  const remote = path.join(tempDir('gitgus-remote-'), 'helpdesk.git');
  git(root, ['init', '-q', '--bare', '-b', 'main', remote]);
  git(root, ['remote', 'add', 'origin', remote]);
  git(root, ['push', '-q', 'origin', 'main']);
  const other = path.join(tempDir('gitgus-other-'), 'helpdesk');
  git(root, ['clone', '-q', remote, other]);
  git(other, ['config', 'user.name', 'Other Runner']);
  git(other, ['config', 'user.email', 'other@test.example']);
  return { remote, other };
}

/** A message of a small helpdesk's ticket: its front-matter fields (defaults: the submitter, by mail, public) and text. */
export interface SmallMessage extends Partial<Omit<MessageInput, 'date'>> {
  date: string;
  text: string;
}

/**
 * A ticket of a small helpdesk: any front-matter field (defaults below), its body and its messages. Relations
 * are written as given, so a test that links two tickets names both sides (the numbers are 1001, 1002, …).
 */
interface SmallTicket extends Partial<Omit<TicketInput, 'number'>> {
  body?: string;
  messages?: SmallMessage[];
}

interface SmallHelpdeskOptions {
  /** Extra files (repo path → content), written after the tickets. */
  files?: Record<string, string>;
  /**
   * `numberingStart` of helpdesk.yml; the example's (165001) by default, so intake mints above the small
   * tickets. 1001 makes the small tickets the helpdesk's own minted numbers (for numbering checks).
   */
  numberingStart?: number;
}

/**
 * The submitter, creation time and mail source of the parser tests' ticket 165048, as front-matter lines
 * (top level, unindented); `source:` is last so a test can add more of its keys below it.
 */
export const MAILED_TICKET_FIELDS = 'submitter:\n  name: Jane Doe\n  email: jane.doe@uni.example\ncreated: 2026-11-27T09:14:03Z\nsource:\n  kind: email';

const SMALL_SUBMITTER = { name: 'Sam Submitter', email: 'sam@uni.example' } as const;

/**
 * A small helpdesk for tests of a rule (not of the example): the example's settings and units, and only
 * the tickets given, numbered from 1001, written through the ticket and message serializers (so in their
 * canonical form and shard). Everything has a fixed default, so the same call gives the same bytes.
 */
export function makeSmallHelpdesk(tickets: SmallTicket[] = [{}], options: SmallHelpdeskOptions = {}): { dir: string; numbers: number[] } {
  const files: Record<string, string> = {};
  const numbers: number[] = [];
  for (const [index, { body, messages, ...fields }] of tickets.entries()) {
    const number = 1001 + index;
    numbers.push(number);
    const status = fields.status ?? 'new';
    const terminal = status === 'solved' || status === 'unsolved' || status === 'verified' || status === 'closed';
    const priority = fields.priority ?? 'less urgent';
    const ticket: TicketInput = {
      number,
      title: `Test ticket ${number}`,
      status,
      priority,
      originalPriority: priority,
      type: 'USER',
      category: 'incident',
      unit: 'tpm',
      submitter: SMALL_SUBMITTER,
      notify: 'on solution',
      created: '2026-11-02T09:00:00Z',
      source: { kind: 'email', address: 'helpdesk@ggus.example' },
      ...(terminal ? { solution: { qualifier: 'fixed', text: 'Restarted the service.' } } : {}),
      ...fields,
    };
    files[ticketIndexPath(number)] = serializeTicket({ ticket, body: body ?? 'The service does not answer.\n' });
    for (const [position, { text, date, ...message }] of (messages ?? []).entries()) {
      const name = messageFileName(date, shortHash(`small:${number}:${position}`));
      files[`${messagesDir(number)}/${name}`] = serializeMessage({
        message: { date, author: { ...ticket.submitter, role: 'submitter' }, visibility: 'public', source: 'mail', ...message },
        body: text,
      });
    }
  }
  if (options.numberingStart !== undefined) {
    const settings = readFileSync(path.join(PROJECT_ROOT, 'helpdesk.yml'), 'utf8');
    if (!/^numberingStart: \d+$/m.test(settings)) throw new Error('helpdesk.yml has no numberingStart line to replace');
    files['helpdesk.yml'] = settings.replace(/^numberingStart: \d+$/m, `numberingStart: ${options.numberingStart}`);
  }
  const dir = makeHelpdesk({ exampleParts: ['helpdesk.yml', 'units'], files: { ...files, ...options.files }, commitMessage: 'small helpdesk' });
  return { dir, numbers };
}

/** Every file below `dir` (a built site), relative with `/`, sorted. */
export function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listFiles(dir, relative));
    else out.push(relative);
  }
  return out.sort();
}

/** The files of a built site (listFiles), after asserting each of `expected` is one: one assertion a file, so a failure names it. */
export function builtFiles(outDir: string, expected: readonly string[]): string[] {
  const files = listFiles(outDir);
  for (const file of expected) expect(files).toContain(file);
  return files;
}

/** Every output file with a hash of its bytes, to compare two builds. */
export function snapshot(dir: string): Map<string, string> {
  return new Map(
    listFiles(dir).map((file) => [
      file,
      createHash('sha256')
        .update(readFileSync(path.join(dir, file)))
        .digest('hex'),
    ]),
  );
}

/** The files that differ between two snapshots (missing on one side, or other bytes). */
export function differences(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((name) => a.get(name) !== b.get(name)).sort();
}
