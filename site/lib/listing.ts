/**
 * Queue and archive listings as pre-built pages, so filtering, sorting and paging work without
 * JavaScript: one page set per facet value (status, priority, unit, VO, site, type), each in every sort
 * order, paginated. The queue script only makes the same choices faster and combinable. Pure.
 */
import { shortHash } from '../../lib/core/paths.ts';
import { PRIORITIES, STATUSES, TICKET_TYPES } from '../../lib/core/schema/ticket.ts';
import type { ViewTicket } from './view.ts';
import { SORTS, compareFor, type Sort } from './order.ts';

const PAGE_SIZE = 50;

export const FACETS = ['status', 'priority', 'unit', 'vo', 'site', 'type'] as const;
type Facet = (typeof FACETS)[number];
export const FACET_LABELS: Record<Facet, string> = { status: 'Status', priority: 'Priority', unit: 'Support unit', vo: 'VO', site: 'Site', type: 'Type' };

export { SORTS, type Sort };
export const SORT_LABELS: Record<Sort, string> = { priority: 'Priority', newest: 'Newest', oldest: 'Oldest', updated: 'Last change' };
export const DEFAULT_SORT: Sort = 'priority';

const VOCABULARY: ReadonlySet<string> = new Set<string>([...STATUSES, ...PRIORITIES]);

const SAFE_SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,80}$/;

/**
 * A value as a URL segment. Words of the fixed vocabulary join with hyphens (`in progress` →
 * `in-progress`); free text (site names from mail) stays as it is when already safe and otherwise gets a
 * hash, so two different values never share a page.
 */
export function slug(value: string): string {
  if (SAFE_SEGMENT.test(value)) return value;
  if (VOCABULARY.has(value)) return value.replace(/ /g, '-');
  return `${value.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40)}-${shortHash(value)}`;
}

/** A facet is the ticket field of the same name. */
function facetValue(ticket: ViewTicket, facet: Facet): string | undefined {
  return ticket[facet];
}

const FIXED_ORDER: Partial<Record<Facet, readonly string[]>> = { status: STATUSES, priority: [...PRIORITIES].reverse(), type: TICKET_TYPES };

/** The values a facet takes in `tickets`, with counts, in a natural order. */
export function facetValues(tickets: readonly ViewTicket[], facet: Facet): { value: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const ticket of tickets) {
    const value = facetValue(ticket, facet);
    if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  const order = FIXED_ORDER[facet];
  const values = [...counts.keys()].sort(order ? (a, b) => order.indexOf(a) - order.indexOf(b) : (a, b) => a.localeCompare(b));
  return values.map((value) => ({ value, count: counts.get(value) ?? 0 }));
}

export function sortTickets(tickets: readonly ViewTicket[], sort: Sort): ViewTicket[] {
  return [...tickets].sort(compareFor(sort));
}

export interface ListingFilter {
  facet: Facet;
  value: string;
}

/** The URL path (below the site base) of a queue listing page. */
export function queuePath(filter: ListingFilter | undefined, sort: Sort = DEFAULT_SORT, page = 1): string {
  const parts = ['queue'];
  if (filter) parts.push(filter.facet, slug(filter.value));
  if (sort !== DEFAULT_SORT) parts.push('sort', sort);
  if (page > 1) parts.push(String(page));
  return `${parts.join('/')}/`;
}

/**
 * The archive is cut into stable buckets of ticket numbers, not pages by offset: a ticket closing today
 * changes the one bucket it belongs to, so an incremental build renders one archive page (with pages by
 * offset every page after it shifted). Buckets of all units hold 1,000 numbers, a unit's 10,000.
 */
const ARCHIVE_BUCKET = 1_000;
const UNIT_ARCHIVE_BUCKET = 10_000;

/** The URL path of the archive (all units or one), or of one of its buckets (by its first number). */
export function archivePath(unit: string | undefined, bucket?: number): string {
  const parts = ['archive'];
  if (unit) parts.push('unit', slug(unit));
  if (bucket !== undefined) parts.push(String(bucket));
  return `${parts.join('/')}/`;
}

