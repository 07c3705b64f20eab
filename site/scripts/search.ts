/**
 * Pagefind search. Results are built as DOM nodes: titles as text, excerpts keeping only Pagefind's
 * <mark> highlighting — nothing from the index is ever inserted as HTML.
 */
interface PagefindResult {
  data(): Promise<{ url: string; excerpt: string; meta: Record<string, string | undefined> }>;
}
interface Pagefind {
  search(query: string): Promise<{ results: PagefindResult[] }>;
  options?(options: Record<string, unknown>): Promise<void>;
  mergeIndex(url: string, options?: Record<string, unknown>): Promise<void>;
}

const form = document.querySelector<HTMLFormElement>('#search-form');
const input = document.querySelector<HTMLInputElement>('#search-input');
const list = document.querySelector<HTMLOListElement>('#search-results');
const statusLine = document.querySelector<HTMLElement>('#search-status');
const MAX_RESULTS = 30;

let engine: Promise<Pagefind> | undefined;

/**
 * The index is one Pagefind index per range of ticket numbers (site/lib/search-index.ts); `ranges.json`
 * lists them, newest first. The first one's script searches, and the others are merged into it.
 */
async function rangesOf(rangesUrl: string): Promise<string[]> {
  const response = await fetch(rangesUrl);
  if (!response.ok) throw new Error(`${rangesUrl}: ${response.status}`);
  return ((await response.json()) as { ranges: string[] }).ranges;
}

/**
 * The site parts (helpdesk.yml `siteParts`, data-parts) are sites of their own on this origin with their
 * own `ranges.json`; their ranges are merged after this site's. A part that cannot be read (not published
 * yet) is left out and named, so the rest still searches.
 */
let missingParts: string[] = [];

async function loadRanges(rangesUrl: string, partLists: string[]): Promise<Pagefind> {
  const ranges = await rangesOf(rangesUrl);
  const fromParts = await Promise.allSettled(partLists.map(rangesOf));
  missingParts = partLists.filter((_, index) => fromParts[index]?.status === 'rejected');
  for (const result of fromParts) if (result.status === 'fulfilled') ranges.push(...result.value);
  const [first, ...others] = ranges;
  if (first === undefined) throw new Error('the search index has no tickets');
  const engine = (await import(/* @vite-ignore */ `${first}pagefind.js`)) as Pagefind;
  // Records carry their whole path (site/lib/search-index.ts, the base of the site that holds the ticket);
  // Pagefind would put the folder above each bundle's pagefind/ in front again (/helpdesk/helpdesk/…).
  await engine.options?.({ baseUrl: '/' });
  for (const other of others) await engine.mergeIndex(other, { baseUrl: '/' });
  return engine;
}

function pagefind(rangesUrl: string, partLists: string[]): Promise<Pagefind> {
  engine ??= loadRanges(rangesUrl, partLists);
  return engine;
}

/** Pagefind excerpts are escaped text with <mark> around hits; rebuild them from text nodes only. */
function excerptNodes(excerpt: string): Node[] {
  const parsed = new DOMParser().parseFromString(`<p>${excerpt}</p>`, 'text/html');
  const nodes: Node[] = [];
  for (const child of Array.from(parsed.body.firstChild?.childNodes ?? [])) {
    if (child.nodeName === 'MARK') {
      const mark = document.createElement('mark');
      mark.textContent = child.textContent;
      nodes.push(mark);
    } else {
      nodes.push(document.createTextNode(child.textContent ?? ''));
    }
  }
  return nodes;
}

async function run(query: string): Promise<void> {
  if (!form || !list || !statusLine) return;
  list.replaceChildren();
  if (query.trim() === '') {
    statusLine.textContent = 'Type some words to search the tickets.';
    return;
  }
  statusLine.textContent = 'Searching…';
  const partLists = JSON.parse(form.dataset.parts ?? '[]') as string[];
  const search = await (await pagefind(form.dataset.pagefind ?? '/pagefind/ranges.json', partLists)).search(query);
  const shown = await Promise.all(search.results.slice(0, MAX_RESULTS).map((result) => result.data()));
  for (const data of shown) {
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = data.url;
    link.textContent = `${data.meta.number ?? ''} ${data.meta.title ?? data.url}`.trim();
    const excerpt = document.createElement('p');
    excerpt.append(...excerptNodes(data.excerpt));
    item.append(link, excerpt);
    list.append(item);
  }
  const total = search.results.length;
  const counted = total === 0 ? 'No ticket matches' : `${total} ${total === 1 ? 'ticket matches' : 'tickets match'}${total > MAX_RESULTS ? `; the first ${MAX_RESULTS} are shown` : ''}`;
  statusLine.textContent = `${counted}${missingParts.length === 0 ? '' : ` (not searched: ${missingParts.join(', ')})`}.`;
}

if (form && input && statusLine) {
  statusLine.textContent = 'Type some words to search the tickets.';
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = input.value;
    history.replaceState(null, '', `?q=${encodeURIComponent(query)}`);
    run(query).catch((error: unknown) => {
      statusLine.textContent = `Search failed: ${error instanceof Error ? error.message : String(error)}. Has the search index been built (gitgus build)?`;
    });
  });
  const initial = new URLSearchParams(location.search).get('q');
  if (initial) {
    input.value = initial;
    form.requestSubmit();
  }
}
