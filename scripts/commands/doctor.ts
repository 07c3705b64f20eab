import { defineCommand } from 'citty';
import type { Finding } from '../../lib/core/doctor.ts';
import { ExitError } from '../../lib/errors.ts';
import { applyRepair, checkHelpdesk, repairOrder } from '../../lib/store/doctor.ts';
import { commonArgs, helpdeskRoot, printJson } from '../_shared.ts';

function describe(finding: Finding): string {
  const fix = finding.repair ? ' [--fix repairs this]' : '';
  return `${finding.check}: ${finding.file}: ${finding.message}${fix}${finding.hint ? `\n    ${finding.hint}` : ''}`;
}

export default defineCommand({
  meta: {
    name: 'doctor',
    description: [
      'Check a helpdesk checkout for what a killed writer or a hand edit can leave: a work tree under tickets/ or',
      'intake/ that differs from the commit, ticket numbers with gaps or twice, a Message-ID stored twice, the',
      'Message-ID index out of step with the tickets, stale locks and temporary packs. Exit status 1 when something is wrong.',
      '',
      'Examples:',
      '  gitgus doctor',
      '  gitgus doctor --fix        (one commit per repair of the helpdesk; checkout repairs make none)',
      '  gitgus doctor --json',
    ].join('\n'),
  },
  args: {
    fix: { type: 'boolean', description: 'Repair what can be repaired, one commit per repair', default: false },
    ...commonArgs,
  },
  async run({ args }) {
    const root = helpdeskRoot(args.root);
    let findings = await checkHelpdesk(root);
    const repaired: string[] = [];
    if (args.fix) {
      for (const repair of repairOrder(findings)) repaired.push(await applyRepair(root, repair));
      findings = await checkHelpdesk(root);
    }
    if (args.json) {
      printJson({ ok: findings.length === 0, repaired, findings });
    } else {
      for (const line of repaired) process.stderr.write(`doctor: ${line}\n`);
      for (const finding of findings) process.stderr.write(`${describe(finding)}\n`);
      process.stderr.write(findings.length === 0 ? 'doctor: the checkout is healthy\n' : `doctor: ${findings.length} problem${findings.length === 1 ? '' : 's'}${args.fix ? ' left that need a person' : ''}\n`);
    }
    if (findings.length > 0) throw new ExitError(1);
  },
});
