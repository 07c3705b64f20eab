import type { APIRoute } from 'astro';
import { atomFeed } from '../lib/feeds.ts';
import { getModel } from '../lib/model.ts';

/** The newest ticket changes of the whole helpdesk. */
export const GET: APIRoute = async () => {
  const model = await getModel();
  return new Response(atomFeed({ siteUrl: model.settings.siteUrl, title: `${model.settings.name}: tickets`, path: 'feed.xml', tickets: model.tickets }), { headers: { 'Content-Type': 'application/atom+xml' } });
};
