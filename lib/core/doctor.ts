/**
 * `gitgus doctor`: what a crash or a hand edit can leave in a helpdesk checkout, decided from facts the
 * IO edge (scripts/commands/doctor.ts) gathered. Pure: no file or Git access here.
 *
 * Each finding names the file, what is wrong, and whether `--fix` repairs it. Every repair that changes
 * the helpdesk is its own commit (trailer `Event: doctor`); repairs of the checkout only (a work tree put
 * back to the commit, a stale lock removed) make no commit, as there is nothing to record.
 */
import type { IndexEntry } from './schema/intake.ts';

export type Repair =
  /** Put these paths back to HEAD in work tree and index; remove untracked files among them. */
  | { kind: 'restore-worktree'; paths: string[]; untracked: string[] }
  /** Remove stale lock or temporary files (no commit). */
  | { kind: 'remove-files'; files: string[] }
  /** One commit deleting a message file whose Message-ID another file already stores. */
  | { kind: 'drop-duplicate-message'; file: string; keep: string; messageId: string }
  /** One commit rebuilding the Message-ID index and state from the tickets (intake --reindex). */
  | { kind: 'reindex' }
  /** One commit raising intake/state.yml's lastNumber to the highest ticket (no number is minted twice). */
  | { kind: 'raise-last-number'; to: number };

export interface Finding {
  check: 'work-tree' | 'numbering' | 'message-ids' | 'index' | 'locks';
  file: string;
  message: string;
  hint?: string;
  repair?: Repair;
}

export interface StoredId {
  messageId: string;
  idHash: string;
  ticket: number;
  file: string;
}

export interface DoctorFacts {
  /** `git status --porcelain` lines under tickets/ and intake/ ("XY path"). */
  status: string[];
  /** Ticket folders at HEAD: folder path and the number its index.md states. */
  tickets: { folder: string; number: number; stated: number | undefined }[];
  numberingStart: number;
  /** intake/state.yml's lastNumber, when the file exists. */
  lastNumber: number | undefined;
  /** Every Message-ID stored in a ticket (first mail and message files), at HEAD. */
  stored: StoredId[];
  /** Every line of the Message-ID index at HEAD, with its shard file. */
  index: (IndexEntry & { file: string })[];
  /** Lock and temporary files found, with whether a live process may still own them. */
  locks: { file: string; stale: boolean; why: string }[];
}

const MAX_LISTED = 20;

function parseStatusLine(line: string): { code: string; path: string } {
  const code = line.slice(0, 2);
  let file = line.slice(3);
  const arrow = file.indexOf(' -> ');
  if (arrow >= 0) file = file.slice(arrow + 4);
  return { code, path: file.replace(/^"|"$/g, '') };
}

