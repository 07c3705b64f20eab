import { defineCommand } from 'citty';
import { GitgusError } from '../../lib/errors.ts';
import { listQuarantine, retryQuarantine } from '../../lib/mail/quarantine.ts';
import { commonArgs, helpdeskRoot, printJson } from '../_shared.ts';

export default defineCommand({
  meta: {
    name: 'quarantine',
    description: [
      'Mail intake could not process: list it, or run it again after a fix. Each entry keeps the raw message',
      '(intake/quarantine/<key>.eml) and the reason; a retried message that goes through leaves the quarantine.',
      '',
      'Examples:',
      '  gitgus quarantine list',
      '  gitgus quarantine retry              (every quarantined message)',
      '  gitgus quarantine retry 3f9a2c1b     (one, by the start of its key)',
    ].join('\n'),
  },
  args: {
    action: { type: 'positional', description: 'list or retry', required: true },
    ...commonArgs,
  },
  async run({ args }) {
    const root = helpdeskRoot(args.root);
    if (args.action === 'list') {
      const entries = listQuarantine(root);
      if (args.json) {
        printJson(entries);
        return;
      }
      if (entries.length === 0) process.stdout.write('The quarantine is empty.\n');
      for (const entry of entries) {
        process.stdout.write(`${entry.key}  ${entry.received}  ${entry.category}${entry.attempts ? ` (retried ${entry.attempts}×)` : ''}\n    ${entry.reason}\n    from: ${entry.from ?? '—'}  subject: ${entry.subject ?? '—'}\n`);
      }
      return;
    }
    if (args.action === 'retry') {
      const keys = args._.filter((word) => word !== 'quarantine' && word !== 'retry');
      const results = await retryQuarantine(root, keys);
      for (const result of results) {
        if (args.json) process.stdout.write(`${JSON.stringify({ key: result.quarantineKey, action: result.action, ticket: result.ticket ?? null, reason: result.reason, flagged: result.flags.length > 0 })}\n`);
        else process.stderr.write(`${result.quarantineKey}: ${result.action}${result.ticket === undefined ? '' : ` #${result.ticket}`}: ${result.reason}\n`);
      }
      const left = results.filter((result) => result.action === 'quarantined').length;
      process.stderr.write(`quarantine: ${results.length} retried, ${results.length - left} processed, ${left} still quarantined\n`);
      return;
    }
    throw new GitgusError('E_ARGUMENT', `unknown quarantine action '${args.action}'`, { hint: 'Use gitgus quarantine list or gitgus quarantine retry [KEY…].' });
  },
});
