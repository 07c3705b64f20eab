import { defineCommand } from 'citty';
import { RULE_TRAILER } from '../../lib/core/events.ts';
import { explainRouting, routeTicket, routingChangesNothing, type RoutingDecision } from '../../lib/core/routing.ts';
import type { Ticket } from '../../lib/core/schema/ticket.ts';
import { GitgusError } from '../../lib/errors.ts';
import { withChangeContext } from '../../lib/store/change-context.ts';
import { commitPlan } from '../../lib/store/commit-plan.ts';
import { loadRoutingRules } from '../../lib/store/routing-rules.ts';
import { TicketStore } from '../../lib/store/ticket-store.ts';
import { actorArg, commonArgs, helpdeskRoot, parseTicketNumber, printJson } from '../_shared.ts';

interface RouteOptions {
  root: string;
  number: number;
  /** Only decide and explain; commit nothing. */
  explain?: boolean;
  actor?: string | undefined;
  now?: Date;
}

interface RouteResult {
  decision: RoutingDecision;
  /** The routing commit; absent with `explain` or when routing changes nothing. */
  commit?: string;
}

/** Applies the routing rules to a ticket again; the decision is one commit with a `Rule:` trailer. */
export async function routeExisting(options: RouteOptions): Promise<RouteResult> {
  return withChangeContext(options.root, options.actor, { what: 'gitgus route', lock: options.explain !== true }, async (context) => {
    const rules = loadRoutingRules(options.root);
    const store = new TicketStore(options.root);
    const doc = store.doc(options.number);
    const decision = routeTicket({ ticket: doc.ticket, body: doc.body }, { rules, settings: context.settings, units: context.units });
    if (options.explain) return { decision };
    if (routingChangesNothing(decision, doc.ticket)) {
      throw new GitgusError('E_NO_CHANGE', `#${options.number} is already where rule ${decision.rule} sends it (${decision.unit}); nothing to commit`, { hint: `gitgus route --explain ${options.number} shows why.` });
    }
    const after: Ticket = { ...doc.ticket, ...decision.changes };
    const { commit } = await commitPlan(
      context,
      store,
      { primary: options.number, after: new Map([[options.number, after]]), effects: [] },
      {
        subject: `#${options.number} routed: ${doc.ticket.unit} → ${decision.unit} by rule ${decision.rule}`,
        body: decision.reason,
        event: 'route',
        trailers: { [RULE_TRAILER]: decision.rule },
        ...(options.now ? { now: options.now } : {}),
      },
    );
    return { decision, commit };
  });
}

export default defineCommand({
  meta: {
    name: 'route',
    description:
      'Apply the routing rules (units/routing.yml, then the GGUS defaults) to a ticket again; the decision is one commit recording the rule.\nWith --explain, show which rule matches and why the rules before it do not, and commit nothing.\n\nExamples:\n  gitgus route --explain 165048\n  gitgus route 165048 --actor tpm-shifter',
  },
  args: {
    number: { type: 'positional', description: 'Ticket number', required: true },
    explain: { type: 'boolean', description: 'Show the rules tried and why; commit nothing', default: false },
    ...commonArgs,
    ...actorArg,
  },
  async run({ args }) {
    const number = parseTicketNumber(args.number);
    const result = await routeExisting({ root: helpdeskRoot(args.root), number, explain: args.explain, actor: args.actor });
    if (args.json)
      printJson({ ticket: number, rule: result.decision.rule, unit: result.decision.unit, changes: result.decision.changes, reason: result.decision.reason, trace: result.decision.trace, ...(result.commit ? { commit: result.commit } : {}) });
    else if (args.explain) process.stdout.write(`#${number}\n${explainRouting(result.decision)}`);
    else process.stderr.write(`#${number} routed to ${result.decision.unit} by rule ${result.decision.rule} (commit ${(result.commit ?? '').slice(0, 10)})\n`);
  },
});
