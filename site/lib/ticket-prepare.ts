/**
 * The expensive part of a ticket, done once per content change: read its files, parse them with the
 * core parsers, project them to public, and render every text through the sanitizing pipeline. The
 * summary goes into Astro's data store; the rendered page goes into a JSON file per ticket in the
 * helpdesk's cache folder, keyed by a digest of the ticket's files, so a rebuild after one ticket changed
 * renders one ticket's Markdown, and no build holds every body in memory at once.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseMessage, parseTicket, type MessageDoc } from '../../lib/core/documents.ts';
import { GitgusError, ValidationError, type Problem } from '../../lib/errors.ts';
import { shardOf } from '../../lib/core/paths.ts';
import { isDataFile, readText } from '../../lib/store/load.ts';
import { listFolder } from './files.ts';
import { resolveInside } from '../../lib/fs/paths.ts';
import { blobId } from '../../lib/git/tree-listing.ts';
import type { TicketTextRenderer } from './markdown.ts';
import type { AddressPolicy } from '../../lib/core/privacy.ts';
import { publicTicketPage, type PublicAttachment, type PublicMessage, type PublicTicket, type PublicTicketPage } from './public.ts';

interface TicketSource {
  /** Repository path of the ticket folder. */
  folder: string;
  index: string;
  /** Message file name → text, in name (time) order. */
  messages: [string, string][];
}

/** Reads one ticket folder's text files (IO only). */
export function readTicketSource(root: string, folder: string): TicketSource {
  const index = readText(root, `${folder}/index.md`);
  const messages = listFolder(root, `${folder}/messages`)
    .filter(isDataFile)
    .map((name): [string, string] => [name, readText(root, `${folder}/messages/${name}`)]);
  return { folder, index, messages };
}

/** Parses a ticket folder with the core parsers; throws ValidationError naming the file. */
function parseTicketSource(source: TicketSource) {
  const doc = parseTicket(source.index, `${source.folder}/index.md`);
  const messages: MessageDoc[] = source.messages.map(([name, text]) => parseMessage(text, `${source.folder}/messages/${name}`));
  return { doc, messages };
}

/**
 * A digest of everything a ticket's pages depend on: the Git blob id of every file of its folder (index,
 * messages, attachments; paths relative to the folder, in name order) and the rendering's inputs. Blob
 * ids come from Git's index when the helpdesk is a Git checkout (lib/git/tree-listing.ts), so unchanged
 * tickets are known without reading them; otherwise from the files' bytes, which gives the same ids.
 */
export function ticketDigest(files: readonly (readonly [string, string])[], salt: string): string {
  const hash = createHash('sha256').update(salt);
  for (const [name, blob] of [...files].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) hash.update('\0').update(name).update('\0').update(blob);
  return hash.digest('hex').slice(0, 32);
}

/** Every file of a ticket folder (relative path → blob id), read from disk: the digest without Git. */
function folderBlobs(root: string, folder: string): [string, string][] {
  const out: [string, string][] = [];
  const walk = (relative: string) => {
    const dir = resolveInside(root, relative === '' ? folder : `${folder}/${relative}`);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      // Like Git's index: regular files only, and never through a symbolic link.
      if (entry.isFile()) out.push([child, blobId(readFileSync(path.join(dir, entry.name)))]);
      else if (entry.isDirectory()) walk(child);
    }
  };
  walk('');
  return out;
}

/** Site modules that shape a prepared page besides every module of lib/core (parsers, schemas, privacy). */
const SITE_PAGE_MODULES = ['./markdown.ts', './public.ts', './ticket-prepare.ts', './files.ts', '../../lib/store/load.ts'];

/**
 * Every module whose source decides what a prepared page contains: all of lib/core — a schema, a parser or
 * the privacy rules can each change a page — and the site's rendering modules. Listed, not guessed from
 * imports, so a module added to lib/core is covered without anyone remembering to add it here.
 */
