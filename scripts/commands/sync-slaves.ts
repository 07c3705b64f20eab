import { defineCommand } from 'citty';
import { syncSlaves } from '../../lib/store/sync-slaves.ts';
import { commonArgs, helpdeskRoot, printJson } from '../_shared.ts';

export default defineCommand({
  meta: {
    name: 'sync-slaves',
    description: [
      'Copy the public messages added to master tickets since a commit to their open duplicates (slaves); one commit.',
      '',
      '`gitgus reply` on a master copies in the same commit; a message that came by a merged pull request or a',
      'web edit is copied here, as a system note on each slave, so its page shows it and `gitgus notify` mails',
      "its submitter. Internal notes are never copied. Each copy's file name comes from the master's message",
      'file, so a rerun writes nothing. The workflow after a merge runs it before notify.',
      '',
      'Examples:',
      '  gitgus sync-slaves --since HEAD~1',
      '  gitgus sync-slaves --since 3f9a2c1 --dry-run --json',
    ].join('\n'),
  },
  args: {
    since: { type: 'string', description: 'Look at master messages added after this commit, up to HEAD', valueHint: 'COMMIT', required: true },
    'dry-run': { type: 'boolean', description: 'Show the copies that are missing, commit nothing', default: false },
    ...commonArgs,
  },
  async run({ args }) {
    const result = await syncSlaves({ root: helpdeskRoot(args.root), since: args.since, dryRun: args['dry-run'] });
    if (args.json) printJson(result);
    for (const problem of result.problems) process.stderr.write(`skipped: ${problem.file}: ${problem.message}\n`);
    for (const copy of result.copies) process.stderr.write(`#${copy.master} ${copy.masterFile} → #${copy.slave} ${copy.path}\n`);
    process.stderr.write(`${result.copies.length} cop${result.copies.length === 1 ? 'y' : 'ies'} for ${result.masters.length} master ticket(s)${result.commit ? ` (commit ${result.commit.slice(0, 10)})` : args['dry-run'] ? ' (dry run)' : ''}\n`);
  },
});
