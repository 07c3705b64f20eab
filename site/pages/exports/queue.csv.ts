import type { APIRoute } from 'astro';
import { exportCsv } from '../../lib/exports.ts';
import { getModel } from '../../lib/model.ts';

/** Open tickets, GGUS's search columns. */
export const GET: APIRoute = async () => {
  const model = await getModel();
  return new Response(exportCsv(model.tickets.filter((t) => t.open)), { headers: { 'Content-Type': 'text/csv; charset=utf-8' } });
};