export interface ListingPage {
  /** Route parameter for `[...path]` (undefined for the listing's root). */
  path: string | undefined;
  filter?: ListingFilter;
  sort: Sort;
  page: number;
  pages: number;
  total: number;
  tickets: ViewTicket[];
}

function paginate(tickets: readonly ViewTicket[], size: number): ViewTicket[][] {
  const pages: ViewTicket[][] = [];
  for (let i = 0; i < tickets.length; i += size) pages.push(tickets.slice(i, i + size));
  return pages.length > 0 ? pages : [[]];
}

const stripQueue = (path: string) => path.replace(/^queue\/?/, '').replace(/\/$/, '') || undefined;

/** Every queue page: all open tickets and each facet value, in every sort order, paginated. */
export function queuePages(open: readonly ViewTicket[]): ListingPage[] {
  const out: ListingPage[] = [];
  const groups: { filter?: ListingFilter; tickets: readonly ViewTicket[] }[] = [{ tickets: open }];
  for (const facet of FACETS) {
    for (const { value } of facetValues(open, facet)) groups.push({ filter: { facet, value }, tickets: open.filter((t) => facetValue(t, facet) === value) });
  }
  for (const group of groups) {
    for (const sort of SORTS) {
      const pages = paginate(sortTickets(group.tickets, sort), PAGE_SIZE);
      pages.forEach((tickets, index) => {
        const page: ListingPage = { path: stripQueue(queuePath(group.filter, sort, index + 1)), sort, page: index + 1, pages: pages.length, total: group.tickets.length, tickets };
        if (group.filter) page.filter = group.filter;
        out.push(page);
      });
    }
  }
  return out;
}

/** A bucket of the archive: ticket numbers `from`…`to`. */
interface ArchiveBucket {
  from: number;
  to: number;
}

export interface ArchivePage {
  path: string | undefined;
  unit?: string;
  /** The bucket shown; the archive's root page shows the newest one. */
  bucket: ArchiveBucket;
  /** Every non-empty bucket of this archive, newest first (no counts: they would change every page). */
  buckets: ArchiveBucket[];
  /** On the root page only: how many closed tickets the archive has. */
  total?: number;
  tickets: ViewTicket[];
}

const stripArchive = (path: string) => path.replace(/^archive\/?/, '').replace(/\/$/, '') || undefined;

/** The closed-ticket archive in buckets of ticket numbers, newest first, for all units and per unit. */
export function archivePages(closed: readonly ViewTicket[], units: readonly string[]): ArchivePage[] {
  const out: ArchivePage[] = [];
  const groups: { unit?: string; size: number; tickets: readonly ViewTicket[] }[] = [{ size: ARCHIVE_BUCKET, tickets: closed }];
  for (const unit of units) groups.push({ unit, size: UNIT_ARCHIVE_BUCKET, tickets: closed.filter((t) => t.unit === unit) });
  for (const group of groups) {
    const byBucket = new Map<number, ViewTicket[]>();
    for (const ticket of sortTickets(group.tickets, 'newest')) {
      const from = Math.floor(ticket.number / group.size) * group.size;
      let list = byBucket.get(from);
      if (!list) byBucket.set(from, (list = []));
      list.push(ticket);
    }
    const buckets = [...byBucket.keys()].sort((a, b) => b - a).map((from) => ({ from, to: from + group.size - 1 }));
    const newest = buckets[0] ?? { from: 0, to: group.size - 1 };
    const root: ArchivePage = { path: stripArchive(archivePath(group.unit)), bucket: newest, buckets, total: group.tickets.length, tickets: byBucket.get(newest.from) ?? [] };
    if (group.unit) root.unit = group.unit;
    out.push(root);
    for (const bucket of buckets) {
      const page: ArchivePage = { path: stripArchive(archivePath(group.unit, bucket.from)), bucket, buckets, tickets: byBucket.get(bucket.from) ?? [] };
      if (group.unit) page.unit = group.unit;
      out.push(page);
    }
  }
  return out;
}

/** The units that have closed tickets, in name order: the archive's unit links. */
export function archiveUnits(tickets: readonly ViewTicket[]): string[] {
  return [...new Set(tickets.filter((t) => !t.open).map((t) => t.unit))].sort();
}
