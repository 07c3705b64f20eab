/**
 * `gitgus check` of a whole helpdesk at GGUS scale: each ticket file's verdict (its problems, and the
 * fields the whole-tree rules need) is kept in a cache keyed by the file's Git blob id — a hash of its
 * content, taken from `git ls-files -s` (lib/git/tree-listing.ts) — so a verdict can never be stale: a
 * changed file has another id. Only files without a verdict are read and parsed, on worker threads when
 * there are many. The whole-tree rules (lib/core/check.ts) then run over every verdict, as before.
 *
 * The cache lives in the repository's Git folder (`.git/gitgus/check-verdicts.v8`): never in the work
 * tree, never committed, one per clone.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { CheckInput } from '../core/check.ts';
import { MESSAGE_FILE_PATTERN, TICKETS_DIR } from '../core/paths.ts';
import type { Problem } from '../errors.ts';
import { runGit } from '../git/native.ts';
import { listFilesWithBlobs } from '../git/tree-listing.ts';
import { isDataFile } from './load.ts';
import { verdictOf, type FileVerdict, type VerdictJob } from './check-verdict.ts';

/** Bump when what a verdict holds, or the schemas it was made with, change meaning. */
const CACHE_VERSION = 1;
/** Below this many files to parse, starting workers costs more than it saves. */
const WORKER_THRESHOLD = 2_000;
const BATCH = 500;

interface CacheFile {
  version: number;
  /** A hash of the schema code; other code, other verdicts. */
  key: string;
  /** `<blob>:<path>` → verdict. The path is part of the key because problems name the file. */
  verdicts: [string, FileVerdict][];
}

export interface TicketFilesCheck {
  tickets: CheckInput['tickets'];
  messages: number;
  problems: Problem[];
  /** Files whose verdict came from the cache, and files parsed now. */
  reused: number;
  parsed: number;
}

function cacheFile(root: string): string | undefined {
  const result = runGit(root, ['rev-parse', '--absolute-git-dir'], { allowFailure: true });
  return result.status === 0 ? path.join(result.stdout.trim(), 'gitgus', 'check-verdicts.v8') : undefined;
}

function readCache(file: string, key: string): Map<string, FileVerdict> {
  if (!existsSync(file)) return new Map();
  try {
    const value = deserialize(readFileSync(file)) as CacheFile;
    return value.version === CACHE_VERSION && value.key === key ? new Map<string, FileVerdict>(value.verdicts) : new Map<string, FileVerdict>();
  } catch {
    return new Map();
  }
}

function writeCache(file: string, key: string, verdicts: Map<string, FileVerdict>): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, serialize({ version: CACHE_VERSION, key, verdicts: [...verdicts] } satisfies CacheFile));
  renameSync(temporary, file);
}

/** Parses the jobs on worker threads, one per core. */
async function parseOnWorkers(root: string, jobs: VerdictJob[]): Promise<FileVerdict[]> {
  const results: FileVerdict[] = new Array<FileVerdict>(jobs.length);
  const count = Math.max(1, Math.min(availableParallelism(), 4, Math.ceil(jobs.length / BATCH)));
  let next = 0;
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(new URL('./check-worker.ts', import.meta.url), { workerData: { root } });
      let at = 0;
      const send = () => {
        if (next >= jobs.length) {
          void worker.terminate().then(() => resolve());
          return;
        }
        at = next;
        next += BATCH;
        worker.postMessage(jobs.slice(at, at + BATCH));
      };
      worker.on('message', (answer: FileVerdict[]) => {
        answer.forEach((verdict, index) => (results[at + index] = verdict));
        send();
      });
      worker.on('error', reject);
      send();
    });
  await Promise.all(Array.from({ length: count }, runWorker));
  return results;
}

const TICKET_FILE = /^tickets\/([^/]+)\/([^/]+)\/(.+)$/;

/**
 * Every ticket's verdict for `gitgus check`, from the cache where the blob is known. Undefined when the
 * helpdesk is not a Git checkout (the caller then reads every file, lib/store/load.ts).
 */
