import { readSync } from 'node:fs';
import { defineCommand } from 'citty';
import type cliProgress from 'cli-progress';
import { GitgusError } from '../../lib/errors.ts';
import type { IntakeResult } from '../../lib/intake/session.ts';
import { MailIntakeSession } from '../../lib/mail/intake-mail.ts';
import { runIntake, type RunSummary } from '../../lib/mail/run.ts';
import { fileSource, maildirSource, mboxSource, stdinSource, type MessageSource } from '../../lib/mail/sources.ts';
import { commonArgs, helpdeskRoot } from '../_shared.ts';

interface IntakeCommandOptions {
  root: string;
  files?: string[];
  /** Raw bytes of standard input, when no file or mailbox is given. */
  stdin?: () => Buffer;
  mbox?: string | undefined;
  maildir?: string | undefined;
  imap?: string | undefined;
  recipient?: string | undefined;
  push?: boolean | 'auto';
  now?: () => Date;
  onResult?: (result: IntakeResult, done: number, total: number | undefined) => void;
  onNote?: (note: string) => void;
  chunkSize?: number | undefined;
}

/** imapflow and cli-progress load only when used: an MTA pipe starts intake for every single mail. */
async function chooseSource(options: IntakeCommandOptions): Promise<{ source: MessageSource & { close?: () => Promise<void> }; batch: boolean }> {
  const chosen = [options.mbox, options.maildir, options.imap, (options.files ?? []).length > 0 ? 'files' : undefined].filter((value) => value !== undefined);
  if (chosen.length > 1) throw new GitgusError('E_ARGUMENT', 'give one source: message files, --mbox, --maildir or --imap', { hint: 'Run intake once per source.' });
  if (options.mbox !== undefined) return { source: mboxSource(options.mbox), batch: true };
  if (options.maildir !== undefined) return { source: maildirSource(options.maildir), batch: true };
  if (options.imap !== undefined) return { source: (await import('../../lib/mail/imap.ts')).imapSource(options.imap), batch: true };
  const files = options.files ?? [];
  if (files.length > 0) return { source: fileSource(files), batch: files.length > 1 };
  if (!options.stdin) throw new GitgusError('E_ARGUMENT', 'no message: give a file, --mbox, --maildir or --imap, or pipe one message on standard input');
  return { source: stdinSource(options.stdin), batch: false };
}

/** Runs intake over one source; returns every message's result. Refusals of a single message throw. */
export async function intake(options: IntakeCommandOptions): Promise<RunSummary> {
  const { source, batch } = await chooseSource(options);
  return runIntake(source, {
    root: options.root,
    mode: batch ? 'batch' : 'single',
    recipient: options.recipient,
    ...(options.now ? { now: options.now } : {}),
    push: options.push ?? 'auto',
    onResult: (result, done) => options.onResult?.(result, done, source.total),
    ...(options.onNote ? { onNote: options.onNote } : {}),
    ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
  });
}

/**
 * Standard input to its end. `readFileSync(0)` fails with EAGAIN when an MTA or a parent process hands over a
 * non-blocking pipe and the writer is slower than the reader (found by test/fault-hostile.test.ts with a
 * 250 KB header line): wait briefly and read on instead.
 */
function readAllStdin(): Buffer {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(1 << 16);
  for (;;) {
    let count: number;
    try {
      count = readSync(0, buffer, 0, buffer.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (code === 'EOF') break;
      throw error;
    }
    if (count === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, count)));
  }
  return Buffer.concat(chunks);
}

function chunkSizeOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new GitgusError('E_ARGUMENT', `--chunk-size: '${text}' is not a whole number ≥ 1`, { hint: 'example: --chunk-size 50' });
  return value;
}

function describe(result: IntakeResult): string {
  const ticket = result.ticket === undefined ? '' : ` #${result.ticket}`;
  const flags = result.flags.length > 0 ? ` [${result.flags.join(', ')}]` : '';
  return `${result.action}${ticket}${flags}: ${result.reason}${result.source ? ` (${result.source})` : ''}`;
}

function formatSummary(summary: RunSummary): string {
  const total = summary.results.length;
  const parts = Object.entries(summary.counts)
    .filter(([, count]) => count > 0)
    .map(([action, count]) => `${count} ${action}`);
  const rate = summary.seconds > 0 ? ` at ${(total / summary.seconds).toFixed(1)} messages/s` : '';
  return `intake: ${total} message${total === 1 ? '' : 's'} in ${summary.seconds.toFixed(1)} s${rate}${parts.length > 0 ? ` — ${parts.join(', ')}` : ''}`;
}

