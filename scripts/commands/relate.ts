import { defineCommand } from 'citty';
import { linkTickets, unlinkTickets, unmarkMaster, type RelationLink } from '../../lib/core/relations.ts';
import type { Ticket } from '../../lib/core/schema/ticket.ts';
import { GitgusError } from '../../lib/errors.ts';
import { withChangeContext } from '../../lib/store/change-context.ts';
import { commitPlan } from '../../lib/store/commit-plan.ts';
import { TicketStore } from '../../lib/store/ticket-store.ts';
import { actorArg, commonArgs, helpdeskRoot, parseTicketNumber, printJson } from '../_shared.ts';

interface RelateOptions {
  root: string;
  number: number;
  kind: RelationLink;
  other: number;
  /** Remove the link instead of adding it. */
  remove?: boolean;
  actor?: string | undefined;
  now?: Date;
}

const PHRASES: Record<RelationLink, [string, string]> = {
  master: ['duplicate of', 'no longer a duplicate of'],
  parent: ['child of', 'no longer a child of'],
  related: ['related to', 'no longer related to'],
};

/** Links (or unlinks) two tickets on both sides, with the statuses the link implies, as one commit. */
export async function relateTickets(options: RelateOptions): Promise<{ commit: string; changed: number[]; effects: { ticket: number; from: string; to: string }[] }> {
  return withChangeContext(options.root, options.actor, { what: 'gitgus relate' }, async (context) => {
    const store = new TicketStore(options.root);
    store.doc(options.number);
    store.doc(options.other);
    const update = (options.remove ? unlinkTickets : linkTickets)(store, options.number, options.kind, options.other);
    const phrase = PHRASES[options.kind][options.remove ? 1 : 0];
    const { commit } = await commitPlan(
      context,
      store,
      { primary: options.number, after: new Map<number, Ticket>(update.changed), effects: update.effects, notes: update.notes },
      {
        subject: `#${options.number} ${phrase} #${options.other}`,
        event: 'relate',
        trailers: { Related: String(options.other) },
        ...(options.now ? { now: options.now } : {}),
      },
    );
    return { commit, changed: [...update.changed.keys()].sort((a, b) => a - b), effects: update.effects.map(({ ticket, from, to }) => ({ ticket, from, to })) };
  });
}

/** Unmarks a master: every slave is freed (and resumes when on hold), as one commit. */
async function unmarkMasterTicket(options: { root: string; number: number; actor?: string | undefined; now?: Date }): Promise<{ commit: string; freed: number[]; effects: { ticket: number; from: string; to: string }[] }> {
  return withChangeContext(options.root, options.actor, { what: 'gitgus relate' }, async (context) => {
    const store = new TicketStore(options.root);
    const freed = [...(store.doc(options.number).ticket.relations?.slaves ?? [])];
    const update = unmarkMaster(store, options.number);
    const { commit } = await commitPlan(
      context,
      store,
      { primary: options.number, after: new Map<number, Ticket>(update.changed), effects: update.effects, notes: update.notes },
      {
        subject: `#${options.number} is no longer a master: ${freed.map((n) => `#${n}`).join(', ')} freed`,
        event: 'relate',
        ...(options.now ? { now: options.now } : {}),
      },
    );
    return { commit, freed, effects: update.effects.map(({ ticket, from, to }) => ({ ticket, from, to })) };
  });
}

export default defineCommand({
  meta: {
    name: 'relate',
    description:
      'Relate two tickets on both sides; one commit, the same change the pull-request check accepts.\n  --master M   this ticket duplicates M (it goes on hold and is solved with M)\n  --parent P   this ticket is a child of P (P stays on hold until its children are solved)\n  --related R  a cross reference, on both tickets\n  --unmark-master  this ticket is no longer a master: all its duplicates are freed and resume\n\nExamples:\n  gitgus relate 165048 --master 165001\n  gitgus relate 165048 --parent 165010\n  gitgus relate 165048 --related 165002 --remove\n  gitgus relate 165001 --unmark-master',
  },
  args: {
    number: { type: 'positional', description: 'Ticket number', required: true },
    master: { type: 'string', description: 'The ticket this one duplicates', valueHint: 'NUMBER' },
    parent: { type: 'string', description: 'The parent ticket', valueHint: 'NUMBER' },
    related: { type: 'string', description: 'A ticket to cross-reference', valueHint: 'NUMBER' },
    remove: { type: 'boolean', description: 'Remove the link instead', default: false },
    'unmark-master': { type: 'boolean', description: 'Free all duplicates of this master ticket', default: false },
    ...commonArgs,
    ...actorArg,
  },
  async run({ args }) {
    if (args['unmark-master']) {
      const number = parseTicketNumber(args.number);
      const result = await unmarkMasterTicket({ root: helpdeskRoot(args.root), number, actor: args.actor });
      if (args.json) printJson({ ticket: number, ...result });
      else process.stderr.write(`#${number} is no longer a master; freed ${result.freed.map((n) => `#${n}`).join(', ')} (commit ${result.commit.slice(0, 10)})\n`);
      return;
    }
    const given = (['master', 'parent', 'related'] as const).filter((kind) => args[kind] !== undefined);
    const kind = given[0];
    if (given.length !== 1 || kind === undefined) throw new GitgusError('E_ARGUMENT', 'give exactly one of --master, --parent or --related', { hint: 'example: gitgus relate 165048 --master 165001' });
    const number = parseTicketNumber(args.number);
    const result = await relateTickets({ root: helpdeskRoot(args.root), number, kind, other: parseTicketNumber(args[kind]), remove: args.remove, actor: args.actor });
    if (args.json) printJson({ ticket: number, ...result });
    else {
      const effects = result.effects.map((effect) => `; #${effect.ticket} ${effect.from} → ${effect.to}`).join('');
      process.stderr.write(`#${number} ${PHRASES[kind][args.remove ? 1 : 0]} #${parseTicketNumber(args[kind])}${effects} (commit ${result.commit.slice(0, 10)})\n`);
    }
  },
});
