/**
 * Site parts (helpdesk.yml `siteParts`): the published site split by ticket-number range, each part its own
 * GitHub Pages project site on the main site's origin. A small helpdesk with two parts and the main site:
 * each output holds only its own ticket pages, the main site's listings link into the parts, real Chromium
 * finds a part's ticket from the main site's search (main and parts served under one origin at their
 * paths, as on owner.github.io), a part rebuilds incrementally to the bytes of its cold build, a change in
 * the main site's range leaves the parts alone, and bad settings give E_SITE_PARTS.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSettings } from '../lib/core/documents.ts';
import { ValidationError } from '../lib/errors.ts';
import { buildSite, partBuildReason } from '../lib/site/build.ts';
import { serveStatic } from '../site/serve.ts';
import { launchChromium } from '../site/testing.ts';
import { cleanupTemps, differences, git, listFiles, makeSmallHelpdesk, snapshot, tempDir } from './helpers.ts';

const PARTS = `siteUrl: https://example.github.io/helpdesk/
siteParts:
  - name: archive-1
    tickets: { from: 1001, to: 1002 }
    url: https://example.github.io/helpdesk-archive-1/
    repository: example/helpdesk-archive-1
  - name: archive-2
    tickets: { from: 1003, to: 1004 }
    url: https://example.github.io/helpdesk-archive-2/
    repository: example/helpdesk-archive-2
`;

function ticketPages(dir: string): number[] {
  return listFiles(dir)
    .map((file) => /^tickets\/(\d+)\/index\.html$/.exec(file)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
}

let root: string;
/** One folder served as the origin: the main site and each part at their paths. */
let origin: string;
const outOf = (name: string) => path.join(origin, name);

function commit(message: string): void {
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '-m', message]);
}

beforeAll(async () => {
  const small = makeSmallHelpdesk([
    { title: 'Zeppelin storage fails at the archive site', status: 'closed' },
    { title: 'An old transfer problem', status: 'closed' },
    { title: 'A ticket of the second archive part', status: 'closed' },
    { title: 'Another old one', status: 'solved' },
    { title: 'A current ticket', status: 'assigned', unit: 'ngi-de' },
    { title: 'The newest ticket' },
  ]);
  root = small.dir;
  writeFileSync(path.join(root, '.git/info/exclude'), '.astro/\n');
  const settings = readFileSync(path.join(root, 'helpdesk.yml'), 'utf8').replace(/^siteUrl: .*\n/m, '');
  writeFileSync(path.join(root, 'helpdesk.yml'), `${settings}${PARTS}`);
  commit('two site parts');
  origin = tempDir('gitgus-origin-');
  await buildSite({ root, out: outOf('helpdesk') });
  await buildSite({ root, out: outOf('helpdesk-archive-1'), part: 'archive-1' });
  await buildSite({ root, out: outOf('helpdesk-archive-2'), part: 'archive-2' });
}, 400_000);

afterAll(() => cleanupTemps());

