import { defineCommand } from 'citty';
import { parseMessage } from '../../lib/core/documents.ts';
import { messageFile } from '../../lib/core/edit.ts';
import { masterCopy } from '../../lib/core/master-copy.ts';
import { slaveMessageViolation } from '../../lib/core/lifecycle.ts';
import { roleOf } from '../../lib/core/people.ts';
import { isOpen } from '../../lib/core/schema/ticket.ts';
import { GitgusError } from '../../lib/errors.ts';
import { withChangeContext, type ChangeContext } from '../../lib/store/change-context.ts';
import { loadTicket } from '../../lib/store/load.ts';
import { commitTicketChange } from '../../lib/store/ticket-change.ts';
import { actorArg, commonArgs, helpdeskRoot, parseTicketNumber, printJson, readStdin } from '../_shared.ts';
import { isoSeconds } from '../../lib/core/time.ts';

interface ReplyOptions {
  root: string;
  number: number;
  text: string;
  internal?: boolean;
  actor?: string | undefined;
  now?: Date;
}

/**
 * Adds a message file to a ticket as one commit. A duplicate (slave) takes no message of its own; a public
 * message on a master is copied to each of its open slaves in the same commit, so their pages show it and
 * their submitters are told (GGUS: "master updates are pushed to slaves").
 */
export async function addReply(options: ReplyOptions): Promise<{ commit: string; file: string; copies: string[] }> {
  if (options.text.trim() === '') throw new GitgusError('E_ARGUMENT', 'the message is empty', { hint: 'Pass --message "text" or pipe the text on standard input.' });
  return withChangeContext(options.root, options.actor, { what: 'gitgus reply' }, async (context) => {
    const doc = loadTicket(options.root, options.number);
    if (doc.ticket.status === 'verified' || doc.ticket.status === 'closed') {
      // GGUS: verified and closed tickets accept no further change (the pull-request check refuses it too).
      throw new GitgusError('E_TICKET_CLOSED', `#${options.number} is ${doc.ticket.status} and accepts no further messages`, { hint: `Open a new ticket that refers to #${options.number}.` });
    }
    const slave = slaveMessageViolation(doc.ticket);
    if (slave) throw new GitgusError('E_SLAVE', slave.message, { hint: slave.hint, data: { ticket: options.number } });
    const actor = context.actor;
    const { role, unit } = roleOf({ email: actor.email, github: actor.github }, doc.ticket, context.units);
    if (options.internal && (role === 'submitter' || role === 'other')) {
      throw new GitgusError('E_FORBIDDEN', 'only supporters may write internal notes', { hint: 'Add yourself as a member of a unit in units/, or reply publicly.' });
    }
    const visibility = options.internal ? 'internal' : 'public';
    const file = messageFile(options.number, {
      message: {
        date: isoSeconds(options.now ?? new Date()),
        author: { name: actor.name, ...(actor.github ? { github: actor.github } : { email: actor.email }), role, ...(unit ? { unit } : {}) },
        visibility,
        source: 'cli',
      },
      body: options.text,
    });
    const copies = visibility === 'public' ? copiesToSlaves(context, options, doc.ticket.relations?.slaves ?? [], file) : [];
    const commit = await commitTicketChange({
      dir: options.root,
      number: options.number,
      unit: doc.ticket.unit,
      subject: `#${options.number} ${visibility === 'internal' ? 'internal note' : 'message'} from ${actor.github ?? actor.name} (${role})`,
      ...(copies.length > 0 ? { body: `Copied to the duplicates ${copies.map((copy) => `#${copy.ticket}`).join(', ')}.` } : {}),
      event: visibility === 'internal' ? 'internal-note' : 'message',
      actor,
      files: [{ path: file.path, content: file.content }, ...copies.map((copy) => copy.file)],
      ...(options.now ? { date: options.now } : {}),
    });
    return { commit, file: file.path, copies: copies.map((copy) => copy.file.path) };
  });
}

/** The master's public message as a system note on each open slave (the same file `gitgus sync-slaves` would make). */
function copiesToSlaves(context: ChangeContext, options: ReplyOptions, slaves: readonly number[], master: { path: string; content: string }): { ticket: number; file: { path: string; content: string } }[] {
  if (slaves.length === 0) return [];
  const masterFile = master.path.slice(master.path.lastIndexOf('/') + 1);
  const doc = parseMessage(master.content, master.path);
  return slaves.filter((slave) => isOpen(loadTicket(options.root, slave).ticket.status)).map((slave) => ({ ticket: slave, file: masterCopy(options.number, masterFile, doc, slave, context.settings.name) }));
}

export default defineCommand({
  meta: {
    name: 'reply',
    description:
      'Add a message to a ticket; one commit. The text comes from --message or standard input.\n\nExamples:\n  gitgus reply 165048 --message "Could you resubmit a test job?"\n  echo "Checked the CE logs, nothing yet." | gitgus reply 165048 --internal --actor alice',
  },
  args: {
    number: { type: 'positional', description: 'Ticket number', required: true },
    message: { type: 'string', alias: 'm', description: 'Message text (Markdown)', valueHint: 'TEXT' },
    internal: { type: 'boolean', description: 'An internal note: never shown to the submitter or on the public site', default: false },
    ...commonArgs,
    ...actorArg,
  },
  async run({ args }) {
    const text = args.message ?? readStdin() ?? '';
    const result = await addReply({ root: helpdeskRoot(args.root), number: parseTicketNumber(args.number), text, internal: args.internal, actor: args.actor });
    if (args.json) printJson(result);
    else process.stderr.write(`added ${result.file} (commit ${result.commit.slice(0, 10)})\n`);
  },
});
