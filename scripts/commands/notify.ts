import { defineCommand } from 'citty';
import { notify, type NotifyResult } from '../../lib/notify/run.ts';
import { GitgusError } from '../../lib/errors.ts';
import { commonArgs, helpdeskRoot, printJson } from '../_shared.ts';

export { notify };

function summary(result: NotifyResult): string {
  const lines: string[] = [];
  if (result.from === result.to) return 'nothing new to notify\n';
  for (const mail of result.sent) {
    const roles = [...new Set(Object.values(mail.recipients))].join(', ');
    lines.push(`#${mail.ticket} ${mail.kind} → ${Object.keys(mail.recipients).length} recipient(s) (${roles})${mail.file ? ` ${mail.file}` : ''}`);
  }
  for (const capped of result.capped) lines.push(`daily cap reached: ${capped.addresses.length} recipient(s) of ${capped.messageId} dropped`);
  for (const problem of result.problems) lines.push(`skipped: ${problem.file}: ${problem.message}`);
  const verb = result.dryRun ? 'would send' : 'sent';
  lines.push(`${verb} ${result.sent.length} mail(s) for ${result.updates} update(s), commits ${result.from.slice(0, 10)}..${result.to.slice(0, 10)}${result.alreadySent.length ? `; ${result.alreadySent.length} already sent earlier` : ''}`);
  return `${lines.join('\n')}\n`;
}

export default defineCommand({
  meta: {
    name: 'notify',
    description: [
      'Mail the people the GGUS matrix names about every ticket change since the last run.',
      '',
      'The last notified commit is kept on the ref refs/gitgus/notify (push it with',
      '`git push origin refs/gitgus/notify`), so a rerun sends nothing twice; --since is needed on the first',
      'run and is otherwise the lower bound. SMTP comes from notify.smtp in helpdesk.yml and the environment:',
      'GITGUS_SMTP_HOST, GITGUS_SMTP_PORT, GITGUS_SMTP_SECURE, GITGUS_SMTP_REQUIRE_TLS, GITGUS_SMTP_USER,',
      'GITGUS_SMTP_PASSWORD. Each address gets at most notify.dailyCap mails a day (40; unit lists 500).',
      '',
      'Examples:',
      '  gitgus notify --since HEAD~5',
      '  gitgus notify --since 3f9a2c1 --dry-run --out /tmp/mails',
      '  GITGUS_SMTP_HOST=smtp.example.org gitgus notify --json',
    ].join('\n'),
  },
  args: {
    since: { type: 'string', description: 'Notify commits after this one (needed on the first run)', valueHint: 'COMMIT' },
    until: { type: 'string', description: 'Newest commit to notify (default HEAD)', valueHint: 'COMMIT' },
    'dry-run': { type: 'boolean', description: 'Send nothing and record nothing', default: false },
    out: { type: 'string', description: 'With --dry-run: write each mail as DIR/<ticket>-<event>.eml', valueHint: 'DIR' },
    ...commonArgs,
  },
  async run({ args }) {
    if (args.out && !args['dry-run']) throw new GitgusError('E_ARGUMENT', '--out writes the mails of a dry run', { hint: 'Add --dry-run: gitgus notify --since <commit> --dry-run --out DIR' });
    const result = await notify({ root: helpdeskRoot(args.root), since: args.since, until: args.until, dryRun: args['dry-run'], out: args.out });
    if (args.json) printJson(result);
    process.stderr.write(summary(result));
  },
});