export function diagnose(facts: DoctorFacts): Finding[] {
  const findings: Finding[] = [];

  // 1. The work tree and index under tickets/ and intake/ must equal the commit.
  if (facts.status.length > 0) {
    const entries = facts.status.map(parseStatusLine);
    const untracked = entries.filter((entry) => entry.code === '??').map((entry) => entry.path);
    const changed = entries.filter((entry) => entry.code !== '??').map((entry) => entry.path);
    findings.push({
      check: 'work-tree',
      file: 'tickets/, intake/',
      message: `${entries.length} path${entries.length === 1 ? '' : 's'} differ from the last commit (${entries
        .slice(0, 5)
        .map((entry) => `${entry.code.trim()} ${entry.path}`)
        .join(', ')}${entries.length > 5 ? ', …' : ''}); gitgus writes these folders only through commits, so this is what an interrupted write or a hand edit left`,
      hint: 'doctor --fix puts them back to the last commit (commit a hand edit first if you meant it).',
      repair: { kind: 'restore-worktree', paths: changed, untracked },
    });
  }

  // 2. Numbering: one folder per number, in its shard, no gaps after the first intake number, state not behind.
  const numbers = facts.tickets.map((ticket) => ticket.number).sort((a, b) => a - b);
  const seen = new Map<number, string>();
  for (const ticket of facts.tickets) {
    const other = seen.get(ticket.number);
    if (other)
      findings.push({
        check: 'numbering',
        file: ticket.folder,
        message: `ticket number ${ticket.number} has two folders: ${other} and ${ticket.folder}`,
        hint: 'Keep one; a number belongs to one ticket. Move the other ticket to a new number by hand.',
      });
    seen.set(ticket.number, ticket.folder);
    if (ticket.stated !== undefined && ticket.stated !== ticket.number) {
      findings.push({ check: 'numbering', file: `${ticket.folder}/index.md`, message: `number: ${ticket.stated} in a folder named ${ticket.number}`, hint: `Set number: ${ticket.number}, or move the folder to the number it states.` });
    }
  }
  const minted = numbers.filter((number) => number >= facts.numberingStart);
  const gaps: number[] = [];
  for (let at = 1; at < minted.length; at += 1) {
    for (let missing = (minted[at - 1] as number) + 1; missing < (minted[at] as number) && gaps.length <= MAX_LISTED; missing += 1) gaps.push(missing);
  }
  if (gaps.length > 0) {
    findings.push({
      check: 'numbering',
      file: 'tickets/',
      message: `ticket numbers missing between #${minted[0]} and #${minted[minted.length - 1]}: ${gaps
        .slice(0, MAX_LISTED)
        .map((number) => `#${number}`)
        .join(', ')}${gaps.length > MAX_LISTED ? ', …' : ''}`,
      hint: 'A gap is a ticket deleted by hand, or one whose commit was lost; `git log --all -- tickets/<shard>/<number>` finds it. Numbers are never reused, so doctor does not fill gaps.',
    });
  }
  const highest = numbers[numbers.length - 1] ?? 0;
  if (facts.lastNumber !== undefined && facts.lastNumber < highest) {
    findings.push({
      check: 'numbering',
      file: 'intake/state.yml',
      message: `lastNumber is ${facts.lastNumber}, but ticket #${highest} exists: the next intake would have to skip past it`,
      repair: { kind: 'raise-last-number', to: highest },
    });
  }

  // 3. A Message-ID stored in two ticket files: the same mail taken in twice.
  const byId = new Map<string, StoredId[]>();
  for (const entry of facts.stored) byId.set(entry.messageId, [...(byId.get(entry.messageId) ?? []), entry]);
  for (const [messageId, hits] of byId) {
    if (hits.length < 2) continue;
    // Keep the ticket's own first mail (index.md) or else the earliest message file; drop the later copies.
    const sorted = [...hits].sort((a, b) => Number(b.file.endsWith('/index.md')) - Number(a.file.endsWith('/index.md')) || a.file.localeCompare(b.file));
    const keep = sorted[0] as StoredId;
    for (const copy of sorted.slice(1)) {
      const droppable = !copy.file.endsWith('/index.md');
      findings.push({
        check: 'message-ids',
        file: copy.file,
        message: `Message-ID <${messageId}> is stored twice: here and in ${keep.file}`,
        ...(droppable
          ? { repair: { kind: 'drop-duplicate-message' as const, file: copy.file, keep: keep.file, messageId } }
          : { hint: 'Both are tickets opened by the same mail: close one as a duplicate (gitgus duplicate) rather than deleting it.' }),
      });
    }
  }

  // 4. The index must know every stored Message-ID, at its ticket, and name no ticket that is gone.
  const indexed = new Map<string, (IndexEntry & { file: string })[]>();
  for (const entry of facts.index) indexed.set(entry.idHash, [...(indexed.get(entry.idHash) ?? []), entry]);
  const problems: string[] = [];
  for (const stored of facts.stored) {
    const lines = indexed.get(stored.idHash) ?? [];
    if (!lines.some((line) => line.outcome === stored.ticket)) problems.push(`<${stored.messageId}> (in ${stored.file}) has no index line for #${stored.ticket}`);
  }
  const existing = new Set(numbers);
  for (const line of facts.index) {
    if (typeof line.outcome === 'number' && !existing.has(line.outcome)) problems.push(`${line.file} names ticket #${line.outcome}, which does not exist`);
  }
  // A helpdesk intake never ran in has no index yet: intake builds it on its first run.
  const noIndexYet = facts.lastNumber === undefined && facts.index.length === 0;
  if (problems.length > 0 && !noIndexYet) {
    findings.push({
      check: 'index',
      file: 'intake/message-ids/',
      message: `the Message-ID index is out of step with the tickets (${problems.length}): ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`,
      hint: 'Intake would thread replies wrongly or take a mail in twice.',
      repair: { kind: 'reindex' },
    });
  }

  // 5. Locks and temporary files of killed writers.
  const stale = facts.locks.filter((lock) => lock.stale);
  for (const lock of facts.locks.filter((candidate) => !candidate.stale)) {
    findings.push({ check: 'locks', file: lock.file, message: `${lock.why}; a writer may still be running`, hint: 'Run doctor again when no gitgus or git command runs in this checkout.' });
  }
  if (stale.length > 0) {
    findings.push({ check: 'locks', file: stale.map((lock) => lock.file).join(', '), message: stale.map((lock) => `${lock.file}: ${lock.why}`).join('; '), repair: { kind: 'remove-files', files: stale.map((lock) => lock.file) } });
  }
  return findings;
}