export function pageShapingModules(): URL[] {
  const core = new URL('../../lib/core/', import.meta.url);
  const coreFiles = (readdirSync(core, { recursive: true }) as string[])
    .map((file) => file.split(path.sep).join('/'))
    .filter((file) => file.endsWith('.ts'))
    .sort()
    .map((file) => new URL(file, core));
  return [...SITE_PAGE_MODULES.map((name) => new URL(name, import.meta.url)), ...coreFiles];
}

/**
 * The salt of every digest: the visible addresses and the source of every page-shaping module, so changing
 * the rendering, a schema or the intake addresses prepares every ticket again and no cached page outlives
 * the code that made it. Each module's name goes in too, so moving code between files changes the salt.
 */
export function renderSalt(policy: AddressPolicy, modules: URL[] = pageShapingModules(), read: (module: URL) => Buffer = (module) => readFileSync(module)): string {
  const hash = createHash('sha256').update([...policy.visible].sort().join(','));
  for (const module of modules) {
    hash
      .update('\0')
      .update(module.pathname.slice(module.pathname.lastIndexOf('/lib/')))
      .update('\0')
      .update(read(module));
  }
  return hash.digest('hex');
}

/** Rendered text: what is shown, and the quoted history or signature shown folded. */
interface RenderedText {
  html: string;
  folded?: string;
}

interface RenderedMessage extends Omit<PublicMessage, 'body'> {
  text: RenderedText;
  staff: boolean;
}

/** A ticket page's content with its texts rendered: what the JSON cache holds. */
export interface PreparedPage {
  digest: string;
  page: Omit<PublicTicketPage, 'request' | 'messages' | 'solution'>;
  request: RenderedText;
  requestAttachments: PublicAttachment[];
  messages: RenderedMessage[];
  solution?: { qualifier: string; html: string };
}

/** Splits Markdown at a 1-based line: the part before is shown, the rest folded. */
function splitAtLine(markdown: string, foldFrom: number | undefined): { shown: string; folded?: string } {
  if (foldFrom === undefined) return { shown: markdown };
  const lines = markdown.split('\n');
  if (foldFrom <= 1 || foldFrom > lines.length) return { shown: markdown };
  const folded = lines.slice(foldFrom - 1).join('\n');
  return folded.trim() === '' ? { shown: markdown } : { shown: lines.slice(0, foldFrom - 1).join('\n'), folded };
}

function renderFolded(render: TicketTextRenderer, markdown: string, foldFrom: number | undefined): RenderedText {
  const { shown, folded } = splitAtLine(markdown, foldFrom);
  const text: RenderedText = { html: render(shown) };
  if (folded !== undefined) text.folded = render(folded);
  return text;
}

/** Parses, projects and renders one ticket: its public summary and its prepared page. */
export function prepareTicket(source: TicketSource, digest: string, policy: AddressPolicy, render: TicketTextRenderer): { summary: PublicTicket; prepared: PreparedPage } {
  const { doc, messages } = parseTicketSource(source);
  const page = publicTicketPage(doc, messages, policy);
  const prepared: PreparedPage = {
    digest,
    page: { ticket: page.ticket, requestAttachments: page.requestAttachments },
    request: renderFolded(render, page.request, page.requestFoldFrom),
    requestAttachments: page.requestAttachments,
    messages: page.messages.map((m) => {
      const { body, ...rest } = m;
      return { ...rest, text: renderFolded(render, body, m.foldFrom), staff: m.role === 'supporter' || m.role === 'tpm' };
    }),
  };
  if (page.solution) prepared.solution = { qualifier: page.solution.qualifier, html: render(page.solution.text) };
  return { summary: { ...page.ticket, digest }, prepared };
}

/** One ticket for the loader: where it is, and the digest its prepared page had in the last build. */
export interface PrepareJob {
  folder: string;
  number: number;
  known: string | undefined;
  /** The digest from Git's blob ids; absent without Git (the files are then read and hashed). */
  digest?: string;
}

type PrepareOutcome = { kind: 'unchanged' } | { kind: 'prepared'; summary: PublicTicket };

