/**
 * `gitgus check` of a whole helpdesk at GGUS scale (165,000 tickets, ~990,000 files) in about the time of
 * `git status`. Two levels of cache, both keyed by Git content ids so neither can be stale:
 *
 * - per shard (`tickets/165/`): the shard's Git **tree id** in HEAD → its summary (per ticket folder: the
 *   fields the whole-tree rules need, the folder's problems, its message count). A shard whose tree id is
 *   known and that `git status` shows untouched is taken whole, without listing its files;
 * - per file: the shard's files with their blob ids and verdicts (one detail file per shard tree), read
 *   only when that shard changed, so a changed shard parses only its changed files.
 *
 * Uncommitted, staged and untracked edits are found by one `git status` over the work tree (the lstat of
 * every tracked file: the floor of this command at 165,000 tickets, ~2–3 s). Shards it names are listed
 * from the work tree (lib/git/tree-listing.ts) and never cached by tree id; the verdicts of their dirty
 * files are kept in a small loose map keyed by `<blob>:<path>`. The whole-tree rules (lib/core/check.ts)
 * then run over every ticket, as before: a unit deleted or a ticket renumbered elsewhere is still seen.
 *
 * The cache lives in the repository's Git folder (`.git/gitgus/check/`): never in the work tree, never
 * committed, one per clone. Files without a verdict are parsed on worker threads when there are many.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { CheckInput } from '../core/check.ts';
import { MESSAGE_FILE_PATTERN, SETTINGS_FILE, TICKETS_DIR, UNITS_DIR } from '../core/paths.ts';
import { GitgusError, type Problem } from '../errors.ts';
import { runGit } from '../git/native.ts';
import { readBlobsSync } from '../git/cat-file.ts';
import { listCommittedFilesWithBlobs, listFilesWithBlobs } from '../git/tree-listing.ts';
import { isDataFile } from './load.ts';
import { verdictOf, type FileVerdict, type VerdictJob } from './check-verdict.ts';

/** Bump when what a verdict or a summary holds, or the layout of these files, changes meaning. */
const CACHE_VERSION = 2;
/** Below this many files to parse, starting workers costs more than it saves. */
const WORKER_THRESHOLD = 2_000;
const BATCH = 500;
/** `--committed` reads the texts of files to parse from Git in chunks of this many, so a cold check never holds every text. */
const COMMITTED_CHUNK = 20_000;

type TicketEntry = CheckInput['tickets'][number];

/** What the check takes from one ticket folder. */
interface FolderSummary {
  folder: string;
  problems: Problem[];
  /** Absent when index.md is missing or invalid. */
  entry?: TicketEntry;
  messages: number;
}

/** `summaries.v8`: every shard tree's summary, and the last tree seen per shard (to find its details). */
interface SummaryFile {
  version: number;
  /** A hash of the schema code; other code, other verdicts. */
  key: string;
  trees: [string, FolderSummary[]][];
  /** Shard folder (`tickets/165`) → the tree id whose detail file holds its files' verdicts. */
  latest: [string, string][];
  /** Verdicts of files that differ from HEAD (uncommitted), `<blob>:<path>` → verdict. */
  loose: [string, FileVerdict][];
}

/** `tree-<id>.v8`: one shard tree's files, `<blob>:<path>` → verdict. */
type DetailFile = { version: number; key: string; verdicts: [string, FileVerdict][] };

interface TicketFilesCheck {
  tickets: CheckInput['tickets'];
  messages: number;
  problems: Problem[];
  /** Files whose verdict came from the cache (a whole cached shard counts all its files), and files parsed now. */
  reused: number;
  parsed: number;
  /** Shards taken whole from the cache, and shards listed file by file. */
  shardsReused: number;
  shardsListed: number;
}

function cacheDir(root: string): string | undefined {
  const result = runGit(root, ['rev-parse', '--absolute-git-dir'], { allowFailure: true });
  return result.status === 0 ? path.join(result.stdout.trim(), 'gitgus', 'check') : undefined;
}

function readV8<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return deserialize(readFileSync(file)) as T;
  } catch {
    // A torn or foreign file is a miss, never an error: everything it held can be computed again.
    return undefined;
  }
}

function writeV8(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // Write then rename: a stopped check leaves the old file or the new one, never half of one.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, serialize(value));
  renameSync(temporary, file);
}

/** Parses the jobs on worker threads, one per available core. */
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

/** Parses the jobs, on worker threads when there are many (`threshold`). */
function parseJobs(root: string, jobs: VerdictJob[], threshold: number): Promise<FileVerdict[]> | FileVerdict[] {
  return jobs.length >= threshold ? parseOnWorkers(root, jobs) : jobs.map((job) => verdictOf(root, job));
}

