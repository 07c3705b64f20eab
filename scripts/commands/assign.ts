import { defineCommand } from 'citty';
import { isOpen } from '../../lib/core/schema/ticket.ts';
import { GitgusError } from '../../lib/errors.ts';
import { withChangeContext } from '../../lib/store/change-context.ts';
import { commitPlan } from '../../lib/store/commit-plan.ts';
import { TicketStore } from '../../lib/store/ticket-store.ts';
import { actorArg, commonArgs, helpdeskRoot, parseTicketNumber, printJson } from '../_shared.ts';

interface AssignOptions {
  root: string;
  number: number;
  unit: string;
  actor?: string | undefined;
  now?: Date;
}

/** Assigns a ticket to a support unit (status `assigned`), as one commit. */
export async function assignTicket(options: AssignOptions): Promise<{ commit: string; from: string; to: string }> {
  return withChangeContext(options.root, options.actor, { what: 'gitgus assign' }, async (context) => {
    if (!context.units.some((unit) => unit.id === options.unit)) {
      throw new GitgusError('E_UNKNOWN_UNIT', `there is no unit '${options.unit}' (no units/${options.unit}.md)`, {
        hint: `known units: ${context.units
          .map((u) => u.id)
          .sort()
          .join(', ')}`,
      });
    }
    const store = new TicketStore(options.root);
    const before = store.doc(options.number).ticket;
    if (before.unit === options.unit) throw new GitgusError('E_NO_CHANGE', `#${options.number} is already assigned to ${options.unit}; nothing to commit`);
    // Assigning sets `assigned` on an open ticket; on a closed one the lifecycle check explains the refusal.
    const after = { ...before, unit: options.unit, ...(isOpen(before.status) ? { status: 'assigned' as const } : {}) };
    const { commit } = await commitPlan(
      context,
      store,
      { primary: options.number, after: new Map([[options.number, after]]), effects: [] },
      {
        subject: `#${options.number} assigned: ${before.unit} → ${options.unit}`,
        event: 'assign',
        ...(options.now ? { now: options.now } : {}),
      },
    );
    return { commit, from: before.unit, to: options.unit };
  });
}

export default defineCommand({
  meta: {
    name: 'assign',
    description: 'Assign a ticket to a support unit (its status becomes assigned); one commit, the same change the pull-request check accepts.\n\nExamples:\n  gitgus assign 165048 ngi-de\n  gitgus assign 165048 dcache --actor tpm-shifter',
  },
  args: {
    number: { type: 'positional', description: 'Ticket number', required: true },
    unit: { type: 'positional', description: 'Unit id (a file in units/)', required: true },
    ...commonArgs,
    ...actorArg,
  },
  async run({ args }) {
    const number = parseTicketNumber(args.number);
    const result = await assignTicket({ root: helpdeskRoot(args.root), number, unit: args.unit, actor: args.actor });
    if (args.json) printJson({ ticket: number, ...result });
    else process.stderr.write(`#${number} assigned: ${result.from} → ${result.to} (commit ${result.commit.slice(0, 10)})\n`);
  },
});
