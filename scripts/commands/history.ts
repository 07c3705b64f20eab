import { defineCommand } from 'citty';
import { describeEvent, type TicketEvent } from '../../lib/core/events.ts';
import { ticketLabel } from '../../lib/core/paths.ts';
import { readTicketEvents } from '../../lib/git/history-index.ts';
import { loadTicket } from '../../lib/store/load.ts';
import { commonArgs, helpdeskRoot, parseTicketNumber, printJson } from '../_shared.ts';

/** One ticket's events from Git, oldest first. */
async function ticketEvents(root: string, number: number, options: { since?: string } = {}): Promise<TicketEvent[]> {
  // Fails with the usual "run gitgus list" hint when the ticket does not exist in the working tree.
  loadTicket(root, number);
  const events = await readTicketEvents(root, { tickets: [number], ...(options.since ? { since: options.since } : {}) });
  return events.get(number) ?? [];
}

function who(event: TicketEvent): string {
  return event.actor.github ? `@${event.actor.github}` : event.actor.name;
}

function renderHistory(number: number, events: TicketEvent[]): string {
  const lines = [`${ticketLabel(number)} history (${events.length} event${events.length === 1 ? '' : 's'})`];
  for (const event of events) lines.push(`  ${event.time}  ${describeEvent(event)}  — ${who(event)} (${event.commit.slice(0, 10)})`);
  return `${lines.join('\n')}\n`;
}

export default defineCommand({
  meta: {
    name: 'history',
    description:
      "A ticket's history as events from Git: created, routed (by which rule), assigned, status and priority changes, other fields, messages, relations — with times and actors.\n\nExamples:\n  gitgus history 165048\n  gitgus history 165048 --since origin/main~20 --json",
  },
  args: {
    number: { type: 'positional', description: 'Ticket number', required: true },
    since: { type: 'string', description: 'Only commits after this one', valueHint: 'COMMIT' },
    ...commonArgs,
  },
  async run({ args }) {
    const number = parseTicketNumber(args.number);
    const events = await ticketEvents(helpdeskRoot(args.root), number, args.since ? { since: args.since } : {});
    if (args.json) printJson(events);
    else process.stdout.write(renderHistory(number, events));
  },
});
