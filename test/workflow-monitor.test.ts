/**
 * TPM monitoring and GGUS's own reports (issue 16 points 7 and 10) on a real helpdesk repository whose
 * commits carry chosen times: the report metrics in working hours from the Git history, `gitgus monitor`
 * as a real process (JSON, and the report mailed to TPM over a real SMTP server), and the built site's
 * monitoring, report, filter and export pages browsed in real headless Chromium.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarOfUnit } from '../lib/core/calendar.ts';
import type { Ticket } from '../lib/core/schema/ticket.ts';
import { ticketMetrics, workflowReport, type ReportTicket } from '../lib/core/workflow-report.ts';
import { readTicketEvents } from '../lib/git/history-index.ts';
import { buildSite, type BuildResult } from '../lib/site/build.ts';
import { loadTicket, loadUnits } from '../lib/store/load.ts';
import { serveStatic, type StaticServer } from '../site/serve.ts';
import { launchChromium, readOutput } from '../site/testing.ts';
import { buildMail, dmarcPass } from './fixtures/mail/build.ts';
import { builtFiles, cleanupTemps, makeSmallHelpdesk, runGitgus, tempDir } from './helpers.ts';
import { commitAt, runGitgusAsync, startSmtpSink, type SmtpSink } from './notify-helpers.ts';

// Europe/Berlin units, office hours 09:00–17:00 local = 08:00–16:00 UTC in winter; 2026-11-30 is a Monday.
const NOW = '2026-12-04T15:00:00Z';
const TPM = { name: 'Tom Processor', email: 'tpm-shifter@grid.example', github: 'tpm-shifter' };
const DIETER = { name: 'Dieter Grid', email: 'dieter-de@grid.example', github: 'dieter-de' };

let root: string;
let smtp: SmtpSink;
let built: BuildResult;
let server: StaticServer;
let browser: Browser;

function base(number: number, unit: string, status: Ticket['status'], extra: Partial<Ticket> = {}): Ticket {
  const template = loadTicket(root, 1004).ticket;
  return { ...template, number, title: `Report ticket ${number}`, unit, status, created: '2026-11-30T08:00:00Z', priority: 'urgent', originalPriority: 'urgent', category: 'incident', source: { kind: 'cli' }, ...extra };
}

beforeAll(async () => {
  smtp = await startSmtpSink();
  // What the monitor looks for, from the first commit (their created time, 2026-11-02, is their status time):
  // #1001 new at TPM, #1002 waiting for its submitter, #1003 never answered at CIC; #1004 Jan's ticket (the
  // report tickets' template) and #1005 a TEAM ticket, so the report pages per VO, site and type exist.
  root = makeSmallHelpdesk([
    { status: 'new', unit: 'tpm' },
    { status: 'waiting for reply', unit: 'ngi-de' },
    { status: 'assigned', unit: 'cic' },
    { status: 'in progress', unit: 'ngi-de', vo: 'cms', site: 'FZK-LCG2', submitter: { name: 'Jan Novak', email: 'jan.novak@cesnet.example' }, notify: 'on every change' },
    { status: 'in progress', unit: 'arc', type: 'TEAM', vo: 'cms', site: 'FZK-LCG2' },
  ]).dir;
  // #1100: TPM → ngi-de → dcache, answered, waits for the submitter a working day, solved, reopened, solved again.
  const steps: [string, string, Ticket['status'], Partial<Ticket>?][] = [
    ['2026-11-30T08:00:00Z', 'tpm', 'new'],
    ['2026-11-30T10:00:00Z', 'ngi-de', 'assigned'],
    ['2026-12-01T08:00:00Z', 'dcache', 'assigned'],
    ['2026-12-01T10:00:00Z', 'dcache', 'in progress'],
    ['2026-12-01T12:00:00Z', 'dcache', 'waiting for reply'],
    ['2026-12-02T12:00:00Z', 'dcache', 'in progress'],
    ['2026-12-03T12:00:00Z', 'dcache', 'solved', { solution: { qualifier: 'fixed', text: 'Pool restarted.' } }],
    ['2026-12-04T08:00:00Z', 'dcache', 'reopened', { solution: { qualifier: 'fixed', text: 'Pool restarted.' } }],
    ['2026-12-04T12:00:00Z', 'dcache', 'solved', { solution: { qualifier: 'fixed', text: 'Pool disk replaced.' } }],
  ];
  for (const [at, unit, status, extra] of steps) await commitAt(root, 1100, unit, { ticket: base(1100, unit, status, extra), at, actor: TPM });
  // #1101: still open after three units, never answered: bounced.
  for (const [at, unit, status] of [
    ['2026-11-30T08:00:00Z', 'tpm', 'new'],
    ['2026-11-30T09:00:00Z', 'ngi-de', 'assigned'],
    ['2026-12-01T09:00:00Z', 'ngi-it', 'assigned'],
  ] as const) {
    await commitAt(root, 1101, unit, { ticket: base(1101, unit, status), at, actor: TPM });
  }
  // #1102: a test ticket, left out of every report.
  await commitAt(root, 1102, 'dcache', { ticket: base(1102, 'dcache', 'in progress', { category: 'test' }), at: '2026-11-30T08:00:00Z', actor: DIETER });
  // The submitter of #1004 escalates it once (shown on its page).
  const mail = buildMail({ from: 'Jan Novak <jan.novak@cesnet.example>', subject: '[GGUS #1004] escalate', messageId: 'esc.site@cesnet.example', headers: [dmarcPass('cesnet.example')] });
  expect(runGitgus(['intake', '--root', root], { input: mail }).status).toBe(0);
  built = await buildSite({ root, out: path.join(tempDir('gitgus-site-'), 'dist'), now: NOW });
  server = await serveStatic(built.outDir);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp?.close();
  cleanupTemps();
});

describe('GGUS reports in working hours', () => {
  it('credits each response to the unit that held the ticket, restarts the solution on reopen and leaves out waiting', async () => {
    const events = (await readTicketEvents(root, { tickets: [1100] })).get(1100) ?? [];
    const units = new Map(loadUnits(root).items.map(({ unit }) => [unit.id, unit]));
    const levels = (id: string) => ({ calendar: calendarOfUnit(units.get(id)), qos: units.get(id)?.qos ?? 'base' });
    const t = loadTicket(root, 1100).ticket;
    const summary: ReportTicket = { number: t.number, created: t.created, status: t.status, unit: t.unit, originalPriority: t.originalPriority ?? t.priority, type: t.type, category: t.category, vo: t.vo, site: t.site };
    const metrics = ticketMetrics(summary, events, levels, new Date(NOW));
    expect(metrics.responses.map((r) => [r.unit, r.hours])).toEqual([
      ['tpm', 2],
      ['ngi-de', 6],
      ['dcache', 2],
    ]);
    // After the reopen (Fri 08:00) the solution clock restarted: solved at 12:00 = 4 working hours.
    expect(metrics.solution).toMatchObject({ unit: 'dcache', hours: 4 });
    expect(metrics.lifetimeDays).toBeCloseTo((Date.parse('2026-12-04T12:00:00Z') - Date.parse('2026-11-30T08:00:00Z')) / 86_400_000, 6);
    // Before the reopen: Mon 08:00 → Thu 12:00 is 28 working hours, minus 8 waiting for the submitter.
    const first = ticketMetrics(
      { ...summary, status: 'solved' },
      events.filter((e) => e.time < '2026-12-04T00:00:00Z'),
      levels,
      new Date(NOW),
    );
    expect(first.solution).toMatchObject({ unit: 'dcache', hours: 20 });
    // Advanced QoS gives an urgent ticket 1 working day: every response here was in time.
    expect(metrics.responses.every((r) => !r.violated)).toBe(true);
    const report = workflowReport([metrics, first], { unit: 'dcache' });
    expect(report.units).toEqual([{ unit: 'dcache', response: { count: 2, mean: 2, median: 2 }, violated: 0, solution: { count: 2, mean: 12, median: 12 } }]);
  });

  it('the site shows them per unit and per priority, with bounded pre-built filters and filterable exports', async () => {
    const files = builtFiles(built.outDir, [
      'reports/unit/dcache/index.html',
      'reports/priority/urgent/index.html',
      'reports/vo/cms/index.html',
      'reports/type/team/index.html',
      'reports/category/incident/index.html',
      'reports/time/last-30-days/index.html',
      'reports/site/FZK-LCG2/index.html',
      'monitor/index.html',
      'exports/report-times.csv',
      'exports/report-times.json',
    ]);
    expect(files.some((f) => f.startsWith('reports/category/test'))).toBe(false);
    const filterPages = files.filter((f) => /^reports\/.+\/index\.html$/.test(f)).length;
    expect(filterPages).toBeLessThan(120);

    const page = await browser.newPage();
    await page.goto(`${server.url}reports/unit/dcache/`);
    const row = page.locator('table[data-table="units"] tr[data-unit="dcache"] td');
    expect(await row.allTextContents()).toEqual(['1', '2.0 h', '2.0 h', '0', '1', '4.0 h', '4.0 h']);
    await page.goto(`${server.url}reports/`);
    expect(Number(await page.locator('ul.filters').getAttribute('data-filters'))).toBe(filterPages);
    await page.close();

    const csv = readOutput(path.join(built.outDir, 'exports/report-times.csv'));
    expect(csv.split('\n')[0]).toBe('ticket,created,kind,unit,hours,violated,priority,type,category,vo,site,lifetimeDays');
    expect(csv).toContain('1100,2026-11-30T08:00:00Z,solution,dcache,4,');
    expect(csv).toContain('1100,2026-11-30T08:00:00Z,response,ngi-de,6,no,urgent');
    expect(csv).not.toMatch(/^1102,/m);
    const json = JSON.parse(readOutput(path.join(built.outDir, 'exports/report-times.json'))) as { filters: { path: string; report: { tickets: number } }[] };
    expect(json.filters.find((f) => f.path === 'reports/unit/dcache/')?.report.tickets).toBe(1);
  });
});

describe('TPM monitoring', () => {
  it('gitgus monitor finds unassigned, bounced, waiting and unresponsive, and mails the report to TPM', async () => {
    const result = runGitgus(['monitor', '--now', NOW, '--json', '--root', root]);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { unassigned: { number: number }[]; bounced: { number: number; units: string[] }[]; waiting: { number: number }[]; unresponsive: { unit: string; tickets: { number: number }[] }[] };
    expect(report.unassigned.map((e) => e.number)).toContain(1001);
    expect(report.bounced).toEqual([expect.objectContaining({ number: 1101, units: ['tpm', 'ngi-de', 'ngi-it'] })]);
    expect(report.waiting.map((e) => e.number)).toContain(1002);
    expect(report.unresponsive.find((u) => u.unit === 'cic')?.tickets.map((e) => e.number)).toContain(1003);
    expect(report.unassigned.some((e) => e.number === 1100 || e.number === 1102)).toBe(false);

    const before = smtp.received.length;
    const mailed = await runGitgusAsync(['monitor', '--now', NOW, '--mail', '--root', root], { env: smtp.env });
    expect(mailed.status, mailed.stderr).toBe(0);
    const sent = smtp.received.slice(before);
    expect(sent.map((m) => m.to)).toEqual([['tpm-support@lists.example.org']]);
    const parsed = await simpleParser(sent[0]?.raw ?? Buffer.from(''));
    expect(parsed.subject).toContain('TPM monitoring report 2026-12-04');
    expect(parsed.text).toContain('#1101 Report ticket 1101 — ngi-it');
    expect(parsed.text).toContain('units: tpm → ngi-de → ngi-it');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
  });

  it('the supporters page lists the same findings and shows no address and no internal text', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}monitor/`);
    expect(await page.locator('#bounced tr[data-ticket]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ticket')))).toEqual(['1101']);
    expect(await page.locator('#unassigned tr[data-ticket="1001"]').count()).toBe(1);
    expect(await page.locator('#waiting tr[data-ticket="1002"]').count()).toBe(1);
    expect(await page.locator('#unresponsive li[data-unit="cic"]').count()).toBe(1);
    await page.close();
    const html = readFileSync(path.join(built.outDir, 'monitor/index.html'), 'utf8');
    const addresses = [...html.matchAll(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g)].map((m) => m[0]);
    expect(addresses.every((a) => a === 'helpdesk@ggus.example' || a === 'vo-user-support@ggus.example')).toBe(true);
  });

  it('the ticket page shows the escalation level and the next escalation link', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}tickets/1004/`);
    expect(await page.locator('#escalation-level').textContent()).toBe('level 1 of 3: the responsible support unit');
    expect(await page.locator('#escalate-link').getAttribute('href')).toBe('mailto:helpdesk@ggus.example?subject=%5BGGUS%20%231004%5D%20escalate');
    expect(await page.locator('#escalate-link').textContent()).toBe('Escalate to level 2 of 3');
    await page.close();
  });
});
