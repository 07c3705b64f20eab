/**
 * The example helpdesk's site, built once and browsed in real headless Chromium: the reader's path
 * queue → filter → unit → ticket → history → search result, with and without JavaScript; an axe-core scan;
 * screenshots for people to look at; and the privacy invariant checked on every output byte.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../lib/core/documents.ts';
import { buildSite, type BuildResult } from '../lib/site/build.ts';
import { serveStatic, type StaticServer } from '../site/serve.ts';
import { addressesIn, inputAddresses, launchChromium, listFiles, readOutput } from '../site/testing.ts';
import { appendFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { builtFiles, cleanupTemps, makeHelpdesk, PROJECT_ROOT, runGitgus, tempDir } from './helpers.ts';

const SCREENSHOTS = path.join(PROJECT_ROOT, 'test-results', 'screenshots');
const NOW = '2026-11-24T12:00:00Z';

let root: string;
let built: BuildResult;
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  root = makeHelpdesk();
  built = await buildSite({ root, out: path.join(tempDir('gitgus-site-'), 'dist'), now: NOW });
  server = await serveStatic(built.outDir);
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  cleanupTemps();
});

/** A page that fails the test on any console error, page error or request off 127.0.0.1. */
async function watchedPage(options: { javaScript?: boolean; width?: number; bypassCSP?: boolean } = {}): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ javaScriptEnabled: options.javaScript ?? true, viewport: { width: options.width ?? 1280, height: 900 }, bypassCSP: options.bypassCSP ?? false });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    if (!request.url().startsWith('http://127.0.0.1:')) problems.push(`request off the machine: ${request.url()}`);
  });
  return { page, problems };
}

