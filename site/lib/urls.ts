/**
 * Links inside the site, under its base path (helpdesk.yml `siteUrl` may have a path, as on GitHub Pages).
 * With `siteParts` the published site is several sites on one origin: ticket pages link to the site that
 * holds the ticket (lib/core/site-parts.ts), everything else to the main site.
 */
import { partOf, basePath, withSlash } from '../../lib/core/site-parts.ts';
import { siteOptions } from './env.ts';

const OPTIONS = siteOptions(process.env);
/**
 * This build's own base path (a part's, or the main site's), as astro.config.mjs sets it from the same
 * options (import.meta.env.BASE_URL read '/' here in a build under /helpdesk/).
 */
const BASE = OPTIONS.base;
/** The main site's base path: the same as BASE unless this build is a part. */
const MAIN = OPTIONS.part ? OPTIONS.mainBase : BASE;

/** `queue/` → `/queue/` (or `/helpdesk/queue/` under a base path): a page of the main site. */
export function href(path = ''): string {
  return `${MAIN}${path.replace(/^\/+/, '')}`;
}

/** The base path of the site that holds ticket `number`'s page and files. */
function ticketBase(number: number): string {
  const part = partOf(OPTIONS.parts, number);
  if (!part) return MAIN;
  return part.name === OPTIONS.part?.name ? BASE : basePath(part.url);
}

export function ticketHref(number: number): string {
  return `${ticketBase(number)}tickets/${number}/`;
}

/** An attachment of ticket `number`, beside its page. */
export function ticketFileHref(number: number, published: string): string {
  return `${ticketHref(number)}files/${published}`;
}

export function unitHref(id: string): string {
  return href(`units/${id}/`);
}

/** An absolute URL on the public (main) site, for feeds and exports. */
export function absolute(siteUrl: string, path: string): string {
  return new URL(href(path), siteUrl).toString();
}

/** The absolute URL of a ticket's page, in the part that holds it. */
export function absoluteTicket(siteUrl: string, number: number): string {
  return new URL(ticketHref(number), withSlash(siteUrl)).toString();
}

/** The parts, for the browser (the queue script and search): `[from, to, base]`; empty without parts. */
export function partsForBrowser(): { from: number; to: number; base: string }[] {
  return OPTIONS.parts.map((part) => ({ from: part.tickets.from, to: part.tickets.to, base: basePath(part.url) }));
}

/** Every part's search list (its `pagefind/ranges.json`), newest range first; empty in a part or without parts. */
export function partSearchLists(): string[] {
  if (OPTIONS.part) return [];
  return [...OPTIONS.parts].sort((a, b) => b.tickets.from - a.tickets.from).map((part) => `${basePath(part.url)}pagefind/ranges.json`);
}
