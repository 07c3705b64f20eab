import { defineCommand } from 'citty';
import { tick } from '../../lib/notify/tick-run.ts';
import { commonArgs, helpdeskRoot, parseNow, printJson } from '../_shared.ts';

export { tick };

export default defineCommand({
  meta: {
    name: 'tick',
    description: [
      "Apply the time-driven rules on each unit's working-day calendar; one commit per change.",
      '',
      'Waiting-for-reply reminders after 5 and 10 working days and unsolved after 15; solved/unsolved',
      'closed after 10; an internal note to the unit at 75% of its QoS response time, when a ticket turns',
      "red (notify.tick.colourMails), and on a supporter's reminder date (remindOn). Running it twice",
      'changes nothing the second time. Mail follows through `gitgus notify`.',
      '',
      'Examples:',
      '  gitgus tick',
      '  gitgus tick --now 2026-12-07T09:00:00Z --dry-run',
    ].join('\n'),
  },
  args: {
    now: { type: 'string', description: 'Evaluate at this time instead of the clock (ISO, with a zone)', valueHint: 'TIME' },
    'dry-run': { type: 'boolean', description: 'Show what is due, commit nothing', default: false },
    ...commonArgs,
  },
  async run({ args }) {
    const result = await tick({ root: helpdeskRoot(args.root), now: parseNow(args.now), dryRun: args['dry-run'] });
    if (args.json) printJson(result);
    for (const repair of result.repairs) process.stderr.write(`${repair}\n`);
    for (const change of result.changes) process.stderr.write(`${change.subject}${change.commit ? ` (commit ${change.commit.slice(0, 10)})` : ' (dry run)'}\n`);
    for (const problem of result.problems) process.stderr.write(`skipped: ${problem.file}: ${problem.message}\n`);
    process.stderr.write(`${result.changes.length} change(s) due at ${result.now} among ${result.considered} ticket(s)\n`);
  },
});
