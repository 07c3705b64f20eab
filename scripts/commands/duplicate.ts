import { defineCommand } from 'citty';
import { MAX_DUPLICATES } from '../../lib/core/duplicate.ts';
import { duplicateTicket } from '../../lib/store/duplicate.ts';
import { actorArg, commonArgs, helpdeskRoot, parseTicketNumber, printJson } from '../_shared.ts';

export default defineCommand({
  meta: {
    name: 'duplicate',
    description: `Copy a ticket to several support units (GGUS "duplicate ticket", at most ${MAX_DUPLICATES}): each copy is a new ticket assigned to its unit, cross-referenced with the original. New numbers are minted, so run it on the main branch; running it again makes no second copy.\n\nExamples:\n  gitgus duplicate 165048 --units ngi-de,dcache\n  gitgus duplicate 165048 --units ngi-it --actor tpm-shifter --json`,
  },
  args: {
    number: { type: 'positional', description: 'Ticket number', required: true },
    units: { type: 'string', description: 'The units to copy the ticket to, comma-separated', valueHint: 'A,B,…', required: true },
    ...commonArgs,
    ...actorArg,
  },
  async run({ args }) {
    const result = await duplicateTicket({ root: helpdeskRoot(args.root), number: parseTicketNumber(args.number), units: args.units, actor: args.actor });
    if (args.json) printJson(result);
    else for (const copy of result.copies) process.stderr.write(`#${result.original} → #${copy.ticket} for ${copy.unit}${copy.action === 'existing' ? ' (already copied)' : ` (commit ${copy.commit?.slice(0, 10) ?? '?'})`}\n`);
  },
});