describe('the example helpdesk site', () => {
  it('builds every kind of page and a search index', () => {
    const files = builtFiles(built.outDir, [
      'index.html',
      'queue/index.html',
      'archive/index.html',
      'units/index.html',
      'units/ngi-de/index.html',
      'units/ngi-de/feed.xml',
      'tickets/165048/index.html',
      'reports/index.html',
      'search/index.html',
      'feed.xml',
      'exports/queue.json',
      'exports/queue.csv',
      'exports/tickets.csv',
      'pagefind/ranges.json',
      'pagefind/160000/pagefind.js',
    ]);
    expect(files.some((f) => f.startsWith('queue/unit/ngi-de/'))).toBe(true);
    expect(files.some((f) => f.startsWith('queue/status/waiting-for-reply/'))).toBe(true);
    expect(built.searchPages).toBeGreaterThan(0);
  });

  it('walks queue → filter → unit → ticket → history → search result with JavaScript', async () => {
    const { page, problems } = await watchedPage();
    await page.goto(`${server.url}queue/`);
    await expect.poll(() => page.locator('#queue-form').isVisible()).toBe(true);
    await page.selectOption('#queue-form select[name="status"]', 'waiting for reply');
    await expect.poll(() => page.locator('#queue-status').textContent()).toMatch(/matching/);
    const statuses = await page.locator('#queue-table tbody td[data-label="Status"]').allTextContents();
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set(['waiting for reply']));
    expect(page.url()).toContain('?status=waiting+for+reply');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'queue-filtered.png'), fullPage: true });

    const unitLink = page.locator('#queue-table tbody td[data-label="Unit"] a').first();
    const unit = await unitLink.textContent();
    await unitLink.click();
    await page.waitForURL(`**/units/${unit}/`);
    expect(await page.locator('h1').textContent()).toBeTruthy();

    const ticketLink = page.locator('table.tickets tbody td.number a').first();
    const label = (await ticketLink.textContent()) ?? '';
    await ticketLink.click();
    await page.waitForURL(`**/tickets/${label.slice(1)}/`);
    expect(await page.locator('h1').textContent()).toContain(label);
    const history = page.locator('ol.timeline li');
    expect(await history.count()).toBeGreaterThan(0);
    expect(await history.first().textContent()).toMatch(/Created/);
    const mailto = await page.locator('a', { hasText: 'Reply by mail' }).getAttribute('href');
    expect(mailto).toMatch(new RegExp(`^mailto:[^?]+\\?subject=${encodeURIComponent(`[GGUS #${label.slice(1)}]`).replace(/[[\]]/g, '\\$&')}`));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'ticket.png'), fullPage: true });

    // Search for the ticket's title words and reach it from the results.
    const title = (await page.locator('h1 [data-pagefind-meta="title"]').textContent()) ?? '';
    await page.goto(`${server.url}search/`);
    await page.fill('#search-input', title.split(' ').slice(0, 4).join(' '));
    await page.click('.search-form button');
    await expect.poll(() => page.locator('#search-results li').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await page.locator('#search-results a', { hasText: label }).first().click();
    await page.waitForURL(`**/tickets/${label.slice(1)}/`);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('filters and pages through pre-built links without JavaScript', async () => {
    const { page, problems } = await watchedPage({ javaScript: false });
    await page.goto(`${server.url}queue/`);
    expect(await page.locator('#queue-form').isVisible()).toBe(false);
    await page.locator('.filter-links summary', { hasText: 'Support unit' }).click();
    await page.locator('.filter-links a', { hasText: /^ngi-de \(/ }).click();
    await page.waitForURL('**/queue/unit/ngi-de/');
    const units = await page.locator('table.tickets tbody td[data-label="Unit"]').allTextContents();
    expect(new Set(units)).toEqual(new Set(['ngi-de']));
    await page.locator('.filter-links .sorts a', { hasText: 'Newest' }).click();
    await page.waitForURL('**/queue/unit/ngi-de/sort/newest/');
    const numbers = (await page.locator('table.tickets tbody td.number').allTextContents()).map((text) => Number(text.slice(1)));
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    await page.goto(`${server.url}archive/`);
    expect(await page.locator('table.tickets tbody tr').count()).toBeGreaterThan(0);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}queue/`);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'queue-phone.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('draws the reports and the support model without JavaScript', async () => {
    const { page, problems } = await watchedPage({ javaScript: false });
    await page.goto(`${server.url}reports/`);
    expect(await page.locator('figure.chart svg rect').count()).toBeGreaterThan(10);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'reports.png'), fullPage: true });
    await page.goto(`${server.url}queue/`);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'queue.png'), fullPage: true });
    await page.goto(`${server.url}units/`);
    expect(await page.locator('svg a[href$="/units/tpm/"]').count()).toBeGreaterThan(0);
    // A unit with its own helpdesk is drawn as such (⇄ and its kind), and only that one.
    expect(await page.locator('svg a[href$="/units/ngi-cz/"] text[data-interface]').textContent()).toBe('NGI Czech Republic ⇄ rtInterfaced with its own helpdesk: NGI_CZ Request Tracker');
    expect(await page.locator('svg text[data-interface]').count()).toBe(1);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'units.png'), fullPage: true });
    await page.goto(`${server.url}units/ngi-cz/`);
    expect(await page.locator('dd[data-interface="rt"]').textContent()).toMatch(/^NGI_CZ Request Tracker \(rt\), interfaced by mail/);
    await page.goto(`${server.url}units/ngi-de/`);
    expect(await page.locator('dd[data-interface]').count()).toBe(0);
    // The linked ticket shows its number in the unit's own helpdesk.
    await page.goto(`${server.url}tickets/165006/`);
    expect(await page.locator('dd[data-remote="rt:4006"]').textContent()).toBe("rt #4006 (ngi-cz's helpdesk)");
    // …also in the indexed part of the page, so the site search finds the ticket by its remote number.
    expect(await page.locator('[data-pagefind-body] .remote-ticket').textContent()).toBe("ngi-cz's helpdesk: rt #4006");
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('has no serious or critical accessibility violation on queue, unit and ticket pages (axe-core)', async () => {
    const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    // axe is injected by the test, so this context alone lets it past the site's CSP.
    const { page } = await watchedPage({ bypassCSP: true });
    const report: string[] = [];
    for (const target of ['queue/', 'units/ngi-de/', 'tickets/165005/', 'units/', 'reports/', '']) {
      await page.goto(`${server.url}${target}`);
      await page.evaluate(axeSource);
      const violations = await page.evaluate(async () => {
        const result = await (window as unknown as { axe: { run: () => Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe.run();
        return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
      });
      for (const v of violations) if (v.impact === 'serious' || v.impact === 'critical') report.push(`/${target}: ${v.id} (${v.impact}, ${v.nodes} elements)`);
    }
    expect(report).toEqual([]);
    await page.context().close();
  });

  it('contains no mail address but the intake addresses, and no internal message, anywhere (search index included)', () => {
    const intake = new Set(['helpdesk@ggus.example', 'vo-user-support@ggus.example']);
    const addresses = [...inputAddresses(root)].filter((address) => !intake.has(address));
    expect(addresses.length).toBeGreaterThan(20);
    const internal: string[] = [];
    for (const file of listFiles(path.join(root, 'tickets')).filter((f) => f.includes('/messages/'))) {
      const { message, body } = parseMessage(readFileSync(path.join(root, 'tickets', file), 'utf8'), file);
      if (message.visibility === 'internal')
        internal.push(
          ...body
            .split('\n')
            .map((line) => line.trim())
            .filter((line) => line.length >= 20),
        );
    }
    expect(internal.length).toBeGreaterThan(0);
    const hidden = new Set(addresses);
    const leaks: string[] = [];
    for (const file of listFiles(built.outDir)) {
      const text = readOutput(path.join(built.outDir, file)).toLowerCase();
      // Whole addresses only: vo-user-support@… (public) contains support@… (private) as a substring.
      for (const found of addressesIn(text)) if (hidden.has(found)) leaks.push(`${file}: ${found}`);
      for (const line of internal) if (text.includes(line.toLowerCase())) leaks.push(`${file}: internal text "${line.slice(0, 40)}…"`);
    }
    expect(leaks).toEqual([]);
  });

  it('puts a Content-Security-Policy without inline-script allowance on every page', () => {
    for (const file of listFiles(built.outDir).filter((f) => f.endsWith('.html'))) {
      const html = readFileSync(path.join(built.outDir, file), 'utf8');
      const csp = /<meta http-equiv="content-security-policy" content="([^"]+)"/.exec(html)?.[1];
      expect(csp, file).toBeDefined();
      expect(csp).toContain("default-src 'none'");
      expect(csp).toMatch(/script-src 'self'/);
      expect(csp).not.toContain('unsafe-inline');
      expect(html, file).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
  });

  it('builds the same bytes from the same input', async () => {
    const again = await buildSite({ root, out: path.join(tempDir('gitgus-site-'), 'dist'), now: NOW, search: false });
    const digest = (dir: string) =>
      listFiles(dir)
        .filter((f) => !f.startsWith('pagefind/'))
        .map(
          (f) =>
            `${f} ${createHash('sha256')
              .update(readFileSync(path.join(dir, f)))
              .digest('hex')}`,
        );
    expect(digest(again.outDir)).toEqual(digest(built.outDir));
  }, 180_000);

  it('rebuilds from its cache: a changed ticket shows its change, a deleted one leaves no page and no cached copy', async () => {
    const messages = path.join(root, 'tickets/165/165003/messages');
    const first = listFiles(messages).sort()[0] as string;
    appendFileSync(path.join(messages, first), '\nA line added after the first build.\n');
    rmSync(path.join(root, 'tickets/165/165004'), { recursive: true });
    const cached = path.join(root, '.astro/gitgus/pages/165/165004.json');
    expect(existsSync(cached)).toBe(true);
    const again = await buildSite({ root, out: path.join(tempDir('gitgus-site-'), 'dist'), now: NOW, search: false });
    expect(readFileSync(path.join(again.outDir, 'tickets/165003/index.html'), 'utf8')).toContain('A line added after the first build.');
    expect(existsSync(path.join(again.outDir, 'tickets/165004/index.html'))).toBe(false);
    expect(existsSync(cached)).toBe(false);
    expect(readFileSync(path.join(again.outDir, 'tickets/165005/index.html'), 'utf8')).toBe(readFileSync(path.join(built.outDir, 'tickets/165005/index.html'), 'utf8'));
  }, 180_000);

  it('builds into a folder on another file system (Astro alone fails there with EXDEV)', async () => {
    // /dev/shm is a tmpfs on every Linux this runs on; the project is on the main disk.
    expect(existsSync('/dev/shm'), 'needs /dev/shm (a tmpfs) as a second file system').toBe(true);
    expect(statSync('/dev/shm').dev).not.toBe(statSync(PROJECT_ROOT).dev);
    const out = path.join('/dev/shm', `gitgus-test-${process.pid}`, 'dist');
    try {
      const result = await buildSite({ root, out, now: NOW, search: false });
      expect(result.outDir).toBe(out);
      expect(readFileSync(path.join(out, 'tickets/165048/index.html'), 'utf8')).toContain('#165048');
      expect(existsSync(path.join(PROJECT_ROOT, '.astro', `out-${process.pid}`))).toBe(false);
    } finally {
      rmSync(path.dirname(out), { recursive: true, force: true });
    }
  }, 180_000);

  it('refuses a helpdesk with an invalid ticket, naming the file and field, and writes nothing', () => {
    const broken = makeHelpdesk({ files: { 'tickets/165/165999/index.md': '---\nnumber: 165999\ntitle: Broken\nstatus: done\n---\nx\n' } });
    const out = path.join(tempDir('gitgus-site-'), 'dist');
    const result = runGitgus(['build', '--root', broken, '--out', out, '--no-search']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/tickets\/165\/165999\/index\.md: status/);
    expect(existsSync(out)).toBe(false);
  });
});
