import type { APIRoute } from 'astro';
import { stringify } from 'csv-stringify/sync';
import { getModel } from '../../lib/model.ts';
import { reportRows } from '../../lib/workflow.ts';

/** GGUS's report figures, one row per response and per solution, with every filter column (test tickets excluded). */
export const GET: APIRoute = async () => {
  const rows = reportRows(await getModel());
  const columns = ['ticket', 'created', 'kind', 'unit', 'hours', 'violated', 'priority', 'type', 'category', 'vo', 'site', 'lifetimeDays'] as const;
  const body = stringify(
    rows.map((row) => columns.map((column) => (column === 'violated' ? (row.violated === undefined ? '' : row.violated ? 'yes' : 'no') : (row[column] ?? '')))),
    { header: true, columns: [...columns], record_delimiter: 'unix' },
  );
  return new Response(body, { headers: { 'Content-Type': 'text/csv; charset=utf-8' } });
};