export async function checkTicketFiles(root: string, schemaKey: string, options: { workerThreshold?: number } = {}): Promise<TicketFilesCheck | undefined> {
  const listing = listFilesWithBlobs(root, [TICKETS_DIR]);
  const file = cacheFile(root);
  if (!listing || !file) return undefined;
  const cached = readCache(file, schemaKey);
  // Ticket folder → its files (relative path → blob), in number order like the loaders.
  const folders = new Map<string, Map<string, string>>();
  for (const [repoPath, blob] of listing) {
    const match = TICKET_FILE.exec(repoPath);
    if (!match) continue;
    const folder = `${TICKETS_DIR}/${match[1]}/${match[2]}`;
    let files = folders.get(folder);
    if (!files) folders.set(folder, (files = new Map<string, string>()));
    files.set(match[3] as string, blob);
  }
  const order = [...folders.keys()].sort((a, b) => Number(a.split('/')[2]) - Number(b.split('/')[2]) || a.localeCompare(b));
  const wanted: VerdictJob[] = [];
  const keyOf = (job: VerdictJob) => `${job.blob}:${job.path}`;
  for (const folder of order) {
    const files = folders.get(folder) as Map<string, string>;
    for (const [name, blob] of files) {
      const kind = name === 'index.md' ? 'ticket' : name.startsWith('messages/') && !name.slice(9).includes('/') && isDataFile(name.slice(9)) ? 'message' : undefined;
      if (!kind) continue;
      const job: VerdictJob = { path: `${folder}/${name}`, blob, kind };
      if (!cached.has(keyOf(job))) wanted.push(job);
    }
  }
  const fresh = wanted.length >= (options.workerThreshold ?? WORKER_THRESHOLD) ? await parseOnWorkers(root, wanted) : wanted.map((job) => verdictOf(root, job));
  wanted.forEach((job, index) => cached.set(keyOf(job), fresh[index] as FileVerdict));

  const problems: Problem[] = [];
  const tickets: CheckInput['tickets'] = [];
  const used = new Map<string, FileVerdict>();
  let messages = 0;
  for (const folder of order) {
    const files = folders.get(folder) as Map<string, string>;
    const indexBlob = files.get('index.md');
    if (indexBlob === undefined) {
      problems.push({ code: 'E_MISSING_FILE', file: folder, message: 'ticket folder has no index.md', hint: 'Restore index.md from Git history or remove the folder.' });
      continue;
    }
    const indexKey = `${indexBlob}:${folder}/index.md`;
    const index = cached.get(indexKey) as FileVerdict;
    used.set(indexKey, index);
    problems.push(...index.problems);
    if (!index.ticket) continue;
    const entry: CheckInput['tickets'][number] = { ticket: index.ticket, path: `${folder}/index.md`, messages: [], files: [] };
    const names = [...files.keys()].sort();
    for (const name of names) {
      if (name.startsWith('files/')) entry.files?.push(name.slice(6));
      if (!name.startsWith('messages/') || name.slice(9).includes('/') || !isDataFile(name.slice(9))) continue;
      const messageName = name.slice(9);
      const messagePath = `${folder}/${name}`;
      if (!MESSAGE_FILE_PATTERN.test(messageName)) problems.push({ code: 'E_MESSAGE_NAME', file: messagePath, message: 'message file name must look like 20261127T101500Z-3f9a2c1b.md (time, then a key)' });
      const key = `${files.get(name) as string}:${messagePath}`;
      const verdict = cached.get(key) as FileVerdict;
      used.set(key, verdict);
      problems.push(...verdict.problems);
      if (verdict.attachments) entry.messages?.push({ file: messageName, message: { attachments: verdict.attachments.map((name) => ({ file: name })) } });
    }
    messages += entry.messages?.length ?? 0;
    tickets.push(entry);
  }
  // Only the verdicts of files that exist now are kept: the cache never grows with deleted files.
  writeCache(file, schemaKey, used);
  return { tickets, messages, problems, reused: used.size - wanted.length, parsed: wanted.length };
}
