/**
 * The site's pure parts, without a build: address masking, the sanitizing Markdown pipeline, the public
 * projection, listings, exports, history facts, the support model, charts, and the static server's
 * path guard.
 */
import { describe, expect, it } from 'vitest';
import { outdent } from 'outdent';
import type { MessageDoc, TicketDoc } from '../lib/core/documents.ts';
import type { TicketEvent } from '../lib/core/events.ts';
import { PRIORITIES } from '../lib/core/schema/ticket.ts';
import { exportCsv } from '../site/lib/exports.ts';
import { factsOf, publicEntry } from '../site/lib/history.ts';
import { queuePages, slug, queuePath } from '../site/lib/listing.ts';
import { createTicketTextRenderer } from '../site/lib/markdown.ts';
import { PRIORITY_ORDER } from '../site/lib/order.ts';
import { addressPolicy, maskAddress, maskAddresses } from '../lib/core/privacy.ts';
import { publicTicket, publicTicketPage } from '../site/lib/public.ts';
import { supportModel } from '../site/lib/support-model.ts';
import { monthlyChart, agesChart } from '../site/lib/charts.ts';
import type { ViewTicket } from '../site/lib/view.ts';
import { resolveRequest } from '../site/serve.ts';
import { pageShapingModules, renderSalt } from '../site/lib/ticket-prepare.ts';
import { readFileSync } from 'node:fs';

const policy = addressPolicy(['helpdesk@ggus.example']);
const render = createTicketTextRenderer(policy);

describe('address masking', () => {
  it('masks every address but the visible intake ones, also URL-encoded and idempotently', () => {
    expect(maskAddress('jane.doe@uni.example')).toBe('j…@uni.example');
    const text = 'Write to helpdesk@ggus.example or Jane <jane.doe@uni.example>, see https://x.example/?u=jane%40uni.example';
    const masked = maskAddresses(text, policy);
    expect(masked).toBe('Write to helpdesk@ggus.example or Jane <j…@uni.example>, see https://x.example/?u=j…@uni.example');
    expect(maskAddresses(masked, policy)).toBe(masked);
  });

  it('keeps the backticks of Markdown code around an address', () => {
    expect(maskAddresses('mail `jane.doe@uni.example` now', policy)).toBe('mail `j…@uni.example` now');
    expect(render('Write to `jane.doe@uni.example`.')).toContain('<code>j…@uni.example</code>');
  });
});

