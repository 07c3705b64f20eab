import type { APIRoute } from 'astro';
import { exportJson } from '../../lib/exports.ts';
import { getModel } from '../../lib/model.ts';

/** Open tickets, GGUS's search columns. */
export const GET: APIRoute = async () => {
  const model = await getModel();
  return new Response(
    exportJson(
      model.settings.name,
      model.now,
      model.tickets.filter((t) => t.open),
    ),
    { headers: { 'Content-Type': 'application/json' } },
  );
};
