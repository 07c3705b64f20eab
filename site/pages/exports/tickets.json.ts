import type { APIRoute } from 'astro';
import { exportJson } from '../../lib/exports.ts';
import { getModel } from '../../lib/model.ts';

/** Every ticket, open and closed, GGUS's search columns. */
export const GET: APIRoute = async () => {
  const model = await getModel();
  return new Response(exportJson(model.settings.name, model.now, model.tickets), { headers: { 'Content-Type': 'application/json' } });
};
