/**
 * Queue exports with GGUS's ticket-search columns (number, type, VO, site, priority, unit, status,
 * created, last update, type of issue, subject), as JSON and CSV. The JSON also feeds the queue script.
 * Only public summary fields exist here. Pure.
 */
import { stringify } from 'csv-stringify/sync';
import type { ViewTicket } from './view.ts';
import { isoSeconds } from '../../lib/core/time.ts';

export interface ExportRow {
  number: number;
  type: string;
  vo: string;
  site: string;
  priority: string;
  unit: string;
  status: string;
  created: string;
  lastUpdate: string;
  issue: string;
  subject: string;
  /** GGUS priority colour at the build's reference time. */
  colour: string;
}

const CSV_COLUMNS: [keyof ExportRow, string][] = [
  ['number', 'Ticket-ID'],
  ['type', 'Type'],
  ['vo', 'VO'],
  ['site', 'Site'],
  ['priority', 'Priority'],
  ['unit', 'Responsible Unit'],
  ['status', 'Status'],
  ['created', 'Date of Creation'],
  ['lastUpdate', 'Last Update'],
  ['issue', 'Type of Problem'],
  ['subject', 'Subject'],
  ['colour', 'Priority Colour'],
];

function exportRow(t: ViewTicket): ExportRow {
  return {
    number: t.number,
    type: t.type,
    vo: t.vo ?? '',
    site: t.site ?? '',
    priority: t.priority,
    unit: t.unit,
    status: t.status,
    created: t.created,
    lastUpdate: t.lastChange,
    issue: t.issue,
    subject: t.title,
    colour: t.colour,
  };
}

export interface ExportDocument {
  helpdesk: string;
  /** The reference time colours were computed at. */
  generated: string;
  tickets: ExportRow[];
}

export function exportJson(helpdesk: string, now: Date, tickets: readonly ViewTicket[]): string {
  const doc: ExportDocument = { helpdesk, generated: isoSeconds(now), tickets: tickets.map(exportRow) };
  return `${JSON.stringify(doc)}\n`;
}

/**
 * A spreadsheet opens a cell starting with = + - @ (or a tab/CR) as a formula; ticket titles come from
 * mail, so such cells get a leading apostrophe (OWASP's CSV-injection advice).
 */
function inert(value: string | number): string | number {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function exportCsv(tickets: readonly ViewTicket[]): string {
  const rows = tickets.map((t) => {
    const row = exportRow(t);
    return CSV_COLUMNS.map(([key]) => inert(row[key]));
  });
  return stringify([CSV_COLUMNS.map(([, label]) => label), ...rows], { record_delimiter: 'unix' });
}
