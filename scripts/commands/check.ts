import { defineCommand } from 'citty';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { checkHelpdesk, type CheckInput } from '../../lib/core/check.ts';
import { checkTicketFiles } from '../../lib/store/check-cache.ts';
import { ExitError, formatProblems, GitgusError, type Problem } from '../../lib/errors.ts';
import { checkPullRequest, presentPullRequestCheck } from '../../lib/store/pull-request.ts';
import { routingFileProblems } from '../../lib/store/lifecycle-change.ts';
import { loadSettings, loadTickets, loadUnits } from '../../lib/store/load.ts';
import { ValidationError } from '../../lib/errors.ts';
import { commonArgs, helpdeskRoot, printJson } from '../_shared.ts';

export interface CheckResult {
  tickets: number;
  messages: number;
  units: number;
  problems: Problem[];
  /** Ticket files whose verdict came from the cache (absent without Git). */
  reusedVerdicts?: number;
}

/**
 * Validates the whole helpdesk tree: every file's schema and the rules across files. In a Git checkout
 * the verdicts of unchanged ticket files come from the check's cache (lib/store/check-cache.ts) and the
 * rest are parsed on worker threads; without Git every file is read here.
 */
export async function checkTree(root: string, options: { cache?: boolean } = {}): Promise<CheckResult> {
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
  const cached = options.cache === false ? undefined : await checkTicketFiles(root, schemaKey());
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
  return result;
}

/**
 * A hash of the code a verdict depends on (schemas, parsers, front-matter reader): other code makes every
 * cached verdict a miss.
 */
function schemaKey(): string {
  const hash = createHash('sha256');
  for (const folder of ['../../lib/core/schema/']) {
    const dir = new URL(folder, import.meta.url);
    for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(new URL(name, dir)));
  }
  for (const module of ['../../lib/core/documents.ts', '../../lib/core/frontmatter.ts', '../../lib/store/check-verdict.ts', '../../lib/errors.ts']) hash.update(readFileSync(new URL(module, import.meta.url)));
  return hash.digest('hex');
}

export default defineCommand({
  meta: {
    name: 'check',
    description: 'Validate the whole helpdesk: schemas, unique numbers, shards, unit references.\nWith --base, check a pull request instead: only its changes, judged for its author (lifecycle, who may change what, append-only messages, both sides of relations); annotations in GitHub Actions.\n\nExamples:\n  gitgus check\n  gitgus check --root ../our-helpdesk --json\n  gitgus check --base origin/main --author alice-smith\n  gitgus check --root ../pr --base "$BASE_SHA" --head "$HEAD_SHA" --author alice-smith --author-id 583231',
  },
  args: {
    ...commonArgs,
    base: { type: 'string', description: 'Check a pull request: the branch it goes into (or any commit)', valueHint: 'REF' },
    head: { type: 'string', description: 'With --base: the pull request commit (default HEAD); only committed objects are read, never the working tree', valueHint: 'REF' },
    author: { type: 'string', description: "With --base: the pull request's author, a GitHub login (default: $GITHUB_ACTOR)", valueHint: 'LOGIN' },
    'author-id': { type: 'string', description: "With --base: the author's numeric GitHub id, matched against ids in units/ and administrators", valueHint: 'ID' },
  },
  async run({ args }) {
    if (args.base !== undefined) {
      const author = args.author ?? process.env.GITHUB_ACTOR;
      if (!author) throw new GitgusError('E_ARGUMENT', 'the pull request check needs to know who opened the pull request', { hint: 'Pass --author <GitHub login>; in GitHub Actions $GITHUB_ACTOR is used.' });
      const actions = process.env.GITHUB_ACTIONS === 'true';
      const idText = args['author-id'];
      if (idText !== undefined && !/^[1-9]\d{0,15}$/.test(idText)) throw new GitgusError('E_ARGUMENT', `--author-id '${idText}' is not a GitHub numeric user id`, { hint: 'Pass the number of pull_request.user.id, e.g. --author-id 583231.' });
      const review = await checkPullRequest({ root: helpdeskRoot(args.root), base: args.base, head: args.head ?? 'HEAD', author, ...(idText === undefined ? {} : { authorId: Number(idText) }) });
      const output = presentPullRequestCheck(review, { json: args.json, actions });
      process.stdout.write(output.stdout);
      process.stderr.write(output.stderr);
      if (review.problems.length > 0) throw new ExitError(1);
      return;
    }
    const result = await checkTree(helpdeskRoot(args.root));
    if (args.json) printJson({ ok: result.problems.length === 0, ...result });
    else if (result.problems.length > 0) process.stderr.write(`${formatProblems(result.problems)}\n\n${result.problems.length} problem(s) in ${result.tickets} tickets, ${result.units} units.\n`);
    else process.stderr.write(`ok: ${result.tickets} tickets, ${result.messages} messages, ${result.units} units.\n`);
    if (result.problems.length > 0) throw new ExitError(1);
  },
});
