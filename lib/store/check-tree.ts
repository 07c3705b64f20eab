/**
 * `gitgus check` of a whole helpdesk: every file's schema and the rules across files (lib/core/check.ts).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { checkHelpdesk, type CheckInput } from '../core/check.ts';
import { ValidationError, type Problem } from '../errors.ts';
import { checkTicketFiles, nonTicketEdits } from './check-cache.ts';
import { loadSettings, loadTickets, loadUnits } from './load.ts';
import { routingFileProblems } from './routing-rules.ts';

interface CheckResult {
  tickets: number;
  messages: number;
  units: number;
  problems: Problem[];
  /** Ticket files whose verdict came from the cache (absent without Git). */
  reusedVerdicts?: number;
  /** Whether the ticket files were checked as committed in HEAD (`committed`), or why not when it was asked for. */
  committed?: boolean;
  notCommittedBecause?: string;
}

/**
 * Validates the whole helpdesk tree: every file's schema and the rules across files. In a Git checkout
 * the verdicts of unchanged ticket files come from the check's cache (lib/store/check-cache.ts) and the
 * rest are parsed on worker threads; without Git every file is read here.
 */
export async function checkTree(root: string, options: { cache?: boolean; committed?: boolean } = {}): Promise<CheckResult> {
  const problems: Problem[] = [];
  let settings;
  try {
    settings = loadSettings(root);
  } catch (error) {
    if (error instanceof ValidationError) problems.push(...error.problems);
    else throw error;
  }
  const units = loadUnits(root);
  problems.push(...units.problems);
  // `cache: false` is the sequential read of every file (the bench's anchor; also the path without Git).
  // `committed`: the tickets as committed in HEAD (lib/store/check-cache.ts), taken only when helpdesk.yml
  // and units/ (read from the work tree) equal HEAD too, so the answer describes one tree.
  const edits = options.committed && options.cache !== false ? nonTicketEdits(root) : [];
  const committed = options.committed === true && options.cache !== false && edits.length === 0;
  const cached = options.cache === false ? undefined : await checkTicketFiles(root, schemaKey(), { committed });
  let tickets: CheckInput['tickets'];
  let messages: number;
  let reused: number | undefined;
  if (cached) {
    ({ tickets, messages } = cached);
    reused = cached.reused;
    problems.push(...cached.problems);
  } else {
    const loaded = loadTickets(root, { messages: true });
    problems.push(...loaded.problems);
    tickets = loaded.items;
    messages = loaded.items.reduce((sum, ticket) => sum + (ticket.messages?.length ?? 0), 0);
  }
  if (settings) problems.push(...checkHelpdesk({ settings, units: units.items, tickets }));
  if (settings) problems.push(...routingFileProblems(root, settings, new Set(units.items.map((doc) => doc.unit.id))));
  const result: CheckResult = { tickets: tickets.length, messages, units: units.items.length, problems };
  if (reused !== undefined) result.reusedVerdicts = reused;
  if (options.committed) {
    result.committed = committed && cached !== undefined;
    if (!result.committed) result.notCommittedBecause = edits.length > 0 ? `${edits.slice(0, 3).join(', ')}${edits.length > 3 ? ', …' : ''} differ from HEAD` : 'not the top of a Git work tree';
  }
  return result;
}

/**
 * A hash of the code a verdict depends on (schemas, parsers, front-matter reader): other code makes every
 * cached verdict a miss.
 */
function schemaKey(): string {
  const hash = createHash('sha256');
  for (const folder of ['../core/schema/']) {
    const dir = new URL(folder, import.meta.url);
    for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(new URL(name, dir)));
  }
  for (const module of ['../core/documents.ts', '../core/frontmatter.ts', '../core/paths.ts', './check-verdict.ts', './check-cache.ts', './load.ts', '../errors.ts']) hash.update(readFileSync(new URL(module, import.meta.url)));
  return hash.digest('hex');
}
