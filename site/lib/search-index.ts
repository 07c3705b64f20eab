/**
 * The search index, split by ticket-number range so a change re-indexes only the ranges it touches.
 *
 * Pagefind has no incremental indexing (pagefind#71) and each added record is compared with every earlier
 * one (O(N²)); one index per range of SEARCH_RANGE numbers keeps both small. Each range is fed from the
 * prepared pages (site/lib/ticket-prepare.ts: the same sanitized text the ticket page shows) with
 * `addCustomRecord`, in number order, so the same tickets give the same bytes. A range's key is a hash of
 * its tickets' page keys (site/lib/page-keys.ts); a range whose key did not change keeps its files. The
 * browser joins the ranges with Pagefind's `mergeIndex` (site/scripts/search.ts), reading their list from
 * `pagefind/ranges.json`. Ranges that no longer exist, and the old files of a re-indexed range, are
 * removed (Pagefind's writer never deletes).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GitgusError } from '../../lib/errors.ts';
import type { SearchRange, SiteManifest } from './manifest.ts';
import { preparedPath, type PreparedPage } from './ticket-prepare.ts';

/** Ticket numbers per index: about 10,000 tickets, which Pagefind indexes in seconds. */
const SEARCH_RANGE = 10_000;
/** Bump when what a record holds changes: every range is indexed again. */
const RECORD_VERSION = 1;
/** Pagefind files the site does not use (it has its own search page). */
const UNUSED = /^pagefind-(ui|component-ui|modular-ui|highlight)\b/;
const TICKET_PAGE = /^\/tickets\/(\d+)\/?$/;

interface SearchResult {
  /** Tickets indexed (in every range). */
  records: number;
  ranges: number;
  /** Ranges indexed again by this build. */
  indexed: number;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'", '&nbsp;': ' ' };

/** The text of sanitized HTML (site/lib/markdown.ts makes only plain elements and these entities). */
function htmlText(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(?:amp|lt|gt|quot|#39|#x27|nbsp);/g, (entity) => ENTITIES[entity] ?? entity)
    .replace(/\s+/g, ' ')
    .trim();
}

/** One ticket's search record: what its page shows in its conversation, as text. */
function ticketRecord(prepared: PreparedPage, url: string): { url: string; content: string; language: string; meta: Record<string, string> } {
  const ticket = prepared.page.ticket;
  const texts = [ticket.title, prepared.request.html, prepared.request.folded ?? ''];
  for (const message of prepared.messages) texts.push(message.author, message.text.html, message.text.folded ?? '');
  if (prepared.solution) texts.push(prepared.solution.html);
  return {
    url,
    content: texts
      .map(htmlText)
      .filter((text) => text !== '')
      .join('\n'),
    language: 'en',
    meta: { number: `#${ticket.number}`, title: ticket.title },
  };
}

function rangeOf(number: number): number {
  return Math.floor(number / SEARCH_RANGE) * SEARCH_RANGE;
}

function filesUnder(dir: string, prefix: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const relative = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...filesUnder(path.join(dir, entry.name), relative));
    else out.push(relative);
  }
  return out.sort();
}

/**
 * Brings `<out>/pagefind/` up to date with the built pages: re-indexes the ranges whose tickets' keys
 * changed, removes ranges that are gone, and returns the ranges to record in the manifest.
 */
export async function updateSearchIndex(root: string, outDir: string, base: string, manifest: SiteManifest): Promise<{ ranges: SearchRange[]; result: SearchResult }> {
  const byRange = new Map<number, { number: number; key: string }[]>();
  for (const [pathname, page] of Object.entries(manifest.pages)) {
    const match = TICKET_PAGE.exec(pathname);
    if (!match) continue;
    const number = Number(match[1]);
    let list = byRange.get(rangeOf(number));
    if (!list) byRange.set(rangeOf(number), (list = []));
    list.push({ number, key: page.key ?? '' });
  }
  const previous = new Map((manifest.search ?? []).map((range) => [range.from, range]));
  const folder = path.join(outDir, 'pagefind');
  const ranges: SearchRange[] = [];
  const stale: { from: number; tickets: { number: number; key: string }[]; key: string }[] = [];
  let records = 0;
  for (const from of [...byRange.keys()].sort((a, b) => a - b)) {
    const tickets = (byRange.get(from) ?? []).sort((a, b) => a.number - b.number);
    records += tickets.length;
    const hash = createHash('sha256').update(`records ${RECORD_VERSION}\0${base}\0`);
    for (const ticket of tickets) hash.update(`${ticket.number}\0${ticket.key}\0`);
    const key = hash.digest('hex').slice(0, 32);
    const known = previous.get(from);
    if (known && known.key === key && known.files.every((file) => existsSync(path.join(outDir, file)))) ranges.push(known);
    else stale.push({ from, tickets, key });
  }
  // Ranges that are gone, and the old files of ranges indexed again.
  const keep = new Set(ranges.map((range) => String(range.from)));
  if (existsSync(folder)) {
    for (const name of readdirSync(folder)) if (!keep.has(name)) rmSync(path.join(folder, name), { recursive: true, force: true });
  }
  if (stale.length > 0) {
    const pagefind = await import('pagefind');
    try {
      for (const range of stale) {
        const { index, errors } = await pagefind.createIndex({ forceLanguage: 'en' });
        if (!index) throw new GitgusError('E_SEARCH_INDEX', `Pagefind could not start: ${errors.join('; ')}`);
        // In number order, one after the other: Pagefind numbers pages in the order they arrive.
        for (const ticket of range.tickets) {
          const prepared = JSON.parse(readFileSync(preparedPath(root, ticket.number), 'utf8')) as PreparedPage;
          const added = await index.addCustomRecord(ticketRecord(prepared, `${base}tickets/${ticket.number}/`));
          if (added.errors.length > 0) throw new GitgusError('E_SEARCH_INDEX', `Pagefind could not index #${ticket.number}: ${added.errors.join('; ')}`);
        }
        const target = path.join(folder, String(range.from));
        const written = await index.writeFiles({ outputPath: target });
        if (written.errors.length > 0) throw new GitgusError('E_SEARCH_INDEX', `Pagefind could not write its index: ${written.errors.join('; ')}`);
        await index.deleteIndex();
        for (const name of readdirSync(target)) if (UNUSED.test(name)) rmSync(path.join(target, name), { force: true });
        ranges.push({ from: range.from, key: range.key, files: filesUnder(target, `pagefind/${range.from}`) });
      }
    } finally {
      await pagefind.close();
    }
  }
  ranges.sort((a, b) => a.from - b.from);
  mkdirSync(folder, { recursive: true });
  // The browser's list of ranges, newest first so the first index loaded holds the recent tickets.
  writeFileSync(path.join(folder, 'ranges.json'), `${JSON.stringify({ ranges: ranges.map((range) => `${base}pagefind/${range.from}/`).reverse() })}\n`);
  return { ranges, result: { records, ranges: ranges.length, indexed: stale.length } };
}