describe('site parts', () => {
  it('writes each ticket page in exactly one site, and the main site links into the parts', () => {
    expect(ticketPages(outOf('helpdesk'))).toEqual([1005, 1006]);
    expect(ticketPages(outOf('helpdesk-archive-1'))).toEqual([1001, 1002]);
    expect(ticketPages(outOf('helpdesk-archive-2'))).toEqual([1003, 1004]);
    // A part is its ticket pages, its search index and a home saying what it holds; nothing of the main site.
    const part = listFiles(outOf('helpdesk-archive-1'));
    expect(part.filter((file) => file.endsWith('.html'))).toEqual(['index.html', 'tickets/1001/index.html', 'tickets/1002/index.html']);
    expect(part).not.toContain('feed.xml');
    expect(part.some((file) => file.startsWith('pagefind/'))).toBe(true);
    const home = readFileSync(path.join(outOf('helpdesk-archive-1'), 'index.html'), 'utf8');
    expect(home).toContain('#1001–#1002');
    expect(home).toContain('href="/helpdesk/"');
    // The archive lists the parts' closed tickets with their parts' addresses.
    const archive = listFiles(outOf('helpdesk'))
      .filter((file) => file.startsWith('archive/') && file.endsWith('.html'))
      .map((file) => readFileSync(path.join(outOf('helpdesk'), file), 'utf8'))
      .join('\n');
    expect(archive).toContain('href="/helpdesk-archive-1/tickets/1001/"');
    expect(archive).toContain('href="/helpdesk-archive-2/tickets/1003/"');
    expect(archive).not.toContain('href="/helpdesk/tickets/1001/"');
    const feed = readFileSync(path.join(outOf('helpdesk'), 'feed.xml'), 'utf8');
    expect(feed).toContain('https://example.github.io/helpdesk-archive-1/tickets/1001/');
    expect(feed).toContain('https://example.github.io/helpdesk/tickets/1005/');
    // A part's pages link home to the main site's sections.
    const ticket = readFileSync(path.join(outOf('helpdesk-archive-1'), 'tickets/1001/index.html'), 'utf8');
    expect(ticket).toContain('href="/helpdesk/queue/"');
    expect(ticket).toContain('href="/helpdesk/units/tpm/"');
  });

  it("the main site's search finds a ticket of a part (Chromium, one origin)", async () => {
    const server = await serveStatic(origin);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}helpdesk/search/?q=zeppelin`);
      await expect.poll(() => page.locator('#search-results a').allTextContents(), { timeout: 30_000 }).toEqual([expect.stringContaining('#1001')]);
      expect(await page.locator('#search-results a').getAttribute('href')).toBe('/helpdesk-archive-1/tickets/1001/');
      // And one of the main site's own tickets, from the same merged index.
      await page.goto(`${server.url}helpdesk/search/?q=newest`);
      await expect.poll(() => page.locator('#search-results a').getAttribute('href'), { timeout: 30_000 }).toBe('/helpdesk/tickets/1006/');
      await page.goto(`${server.url}helpdesk/search/?q=zeppelin`);
      await expect.poll(() => page.locator('#search-results a').count(), { timeout: 30_000 }).toBe(1);
      await page.locator('#search-results a').click();
      await expect.poll(() => page.locator('h1').textContent(), { timeout: 10_000 }).toContain('Zeppelin storage');
    } finally {
      await browser.close();
      await server.close();
    }
  }, 120_000);

  it('rebuilds a part incrementally to the bytes of its cold build; a change in the main range leaves it alone', async () => {
    const published = (result: { commit?: string; codeHash: string }) => `gitgus site part\n\nCommit: ${result.commit ?? ''}\nCode: ${result.codeHash}\n`;
    const before = await buildSite({ root, out: outOf('helpdesk-archive-1'), part: 'archive-1' });
    expect(before.mode).toBe('incremental');
    // A change in the main site's range: the part is current, and a build of it renders nothing.
    const index = path.join(root, 'tickets/1/1005/index.md');
    writeFileSync(index, readFileSync(index, 'utf8').replace('title: A current ticket', 'title: A current ticket, retitled'));
    commit('a change in the main range');
    expect(partBuildReason({ root, part: 'archive-1' }, published(before))).toBeUndefined();
    const untouched = await buildSite({ root, out: outOf('helpdesk-archive-1'), part: 'archive-1' });
    expect(untouched.mode).toBe('incremental');
    expect(untouched.rendered).toBe(1); // its home, rendered every time (same bytes)
    expect(untouched.searchIndexed).toBe(0);
    // A change in the part's range: it must be built, and its incremental build equals a cold one.
    const messages = path.join(root, 'tickets/1/1001/messages');
    mkdirSync(messages, { recursive: true });
    writeFileSync(path.join(messages, '20261103T100000Z-0000cafe.md'), '---\ndate: 2026-11-03T10:00:00Z\nauthor:\n  name: A. Supporter\n  role: supporter\n  unit: tpm\nvisibility: public\nsource: cli\n---\nThe zeppelin is back: quarkonium.\n');
    commit('a message in the first part');
    expect(partBuildReason({ root, part: 'archive-1' }, published(untouched))).toBe('ticket #1001 changed');
    expect(partBuildReason({ root, part: 'archive-2' }, published({ ...untouched, codeHash: (await buildSite({ root, out: outOf('helpdesk-archive-2'), part: 'archive-2' })).codeHash }))).toBeUndefined();
    const after = await buildSite({ root, out: outOf('helpdesk-archive-1'), part: 'archive-1' });
    expect(after.mode).toBe('incremental');
    expect(after.searchIndexed).toBe(1);
    expect(readFileSync(path.join(outOf('helpdesk-archive-1'), 'tickets/1001/index.html'), 'utf8')).toContain('quarkonium');
    const clone = path.join(tempDir('gitgus-cold-'), 'helpdesk');
    git(path.dirname(clone), ['clone', '-q', root, clone]);
    const cold = await buildSite({ root: clone, out: path.join(path.dirname(clone), 'helpdesk-archive-1'), part: 'archive-1' });
    expect(cold.mode).toBe('full');
    expect(differences(snapshot(outOf('helpdesk-archive-1')), snapshot(cold.outDir))).toEqual([]);
    expect(partBuildReason({ root, part: 'archive-1' }, '')).toBe('nothing of it is published yet');
  }, 400_000);

  it('refuses bad siteParts with E_SITE_PARTS, naming the field and the fix', () => {
    const base = 'name: H\nintake:\n  - address: helpdesk@ggus.example\n    unit: tpm\nsender: noreply@ggus.example\nsiteUrl: https://example.github.io/helpdesk/\n';
    const part = (name: string, from: number, to: number, url = `https://example.github.io/${name}/`) => `  - name: ${name}\n    tickets: { from: ${from}, to: ${to} }\n    url: ${url}\n    repository: example/${name}\n`;
    const problems = (text: string) => {
      try {
        parseSettings(text, 'helpdesk.yml');
      } catch (error) {
        if (error instanceof ValidationError) return error.problems;
        throw error;
      }
      return [];
    };
    /** code, field and whether message and hint say what they should. */
    const brief = (text: string, says: string, fix = '') => problems(text).map((p) => [p.code, p.field, p.message.includes(says), (p.hint ?? '').includes(fix)]);
    expect(brief(`${base}siteParts:\n${part('a', 1, 100)}${part('b', 100, 200)}`, "overlaps part 'a'", 'end one range')).toEqual([['E_SITE_PARTS', 'siteParts.1.tickets', true, true]]);
    expect(problems(`${base}siteParts:\n${part('a', 1, 100)}${part('b', 100, 200)}`)[0]?.file).toBe('helpdesk.yml');
    expect(brief(`${base}siteParts:\n${part('a', 9, 1)}`, 'from ≤ to', 'swap')).toEqual([['E_SITE_PARTS', 'siteParts.0.tickets', true, true]]);
    expect(brief(`${base}siteParts:\n${part('a', 1, 2)}${part('a', 3, 4)}`, 'a name of its own')).toEqual([['E_SITE_PARTS', 'siteParts.1.name', true, true]]);
    expect(brief(`${base}siteParts:\n${part('a', 1, 2, 'https://elsewhere.example/a/')}`, 'same origin', 'project site')).toEqual([['E_SITE_PARTS', 'siteParts.0.url', true, true]]);
    expect(brief(`${base}siteParts:\n${part('Not_A_Slug', 1, 2)}`, 'lower-case id')).toEqual([['E_SCHEMA', 'siteParts.0.name', true, true]]);
    expect(problems(`${base}siteParts:\n${part('a', 1, 2)}${part('b', 3, 4)}`)).toEqual([]);
    expect(existsSync(outOf('helpdesk-archive-2'))).toBe(true);
  });
});
