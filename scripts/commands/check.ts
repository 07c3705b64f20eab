import { defineCommand } from 'citty';
import { checkHelpdesk } from '../../lib/core/check.ts';
import { ExitError, formatProblems, type Problem } from '../../lib/errors.ts';
import { loadSettings, loadTickets, loadUnits } from '../../lib/store/load.ts';
import { ValidationError } from '../../lib/errors.ts';
import { commonArgs, helpdeskRoot, printJson } from '../_shared.ts';

export interface CheckResult {
  tickets: number;
  messages: number;
  units: number;
  problems: Problem[];
}

/** Validates the whole helpdesk tree: every file's schema and the rules across files. */
export function checkTree(root: string): CheckResult {
  const problems: Problem[] = [];
  let settings;
  try {
    settings = loadSettings(root);
  } catch (error) {
    if (error instanceof ValidationError) problems.push(...error.problems);
    else throw error;
  }
  const units = loadUnits(root);
  const tickets = loadTickets(root, { messages: true });
  problems.push(...units.problems, ...tickets.problems);
  if (settings) problems.push(...checkHelpdesk({ settings, units: units.items, tickets: tickets.items }));
  const messages = tickets.items.reduce((sum, ticket) => sum + (ticket.messages?.length ?? 0), 0);
  return { tickets: tickets.items.length, messages, units: units.items.length, problems };
}

export default defineCommand({
  meta: {
    name: 'check',
    description: 'Validate the whole helpdesk: schemas, unique numbers, shards, unit references.\n\nExamples:\n  gitgus check\n  gitgus check --root ../our-helpdesk --json',
  },
  args: { ...commonArgs },
  run({ args }) {
    const result = checkTree(helpdeskRoot(args.root));
    if (args.json) printJson({ ok: result.problems.length === 0, ...result });
    else if (result.problems.length > 0) process.stderr.write(`${formatProblems(result.problems)}\n\n${result.problems.length} problem(s) in ${result.tickets} tickets, ${result.units} units.\n`);
    else process.stderr.write(`ok: ${result.tickets} tickets, ${result.messages} messages, ${result.units} units.\n`);
    if (result.problems.length > 0) throw new ExitError(1);
  },
});