/** Parses the jobs with their texts as committed (Git's objects, never the work tree), chunk by chunk. */
async function parseCommitted(root: string, jobs: VerdictJob[], threshold: number): Promise<FileVerdict[]> {
  const results: FileVerdict[] = [];
  for (let at = 0; at < jobs.length; at += COMMITTED_CHUNK) {
    const chunk = jobs.slice(at, at + COMMITTED_CHUNK);
    const blobs = chunk.filter((job) => !job.blob.startsWith('link:'));
    const texts = readBlobsSync(
      root,
      blobs.map((job) => job.blob),
    );
    const textOf = new Map(blobs.map((job, index) => [job, texts[index]]));
    const withTexts = chunk.map((job): VerdictJob => ({ ...job, committed: job.blob.startsWith('link:') ? 'link' : { text: textOf.get(job) ?? '' } }));
    results.push(...(await parseJobs(root, withTexts, jobs.length >= threshold ? 0 : Number.POSITIVE_INFINITY)));
  }
  return results;
}

/**
 * The paths `git status` shows (staged, unstaged, untracked; both sides of nothing, renames are off).
 * Asked for the whole work tree, not `-- tickets`: with a pathspec Git does not use its untracked cache,
 * which takes the untracked scan at 165,000 tickets from ~5 s to ~0.5 s. The untracked cache is turned on
 * for this command only, unless the repository sets core.untrackedCache itself; Git checks directory
 * mtimes before trusting it.
 */
function dirtyPaths(root: string): Promise<string[]> {
  const configured = runGit(root, ['config', '--get', 'core.untrackedCache'], { allowFailure: true }).status === 0;
  const args = [...(configured ? [] : ['-c', 'core.untrackedCache=true']), 'status', '--porcelain=v1', '-z', '--no-renames', '--untracked-files=all', '--ignore-submodules=all'];
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } }, (error, stdout) => {
      if (error) reject(new GitgusError('E_GIT', `git status failed: ${error.message}`, { cause: error }));
      // `XY <path>`
      else
        resolve(
          stdout
            .split('\0')
            .filter((entry) => entry.length > 3)
            .map((entry) => entry.slice(3)),
        );
    });
  });
}

/**
 * Edits `git status` shows in the few files besides the tickets that the check reads (helpdesk.yml,
 * units/): cheap with a pathspec, since Git then looks at those paths only. `--committed` checks the
 * tickets as committed and these from the work tree, so it is only taken when they equal HEAD.
 */
export function nonTicketEdits(root: string): string[] {
  const result = runGit(root, ['status', '--porcelain=v1', '-z', '--no-renames', '--untracked-files=all', '--', SETTINGS_FILE, UNITS_DIR], { allowFailure: true });
  if (result.status !== 0) return ['(git status failed)'];
  return result.stdout
    .split('\0')
    .filter((entry) => entry.length > 3)
    .map((entry) => entry.slice(3));
}

/** Shard folder → tree id in HEAD (empty when there is no HEAD or no tickets/). */
function headShards(root: string): Map<string, string> {
  const shards = new Map<string, string>();
  const listed = runGit(root, ['ls-tree', '-z', 'HEAD', `${TICKETS_DIR}/`], { allowFailure: true });
  if (listed.status !== 0) return shards;
  for (const entry of listed.stdout.split('\0')) {
    // `<mode> <type> <id>\t<path>`
    const tab = entry.indexOf('\t');
    const [, type, id] = entry.slice(0, tab).split(' ');
    if (type === 'tree' && id) shards.set(entry.slice(tab + 1), id);
  }
  return shards;
}

const TICKET_FILE = /^tickets\/([^/]+)\/([^/]+)\/(.+)$/;
const shardOfPath = (repoPath: string) => /^tickets\/[^/]+(?=\/)/.exec(repoPath)?.[0];
const isMessage = (name: string) => name.startsWith('messages/') && !name.slice(9).includes('/') && isDataFile(name.slice(9));
const folderNumber = (folder: string) => Number(folder.split('/')[2]);

/** Ticket folder → its files (relative path → blob), from a listing of repository paths. */
function foldersOf(listing: Map<string, string>, shards: Set<string>): Map<string, Map<string, string>> {
  const folders = new Map<string, Map<string, string>>();
  for (const [repoPath, blob] of listing) {
    const match = TICKET_FILE.exec(repoPath);
    if (!match) continue;
    if (!shards.has(`${TICKETS_DIR}/${match[1]}`)) continue;
    const folder = `${TICKETS_DIR}/${match[1]}/${match[2]}`;
    let files = folders.get(folder);
    if (!files) folders.set(folder, (files = new Map<string, string>()));
    files.set(match[3] as string, blob);
  }
  return folders;
}

