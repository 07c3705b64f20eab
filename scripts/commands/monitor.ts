import { defineCommand } from 'citty';
import { runMonitor } from '../../lib/notify/monitor-run.ts';
import { commonArgs, helpdeskRoot, parseNow, printJson } from '../_shared.ts';

export default defineCommand({
  meta: {
    name: 'monitor',
    description: [
      "TPM monitoring: what TPM and ticket monitoring should look at now, on each unit's working calendar.",
      '',
      '  unassigned    still new at TPM past the assignment target (monitoring.assignWithinHours, default 1 working hour)',
      '  bounced       open tickets that have been at 3 or more units (monitoring.bounceUnits): probably misrouted',
      '  waiting       waiting for reply after the first reminder (5 working days)',
      '  unresponsive  units whose open tickets await their response past the QoS target',
      '',
      'With --mail the report goes to every TPM unit and monitoring.address (SMTP as for notify). The site',
      'shows the same on its monitoring page.',
      '',
      'Examples:',
      '  gitgus monitor',
      '  gitgus monitor --now 2026-12-07T09:00:00Z --json',
      '  gitgus monitor --mail',
    ].join('\n'),
  },
  args: {
    now: { type: 'string', description: 'Evaluate at this time instead of the clock (ISO, with a zone)', valueHint: 'TIME' },
    mail: { type: 'boolean', description: 'Mail the report to TPM', default: false },
    ...commonArgs,
  },
  async run({ args }) {
    const now = parseNow(args.now);
    const result = await runMonitor({ root: helpdeskRoot(args.root), ...(now ? { now } : {}), mail: args.mail });
    if (args.json) printJson({ ...result.report, mailedTo: result.mailedTo });
    else process.stdout.write(result.text);
    if (args.mail) process.stderr.write(`report mailed to ${result.mailedTo.join(', ') || 'nobody'}\n`);
  },
});
