/**
 * Atom feeds: the newest ticket changes, for the whole helpdesk and per unit. Built from public
 * summaries only (no bodies, no addresses); `feed` does the XML and its escaping. Deterministic: the
 * feed's time is the newest change in it, never the clock.
 */
import { Feed } from 'feed';
import type { ViewTicket } from './view.ts';
import { ticketLabel } from './format.ts';
import { absolute, absoluteTicket } from './urls.ts';

const FEED_SIZE = 50;

export function atomFeed(options: { siteUrl: string; title: string; path: string; tickets: readonly ViewTicket[] }): string {
  const newest = [...options.tickets].sort((a, b) => (a.lastChange < b.lastChange ? 1 : a.lastChange > b.lastChange ? -1 : b.number - a.number)).slice(0, FEED_SIZE);
  const updated = new Date(newest[0]?.lastChange ?? '1970-01-01T00:00:00Z');
  const feed = new Feed({
    id: absolute(options.siteUrl, options.path),
    title: options.title,
    link: absolute(options.siteUrl, ''),
    updated,
    generator: false,
    feedLinks: { atom: absolute(options.siteUrl, options.path) },
  });
  for (const t of newest) {
    const link = absoluteTicket(options.siteUrl, t.number);
    feed.addItem({
      id: link,
      link,
      title: `${ticketLabel(t.number)} ${t.title} [${t.status}]`,
      date: new Date(t.lastChange),
      published: new Date(t.created),
      description: `Status ${t.status}, priority ${t.priority}, unit ${t.unit}${t.vo ? `, VO ${t.vo}` : ''}${t.site ? `, site ${t.site}` : ''}; ${t.publicMessages} public ${t.publicMessages === 1 ? 'message' : 'messages'}.`,
    });
  }
  return feed.atom1();
}