/** One ticket folder's summary from its files' verdicts (the rules of the loaders in lib/store/load.ts). */
function summarize(folder: string, files: Map<string, string>, verdictOf: (key: string) => FileVerdict): FolderSummary {
  const indexBlob = files.get('index.md');
  if (indexBlob === undefined) return { folder, messages: 0, problems: [{ code: 'E_MISSING_FILE', file: folder, message: 'ticket folder has no index.md', hint: 'Restore index.md from Git history or remove the folder.' }] };
  const index = verdictOf(`${indexBlob}:${folder}/index.md`);
  const problems = [...index.problems];
  if (!index.ticket) return { folder, messages: 0, problems };
  const fileNames: string[] = [];
  const withAttachments: NonNullable<TicketEntry['messages']> = [];
  let messages = 0;
  for (const name of [...files.keys()].sort()) {
    if (name.startsWith('files/')) fileNames.push(name.slice(6));
    if (!isMessage(name)) continue;
    const messageName = name.slice(9);
    const messagePath = `${folder}/${name}`;
    if (!MESSAGE_FILE_PATTERN.test(messageName)) problems.push({ code: 'E_MESSAGE_NAME', file: messagePath, message: 'message file name must look like 20261127T101500Z-3f9a2c1b.md (time, then a key)' });
    const verdict = verdictOf(`${files.get(name) as string}:${messagePath}`);
    problems.push(...verdict.problems);
    if (!verdict.attachments) continue;
    messages += 1;
    // Only messages that list attachments matter to the whole-tree rules; the rest are counted.
    if (verdict.attachments.length > 0) withAttachments.push({ file: messageName, message: { attachments: verdict.attachments.map((file) => ({ file })) } });
  }
  return { folder, messages, problems, entry: { ticket: index.ticket, path: `${folder}/index.md`, messages: withAttachments, files: withAttachments.length > 0 ? fileNames : [] } };
}

interface CheckFilesOptions {
  /** Parse on worker threads from this many files on (default 2,000). */
  workerThreshold?: number;
  /**
   * Check the ticket files as committed in HEAD (CI's fresh checkout of a commit) instead of the work tree:
   * no `git status` (at 165,000 tickets the lstat of ~990,000 files), changed shards listed with
   * `git ls-tree` and their files read from Git's objects, so the verdicts are HEAD's and nothing in the
   * work tree can enter the cache. Uncommitted edits under tickets/ are not looked at.
   */
  committed?: boolean;
}

/**
 * Every ticket's verdict for `gitgus check`, from the cache where the content is known. Undefined when the
 * helpdesk is not the top of a Git work tree (the caller then reads every file, lib/store/load.ts).
 */
