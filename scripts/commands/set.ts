import { defineCommand } from 'citty';
import { applyAssignments, describeChanges, parseAssignments, SETTABLE_FIELDS, type FieldChange } from '../../lib/core/edit.ts';
import { GitgusError } from '../../lib/errors.ts';
import { withChangeContext } from '../../lib/store/change-context.ts';
import { loadTicket } from '../../lib/store/load.ts';
import { commitTicketEdit } from '../../lib/store/commit-plan.ts';
import { actorArg, commonArgs, helpdeskRoot, parseTicketNumber, printJson } from '../_shared.ts';

interface SetOptions {
  root: string;
  number: number;
  assignments: string[];
  actor?: string | undefined;
}

/** Changes ticket fields as one commit. Nothing is written unless every assignment is valid. */
export async function setFields(options: SetOptions): Promise<{ commit: string; changes: FieldChange[] }> {
  return withChangeContext(options.root, options.actor, { what: 'gitgus set' }, async (context) => {
    const doc = loadTicket(options.root, options.number);
    const assignments = parseAssignments(options.assignments, doc.path);
    if (assignments.length === 0) throw new GitgusError('E_ARGUMENT', 'nothing to set', { hint: 'example: gitgus set 165048 priority=urgent' });
    const { ticket, changes } = applyAssignments(doc, assignments, { file: doc.path, unitIds: new Set(context.units.map((unit) => unit.id)) });
    if (changes.length === 0) throw new GitgusError('E_NO_CHANGE', `#${options.number} already has these values; nothing to commit`);
    return commitTicketEdit(context, { number: ticket.number, after: ticket, fields: changes.map((c) => c.field), event: 'set' });
  });
}

export default defineCommand({
  meta: {
    name: 'set',
    description: `Change ticket fields; one commit.\n\nFields: ${SETTABLE_FIELDS.join(', ')}.\nLists (cc, involve, subscribers) are comma-separated; an empty value clears a field.\n\nExamples:\n  gitgus set 165048 priority=urgent\n  gitgus set 165048 status="in progress" assignee=alice --actor alice\n  gitgus set 165048 status=solved solution.qualifier=fixed solution.text="Proxy renewed"`,
  },
  args: {
    number: { type: 'positional', description: 'Ticket number', required: true },
    ...commonArgs,
    ...actorArg,
  },
  async run({ args }) {
    const root = helpdeskRoot(args.root);
    const number = parseTicketNumber(args.number);
    const words = args._.slice(1);
    const result = await setFields({ root, number, assignments: words, actor: args.actor });
    if (args.json) printJson({ ticket: number, ...result });
    else process.stderr.write(`${describeChanges(number, result.changes)} (commit ${result.commit.slice(0, 10)})\n`);
  },
});