describe('ticket text rendering', () => {
  const REL = 'rel="nofollow noopener noreferrer ugc"';
  /** What must never be in a tag: script-capable elements, handlers, script or data URLs, images. */
  const dangerousTags = (html: string) => (html.match(/<[^>]+>/g) ?? []).filter((tag) => /^<(script|img|iframe|svg|object|embed)\b|\son\w+=|javascript:|data:|vbscript:|mailto:|=\s*"?\/\//i.test(tag));

  it('removes scripts, handlers, script-capable links and remote images, and masks decoded addresses', () => {
    const html = render(outdent`
      <script>alert(1)</script> <img src="https://t.example/p.gif" onerror="alert(2)">

      [a](javascript:alert(3)) [b](data:text/html,x) [c](https://ok.example/) ![px](https://t.example/pixel.png)

      jane&#64;uni.example
    `);
    expect(dangerousTags(html)).toEqual([]);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain(`<a href="https://ok.example/" ${REL}>c</a>`);
    expect(html).toContain(`<a href="https://t.example/pixel.png" ${REL} class="image-link">[image: px]</a>`);
    expect(html).toContain('j…@uni.example');
    expect(html).not.toContain('jane');
  });

  it('renders tables, strikethrough, bare links, lists, quotes and code as their elements', () => {
    const html = render(outdent`
      | Site | State |
      |:-----|------:|
      | FZK  | ~~down~~ |

      See https://ggus.example/status and www.cern.ch, but not setup.py.

      - one
      - two

      3. three
      4. four

      > quoted

      # Heading

      \`\`\`sh
      voms-proxy-info --all
      \`\`\`
    `);
    expect(html).toMatch(/<table>\s*<thead>\s*<tr>\s*<th style="text-align:left">Site<\/th>\s*<th style="text-align:right">State<\/th>/);
    expect(html).toContain('<td style="text-align:right"><s>down</s></td>');
    expect(html).toContain(`<a href="https://ggus.example/status" ${REL}>https://ggus.example/status</a>`);
    expect(html).toContain(`<a href="http://www.cern.ch" ${REL}>www.cern.ch</a>`);
    expect(html).toContain('not setup.py.');
    expect(html).toMatch(/<ul>\s*<li>one<\/li>\s*<li>two<\/li>\s*<\/ul>/);
    expect(html).toMatch(/<ol start="3">\s*<li>three<\/li>/);
    expect(html).toMatch(/<blockquote>\s*<p>quoted<\/p>\s*<\/blockquote>/);
    // No ids: a heading in a message must not clash with the page's own anchors.
    expect(html).toContain('<h1>Heading</h1>');
    expect(html).toContain('<pre><code>voms-proxy-info --all\n</code></pre>');
  });

  it('makes no image, handler, script, data, mail or protocol-relative link out of hostile Markdown, the same every time', () => {
    const hostile = outdent`
      [x](mailto:a@b.example) <a href="javascript:alert(1)">x</a> [y](//t.example/) [z](/\\t.example/)

      ![p](data:image/png;base64,AAAA) ![p](//t.example/p.gif) ![](/favicon.svg) <img src=x onerror=alert(1)>

      <mailto:carl@uni.example> <javascript:alert(2)>
    `;
    const html = render(hostile);
    expect(dangerousTags(html)).toEqual([]);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('<span class="image-link">[image: image]</span>');
    expect(html).not.toMatch(/\b(a|carl)@/);
    expect(render(hostile)).toBe(html);
  });

  it('masks addresses in code and in link URLs, and keeps the intake address visible', () => {
    const html = render(outdent`
      Write to helpdesk@ggus.example, not *jane*@uni.example.

      \`\`\`
      From: jane.doe@uni.example
      \`\`\`

          indented bob@uni.example

      See [the log](https://logs.example/view?user=carl&#64;uni.example&x=1) or https://logs.example/?u=dora%40uni.example and \`mail eve@uni.example\`.
    `);
    expect(html).toContain('helpdesk@ggus.example');
    expect(html).toContain('<pre><code>From: j…@uni.example\n</code></pre>');
    expect(html).toContain('b…@uni.example');
    expect(html).toContain(`<a href="https://logs.example/view?user=c…@uni.example&amp;x=1" ${REL}>the log</a>`);
    // The source is masked before parsing, so a bare link ends where the mask's `…` begins.
    expect(html).toMatch(/\?u=d(<\/a>)?…@uni\.example/);
    expect(html).toContain('<code>mail e…@uni.example</code>');
    expect(html).not.toMatch(/jane|bob@|carl|dora|eve@/);
  });
});

function ticketDoc(extra: Record<string, unknown> = {}): TicketDoc {
  return {
    ticket: {
      number: 165001,
      title: 'Jobs fail, mail jane.doe@uni.example',
      status: 'in progress',
      priority: 'urgent',
      type: 'USER',
      category: 'incident',
      issue: 'Other',
      unit: 'ngi-de',
      submitter: { name: 'Jane Doe <jane.doe@uni.example>', email: 'jane.doe@uni.example' },
      cc: ['cc@uni.example'],
      notify: 'on solution',
      created: '2026-11-01T10:00:00Z',
      source: { kind: 'email', address: 'helpdesk@ggus.example' },
      assignee: 'someone@kit.example',
      ...extra,
    },
    body: 'Request text.\n',
  };
}

function message(visibility: 'public' | 'internal', date: string, role: 'submitter' | 'supporter', file?: string): MessageDoc {
  return {
    message: { date, author: { name: `${role} person`, email: `${role}@kit.example`, role }, visibility, source: 'mail', ...(file ? { attachments: [{ file, size: 3, type: 'text/plain' }] } : {}) },
    body: visibility === 'internal' ? 'SECRET internal note\n' : 'Public answer.\n',
  };
}

describe('the public projection', () => {
  it('keeps no address, no internal message and no attachment of an internal message', () => {
    const messages = [message('public', '2026-11-02T10:00:00Z', 'supporter', 'log.txt'), message('internal', '2026-11-03T10:00:00Z', 'supporter', 'secret.txt')];
    const page = publicTicketPage(ticketDoc(), messages, policy);
    const text = JSON.stringify(page);
    expect(text).not.toMatch(/jane\.doe@|cc@uni|someone@kit|supporter@kit|SECRET|secret\.txt/);
    expect(page.messages).toHaveLength(1);
    expect(page.ticket.attachments.map((a) => a.published)).toEqual(['1-log.txt.bin']);
    expect(page.ticket.assignee).toBeUndefined();
    expect(page.ticket.intake).toBe('helpdesk@ggus.example');
    expect(page.ticket.submitter).toBe('Jane Doe <j…@uni.example>');
    expect(page.ticket.firstResponse).toBe('2026-11-02T10:00:00Z');
    expect(page.ticket.lastChange).toBe('2026-11-02T10:00:00Z');
  });

  it('shows a GitHub login as assignee', () => {
    expect(publicTicket(ticketDoc({ assignee: 'anna-kit' }), [], policy).assignee).toBe('anna-kit');
  });
});

function view(number: number, extra: Partial<ViewTicket> = {}): ViewTicket {
  return {
    number,
    title: `t${number}`,
    status: 'in progress',
    priority: 'urgent',
    originalPriority: 'urgent',
    type: 'USER',
    category: 'incident',
    issue: 'Other',
    unit: 'ngi-de',
    created: '2026-11-01T10:00:00Z',
    submitter: 'x',
    sourceKind: 'email',
    lastChange: '2026-11-01T10:00:00Z',
    publicMessages: 0,
    attachments: [],
    colour: 'green',
    open: true,
    ...extra,
  };
}

describe('listings', () => {
  it('makes safe, distinct URL segments', () => {
    expect(slug('in progress')).toBe('in-progress');
    expect(slug('FZK-LCG2')).toBe('FZK-LCG2');
    const hostile = slug('<img src=x onerror=alert(1)>');
    expect(hostile).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(slug('a b')).not.toBe(slug('a_b'));
    expect(queuePath({ facet: 'status', value: 'waiting for reply' }, 'newest', 2)).toBe('queue/status/waiting-for-reply/sort/newest/2/');
  });

  it('pre-builds every facet value in every sort order, paginated by 50', () => {
    const open = Array.from({ length: 120 }, (_, i) => view(1000 + i, { unit: i % 2 ? 'ngi-de' : 'ngi-it', priority: i % 3 ? 'urgent' : 'top priority' }));
    const pages = queuePages(open);
    const all = pages.filter((p) => !p.filter && p.sort === 'priority');
    expect(all.map((p) => p.tickets.length)).toEqual([50, 50, 20]);
    expect(all[0]?.tickets[0]?.priority).toBe('top priority');
    expect(pages.filter((p) => p.filter?.facet === 'unit' && p.filter.value === 'ngi-de' && p.sort === 'newest').map((p) => p.path)).toEqual(['unit/ngi-de/sort/newest', 'unit/ngi-de/sort/newest/2']);
    expect(new Set(pages.map((p) => p.path)).size).toBe(pages.length);
  });

  it('sorts priorities in the schema order', () => {
    expect([...PRIORITY_ORDER]).toEqual([...PRIORITIES]);
  });
});

describe('exports', () => {
  it('writes GGUS search columns and neutralises spreadsheet formulas', () => {
    const csv = exportCsv([view(1, { title: '=HYPERLINK("http://evil.example")', vo: 'cms' })]);
    const [header, row] = csv.trim().split('\n');
    expect(header).toBe('Ticket-ID,Type,VO,Site,Priority,Responsible Unit,Status,Date of Creation,Last Update,Type of Problem,Subject,Priority Colour');
    expect(row).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
  });
});

describe('history facts', () => {
  const base = { ticket: 1, commit: 'c', actor: { name: 'a', email: 'a@kit.example' } };
  const events: TicketEvent[] = [
    { ...base, time: '2026-11-01T12:00:00Z', type: 'created', title: 't', status: 'assigned', unit: 'ngi-de', priority: 'urgent', ticketType: 'USER' },
    { ...base, time: '2026-11-02T10:00:00Z', type: 'status', from: 'assigned', to: 'waiting for reply' },
    { ...base, time: '2026-11-02T11:00:00Z', type: 'message', file: 'm', visibility: 'internal', author: { name: 'x', role: 'supporter' } },
    { ...base, time: '2026-11-04T10:00:00Z', type: 'status', from: 'waiting for reply', to: 'in progress' },
    { ...base, time: '2026-11-05T10:00:00Z', type: 'field', field: 'cc', from: [], to: ['x@uni.example'] },
    { ...base, time: '2026-11-06T10:00:00Z', type: 'status', from: 'in progress', to: 'solved', solution: { qualifier: 'fixed', text: 'done' } },
  ];

  it('computes first action, waiting time, solving and closing from the events', () => {
    const facts = factsOf(events, '2026-11-01T10:00:00Z');
    expect(facts.firstAction).toBe('2026-11-02T10:00:00Z');
    expect(facts.waitingMs).toBe(2 * 86_400_000);
    expect(facts.solvedAt).toBe('2026-11-06T10:00:00Z');
    expect(facts.closedAt).toBe('2026-11-06T10:00:00Z');
  });

  it('puts only public facts on the timeline', () => {
    const ticket = view(1, { created: '2026-11-01T10:00:00Z' });
    const entries = events.map((e) => publicEntry(e, ticket, policy)).filter(Boolean);
    expect(entries.map((e) => e?.text)).toEqual(['Created (USER, urgent), responsible unit ngi-de', 'Status assigned → waiting for reply', 'Status waiting for reply → in progress', 'Copy list changed', 'Status in progress → solved (fixed)']);
    expect(entries[0]?.time).toBe('2026-11-01T10:00:00Z');
  });
});

describe('support model and charts', () => {
  it('draws intake → TPM / TPM VO → families from the settings and units', () => {
    const unit = (id: string, family: 'tpm' | 'tpm-vo' | 'vo' | 'ngi') => ({ id, name: id, family, qos: 'base' as const, timezone: 'UTC', officeHours: { days: ['mon' as const], start: '09:00', end: '17:00' }, memberCount: 1, description: '' });
    const layout = supportModel(
      {
        name: 'h',
        intake: [
          { address: 'helpdesk@ggus.example', unit: 'tpm' },
          { address: 'vo@ggus.example', unit: 'tpm-vo' },
        ],
        subjectTag: '[#{number}]',
        siteUrl: 'https://x.example/',
        branch: 'main',
      },
      [unit('tpm', 'tpm'), unit('tpm-vo', 'tpm-vo'), unit('atlas', 'vo'), unit('ngi-de', 'ngi')],
    );
    const edges = layout.edges.map((e) => `${e.from}>${e.to}`);
    expect(edges).toEqual(expect.arrayContaining(['intake-0>unit-tpm', 'intake-1>unit-tpm-vo', 'unit-tpm>family-vo', 'unit-tpm>family-ngi', 'unit-tpm-vo>family-vo', 'unit-tpm-vo>unit-tpm']));
    expect(layout.edges.every((e) => e.path.startsWith('M'))).toBe(true);
  });

  it('lays out bars from the data with d3 scales', () => {
    const chart = monthlyChart([
      { month: '2026-09', submitted: 4, closed: 2 },
      { month: '2026-10', submitted: 8, closed: 0 },
    ]);
    expect(chart.rects).toHaveLength(4);
    const [sept, , oct] = chart.rects;
    expect(sept && oct && oct.height).toBeCloseTo(2 * (sept?.height ?? 0));
    const ages = agesChart([{ bucket: 'a', counts: { green: 1, red: 2 } }], ['green', 'red']);
    expect(ages.rects.map((r) => r.className)).toEqual(['fill-green', 'fill-red']);
  });
});

describe('the static server', () => {
  it('never maps a request outside the site folder', () => {
    expect(resolveRequest('/tmp', '/', '/../etc/passwd')).toBeUndefined();
    expect(resolveRequest('/tmp', '/', '/%2e%2e/etc/passwd')).toBeUndefined();
    expect(resolveRequest('/tmp', '/', '/a%00b')).toBeUndefined();
  });
});

describe('the prepared-page cache key', () => {
  it('covers every module and schema that shapes a page (bug: the salt hashed four modules, so a schema change left stale cached pages)', () => {
    const policy = addressPolicy(['helpdesk@example.org']);
    const modules = pageShapingModules();
    const names = modules.map((module) => module.pathname.slice(module.pathname.lastIndexOf('/lib/')));
    for (const name of ['/lib/core/schema/ticket.ts', '/lib/core/schema/message.ts', '/lib/core/documents.ts', '/lib/core/privacy.ts', '/lib/markdown.ts', '/lib/public.ts']) expect(names).toContain(name);
    const before = renderSalt(policy, modules);
    expect(renderSalt(policy, modules)).toBe(before);
    // The same modules with one schema's source changed: a new salt, so every cached page is prepared again.
    const schema = modules.find((module) => module.pathname.endsWith('/lib/core/schema/ticket.ts'))!;
    const changed = renderSalt(policy, modules, (module) => (module.href === schema.href ? Buffer.concat([readFileSync(module), Buffer.from('\n// changed\n')]) : readFileSync(module)));
    expect(changed).not.toBe(before);
  });
});