export default defineCommand({
  meta: {
    name: 'intake',
    description: [
      'Turn inbound mail into tickets and messages: one commit per message; auto-replies, bounces, list mail,',
      'our own mail and spam are recorded in intake/ and never answered; what cannot be processed is quarantined.',
      '',
      'Examples:',
      '  gitgus intake < message.eml                                   (as an MTA pipe)',
      '  gitgus intake --recipient vo-user-support@ggus.example msg.eml',
      '  gitgus intake --mbox archive.mbox --json',
      '  gitgus intake --maildir ~/Maildir',
      '  GITGUS_IMAP_PASSWORD=… gitgus intake --imap imaps://helpdesk@mail.example/INBOX',
      '  gitgus intake --reindex                                      (rebuild the Message-ID index)',
      '',
      'Exit status: 0 done; 1 refused input or a failure; 75 (EX_TEMPFAIL) try again later — other writers',
      'kept the push refused until the time bound (GITGUS_PUSH_DEADLINE_SECONDS, default 300), or another',
      'gitgus writer holds this checkout; nothing was lost and unpushed mail stays unacknowledged at its source.',
    ].join('\n'),
  },
  args: {
    file: { type: 'positional', description: 'Raw RFC 822 message files (default: standard input)', required: false },
    recipient: { type: 'string', description: 'Envelope recipient (what an MTA pipe knows); default: Delivered-To / X-Original-To / To / Cc', valueHint: 'ADDR' },
    mbox: { type: 'string', description: 'Read every message of an mbox file', valueHint: 'FILE' },
    maildir: { type: 'string', description: 'Read new and unseen messages of a Maildir; marks them seen (S) once committed', valueHint: 'DIR' },
    imap: { type: 'string', description: 'Poll an IMAP mailbox, imap[s]://user[:password]@host[:port]/MAILBOX (password also from GITGUS_IMAP_PASSWORD); marks messages processed once their commits are safe', valueHint: 'URL' },
    push: { type: 'boolean', description: 'Push to origin before acknowledging messages (default: when there is a remote and the source acknowledges)' },
    'chunk-size': { type: 'string', description: 'Messages per push and acknowledgement (default 200); a refused push retries it on the new tip', valueHint: 'N' },
    reindex: { type: 'boolean', description: 'Rebuild the Message-ID index and highest ticket number from the tickets, then stop', default: false },
    ...commonArgs,
  },
  async run({ args }) {
    const root = helpdeskRoot(args.root);
    if (args.reindex) {
      const session = MailIntakeSession.open(root, { mode: 'batch' });
      for (const line of session.notes) process.stderr.write(`intake: ${line}\n`);
      let state;
      try {
        state = session.reindex();
        await session.finish();
      } finally {
        session.close();
      }
      process.stderr.write(`intake: Message-ID index rebuilt; highest ticket number ${state.lastNumber}\n`);
      return;
    }
    const files = [...(args.file ? [args.file] : []), ...args._.filter((word) => word !== args.file && word !== 'intake')];
    const progress = process.stderr.isTTY ? (await import('cli-progress')).default : undefined;
    let bar: cliProgress.SingleBar | undefined;
    const summary = await intake({
      root,
      files,
      stdin: process.stdin.isTTY ? undefined : readAllStdin,
      mbox: args.mbox,
      maildir: args.maildir,
      imap: args.imap,
      recipient: args.recipient,
      ...(args.push === undefined ? {} : { push: args.push }),
      chunkSize: chunkSizeOf(args['chunk-size']),
      onNote: (line) => process.stderr.write(`intake: ${line}\n`),
      onResult: (result, done, total) => {
        if (args.json)
          process.stdout.write(`${JSON.stringify({ action: result.action, ticket: result.ticket ?? null, reason: result.reason, flagged: result.flags.length > 0, flags: result.flags, key: result.key ?? null, source: result.source ?? null })}\n`);
        if (progress && (total ?? 0) > 1) {
          bar ??= new progress.SingleBar({ stream: process.stderr, format: 'intake [{bar}] {value}/{total} messages | {eta_formatted} left', hideCursor: true }, progress.Presets.shades_classic);
          if (done === 1) bar.start(total ?? 0, 0);
          bar.update(done);
        } else if (!args.json) {
          process.stderr.write(`${describe(result)}\n`);
        }
      },
    });
    bar?.stop();
    process.stderr.write(`${formatSummary(summary)}\n`);
  },
});
