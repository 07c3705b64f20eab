/**
 * `npm run bench:generate -- --tickets N --out DIR [--history] [--seed S]`
 *
 * Writes a synthetic GGUS-scale helpdesk: N tickets with 2–8 messages of ~150 words, the GGUS status mix
 * (old tickets closed, recent ones open), dates over 20 years, the example's units plus more NGIs.
 * With --history it is a Git repository whose history has three commits per ticket (created, conversation,
 * final state), streamed through `git fast-import` (one commit through isomorphic-git costs ~0.2 s; this
 * writes hundreds of thousands).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatCommitMessage } from '../lib/core/commit-message.ts';
import { serializeSettings, serializeUnit } from '../lib/core/documents.ts';
import { ticketIndexPath, unitPath } from '../lib/core/paths.ts';
import type { Status } from '../lib/core/schema/ticket.ts';
import { EXAMPLE_SETTINGS } from '../scripts/generate-example.ts';
import { EXAMPLE_UNITS, unitInput } from '../scripts/example/units.ts';
import { generateTicket, rng, ticketFiles, weighted, type GeneratedTicket } from '../scripts/example/synthetic.ts';

interface GenerateOptions {
  tickets: number;
  out: string;
  history?: boolean;
  seed?: number;
  /** Last ticket number; GGUS reached ~165,000 in 2024. */
  last?: number;
  /** Report progress on stderr. */
  progress?: boolean;
}

interface GenerateResult {
  tickets: number;
  files: number;
  bytes: number;
  commits: number;
  seconds: number;
}

const YEAR_MS = 365.25 * 24 * 3600_000;
const END = Date.UTC(2026, 10, 1);
const START = END - 20 * YEAR_MS;

/** Extra NGI units so the unit directory has GGUS-like breadth (about 40 NGIs in EGI). */
const EXTRA_NGIS = ['at', 'be', 'bg', 'by', 'ch', 'cy', 'dk', 'ee', 'es', 'fi', 'gr', 'hr', 'hu', 'ie', 'il', 'lt', 'lv', 'md', 'me', 'mk', 'nl', 'no', 'pl', 'pt', 'ro', 'rs', 'se', 'sk', 'tr', 'ua', 'am', 'ge', 'ibergrid'];

/**
 * The status mix by age (0 the newest ticket, 1 the oldest), band by band: the last ~2% of tickets are
 * still open; older ones are nearly all closed or verified.
 */
const STATUS_BY_AGE: readonly { below: number; mix: Partial<Record<Status, number>> }[] = [
  { below: 0.02, mix: { new: 5, assigned: 15, 'in progress': 35, 'waiting for reply': 15, 'on hold': 10, reopened: 5, solved: 15 } },
  { below: 0.03, mix: { solved: 60, unsolved: 10, verified: 20, closed: 10 } },
  { below: Infinity, mix: { closed: 72, verified: 22, unsolved: 6 } },
];

function statusFor(random: () => number, age: number): Status {
  for (const { below, mix } of STATUS_BY_AGE) if (age < below) return weighted(random, Object.entries(mix) as [Status, number][]);
  throw new Error(`no status mix for age ${age}`);
}

function writeSkeleton(out: string): string[] {
  const written: string[] = [];
  const write = (file: string, content: string) => {
    mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
    writeFileSync(path.join(out, file), content);
    written.push(file);
  };
  write('helpdesk.yml', serializeSettings({ ...EXAMPLE_SETTINGS, name: 'Synthetic GGUS-scale helpdesk' }));
  const units = [
    ...EXAMPLE_UNITS,
    ...EXTRA_NGIS.map((code) => ({
      id: `ngi-${code}`,
      name: `NGI ${code.toUpperCase()}`,
      family: 'ngi' as const,
      qos: 'base' as const,
      timezone: 'Europe/Brussels',
      members: [[`Supporter ${code}`, `supporter-${code}`]] as [string, string][],
      description: `Grid sites of NGI ${code.toUpperCase()}.`,
    })),
  ];
  for (const seed of units) write(unitPath(seed.id), serializeUnit(unitInput(seed), unitPath(seed.id)));
  return written;
}

function* tickets(options: GenerateOptions): Generator<GeneratedTicket> {
  const last = options.last ?? 165_000;
  const first = last - options.tickets + 1;
  if (first < 1) throw new RangeError('--tickets is larger than the last number');
  const random = rng(options.seed ?? 1);
  const span = END - START;
  for (let i = 0; i < options.tickets; i += 1) {
    const number = first + i;
    // Real GGUS numbers span 20 years; synthetic ones spread evenly over them.
    const created = new Date(START + Math.floor((i / options.tickets) * span) + Math.floor(random() * 3600_000));
    const age = 1 - i / options.tickets;
    const status = statusFor(random, age);
    const messageCount = 2 + Math.floor(random() * 7);
    yield generateTicket({ number, created, status, random, intake: { helpdesk: 'helpdesk@ggus.example', vo: 'vo-user-support@ggus.example' }, messageCount, extraWords: 130 });
  }
}

