/**
 * Writes the bundled example helpdesk (helpdesk.yml, units/, tickets/) deterministically:
 * the same code writes the same bytes. Run `npm run example:generate` after changing the formats.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serializeSettings, serializeUnit } from '../lib/core/documents.ts';
import { unitPath } from '../lib/core/paths.ts';
import { STATUSES, isOpen, type Status } from '../lib/core/schema/ticket.ts';
import { EXAMPLE_UNITS, unitInput } from './example/units.ts';
import { SITES, VOS, generateTicket, rng, ticketFiles, type GeneratedTicket, type TicketPlan } from './example/synthetic.ts';
import { isoSeconds } from '../lib/core/time.ts';

export const EXAMPLE_SETTINGS = {
  name: 'Example Grid Helpdesk',
  intake: [
    { address: 'helpdesk@ggus.example', unit: 'tpm', name: 'General helpdesk' },
    { address: 'vo-user-support@ggus.example', unit: 'tpm-vo', name: 'VO user support' },
  ],
  sender: 'noreply@ggus.example',
  subjectTag: '[GGUS #{number}]',
  siteUrl: 'https://helpdesk.example.org/',
  numberingStart: 165001,
  repository: 'example-grid/helpdesk',
  vos: [...VOS],
  sites: SITES,
  administrators: ['tpm-shifter'],
  // The example's receiving server: the only one whose Authentication-Results intake believes.
  mail: { attachmentMaxBytes: 10 * 1024 * 1024, ccLimit: 20, authservIds: ['mx.ggus.example'] },
};

const FIRST = 165001;
const COUNT = 48;
/** Fixed "now" of the example, so its dates never move. */
const EPOCH = Date.UTC(2026, 10, 20, 9, 0, 0);

/** Hand-picked choices so that every unit of the example has at least one ticket. */
const COVERAGE: Record<number, TicketPlan['choose']> = {
  1: { scenario: 2, vo: 'cms' },
  2: { scenario: 2, vo: 'lhcb' },
  3: { scenario: 2, vo: 'alice' },
  4: { scenario: 0, site: 'RAL-LCG2' },
  5: { scenario: 3, site: 'praguelcg2' },
  6: { scenario: 11, site: 'NDGF-T1' },
};

function exampleTickets(): GeneratedTicket[] {
  const random = rng(20061127);
  const tickets: GeneratedTicket[] = [];
  for (let i = 0; i < COUNT; i += 1) {
    // Every status appears several times; newest tickets are the open ones, as in a real queue.
    const status: Status = i < 28 ? (STATUSES[i % STATUSES.length] as Status) : ((['closed', 'verified', 'in progress', 'assigned', 'waiting for reply'] as const)[i % 5] as Status);
    const created = new Date(EPOCH - (COUNT - i) * 30 * 3600_000);
    const messageCount = status === 'new' ? 0 : status === 'assigned' ? 1 : 2 + (i % 4);
    const choose = COVERAGE[i];
    tickets.push(generateTicket({ number: FIRST + i, created, status, random, intake: { helpdesk: 'helpdesk@ggus.example', vo: 'vo-user-support@ggus.example' }, messageCount, extraWords: 0, ...(choose ? { choose } : {}) }));
  }
  const byNumber = (n: number) => tickets[n - FIRST] as GeneratedTicket;

  // One internal note, visible to supporters only.
  const noted = byNumber(165012);
  const lastDate = noted.messages.at(-1)?.message.date ?? noted.ticket.created;
  noted.messages.push({
    message: { date: isoSeconds(Date.parse(lastDate) + 3600_000), author: { name: 'Dieter Grid', github: 'dieter-de', role: 'supporter', unit: noted.ticket.unit }, visibility: 'internal', source: 'cli' },
    body: 'Internal: the site admin is on leave until Monday; the CE reboot needs his approval. Do not promise a date to the user yet.\n',
  });

  // A few attachments.
  for (const [number, name, content, type] of [
    [165005, 'ce-log.txt', '2026-10-14 08:12:01 ERROR globus_gsi_callback: proxy expired\n2026-10-14 08:12:07 ERROR job 4711 aborted\n', 'text/plain'],
    [165009, 'affected-files.csv', 'pnfsid,lfn,adler32\n0000A1B2,/atlas/data/file1.root,1a2b3c4d\n0000A1B3,/atlas/data/file2.root,5e6f7a8b\n', 'text/csv'],
    [165020, 'transfer-errors.txt', 'TRANSFER globus_ftp_client: 421 Timeout (900 sec)\nTRANSFER globus_ftp_client: 421 Timeout (900 sec)\n', 'text/plain'],
  ] as const) {
    const ticket = byNumber(number);
    ticket.files = { [name]: content };
    const first = ticket.messages[0];
    if (first) first.message.attachments = [{ file: name, size: Buffer.byteLength(content), type }];
  }

  // Relations, mirrored on both sides.
  const link = (a: number, b: number, forward: 'master' | 'parent', backward: 'slaves' | 'children') => {
    const from = byNumber(a).ticket;
    const to = byNumber(b).ticket;
    from.relations = { ...from.relations, [forward]: b };
    to.relations = { ...to.relations, [backward]: [...(to.relations?.[backward] ?? []), a] };
  };
  link(165037, 165031, 'master', 'slaves');
  link(165034, 165030, 'parent', 'children');
  link(165035, 165030, 'parent', 'children');
  // GGUS: a parent stays on hold while any of its children is open.
  const parent = byNumber(165030).ticket;
  if ([165034, 165035].some((child) => isOpen(byNumber(child).ticket.status))) parent.status = 'on hold';
  const a = byNumber(165025).ticket;
  const b = byNumber(165026).ticket;
  a.relations = { ...a.relations, related: [165026] };
  b.relations = { ...b.relations, related: [165025] };
  return tickets;
}

export function writeExample(root: string): void {
  writeFileSync(path.join(root, 'helpdesk.yml'), serializeSettings(EXAMPLE_SETTINGS));
  // Only the generated data goes: READMEs, routing rules and anything else hand-written stay.
  for (const entry of existsSync(path.join(root, 'tickets')) ? readdirSync(path.join(root, 'tickets')) : []) {
    if (/^\d+$/.test(entry)) rmSync(path.join(root, 'tickets', entry), { recursive: true, force: true });
  }
  for (const seed of EXAMPLE_UNITS) rmSync(path.join(root, unitPath(seed.id)), { force: true });
  for (const seed of EXAMPLE_UNITS) {
    const file = unitPath(seed.id);
    mkdirSync(path.join(root, 'units'), { recursive: true });
    writeFileSync(path.join(root, file), serializeUnit(unitInput(seed), file));
  }
  for (const ticket of exampleTickets()) {
    for (const [file, content] of ticketFiles(ticket)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), content);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeExample(process.argv[2] ?? process.cwd());
  process.stderr.write(`wrote the example helpdesk: ${EXAMPLE_UNITS.length} units, ${COUNT} tickets\n`);
}
