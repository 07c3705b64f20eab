/**
 * A site built from hostile tickets — script tags, event handlers, javascript: and data: links, SVG with
 * script, remote images, HTML in names, titles, sites and unit names, HTML and SVG attachments — browsed
 * page by page in real headless Chromium: no dialog opens, no script from ticket data runs, no request
 * leaves 127.0.0.1, and the console stays free of errors (a CSP violation would be one).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeMessage, serializeTicket } from '../lib/core/documents.ts';
import { messageFileName, messagesDir, ticketDir, ticketIndexPath } from '../lib/core/paths.ts';
import type { MessageInput } from '../lib/core/schema/message.ts';
import type { TicketInput } from '../lib/core/schema/ticket.ts';
import { buildSite, type BuildResult } from '../lib/site/build.ts';
import { serveStatic, type StaticServer } from '../site/serve.ts';
import { addressesIn, launchChromium, listFiles, readOutput } from '../site/testing.ts';
import { cleanupTemps, git, makeHelpdesk, tempDir } from './helpers.ts';

const SECRET = 'INTERNAL-SECRET-MARKER-7f3a9 the vpn password is hunter2';
const PRIVATE = ['mallory@evil.example', 'cc-person@evil.example', 'jane.hidden@uni.example', 'evil-list@evil.example', 'member@evil.example'];

const HOSTILE_MARKDOWN = `Hello <script>alert('script')</script> world.

<img src="http://127.0.0.2:9/pixel.gif" onerror="alert('img')">

![tracker](https://tracker.evil.example/pixel.png) and ![local](/favicon.svg)

[click me](javascript:alert('link')) · [data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) · [vb](vbscript:msgbox(1))

<a href="javascript:alert('raw-a')">raw anchor</a> <a href="&#106;avascript:alert('entity')">entity link</a>

<svg><script>alert('svg')</script><circle onload="alert('circle')"/></svg>

<iframe src="https://evil.example/"></iframe><object data="https://evil.example/x.swf"></object><embed src="https://evil.example/x">

<style>body { background: url(https://evil.example/bg.png) }</style><link rel=stylesheet href="https://evil.example/x.css">

<meta http-equiv="refresh" content="0;url=https://evil.example/"><base href="https://evil.example/">

<form action="https://evil.example/"><input name=x><button>go</button></form>

<javascript:alert('autolink')> [reference][evil]

Mail me: jane.hidden&#64;uni.example or <mallory@evil.example> or cc-person%40evil.example

[x](https://evil.example/ "t\\" onmouseover=\\"alert('attr')")

<details open ontoggle="alert('toggle')"><summary>s</summary>x</details>

[evil]: javascript:alert('ref')
`;

const MALLORY = { name: "<svg onload=alert('name')>Mallory</svg>", email: 'mallory@evil.example' };

function hostileFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  files['units/evil.md'] = `---
id: evil
name: "<img src=x onerror=alert('unit')>Evil <script>alert('unit2')</script> unit"
family: service
mailingList: evil-list@evil.example
members:
  - name: "<b onclick=alert('member')>Member</b>"
    email: member@evil.example
---
${HOSTILE_MARKDOWN}`;
  const ticket = (number: number, extra: Partial<TicketInput>): TicketInput => ({
    number,
    title: `<script>alert('title')</script><img src=x onerror=alert('title-img')> "quoted" & <b>bold</b> #${number}`,
    status: 'in progress',
    priority: 'top priority',
    type: 'USER',
    issue: 'Other',
    unit: 'evil',
    vo: 'cms',
    site: "<img src=x onerror=alert('site')>",
    submitter: MALLORY,
    cc: ['cc-person@evil.example'],
    created: '2026-11-01T10:00:00Z',
    source: { kind: 'email', address: 'helpdesk@ggus.example' },
    origin: { system: "<b onclick=alert('origin')>remote</b>", id: "javascript:alert('origin-id')" },
    ...extra,
  });
  const tickets: { ticket: TicketInput; messages: { message: MessageInput; body: string }[]; files: Record<string, string> }[] = [
    {
      ticket: ticket(170001, {
        attachments: [
          { file: 'evil.svg', size: 90, type: 'image/svg+xml' },
          { file: 'page.html', size: 60, type: 'text/html' },
        ],
      }),
      files: {
        'evil.svg': `<svg xmlns="http://www.w3.org/2000/svg"><script>alert('attachment-svg')</script></svg>`,
        'page.html': `<script>alert('attachment-html')</script><img src=https://evil.example/x>`,
        'secret.txt': SECRET,
      },
      messages: [
        {
          message: {
            date: '2026-11-02T10:00:00Z',
            author: { name: "<img src=x onerror=alert('author')>Eve", email: 'mallory@evil.example', role: 'submitter' },
            visibility: 'public',
            source: 'mail',
            attachments: [{ file: 'evil.svg', size: 90, type: '<script>alert(1)</script>' }],
          },
          body: HOSTILE_MARKDOWN,
        },
        {
          message: {
            date: '2026-11-03T10:00:00Z',
            author: { name: 'Insider', email: 'member@evil.example', role: 'supporter', unit: 'evil' },
            visibility: 'internal',
            source: 'cli',
            attachments: [{ file: 'secret.txt', size: SECRET.length, type: 'text/plain' }],
          },
          body: `${SECRET}\n`,
        },
      ],
    },
    {
      ticket: ticket(170002, { status: 'solved', solution: { qualifier: 'fixed', text: HOSTILE_MARKDOWN }, relations: { related: [170001] } }),
      files: {},
      messages: [
        {
          message: { date: '2026-11-04T10:00:00Z', author: { name: 'Supporter <supporter@evil.example>', role: 'supporter', unit: 'evil', github: 'evil-supporter' }, visibility: 'public', source: 'pull-request' },
          body: '> Mallory <mallory@evil.example> wrote:\n> <script>alert(1)</script>\n\nFixed.',
        },
      ],
    },
  ];
  for (const { ticket: t, messages, files: attachments } of tickets) {
    files[ticketIndexPath(t.number)] = serializeTicket({ ticket: t, body: HOSTILE_MARKDOWN });
    messages.forEach((m, index) => {
      files[`${messagesDir(t.number)}/${messageFileName(m.message.date, `k${index}x${t.number}`)}`] = serializeMessage(m);
    });
    for (const [name, content] of Object.entries(attachments)) files[`${ticketDir(t.number)}/files/${name}`] = content;
  }
  return files;
}

let root: string;
let built: BuildResult;
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  root = makeHelpdesk({ example: true, files: hostileFiles() });
  git(root, ['rm', '-rq', 'tickets/165']);
  git(root, ['commit', '-qm', 'only hostile tickets']);
  built = await buildSite({ root, out: path.join(tempDir('gitgus-hostile-'), 'dist'), now: '2026-11-05T12:00:00Z' });
  server = await serveStatic(built.outDir);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  // GITGUS_KEEP_TEST_SITE=1 keeps the built site for a look at it.
  if (process.env.GITGUS_KEEP_TEST_SITE) process.stderr.write(`hostile site kept in ${built.outDir}\n`);
  else cleanupTemps();
});

describe('a site built from hostile tickets', () => {
  it('runs nothing from ticket data, loads nothing from elsewhere and logs no error on any page', async () => {
    const pages = listFiles(built.outDir).filter((f) => f.endsWith('.html'));
    expect(pages).toContain('tickets/170001/index.html');
    const context = await browser.newContext();
    const problems: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(server.url)) return route.continue();
      problems.push(`request off 127.0.0.1: ${url}`);
      return route.abort();
    });
    const page = await context.newPage();
    let current = '';
    page.on('dialog', (dialog) => {
      problems.push(`${current}: dialog "${dialog.message()}"`);
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`${current}: console error ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`${current}: page error ${error.message}`));
    for (const file of pages) {
      current = file;
      await page.goto(`${server.url}${file.replace(/index\.html$/, '')}`);
      // Hover and focus everything once, so mouse and focus handlers would fire if any survived.
      const findings = await page.evaluate(() => {
        const out: string[] = [];
        for (const element of Array.from(document.querySelectorAll('*'))) {
          for (const attribute of Array.from(element.attributes)) {
            if (/^on/i.test(attribute.name)) out.push(`handler ${element.tagName}[${attribute.name}]`);
            if (/^(href|src|action|formaction|xlink:href|data)$/i.test(attribute.name) && /^\s*(javascript|data|vbscript):/i.test(attribute.value)) out.push(`${element.tagName}[${attribute.name}=${attribute.value}]`);
          }
          if (['IFRAME', 'OBJECT', 'EMBED', 'IMG', 'FORM', 'BASE', 'STYLE', 'LINK', 'META', 'INPUT'].includes(element.tagName)) {
            const allowed =
              (element.tagName === 'LINK' && /^(stylesheet|icon|alternate)$/.test(element.getAttribute('rel') ?? '') && (element.getAttribute('href') ?? '').startsWith('/')) ||
              (element.tagName === 'META' && !element.closest('body')) ||
              (['FORM', 'INPUT'].includes(element.tagName) && element.closest('#queue-form, #search-form') !== null);
            if (!allowed) out.push(`element ${element.tagName}`);
          }
          if (element.tagName === 'SCRIPT' && !(element.getAttribute('src') ?? '').startsWith('/_astro/')) out.push('script not from the bundle');
        }
        return out;
      });
      for (const finding of findings) problems.push(`${file}: ${finding}`);
      await page.mouse.move(200, 300);
      await page.keyboard.press('Tab');
    }
    await context.close();
    expect(problems).toEqual([]);
  });

  it('publishes attachments only as inert downloads, and none of internal messages', async () => {
    const files = listFiles(built.outDir).filter((f) => f.includes('/files/'));
    expect(files.sort()).toEqual(['tickets/170001/files/1-evil.svg.bin', 'tickets/170001/files/2-page.html.bin']);
    const response = await fetch(`${server.url}tickets/170001/files/1-evil.svg.bin`);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    const html = readFileSync(path.join(built.outDir, 'tickets/170001/index.html'), 'utf8');
    expect(html).toContain('download="evil.svg"');
  });

  it('shows no private address and no internal text anywhere, and masks addresses in text', () => {
    const leaks: string[] = [];
    for (const file of listFiles(built.outDir)) {
      const text = readOutput(path.join(built.outDir, file));
      const found = addressesIn(text);
      for (const address of PRIVATE) if (found.has(address)) leaks.push(`${file}: ${address}`);
      if (text.includes('INTERNAL-SECRET-MARKER')) leaks.push(`${file}: internal text`);
    }
    expect(leaks).toEqual([]);
    const html = readFileSync(path.join(built.outDir, 'tickets/170001/index.html'), 'utf8');
    expect(html).toContain('j…@uni.example');
    expect(html).toContain('m…@evil.example');
    expect(html).toContain('&lt;script&gt;');
  });
});
