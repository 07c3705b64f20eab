/** Links inside the site, under its base path (helpdesk.yml `siteUrl` may have a path, as on GitHub Pages). */
const BASE = import.meta.env.BASE_URL.endsWith('/') ? import.meta.env.BASE_URL : `${import.meta.env.BASE_URL}/`;

/** `queue/` → `/queue/` (or `/helpdesk/queue/` under a base path). */
export function href(path = ''): string {
  return `${BASE}${path.replace(/^\/+/, '')}`;
}

export function ticketHref(number: number): string {
  return href(`tickets/${number}/`);
}

export function unitHref(id: string): string {
  return href(`units/${id}/`);
}

/** An absolute URL on the public site, for feeds and exports. */
export function absolute(siteUrl: string, path: string): string {
  return new URL(href(path), siteUrl).toString();
}
