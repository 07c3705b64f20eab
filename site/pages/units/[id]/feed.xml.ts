import type { APIRoute } from 'astro';
import { atomFeed } from '../../../lib/feeds.ts';
import { getModel } from '../../../lib/model.ts';

export async function getStaticPaths() {
  const model = await getModel();
  return model.units.map((unit) => ({ params: { id: unit.id } }));
}

/** The newest changes of one unit's tickets. */
export const GET: APIRoute = async ({ params }) => {
  const model = await getModel();
  const unit = model.unitById.get(params.id ?? '');
  const tickets = model.tickets.filter((t) => t.unit === params.id);
  return new Response(atomFeed({ siteUrl: model.settings.siteUrl, title: `${model.settings.name}: ${unit?.name ?? params.id}`, path: `units/${params.id}/feed.xml`, tickets }), { headers: { 'Content-Type': 'application/atom+xml' } });
};
