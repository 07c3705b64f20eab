/**
 * Makes the queue faster with JavaScript: filters combine (status AND unit AND VO …), and answers come
 * from the queue export without loading a page. The chosen filters go into the address (?unit=…&vo=…),
 * so a filtered view can be bookmarked and shared. Ticket text is only ever set as text, never as HTML.
 */
import { colourClass, formatAge, formatDay } from '../lib/format.ts';
import { compareFor, SORTS, type Sort } from '../lib/order.ts';
import type { ExportDocument, ExportRow } from '../lib/exports.ts';
import { partOf, type SitePart } from '../../lib/core/site-parts.ts';

const FIELDS = ['status', 'priority', 'unit', 'vo', 'site', 'type'] as const;
type Field = (typeof FIELDS)[number];
const OPEN = new Set(['new', 'assigned', 'in progress', 'waiting for reply', 'on hold', 'reopened']);

document.documentElement.classList.add('js');

const form = document.querySelector<HTMLFormElement>('#queue-form');
const table = document.querySelector<HTMLTableElement>('#queue-table');
const status = document.querySelector<HTMLElement>('#queue-status');

let data: Promise<ExportDocument> | undefined;

function load(url: string): Promise<ExportDocument> {
  data ??= fetch(url).then((response) => {
    if (!response.ok) throw new Error(`queue export: HTTP ${response.status}`);
    return response.json() as Promise<ExportDocument>;
  });
  return data;
}

function cell(row: HTMLTableRowElement, label: string, className?: string): HTMLTableCellElement {
  const td = row.insertCell();
  td.dataset.label = label;
  if (className) td.className = className;
  return td;
}

function link(parent: HTMLElement, href: string, text: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  parent.append(a);
}

/** The site parts (helpdesk.yml `siteParts`) the queue form lists: a ticket in one links to that part. */
function partsOf(form: HTMLFormElement): SitePart[] {
  const list = JSON.parse(form.dataset.parts ?? '[]') as { from: number; to: number; base: string }[];
  return list.map((part) => ({ name: part.base, tickets: { from: part.from, to: part.to }, url: part.base, repository: '' }));
}

function render(rows: ExportRow[], base: string, now: Date, parts: SitePart[]): void {
  const body = table?.tBodies[0];
  if (!body) return;
  body.replaceChildren();
  for (const t of rows) {
    const tr = body.insertRow();
    tr.className = colourClass(t.colour);
    link(cell(tr, 'Ticket', 'number'), `${partOf(parts, t.number)?.url ?? base}tickets/${t.number}/`, `#${t.number}`);
    cell(tr, 'Title', 'title').textContent = t.subject;
    const state = document.createElement('span');
    state.className = OPEN.has(t.status) ? 'status open' : 'status';
    state.textContent = t.status;
    cell(tr, 'Status').append(state);
    const priority = cell(tr, 'Priority');
    const swatch = document.createElement('span');
    swatch.className = `swatch ${colourClass(t.colour)}`;
    swatch.title = `colour: ${t.colour}`;
    const hidden = document.createElement('span');
    hidden.className = 'visually-hidden';
    hidden.textContent = ` (${t.colour})`;
    priority.append(swatch, t.priority, hidden);
    link(cell(tr, 'Unit'), `${base}units/${t.unit}/`, t.unit);
    cell(tr, 'VO').textContent = t.vo || '–';
    cell(tr, 'Site').textContent = t.site || '–';
    const age = document.createElement('time');
    age.dateTime = t.created;
    age.textContent = formatAge(t.created, now);
    cell(tr, 'Age').append(age);
    const changed = document.createElement('time');
    changed.dateTime = t.lastUpdate;
    changed.textContent = formatDay(t.lastUpdate);
    cell(tr, 'Last change').append(changed);
  }
}

function chosen(): { filters: Partial<Record<Field, string>>; sort: Sort } {
  const filters: Partial<Record<Field, string>> = {};
  if (!form) return { filters, sort: 'priority' };
  const values = new FormData(form);
  for (const field of FIELDS) {
    const value = values.get(field);
    if (typeof value === 'string' && value !== '') filters[field] = value;
  }
  const sort = values.get('sort');
  return { filters, sort: typeof sort === 'string' && (SORTS as readonly string[]).includes(sort) ? (sort as Sort) : 'priority' };
}

async function apply(updateAddress: boolean): Promise<void> {
  if (!form || !table) return;
  const base = form.dataset.base ?? '/';
  const { filters, sort } = chosen();
  const doc = await load(form.dataset.json ?? `${base}exports/queue.json`);
  const rows = doc.tickets
    .filter((t) => FIELDS.every((field) => filters[field] === undefined || String(fieldOf(t, field)) === filters[field]))
    .map((t) => ({ ...t, lastChange: t.lastUpdate }))
    .sort(compareFor(sort));
  render(rows, base, new Date(doc.generated), partsOf(form));
  document.querySelector('.pager')?.remove();
  const caption = table.caption;
  if (caption) caption.textContent = `Open tickets matching your filters (${rows.length})`;
  if (status) status.textContent = `${rows.length} matching ${rows.length === 1 ? 'ticket' : 'tickets'}`;
  if (updateAddress) {
    const query = new URLSearchParams(Object.entries(filters));
    if (sort !== 'priority') query.set('sort', sort);
    const search = query.toString();
    history.replaceState(null, '', `${base}queue/${search ? `?${search}` : ''}`);
  }
}

function fieldOf(row: ExportRow, field: Field): string {
  return field === 'unit' ? row.unit : field === 'status' ? row.status : field === 'priority' ? row.priority : field === 'vo' ? row.vo : field === 'site' ? row.site : row.type;
}

function fail(error: unknown): void {
  if (status) status.textContent = `Filtering in the page failed (${error instanceof Error ? error.message : String(error)}); the filter links still work.`;
  document.documentElement.classList.remove('js');
}

if (form) {
  form.addEventListener('change', () => void apply(true).catch(fail));
  form.addEventListener('reset', () => setTimeout(() => void apply(true).catch(fail), 0));
  form.addEventListener('submit', (event) => event.preventDefault());
  // A shared address with ?unit=… opens already filtered.
  const query = new URLSearchParams(location.search);
  if ([...FIELDS, 'sort'].some((key) => query.has(key))) {
    for (const [key, value] of query) {
      const select = form.elements.namedItem(key);
      if (select instanceof HTMLSelectElement && [...select.options].some((option) => option.value === value)) select.value = value;
    }
    void apply(false).catch(fail);
  }
}
