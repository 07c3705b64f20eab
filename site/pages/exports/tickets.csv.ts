import type { APIRoute } from 'astro';
import { exportCsv } from '../../lib/exports.ts';
import { getModel } from '../../lib/model.ts';

/** Every ticket, open and closed, GGUS's search columns. */
export const GET: APIRoute = async () => {
  const model = await getModel();
  return new Response(exportCsv(model.tickets), { headers: { 'Content-Type': 'text/csv; charset=utf-8' } });
};
