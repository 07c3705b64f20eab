/**
 * Incremental site builds (site/lib/incremental.ts, site/lib/manifest.ts): after every kind of change a
 * helpdesk sees, the kept output rebuilt incrementally equals a cold build of the same commit in a fresh
 * clone, file by file and byte for byte (search index included); what cannot be incremental says so and
 * builds everything; and real Chromium finds, in one search, tickets of two search ranges (Pagefind's
 * mergeIndex over `pagefind/ranges.json`).
 */
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, type BuildResult } from '../lib/site/build.ts';
import { manifestPath } from '../site/lib/manifest.ts';
import { serveStatic } from '../site/serve.ts';
import { launchChromium } from '../site/testing.ts';
import { cleanupTemps, differences, git, listFiles, makeSmallHelpdesk, snapshot, tempDir } from './helpers.ts';

let root: string;
let out: string;
const said: string[] = [];

async function incremental(): Promise<BuildResult> {
  return buildSite({ root, out, say: (line) => said.push(line) });
}

/** A cold build of the helpdesk's HEAD: a fresh clone (no caches), a fresh output folder. */
async function cold(): Promise<Map<string, string>> {
  const clone = path.join(tempDir('gitgus-cold-'), 'helpdesk');
  git(path.dirname(clone), ['clone', '-q', root, clone]);
  const result = await buildSite({ root: clone, out: path.join(path.dirname(clone), 'dist') });
  expect(result.mode).toBe('full');
  return snapshot(result.outDir);
}

/** When each ticket page was last written. */
function ticketPageTimes(): Map<string, number> {
  return new Map(
    listFiles(out)
      .filter((file) => /^tickets\/\d+\/index\.html$/.test(file))
      .map((file) => [file, statSync(path.join(out, file)).mtimeMs]),
  );
}

function edit(file: string, change: (text: string) => string): void {
  const full = path.join(root, file);
  const before = readFileSync(full, 'utf8');
  const after = change(before);
  expect(after, `${file} changed`).not.toBe(before);
  writeFileSync(full, after);
}

function commit(message: string): void {
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '-m', message]);
}

beforeAll(async () => {
  // Eighty tickets in one search range (#1001–#1080), most of them closed, as an old helpdesk’s are; #1003
  // has a conversation.
  const statuses = ['closed', 'closed', 'in progress', 'solved', 'closed', 'verified', 'new', 'closed', 'waiting for reply', 'closed'] as const;
  root = makeSmallHelpdesk(
    Array.from({ length: 80 }, (_, index) => ({
      status: statuses[index % statuses.length],
      unit: ['cic', 'ngi-de', 'ngi-it', 'dcache', 'atlas'][index % 5],
      title: `Ticket ${1001 + index} about storage at site ${index % 7}`,
      messages:
        index === 2
          ? [
              { date: '2026-11-03T10:00:00Z', text: 'The pool is full again.' },
              { date: '2026-11-04T10:00:00Z', author: { name: 'Claire Cic', github: 'claire-cic', role: 'supporter', unit: 'cic' }, source: 'cli', text: 'We are cleaning up.' },
            ]
          : [],
    })),
  ).dir;
  // Build output and caches stay out of the helpdesk's commits, as the init template's .gitignore does.
  writeFileSync(path.join(root, '.git/info/exclude'), '.astro/\n');
  out = path.join(tempDir('gitgus-out-'), 'dist');
  const first = await incremental();
  expect(first.mode).toBe('full');
  expect(said).toEqual(['full build: no manifest of an earlier build']);
}, 240_000);

afterAll(() => cleanupTemps());

