import type { APIRoute } from 'astro';
import { getModel } from '../../lib/model.ts';
import { reportFor, reportPages, reportRows } from '../../lib/workflow.ts';

/** The working-hours report: the rows (filter them as you like), the all-tickets report, and each pre-built filter's figures. */
export const GET: APIRoute = async () => {
  const model = await getModel();
  const body = {
    unit: 'working hours (lifetime: calendar days)',
    excludedCategory: 'test',
    report: reportFor(model),
    filters: reportPages(model).map((page) => ({ path: `reports/${page.path}/`, label: page.label, report: reportFor(model, page.filter) })),
    rows: reportRows(model),
  };
  return new Response(`${JSON.stringify(body, null, 2)}\n`, { headers: { 'Content-Type': 'application/json; charset=utf-8' } });
};
