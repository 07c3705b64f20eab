/**
 * Shared by the fault tests (concurrency, crash, hostile volume) and the contention bench: mail streams
 * with known threading, Maildirs, intake run as a real process, and the checks of the promise "every
 * inbound message ends exactly once" read back from the committed tree with the git CLI.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { rng } from '../scripts/example/synthetic.ts';
import { LAUNCHER, git, makeHelpdesk, runGitgus, tempDir } from './helpers.ts';

/** A seeded random stream (the example generator's mulberry32), so a failing run replays from its printed seed. */
export const seeded = rng;

/** A randomised fault test's seed: GITGUS_FAULT_SEED replays one; printed with the command that replays it. */
export function faultSeed(label: string, testFile: string): { seed: number; random: () => number } {
  const seed = Number(process.env.GITGUS_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
  process.stdout.write(`${label} seed ${seed} (replay: GITGUS_FAULT_SEED=${seed} npx vitest run ${testFile})\n`);
  return { seed, random: seeded(seed) };
}

interface WorkerCheckout {
  /** The highest ticket number before the test's mail: new tickets must follow it without gaps. */
  before: number;
  /** A bare repository the worker pushes to. */
  origin: string;
  /** The worker's clone of `origin`, where intake runs. */
  clone: string;
}

/** The example helpdesk with its Message-ID index built, pushed to a bare origin, and a worker's clone of it. */
export function workerCheckout(prefix: string): WorkerCheckout {
  const helpdesk = makeHelpdesk();
  const reindex = runGitgus(['intake', '--reindex', '--root', helpdesk]);
  if (reindex.status !== 0) throw new Error(`intake --reindex failed: ${reindex.stderr}`);
  const origin = path.join(tempDir(`${prefix}-origin-`), 'helpdesk.git');
  git(helpdesk, ['clone', '-q', '--bare', helpdesk, origin]);
  const clone = path.join(tempDir(`${prefix}-worker-`), 'helpdesk');
  git(origin, ['clone', '-q', origin, clone]);
  return { before: highestTicket(helpdesk), origin, clone };
}

export type MailKind = 'new' | 'reply' | 'auto-reply' | 'unusable';

export interface PlannedMail {
  id: string;
  kind: MailKind;
  /** For replies: the Message-ID replied to. */
  parent?: string;
  raw: string;
}

const DATE = 'Fri, 27 Nov 2026 09:14:03 +0000';

export function newTicketMail(id: string, subject: string, from = 'Jane Doe <jane.doe@uni.example>'): PlannedMail {
  const raw = [`From: ${from}`, 'To: helpdesk@ggus.example', `Subject: ${subject}`, `Message-ID: <${id}>`, `Date: ${DATE}`, 'Content-Type: text/plain; charset=utf-8', '', `Jobs fail at our site since this morning (${id}).`, ''].join('\r\n');
  return { id, kind: 'new', raw };
}

export function replyMail(id: string, parent: PlannedMail, from = 'Jane Doe <jane.doe@uni.example>'): PlannedMail {
  const subject = /^Subject: (.*)$/m.exec(parent.raw)?.[1]?.trim() ?? 'problem';
  const raw = [
    `From: ${from}`,
    'To: helpdesk@ggus.example',
    `Subject: Re: ${subject}`,
    `Message-ID: <${id}>`,
    `In-Reply-To: <${parent.id}>`,
    `References: <${parent.id}>`,
    `Date: ${DATE}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `More detail for the same problem (${id}).`,
    '',
  ].join('\r\n');
  return { id, kind: 'reply', parent: parent.id, raw };
}

function autoReplyMail(id: string): PlannedMail {
  const raw = ['From: Out Of Office <away@uni.example>', 'To: helpdesk@ggus.example', 'Subject: Automatic reply: away', `Message-ID: <${id}>`, 'Auto-Submitted: auto-replied', `Date: ${DATE}`, '', 'I am away until Monday.', ''].join('\r\n');
  return { id, kind: 'auto-reply', raw };
}

/** No sender and no headers worth the name: batch intake quarantines it with the reason. */
function unusableMail(id: string): PlannedMail {
  return { id, kind: 'unusable', raw: `this is not a mail at all ${id}\r\n\u0000\u0001 binary junk ${id}\r\n` };
}

/** How a fault test's stream mixes mail: a roll below `newBelow` opens a ticket, below `replyBelow` replies, below `autoReplyBelow` is an auto-reply, the rest is unusable. */
export interface StreamMix {
  /** Message-IDs are `<prefix>.<n>@fault.example`. */
  prefix: string;
  subject: string;
  newBelow: number;
  replyBelow: number;
  autoReplyBelow: number;
}

/** Appends `count` more mails to `mails` (replies to tickets opened earlier in the stream); returns the new ones. */
export function extendStream(mails: PlannedMail[], random: () => number, count: number, mix: StreamMix): PlannedMail[] {
  const tickets = mails.filter((mail) => mail.kind === 'new');
  const added: PlannedMail[] = [];
  for (let i = mails.length; i < mails.length + count; i += 1) {
    const id = `${mix.prefix}.${i}@fault.example`;
    const roll = random();
    let mail: PlannedMail;
    if (tickets.length === 0 || roll < mix.newBelow) {
      mail = newTicketMail(id, `${mix.subject} ${i}`);
      tickets.push(mail);
    } else if (roll < mix.replyBelow) {
      mail = replyMail(id, tickets[Math.floor(random() * tickets.length)] as PlannedMail);
    } else if (roll < mix.autoReplyBelow) {
      mail = autoReplyMail(id);
    } else {
      mail = unusableMail(id);
    }
    added.push(mail);
  }
  mails.push(...added);
  return added;
}

/** How many planned mails are of `kind`. */
export function countKind(mails: PlannedMail[], kind: MailKind): number {
  return mails.filter((mail) => mail.kind === kind).length;
}

/** A Maildir (cur/, new/, tmp/) at `dir`. */
export function makeMaildir(dir: string): string {
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(path.join(dir, sub), { recursive: true });
  return dir;
}

let delivered = 0;
/** Delivers in order: names sort as delivered, so intake meets a parent before its replies. */
export function deliver(maildir: string, mails: PlannedMail[]): void {
  for (const mail of mails) {
    delivered += 1;
    writeFileSync(path.join(maildir, 'new', `${String(Date.now()).padStart(14, '0')}.${String(delivered).padStart(6, '0')}.gitgus-test`), mail.raw);
  }
}

/** Messages intake has not acknowledged yet: everything in new/, and cur/ entries without the S flag. */
export function unprocessed(maildir: string): number {
  const fresh = readdirSync(path.join(maildir, 'new')).length;
  const unseen = readdirSync(path.join(maildir, 'cur')).filter((name) => !/:2,[A-Z]*S/.test(name)).length;
  return fresh + unseen;
}

interface IntakeRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** `gitgus intake …` as a real process in its own process group (so a fault kill takes its Git children too). */
export function runIntakeProcess(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<IntakeRun> {
  return runGitgusProcess(['intake', ...args], env, timeoutMs);
}

/** Any `gitgus` command as its own process group (so a fault kill takes its Git children too), without blocking this process. */
export function runGitgusProcess(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<IntakeRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAUNCHER, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** Native git without blocking the event loop: needed when this process also serves the origin (git-http.ts). */
export function gitAsync(dir: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => (status === 0 ? resolve(stdout) : reject(new Error(`git ${args.join(' ')} failed (${status}): ${stderr}`))));
  });
}

export function jsonResults(stdout: string): { action: string; ticket: number | null; reason: string; key: string | null }[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { action: string; ticket: number | null; reason: string; key: string | null });
}

interface StoredMessage {
  ticket: number;
  file: string;
}

/** Every Message-ID stored in tickets at `rev` (ticket first mails and message files), read with the git CLI. */
export function storedMessageIds(repo: string, rev = 'HEAD'): Map<string, StoredMessage[]> {
  const files = git(repo, ['ls-tree', '-r', '--name-only', rev, '--', 'tickets'])
    .split('\n')
    .filter((file) => /^tickets\/\d+\/\d+\/(index\.md|messages\/[^/]+\.md)$/.test(file));
  const out = new Map<string, StoredMessage[]>();
  if (files.length === 0) return out;
  const batch = git(repo, ['cat-file', '--batch'], files.map((file) => `${rev}:${file}\n`).join(''));
  // Split the batch output: "<oid> blob <size>\n<content>\n" per file.
  let at = 0;
  const buffer = Buffer.from(batch, 'utf8');
  for (const file of files) {
    const newline = buffer.indexOf(10, at);
    const size = Number(buffer.toString('latin1', at, newline).split(' ')[2]);
    const text = buffer.toString('utf8', newline + 1, newline + 1 + size);
    at = newline + 1 + size + 1;
    const end = text.indexOf('\n---', 3);
    const head = end < 0 ? text : text.slice(0, end);
    const match = /^\s*messageId: ["']?([^"'\n]+)["']?$/m.exec(head);
    if (!match) continue;
    const id = (match[1] as string).trim().replace(/^<|>$/g, '');
    const ticket = Number(file.split('/')[2]);
    out.set(id, [...(out.get(id) ?? []), { ticket, file }]);
  }
  return out;
}

/** Ticket numbers present at `rev`. */
function ticketNumbers(repo: string, rev = 'HEAD'): number[] {
  return git(repo, ['ls-tree', '-d', '--name-only', rev, 'tickets/'])
    .split('\n')
    .filter(Boolean)
    .flatMap((shard) =>
      git(repo, ['ls-tree', '-d', '--name-only', rev, `${shard}/`])
        .split('\n')
        .filter(Boolean),
    )
    .map((folder) => Number(folder.split('/').pop()))
    .sort((a, b) => a - b);
}

/** Intake records (ignored, duplicates, quarantine) at `rev`, by their Message-ID hash's record file. */
export function intakeRecords(repo: string, sub: 'ignored' | 'duplicates' | 'quarantine', rev = 'HEAD'): string[] {
  return git(repo, ['ls-tree', '-r', '--name-only', rev, '--', `intake/${sub}`])
    .split('\n')
    .filter((file) => file.endsWith('.md'));
}

interface ExactlyOnceReport {
  stored: number;
  duplicates: string[];
  lost: string[];
  misthreaded: string[];
  numbers: { first: number; last: number; count: number; gaps: number[]; repeated: number[] };
}

/**
 * The checks of the promise, on the committed tree: each new-ticket or reply mail stored exactly once,
 * replies on their parent's ticket, new tickets numbered without gaps or repeats after `before`.
 */
export function checkExactlyOnce(repo: string, mails: PlannedMail[], before: number, rev = 'HEAD'): ExactlyOnceReport {
  const stored = storedMessageIds(repo, rev);
  const duplicates: string[] = [];
  const lost: string[] = [];
  const misthreaded: string[] = [];
  for (const mail of mails) {
    if (mail.kind !== 'new' && mail.kind !== 'reply') continue;
    const hits = stored.get(mail.id) ?? [];
    if (hits.length === 0) lost.push(mail.id);
    if (hits.length > 1) duplicates.push(`${mail.id} ×${hits.length}: ${hits.map((hit) => hit.file).join(', ')}`);
    if (mail.kind === 'reply' && hits.length > 0) {
      const parent = stored.get(mail.parent as string)?.[0];
      if (!parent || hits[0]?.ticket !== parent.ticket) misthreaded.push(`${mail.id} on #${hits[0]?.ticket}, parent ${mail.parent} on #${parent?.ticket}`);
    }
  }
  const created = ticketNumbers(repo, rev).filter((number) => number > before);
  const gaps: number[] = [];
  const repeated: number[] = [];
  for (let at = 1; at < created.length; at += 1) {
    const step = (created[at] as number) - (created[at - 1] as number);
    if (step === 0) repeated.push(created[at] as number);
    for (let missing = (created[at - 1] as number) + 1; missing < (created[at] as number); missing += 1) gaps.push(missing);
  }
  if (created.length > 0 && created[0] !== before + 1) gaps.unshift(...Array.from({ length: (created[0] as number) - before - 1 }, (_, i) => before + 1 + i));
  return { stored: [...stored.values()].reduce((sum, hits) => sum + hits.length, 0), duplicates, lost, misthreaded, numbers: { first: created[0] ?? 0, last: created[created.length - 1] ?? 0, count: created.length, gaps, repeated } };
}

