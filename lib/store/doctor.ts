/**
 * The IO edge of `gitgus doctor`: gathers the facts (lib/core/doctor.ts decides) from the committed tree
 * with native Git, and applies the repairs — each change of the helpdesk as its own commit.
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { diagnose, type DoctorFacts, type Finding, type Repair, type StoredId } from '../core/doctor.ts';
import { frontMatterField, parseYamlText } from '../core/frontmatter.ts';
import { INTAKE_STATE_FILE } from '../core/intake/paths.ts';
import { MESSAGE_INDEX_DIR, parseIndexShard } from '../core/intake/message-index.ts';
import { BlobReader, readCommittedSync } from '../git/cat-file.ts';
import { commitChanges, repairCheckout } from '../git/commit.ts';
import { orphanedTempFiles, RUN_LOCK } from '../git/guard.ts';
import { gitDir, runGit } from '../git/native.ts';
import { IntakeSession } from '../intake/session.ts';
import { messageIdHash, serializeState } from '../intake/index-store.ts';
import { loadSettings } from './load.ts';
import { formatActor } from '../core/actor.ts';

/** The `Actor:` of doctor's repair commits (lib/core/actor.ts owns the trailer's format). */
const DOCTOR_ACTOR = formatActor({ name: 'gitgus doctor' });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockFacts(dir: string): DoctorFacts['locks'] {
  const git = gitDir(dir);
  const locks: DoctorFacts['locks'] = [];
  const runLock = path.join(git, RUN_LOCK);
  let writerAlive = false;
  let writerKilled = false;
  if (existsSync(runLock)) {
    const [pid, host] = readFileSync(runLock, 'utf8').trim().split(' ');
    writerAlive = host !== os.hostname() || alive(Number(pid));
    writerKilled = !writerAlive;
    locks.push({ file: `.git/${RUN_LOCK}`, stale: !writerAlive, why: writerAlive ? `gitgus writer process ${pid} holds the checkout` : `left by gitgus process ${pid}, which no longer runs` });
  }
  const quiet = (file: string) => Date.now() - statSync(file).mtimeMs > 60_000;
  for (const name of ['index.lock', 'HEAD.lock', 'packed-refs.lock', 'config.lock']) {
    const file = path.join(git, name);
    if (existsSync(file)) locks.push({ file: `.git/${name}`, stale: !writerAlive && quiet(file), why: `Git lock ${name} (Git commands in this checkout fail while it exists)` });
  }
  if (existsSync(path.join(git, 'gitgus-intent'))) locks.push({ file: '.git/gitgus-intent', stale: !writerAlive, why: 'a gitgus write was interrupted between moving the branch and updating the work tree' });
  for (const temp of orphanedTempFiles(git, writerAlive ? 3600_000 : writerKilled ? 0 : 60_000)) locks.push({ file: `.git/${path.relative(git, temp)}`, stale: true, why: 'temporary file of a killed Git process' });
  if (runGit(dir, ['for-each-ref', '--format=%(refname)', 'refs/gitgus/fast-import']).stdout.trim() !== '') locks.push({ file: 'ref:refs/gitgus/fast-import', stale: !writerAlive, why: 'scratch ref of an old gitgus version' });
  return locks;
}

/** Reads what doctor checks, from HEAD's tree (one `git cat-file --batch` stream) and the checkout. */
async function gatherFacts(dir: string): Promise<DoctorFacts> {
  const settings = loadSettings(dir);
  const status = runGit(dir, ['status', '--porcelain', '--no-renames', '--untracked-files=all', '--', 'tickets', 'intake']).stdout.split('\n').filter(Boolean);
  const head = runGit(dir, ['rev-parse', '--verify', '--quiet', 'HEAD'], { allowFailure: true }).stdout.trim();
  const facts: DoctorFacts = { status, tickets: [], numberingStart: settings.numberingStart, lastNumber: undefined, stored: [], index: [], locks: lockFacts(dir) };
  if (head === '') return facts;
  const files = runGit(dir, ['ls-tree', '-r', '--name-only', 'HEAD', '--', 'tickets', MESSAGE_INDEX_DIR]).stdout.split('\n').filter(Boolean);
  const reader = new BlobReader(dir, { stream: true });
  const reads: Promise<void>[] = [];
  for (const file of files) {
    const ticket = /^tickets\/\d+\/(\d+)\/(index\.md|messages\/[^/]+\.md)$/.exec(file);
    if (ticket) {
      const number = Number(ticket[1]);
      const isIndex = ticket[2] === 'index.md';
      reads.push(
        reader.read(`HEAD:${file}`, { frontMatter: true }).then((text) => {
          if (isIndex) {
            // Field scans, not a YAML parse per file: doctor reads every file of the helpdesk.
            const stated = frontMatterField(text, 'number');
            facts.tickets.push({ folder: file.slice(0, -'/index.md'.length), number, stated: stated === undefined ? undefined : Number(stated) });
          }
          const id = frontMatterField(text, isIndex ? 'source.messageId' : 'messageId');
          if (typeof id === 'string' && id !== '') facts.stored.push({ messageId: id, idHash: messageIdHash(id), ticket: number, file } satisfies StoredId);
        }),
      );
    } else if (file.endsWith('.tsv')) {
      reads.push(
        reader.read(`HEAD:${file}`).then((text) => {
          for (const entry of parseIndexShard(text, file)) facts.index.push({ ...entry, file });
        }),
      );
    }
  }
  reader.close();
  await Promise.race([Promise.all(reads), reader.failed]);
  const state = readCommittedSync(dir, 'HEAD', [INTAKE_STATE_FILE]).get(INTAKE_STATE_FILE);
  if (state !== undefined) {
    const parsed = parseYamlText(state, INTAKE_STATE_FILE) as { lastNumber?: unknown } | undefined;
    if (typeof parsed?.lastNumber === 'number') facts.lastNumber = parsed.lastNumber;
  }
  facts.tickets.sort((a, b) => a.number - b.number || a.folder.localeCompare(b.folder));
  facts.stored.sort((a, b) => a.file.localeCompare(b.file));
  return facts;
}

