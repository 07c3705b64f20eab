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
  mergeIndex(url: string): Promise<void>;
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
async function loadRanges(rangesUrl: string): Promise<Pagefind> {
  const response = await fetch(rangesUrl);
  if (!response.ok) throw new Error(`${rangesUrl}: ${response.status}`);
  const { ranges } = (await response.json()) as { ranges: string[] };
  const [first, ...others] = ranges;
  if (first === undefined) throw new Error('the search index has no tickets');
  const engine = (await import(/* @vite-ignore */ `${first}pagefind.js`)) as Pagefind;
  for (const other of others) await engine.mergeIndex(other);
  return engine;
}

function pagefind(rangesUrl: string): Promise<Pagefind> {
  engine ??= loadRanges(rangesUrl);
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
  const search = await (await pagefind(form.dataset.pagefind ?? '/pagefind/ranges.json')).search(query);
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
  statusLine.textContent = total === 0 ? 'No ticket matches.' : `${total} ${total === 1 ? 'ticket matches' : 'tickets match'}${total > MAX_RESULTS ? `; the first ${MAX_RESULTS} are shown` : ''}.`;
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