describe('incremental site builds', () => {
  it('renders only what a day of changes reaches, and equals a cold build byte for byte', async () => {
    // A new ticket (a copy of 1010 under a new number), a message added to 1003, and status, unit,
    // priority and relation changes on other tickets: one commit, as a busy intake/pull-request day makes.
    cpSync(path.join(root, 'tickets/1/1010'), path.join(root, 'tickets/1/1081'), { recursive: true });
    edit('tickets/1/1081/index.md', (text) => text.replace('number: 1010', 'number: 1081').replace(/^title: .*$/m, 'title: A brand new ticket about xrootd zeppelin redirection'));
    // And one in another search range (#10000–#19999), so one search must merge two indexes.
    cpSync(path.join(root, 'tickets/1/1010'), path.join(root, 'tickets/10/10001'), { recursive: true });
    edit('tickets/10/10001/index.md', (text) => text.replace('number: 1010', 'number: 10001').replace(/^title: .*$/m, 'title: An older ticket about zeppelin storage'));
    const messages = path.join(root, 'tickets/1/1003/messages');
    const first = readdirSync(messages)
      .filter((name) => name.endsWith('.md'))
      .sort()[0] as string;
    writeFileSync(path.join(messages, '20991231T235959Z-0000beef.md'), readFileSync(path.join(messages, first), 'utf8').replace(/\n---\n[\s\S]*$/, '\n---\nA message added after the first build: quarkonium.\n'));
    edit('tickets/1/1010/index.md', (text) => text.replace('status: closed', 'status: verified'));
    edit('tickets/1/1011/index.md', (text) => text.replace(/^unit: .*$/m, 'unit: ngi-fr'));
    edit('tickets/1/1012/index.md', (text) => text.replace(/^priority: .*$/m, 'priority: top priority'));
    edit('tickets/1/1013/index.md', (text) => text.replace(/^created: /m, 'relations:\n  related: [1014]\ncreated: '));
    commit('a day of changes');
    const before = ticketPageTimes();
    const result = await incremental();
    expect(result.mode).toBe('incremental');
    // The changed tickets' pages are written again; untouched closed tickets' pages are not.
    const after = ticketPageTimes();
    const rewritten = [...after].filter(([file, time]) => before.get(file) !== time).map(([file]) => file);
    for (const number of [1003, 1010, 1011, 1012, 1013, 1081]) expect(rewritten).toContain(`tickets/${number}/index.html`);
    expect(rewritten.length).toBeLessThan(before.size / 2);
    expect(result.rendered).toBeLessThan(result.pages);
    expect(readFileSync(path.join(out, 'tickets/1003/index.html'), 'utf8')).toContain('quarkonium');
    expect(differences(snapshot(out), await cold())).toEqual([]);
    expect(result.searchRanges).toBe(2);

    // Real Chromium: one search finds tickets of both ranges (the browser merges the two indexes).
    const server = await serveStatic(out);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}search/?q=zeppelin`);
      await expect.poll(() => page.locator('#search-results a').allTextContents(), { timeout: 30_000 }).toEqual(expect.arrayContaining([expect.stringContaining('#10001'), expect.stringContaining('#1081')]));
      await page.goto(`${server.url}search/?q=quarkonium`);
      await expect.poll(() => page.locator('#search-results a').allTextContents(), { timeout: 30_000 }).toEqual([expect.stringContaining('#1003')]);
    } finally {
      await browser.close();
      await server.close();
    }
  }, 240_000);

  it('removes a deleted ticket and follows unit and settings edits, and equals a cold build byte for byte', async () => {
    rmSync(path.join(root, 'tickets/1/1081'), { recursive: true });
    edit('units/ngi-fr.md', (text) => text.replace(/^name: .*$/m, 'name: NGI France (renamed)'));
    edit('helpdesk.yml', (text) => text.replace('name: Example Grid Helpdesk', 'name: Example Grid Helpdesk (renamed)'));
    commit('a deletion, a unit edit, a settings edit');
    const result = await incremental();
    expect(result.mode).toBe('incremental');
    expect(result.removed).toBeGreaterThan(0);
    expect(existsSync(path.join(out, 'tickets/1081/index.html'))).toBe(false);
    expect(readFileSync(path.join(out, 'tickets/1011/index.html'), 'utf8')).toContain('NGI France (renamed)');
    expect(differences(snapshot(out), await cold())).toEqual([]);
  }, 240_000);

  it('falls back to a full build, saying why in one line, when the code changed or the manifest is gone', async () => {
    // What other code looks like to the build: a manifest whose code hash is not this code's.
    const manifest = JSON.parse(readFileSync(manifestPath(out), 'utf8')) as { codeHash: string };
    writeFileSync(manifestPath(out), JSON.stringify({ ...manifest, codeHash: 'made-by-other-code' }));
    edit('tickets/1/1012/index.md', (text) => text.replace(/^priority: .*$/m, 'priority: urgent'));
    commit('one more change');
    said.length = 0;
    const changed = await incremental();
    expect(changed.mode).toBe('full');
    expect(said).toEqual(['full build: the site code, its dependencies or the build settings changed']);
    const reference = await cold();
    expect(differences(snapshot(out), reference)).toEqual([]);

    rmSync(manifestPath(out));
    said.length = 0;
    const missing = await incremental();
    expect(missing.mode).toBe('full');
    expect(said).toEqual(['full build: no manifest of an earlier build']);
    expect(differences(snapshot(out), reference)).toEqual([]);
  }, 240_000);
});