export async function checkHelpdesk(dir: string): Promise<Finding[]> {
  return diagnose(await gatherFacts(dir));
}

const DOCTOR = { name: 'gitgus doctor', email: 'doctor@gitgus.invalid' };

/** Applies one repair; returns what was done, in one line (with the commit when one was made). */
export async function applyRepair(dir: string, repair: Repair): Promise<string> {
  const author = { name: DOCTOR.name, email: loadSettings(dir).sender || DOCTOR.email };
  switch (repair.kind) {
    case 'remove-files': {
      const git = gitDir(dir);
      for (const file of repair.files) {
        if (file.startsWith('ref:')) runGit(dir, ['update-ref', '-d', file.slice(4)]);
        else if (file === '.git/gitgus-intent') repairCheckout(dir);
        else rmSync(path.join(git, file.replace(/^\.git\//, '')), { force: true, recursive: true });
      }
      return `removed ${repair.files.join(', ')} (no commit: nothing in the helpdesk changed)`;
    }
    case 'restore-worktree': {
      // The same repair as after an interrupted write: name the paths, let repairCheckout match them to HEAD.
      const all = [...repair.paths, ...repair.untracked];
      writeFileSync(path.join(gitDir(dir), 'gitgus-intent'), `${JSON.stringify({ ref: 'HEAD', new: 'HEAD', paths: all })}\n`);
      const done = repairCheckout(dir);
      return `put ${done.length} path${done.length === 1 ? '' : 's'} under tickets/ and intake/ back to the last commit (no commit)`;
    }
    case 'drop-duplicate-message': {
      const ticket = Number(repair.file.split('/')[2]);
      const commit = await commitChanges({
        dir,
        changes: [{ path: repair.file, content: null }],
        message: { subject: `#${ticket} doctor: drop a message stored twice`, body: `Message-ID <${repair.messageId}> is also stored in ${repair.keep}.`, trailers: { Ticket: String(ticket), Event: 'doctor', Actor: DOCTOR_ACTOR } },
        author,
      });
      return `dropped ${repair.file} (kept ${repair.keep}) in commit ${commit.slice(0, 12)}`;
    }
    case 'reindex': {
      const session = IntakeSession.open(dir, { mode: 'batch' });
      try {
        session.reindex('doctor: rebuild the Message-ID index from the tickets');
        await session.finish();
      } finally {
        session.close();
      }
      return `rebuilt the Message-ID index in commit ${runGit(dir, ['rev-parse', '--short=12', 'HEAD']).stdout.trim()}`;
    }
    case 'raise-last-number': {
      const text = readCommittedSync(dir, 'HEAD', [INTAKE_STATE_FILE]).get(INTAKE_STATE_FILE);
      const current = (text === undefined ? {} : (parseYamlText(text, INTAKE_STATE_FILE) as Record<string, unknown>)) ?? {};
      const commit = await commitChanges({
        dir,
        changes: [{ path: INTAKE_STATE_FILE, content: serializeState({ index: 1, ...current, lastNumber: repair.to }) }],
        message: { subject: `doctor: intake/state.yml lastNumber → ${repair.to}`, trailers: { Event: 'doctor', Actor: DOCTOR_ACTOR } },
        author,
      });
      return `raised lastNumber to ${repair.to} in commit ${commit.slice(0, 12)}`;
    }
  }
}

/** Order: checkout repairs first (locks, work tree), so the commits after them start from a clean state. */
export function repairOrder(findings: Finding[]): Repair[] {
  const rank: Record<Repair['kind'], number> = { 'remove-files': 0, 'restore-worktree': 1, 'drop-duplicate-message': 2, 'raise-last-number': 3, reindex: 4 };
  return findings.flatMap((finding) => (finding.repair ? [finding.repair] : [])).sort((a, b) => rank[a.kind] - rank[b.kind]);
}