export async function checkTicketFiles(root: string, schemaKey: string, options: CheckFilesOptions = {}): Promise<TicketFilesCheck | undefined> {
  const dir = cacheDir(root);
  const prefix = runGit(root, ['rev-parse', '--show-prefix'], { allowFailure: true });
  // The helpdesk must be the top of its work tree: paths below are relative to it.
  if (!dir || prefix.status !== 0 || prefix.stdout.trim() !== '') return undefined;
  // `git status` runs while the cache is read.
  const committed = options.committed === true;
  const dirtyPromise = committed ? Promise.resolve([]) : dirtyPaths(root);
  const summaryFile = path.join(dir, 'summaries.v8');
  const stored = readV8<SummaryFile>(summaryFile);
  const valid = stored?.version === CACHE_VERSION && stored.key === schemaKey;
  const trees = new Map<string, FolderSummary[]>(valid ? stored.trees : []);
  const latest = new Map<string, string>(valid ? stored.latest : []);
  const loose = new Map<string, FileVerdict>(valid ? stored.loose : []);
  const head = headShards(root);
  const dirty = new Set<string>();
  for (const file of await dirtyPromise) {
    const shard = shardOfPath(file);
    if (shard) dirty.add(shard);
  }

  // Shards taken whole, and shards to list file by file (changed in the work tree, or a tree not seen yet).
  const summaries = new Map<string, FolderSummary[]>();
  const toList: string[] = [];
  for (const [shard, tree] of head) {
    const known = dirty.has(shard) ? undefined : trees.get(tree);
    if (known) summaries.set(shard, known);
    else toList.push(shard);
  }
  for (const shard of dirty) if (!head.has(shard)) toList.push(shard);

  let parsed = 0;
  let reusedFiles = 0;
  const newLoose = new Map<string, FileVerdict>();
  const newDetails = new Map<string, Map<string, FileVerdict>>();
  if (toList.length > 0) {
    const listed = new Set(toList);
    // Many shards (a cold check): one listing of tickets/ is cheaper than one pathspec per shard.
    const prefixes = toList.length > 16 ? [TICKETS_DIR] : toList;
    const listing = committed ? listCommittedFilesWithBlobs(root, 'HEAD', prefixes) : (listFilesWithBlobs(root, prefixes) ?? new Map<string, string>());
    const folders = foldersOf(listing, listed);
    // Known verdicts: the detail files of the shards' last trees, and the loose ones.
    const known = new Map<string, FileVerdict>(loose);
    for (const shard of toList) {
      const tree = latest.get(shard);
      const detail = tree === undefined ? undefined : readV8<DetailFile>(path.join(dir, `tree-${tree}.v8`));
      if (detail?.version === CACHE_VERSION && detail.key === schemaKey) for (const [key, verdict] of detail.verdicts) known.set(key, verdict);
    }
    const wanted: VerdictJob[] = [];
    for (const [folder, files] of folders) {
      for (const [name, blob] of files) {
        const kind = name === 'index.md' ? 'ticket' : isMessage(name) ? 'message' : undefined;
        if (kind && !known.has(`${blob}:${folder}/${name}`)) wanted.push({ path: `${folder}/${name}`, blob, kind });
      }
    }
    const threshold = options.workerThreshold ?? WORKER_THRESHOLD;
    const fresh = committed ? await parseCommitted(root, wanted, threshold) : await parseJobs(root, wanted, threshold);
    const freshKeys = new Set<string>();
    wanted.forEach((job, index) => {
      known.set(`${job.blob}:${job.path}`, fresh[index] as FileVerdict);
      freshKeys.add(`${job.blob}:${job.path}`);
    });
    parsed = wanted.length;

    const byShard = new Map<string, [string, Map<string, string>][]>(toList.map((shard) => [shard, []]));
    for (const [folder, files] of folders) byShard.get(shardOfPath(`${folder}/`) as string)?.push([folder, files]);
    for (const [shard, shardFolders] of byShard) {
      const used = new Map<string, FileVerdict>();
      const lookup = (key: string) => {
        const verdict = known.get(key) as FileVerdict;
        used.set(key, verdict);
        return verdict;
      };
      const shardSummary = shardFolders.map(([folder, files]) => summarize(folder, files, lookup));
      summaries.set(shard, shardSummary);
      for (const key of used.keys()) if (!freshKeys.has(key)) reusedFiles += 1;
      const tree = head.get(shard);
      if (tree !== undefined && !dirty.has(shard)) {
        // The work tree is HEAD's tree here: the summary and the verdicts belong to that tree id.
        trees.set(tree, shardSummary);
        newDetails.set(tree, used);
        latest.set(shard, tree);
      } else {
        // Changed in the work tree: only its verdicts are kept (loose), the summary has no tree id.
        for (const [key, verdict] of used) newLoose.set(key, verdict);
      }
    }
  }

  // Every ticket folder in number order (as the loaders read them), then the problems in that order.
  const all = [...summaries.values()].flat().sort((a, b) => folderNumber(a.folder) - folderNumber(b.folder) || a.folder.localeCompare(b.folder));
  const problems: Problem[] = [];
  const tickets: CheckInput['tickets'] = [];
  let messages = 0;
  for (const summary of all) {
    problems.push(...summary.problems);
    if (summary.entry) tickets.push(summary.entry);
    messages += summary.messages;
  }
  let wholeShardFiles = 0;
  for (const [shard, list] of summaries) if (!toList.includes(shard)) for (const summary of list) wholeShardFiles += (summary.entry ? 1 : 0) + summary.messages;

  // Write back only what exists now: trees of HEAD's shards, their details, the loose verdicts of dirty
  // files. Nothing grows with deleted tickets or old commits.
  if (toList.length > 0 || !valid) {
    const keepTrees = new Set<string>();
    for (const tree of head.values()) if (trees.has(tree)) keepTrees.add(tree);
    for (const shard of [...latest.keys()]) if (!head.has(shard) && !dirty.has(shard)) latest.delete(shard);
    for (const [tree, verdicts] of newDetails) writeV8(path.join(dir, `tree-${tree}.v8`), { version: CACHE_VERSION, key: schemaKey, verdicts: [...verdicts] } satisfies DetailFile);
    const latestTrees = new Set(latest.values());
    // A committed check saw no work-tree edits: the loose verdicts of the last work-tree check stay.
    const keepLoose = committed ? loose : newLoose;
    writeV8(summaryFile, { version: CACHE_VERSION, key: schemaKey, trees: [...trees].filter(([tree]) => keepTrees.has(tree)), latest: [...latest], loose: [...keepLoose] } satisfies SummaryFile);
    for (const name of readdirSync(dir)) {
      const tree = /^tree-([0-9a-f]+)\.v8$/.exec(name)?.[1];
      if (tree && !latestTrees.has(tree)) rmSync(path.join(dir, name), { force: true });
    }
  }
  return { tickets, messages, problems, reused: reusedFiles + wholeShardFiles, parsed, shardsReused: head.size - toList.filter((shard) => head.has(shard)).length, shardsListed: toList.length };
}