/** Writes the helpdesk as plain files (no Git). */
function writeFiles(options: GenerateOptions, count: { files: number; bytes: number }): void {
  let done = 0;
  const made = new Set<string>();
  for (const generated of tickets(options)) {
    for (const [file, content] of ticketFiles(generated)) {
      const full = path.join(options.out, file);
      const folder = path.dirname(full);
      // One mkdir per folder, not per file: at 165,000 tickets the syscalls add up.
      if (!made.has(folder)) {
        mkdirSync(folder, { recursive: true });
        made.add(folder);
      }
      writeFileSync(full, content);
      count.files += 1;
      count.bytes += content.length;
    }
    done += 1;
    if (options.progress && done % 10_000 === 0) process.stderr.write(`  ${done} tickets\n`);
  }
}

/** Streams the helpdesk's history into `git fast-import`, then checks out the result. */
async function writeHistory(options: GenerateOptions, skeleton: string[], count: { files: number; bytes: number; commits: number }): Promise<void> {
  const run = (args: string[]) => {
    const result = spawnSync('git', args, { cwd: options.out, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  };
  run(['init', '-q', '-b', 'main']);
  const importer = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: options.out, stdio: ['pipe', 'inherit', 'inherit'] });
  const exited = new Promise<number>((resolve) => importer.on('close', (code) => resolve(code ?? 1)));
  const stdin = importer.stdin;
  const write = async (chunk: string) => {
    if (!stdin.write(chunk)) await new Promise<void>((resolve) => stdin.once('drain', () => resolve()));
  };
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const commit = async (when: Date, who: string, message: string, files: [string, string][]) => {
    const stamp = `${Math.floor(when.getTime() / 1000)} +0000`;
    let chunk = `commit refs/heads/main\nauthor ${who} ${stamp}\ncommitter ${who} ${stamp}\n${data(message)}`;
    for (const [file, content] of files) chunk += `M 100644 inline ${file}\n${data(content)}`;
    await write(`${chunk}\n`);
    count.commits += 1;
  };
  const system = 'gitgus intake <intake@ggus.example>';
  await commit(
    new Date(START - 86_400_000),
    system,
    'Synthetic helpdesk: settings and units\n',
    skeleton.map((file) => [file, readText(options.out, file)]),
  );
  let done = 0;
  for (const generated of tickets(options)) {
    const number = generated.ticket.number;
    const files = [...ticketFiles(generated)];
    const index = files.find(([file]) => file === ticketIndexPath(number)) as [string, string];
    const messages = files.filter(([file]) => file !== index[0]);
    const trailers = { Ticket: String(number), Unit: generated.ticket.unit };
    // 1. created: the ticket as intake wrote it (status new, TPM).
    const created = index[1].replace(/^status: .*$/m, 'status: new').replace(/^solution:\n(?: {2}.*\n)+/m, '');
    await commit(new Date(generated.ticket.created), system, formatCommitMessage({ subject: `#${number} created: ${generated.ticket.title}`, trailers: { ...trailers, Event: 'created' } }), [[index[0], created]]);
    // 2. the conversation; 3. the final state.
    const last = generated.messages.at(-1)?.message.date ?? generated.ticket.created;
    const supporter = `${generated.ticket.unit} supporter <support@${generated.ticket.unit}.example>`;
    if (messages.length > 0) await commit(new Date(last), supporter, formatCommitMessage({ subject: `#${number} ${messages.length} messages`, trailers: { ...trailers, Event: 'message' } }), messages);
    await commit(new Date(Date.parse(last) + 3600_000), supporter, formatCommitMessage({ subject: `#${number} status: new → ${generated.ticket.status}`, trailers: { ...trailers, Event: 'set' } }), [index]);
    for (const [, content] of files) {
      count.files += 1;
      count.bytes += content.length;
    }
    done += 1;
    if (options.progress && done % 10_000 === 0) process.stderr.write(`  ${done} tickets\n`);
  }
  await write('done\n');
  stdin.end();
  if ((await exited) !== 0) throw new Error('git fast-import failed');
  run(['reset', '-q', '--hard', 'main']);
}

function readText(root: string, file: string): string {
  return readFileSync(path.join(root, file), 'utf8');
}

export async function generateHelpdesk(options: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now();
  if (existsSync(options.out) && readdirSync(options.out).length > 0) throw new Error(`${options.out} is not empty; choose a new folder`);
  mkdirSync(options.out, { recursive: true });
  const skeleton = writeSkeleton(options.out);
  const count = { files: skeleton.length, bytes: 0, commits: 0 };
  if (options.history) await writeHistory(options, skeleton, count);
  else writeFiles(options, count);
  return { tickets: options.tickets, files: count.files, bytes: count.bytes, commits: count.commits, seconds: (performance.now() - started) / 1000 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { tickets: { type: 'string', default: '10000' }, out: { type: 'string' }, history: { type: 'boolean', default: false }, seed: { type: 'string', default: '1' } },
  });
  if (!values.out) {
    process.stderr.write('usage: npm run bench:generate -- --tickets N --out DIR [--history] [--seed S]\n');
    process.exit(2);
  }
  const result = await generateHelpdesk({ tickets: Number(values.tickets), out: path.resolve(values.out), history: values.history, seed: Number(values.seed), progress: true });
  process.stderr.write(`wrote ${result.tickets} tickets (${result.files} files, ${(result.bytes / 1e6).toFixed(1)} MB${result.commits ? `, ${result.commits} commits` : ''}) to ${values.out} in ${result.seconds.toFixed(1)} s\n`);
}