/** The promise's part of a report, to compare with `promised` in one assertion (a failure shows every broken part at once). */
export function kept(report: ExactlyOnceReport) {
  return { lost: report.lost, duplicates: report.duplicates, misthreaded: report.misthreaded, gaps: report.numbers.gaps, repeated: report.numbers.repeated, created: report.numbers.count };
}

/** What `kept` must read after `mails`: nothing lost, stored twice or misthreaded, one new ticket per new-ticket mail. */
export function promised(mails: PlannedMail[]): ReturnType<typeof kept> {
  return { lost: [], duplicates: [], misthreaded: [], gaps: [], repeated: [], created: countKind(mails, 'new') };
}

/**
 * What a worker's checkout and its origin must not show after killed writers: `git fsck --strict` findings,
 * a worker HEAD other than origin's main, a dirty work tree or index, a writer's leftovers. Empty when sound.
 */
export function checkoutDefects({ origin, clone }: Pick<WorkerCheckout, 'origin' | 'clone'>): string[] {
  const fsck = (repo: string) => git(repo, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim();
  const defects = [fsck(clone), fsck(origin)].filter(Boolean).map((found) => `fsck: ${found}`);
  const head = git(clone, ['rev-parse', 'HEAD']).trim();
  const main = git(origin, ['rev-parse', 'main']).trim();
  if (head !== main) defects.push(`worker HEAD ${head} is not origin's main ${main}`);
  defects.push(
    ...git(clone, ['status', '--porcelain', '--untracked-files=all'])
      .split('\n')
      .filter(Boolean)
      .map((line) => `unclean: ${line}`),
  );
  defects.push(...leftovers(clone).map((name) => `leftover: ${name}`));
  return defects;
}

/** Leftovers a killed writer must not leave: lock files, temporary packs, a half-done intent. */
export function leftovers(repo: string): string[] {
  const gitDir = git(repo, ['rev-parse', '--absolute-git-dir']).trim();
  const found: string[] = [];
  for (const name of ['gitgus.lock', 'index.lock', 'HEAD.lock', 'packed-refs.lock', 'gitgus-intent']) if (existsSync(path.join(gitDir, name))) found.push(name);
  const pack = path.join(gitDir, 'objects', 'pack');
  if (existsSync(pack))
    found.push(
      ...readdirSync(pack)
        .filter((name) => name.startsWith('tmp_') || name.startsWith('.tmp-'))
        .map((name) => `objects/pack/${name}`),
    );
  found.push(...readdirSync(gitDir).filter((name) => name.startsWith('fast_import_crash_')));
  const refs = git(repo, ['for-each-ref', '--format=%(refname)', 'refs/gitgus/fast-import']).trim();
  if (refs !== '') found.push(refs);
  return found;
}

/** `git status` of tickets/ and intake/, untracked files included: empty when the work tree is clean. */
export function uncleanPaths(repo: string): string[] {
  return git(repo, ['status', '--porcelain', '--untracked-files=all', '--', 'tickets', 'intake']).split('\n').filter(Boolean);
}

/** The highest ticket number in a checkout's work tree. */
export function highestTicket(repo: string): number {
  return Math.max(0, ...ticketNumbers(repo));
}
