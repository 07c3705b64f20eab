/**
 * Which published site holds a ticket's page: a part (helpdesk.yml `siteParts`, one GitHub Pages project
 * site per ticket-number range) or the main site. The one place links to ticket pages are decided: the
 * site's pages (site/lib/urls.ts), its queue script, feeds, mail and GitHub comments all ask here. Pure and
 * free of schema imports, so the browser's queue script can bundle it.
 */
export interface SitePart {
  name: string;
  tickets: { from: number; to: number };
  url: string;
  repository: string;
}

/** The part whose range holds `number`, or undefined for the main site. */
export function partOf(parts: readonly SitePart[] | undefined, number: number): SitePart | undefined {
  return parts?.find((part) => number >= part.tickets.from && number <= part.tickets.to);
}

/** A site's public address with one trailing slash. */
export function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** The path a site is served under: `/`, or `/helpdesk-archive-1/`. */
export function basePath(url: string): string {
  const trimmed = new URL(url).pathname.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '/' : `/${trimmed}/`;
}

/** The absolute address of a ticket's page, for mail, feeds and GitHub comments. */
export function ticketPageUrl(settings: { siteUrl: string; siteParts?: readonly SitePart[] | undefined }, number: number): string {
  const part = partOf(settings.siteParts, number);
  return new URL(`tickets/${number}/`, withSlash(part ? part.url : settings.siteUrl)).toString();
}