/**
 * Reads a ticket, and prepares it unless its files and the rendering are what the last build prepared
 * (same digest, cache file present). Runs on worker threads, so reading and hashing 60,000 files for
 * 10,000 tickets is spread over every core too. Throws ValidationError or GitgusError for a bad ticket.
 */
function prepareJob(root: string, job: PrepareJob, salt: string, policy: AddressPolicy, render: TicketTextRenderer): PrepareOutcome {
  const digest = job.digest ?? ticketDigest(folderBlobs(root, job.folder), salt);
  if (job.known === digest && existsSync(preparedPath(root, job.number))) return { kind: 'unchanged' };
  const source = readTicketSource(root, job.folder);
  const { summary, prepared } = prepareTicket(source, digest, policy, render);
  writePrepared(root, job.number, prepared);
  return { kind: 'prepared', summary };
}

/** What a batch of jobs gives back: summaries of changed tickets, numbers of unchanged ones, problems. */
export interface BatchResult {
  done: { number: number; summary: PublicTicket }[];
  unchanged: number[];
  problems: Problem[];
}

/** Runs a batch of jobs; a bad ticket becomes problems and the batch goes on. Workers and small builds alike. */
export function prepareBatch(root: string, jobs: readonly PrepareJob[], salt: string, policy: AddressPolicy, render: TicketTextRenderer): BatchResult {
  const result: BatchResult = { done: [], unchanged: [], problems: [] };
  for (const job of jobs) {
    try {
      const outcome = prepareJob(root, job, salt, policy, render);
      if (outcome.kind === 'unchanged') result.unchanged.push(job.number);
      else result.done.push({ number: job.number, summary: outcome.summary });
    } catch (error) {
      result.problems.push(...preparationProblems(error, job.folder));
    }
  }
  return result;
}

/** What a failed preparation tells the build: the ticket's problems, or why it could not be read. */
function preparationProblems(error: unknown, folder: string): Problem[] {
  if (error instanceof ValidationError) return error.problems;
  if (error instanceof GitgusError) return [{ code: error.code, file: folder, message: error.message }];
  return [{ code: 'E_SITE_BUILD', file: folder, message: `could not be prepared: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` }];
}

/** Where a ticket's prepared page is cached: `<helpdesk>/.astro/gitgus/pages/<shard>/<number>.json`. */
export function preparedPath(root: string, number: number): string {
  return path.join(root, '.astro', 'gitgus', 'pages', String(shardOf(number)), `${number}.json`);
}

/**
 * Deletes the cached pages of tickets that are gone (deleted or renumbered), so the cache never grows
 * with them. Returns how many were deleted.
 */
export function prunePrepared(root: string, present: ReadonlySet<string>): number {
  const base = path.join(root, '.astro', 'gitgus', 'pages');
  if (!existsSync(base)) return 0;
  let pruned = 0;
  for (const shard of readdirSync(base)) {
    const folder = path.join(base, shard);
    for (const name of readdirSync(folder)) {
      if (present.has(name.replace(/\.json$/, ''))) continue;
      rmSync(path.join(folder, name), { force: true });
      pruned += 1;
    }
  }
  return pruned;
}

const madeFolders = new Set<string>();

function writePrepared(root: string, number: number, prepared: PreparedPage): void {
  const file = preparedPath(root, number);
  const folder = path.dirname(file);
  if (!madeFolders.has(folder)) {
    mkdirSync(folder, { recursive: true });
    madeFolders.add(folder);
  }
  // Written in place (a rename per file doubled the cost): a file cut short by a stopped build fails to
  // parse or carries another digest, and readPrepared then prepares the ticket again.
  writeFileSync(file, JSON.stringify(prepared));
}

/** The cached page when it exists and matches the digest. */
export function readPrepared(root: string, number: number, digest: string): PreparedPage | undefined {
  const file = preparedPath(root, number);
  if (!existsSync(file)) return undefined;
  try {
    const prepared = JSON.parse(readFileSync(file, 'utf8')) as PreparedPage;
    return prepared.digest === digest ? prepared : undefined;
  } catch {
    return undefined;
  }
}
