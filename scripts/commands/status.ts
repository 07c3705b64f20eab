import { defineCommand } from 'citty';
import { statusEffects } from '../../lib/core/relations.ts';
import { SOLUTION_QUALIFIERS, STATUSES, type Status, type Ticket } from '../../lib/core/schema/ticket.ts';
import { GitgusError } from '../../lib/errors.ts';
import { withChangeContext } from '../../lib/store/change-context.ts';
import { commitPlan } from '../../lib/store/commit-plan.ts';
import { TicketStore } from '../../lib/store/ticket-store.ts';
import { actorArg, commonArgs, helpdeskRoot, parseTicketNumber, printJson } from '../_shared.ts';

interface StatusOptions {
  root: string;
  number: number;
  status: string;
  solution?: string | undefined;
  qualifier?: string | undefined;
  /** A public message in the same commit: the question for "waiting for reply", a word on "on hold". */
  message?: string | undefined;
  actor?: string | undefined;
  now?: Date;
}

function parseStatus(text: string): Status {
  const status = STATUSES.find((candidate) => candidate === text.trim().toLowerCase());
  if (!status) throw new GitgusError('E_ARGUMENT', `'${text}' is not a status`, { hint: `one of: ${STATUSES.join(', ')}` });
  return status;
}

/**
 * Changes a ticket's status through the lifecycle table, with what its relations imply (slaves solved with
 * their master, a parent resumed when its last child is solved), as one commit.
 */
export async function changeStatus(options: StatusOptions): Promise<{ commit: string; from: Status; to: Status; effects: { ticket: number; from: Status; to: Status }[] }> {
  const to = parseStatus(options.status);
  return withChangeContext(options.root, options.actor, { what: 'gitgus status' }, async (context) => {
    const store = new TicketStore(options.root);
    const before = store.doc(options.number).ticket;
    if (before.status === to) throw new GitgusError('E_NO_CHANGE', `#${options.number} is already ${to}; nothing to commit`);
    const after: Ticket = { ...before, status: to };
    if (options.solution !== undefined || options.qualifier !== undefined) {
      const qualifier = SOLUTION_QUALIFIERS.find((candidate) => candidate === (options.qualifier ?? before.solution?.qualifier ?? 'fixed'));
      if (qualifier === undefined) throw new GitgusError('E_ARGUMENT', `'${options.qualifier ?? ''}' is not a solution qualifier`, { hint: `one of: ${SOLUTION_QUALIFIERS.join(', ')}` });
      const text = options.solution ?? before.solution?.text;
      if (text === undefined || text.trim() === '') throw new GitgusError('E_ARGUMENT', 'a solution needs its text', { hint: 'Pass --solution "What was done".' });
      after.solution = { qualifier, text };
    }
    const lookup = { get: (n: number) => (n === options.number ? after : store.get(n)), has: (n: number) => n === options.number || store.has(n) };
    const update = statusEffects(lookup, options.number, before.status);
    const changed = new Map<number, Ticket>([[options.number, after], ...update.changed]);
    const { commit } = await commitPlan(
      context,
      store,
      { primary: options.number, after: changed, effects: update.effects, notes: update.notes },
      {
        subject: `#${options.number} status: ${before.status} → ${to}`,
        event: 'status',
        ...(options.now ? { now: options.now } : {}),
        message: options.message,
      },
    );
    return { commit, from: before.status, to, effects: update.effects.map(({ ticket, from, to: target }) => ({ ticket, from, to: target })) };
  });
}

export default defineCommand({
  meta: {
    name: 'status',
    description: `Change a ticket's status through the GGUS lifecycle; one commit, the same change the pull-request check accepts.\nSolving a master solves its duplicates; solving the last child resumes the parent.\n\nStatuses: ${STATUSES.join(', ')}.\nQualifiers: ${SOLUTION_QUALIFIERS.join(', ')}.\n\nExamples:\n  gitgus status 165048 "in progress"\n  gitgus status 165048 "waiting for reply" -m "Which CE did the job run on?"\n  gitgus status 165048 solved --qualifier fixed --solution "The CRLs were refreshed."\n  gitgus status 165048 verified --actor jane-doe`,
  },
  args: {
    number: { type: 'positional', description: 'Ticket number', required: true },
    status: { type: 'positional', description: 'The new status', required: true },
    solution: { type: 'string', description: 'Solution text (solved, unsolved)', valueHint: 'TEXT' },
    qualifier: { type: 'string', description: 'Solution qualifier (default fixed)', valueHint: 'QUALIFIER' },
    message: { type: 'string', alias: 'm', description: 'A public message in the same commit (for "waiting for reply": the question to the submitter)', valueHint: 'TEXT' },
    ...commonArgs,
    ...actorArg,
  },
  async run({ args }) {
    const number = parseTicketNumber(args.number);
    const result = await changeStatus({ root: helpdeskRoot(args.root), number, status: args.status, solution: args.solution, qualifier: args.qualifier, message: args.message, actor: args.actor });
    if (args.json) printJson({ ticket: number, ...result });
    else {
      const effects = result.effects.map((effect) => `; #${effect.ticket} ${effect.from} → ${effect.to}`).join('');
      process.stderr.write(`#${number} status: ${result.from} → ${result.to}${effects} (commit ${result.commit.slice(0, 10)})\n`);
    }
  },
});
