import { defineCommand } from 'citty';
import { filterTickets, parseFilter, type TicketFilter } from '../../lib/core/queue.ts';
import type { Ticket } from '../../lib/core/schema/ticket.ts';
import { loadTickets } from '../../lib/store/load.ts';
import { ValidationError } from '../../lib/errors.ts';
import { commonArgs, helpdeskRoot, printJson } from '../_shared.ts';

function listTickets(root: string, filter: TicketFilter): Ticket[] {
  const { items, problems } = loadTickets(root);
  if (problems.length > 0) throw new ValidationError(problems);
  return filterTickets(
    items.map((doc) => doc.ticket),
    filter,
  );
}

function table(tickets: Ticket[]): string {
  const rows = tickets.map((t) => [`#${t.number}`, t.status, t.priority, t.unit, t.vo ?? '', t.title]);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((row) => (row[i] as string).length), 4));
  return rows.map((row) => row.map((cell, i) => (i < 5 ? cell.padEnd(widths[i] as number) : cell)).join('  ')).join('\n');
}

export default defineCommand({
  meta: {
    name: 'list',
    description:
      'List tickets, newest first, filtered by status, unit, VO, priority, type or site.\n\nExamples:\n  gitgus list --status open\n  gitgus list --unit ngi-de --status "in progress,waiting for reply"\n  gitgus list --vo cms --priority "very urgent" --json',
  },
  args: {
    ...commonArgs,
    status: { type: 'string', description: 'Statuses, comma-separated; "open" and "closed" name the meta-statuses', valueHint: 'LIST' },
    unit: { type: 'string', description: 'Responsible unit ids, comma-separated', valueHint: 'LIST' },
    vo: { type: 'string', description: 'VOs, comma-separated', valueHint: 'LIST' },
    priority: { type: 'string', description: 'Priorities, comma-separated', valueHint: 'LIST' },
    type: { type: 'string', description: 'USER, TEAM or ALARM', valueHint: 'LIST' },
    site: { type: 'string', description: 'Affected or notified sites', valueHint: 'LIST' },
  },
  run({ args }) {
    const filter = parseFilter({ status: args.status, unit: args.unit, vo: args.vo, priority: args.priority, type: args.type, site: args.site });
    const tickets = listTickets(helpdeskRoot(args.root), filter);
    if (args.json) printJson(tickets);
    else {
      if (tickets.length > 0) process.stdout.write(`${table(tickets)}\n`);
      process.stderr.write(`${tickets.length} ticket(s)\n`);
    }
  },
});
