/**
 * Where inbound mail comes from, as one async stream of raw messages: files, standard input, an mbox
 * (mbox-reader), a Maildir. IMAP has its own module (lib/mail/imap.ts) because it must acknowledge
 * messages only after their commits are safe.
 */
import { createReadStream, existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { mboxReader } from 'mbox-reader';
import { GitgusError, NotFoundError } from '../errors.ts';
import type { IncomingMessage } from './intake-mail.ts';

export interface SourceMessage extends IncomingMessage {
  /** Marks the message processed at its source (Maildir: flag S); called after its commit is safe. */
  acknowledge?: () => Promise<void> | void;
}

export interface MessageSource {
  /** Number of messages, when known before reading (for the progress bar). */
  total: number | undefined;
  messages: AsyncIterable<SourceMessage> | Iterable<SourceMessage>;
}

function readable(file: string): void {
  if (!existsSync(file)) throw new NotFoundError(`the file ${file}`, 'Check the path.');
  if (statSync(file).isDirectory()) throw new GitgusError('E_ARGUMENT', `${file} is a folder, not a message file`, { hint: 'For a Maildir use --maildir DIR.' });
}

export function fileSource(files: string[]): MessageSource {
  for (const file of files) readable(file);
  return {
    total: files.length,
    messages: (function* () {
      for (const file of files) yield { raw: readFileSync(file), source: file };
    })(),
  };
}

export function stdinSource(read: () => Buffer): MessageSource {
  return {
    total: 1,
    messages: (function* () {
      yield { raw: read(), source: 'standard input' };
    })(),
  };
}

/** Counts "From " separator lines for the progress bar without holding the file in memory twice. */
function countMboxMessages(file: string): number {
  const text = readFileSync(file, 'latin1');
  let count = text.startsWith('From ') ? 1 : 0;
  for (let index = text.indexOf('\nFrom '); index >= 0; index = text.indexOf('\nFrom ', index + 1)) count += 1;
  return count;
}

export function mboxSource(file: string): MessageSource {
  readable(file);
  return {
    total: countMboxMessages(file),
    messages: (async function* () {
      let position = 0;
      for await (const message of mboxReader(createReadStream(file))) {
        position += 1;
        yield { raw: message.content, received: message.time === false ? undefined : message.time, source: `${path.basename(file)}#${position}` };
      }
    })(),
  };
}

/** Maildir flags live after `:2,` in the file name; S = seen, which intake uses as "processed". */
function maildirFlags(name: string): string {
  const info = name.lastIndexOf(':2,');
  return info < 0 ? '' : name.slice(info + 3);
}

/** Unprocessed messages: everything in new/, and cur/ entries without the S flag. */
export function maildirSource(dir: string): MessageSource {
  for (const sub of ['new', 'cur']) {
    if (!existsSync(path.join(dir, sub))) throw new NotFoundError(`${sub}/ in ${dir}`, 'A Maildir has the folders cur/, new/ and tmp/.');
  }
  const entries: { sub: 'new' | 'cur'; name: string }[] = [];
  for (const sub of ['new', 'cur'] as const) {
    for (const name of readdirSync(path.join(dir, sub)).sort()) {
      if (name.startsWith('.')) continue;
      if (sub === 'cur' && maildirFlags(name).includes('S')) continue;
      entries.push({ sub, name });
    }
  }
  return {
    total: entries.length,
    messages: (function* () {
      for (const { sub, name } of entries) {
        const full = path.join(dir, sub, name);
        const received = statSync(full).mtime;
        yield {
          raw: readFileSync(full),
          received,
          source: `${sub}/${name}`,
          acknowledge: () => {
            const base = name.includes(':2,') ? name.slice(0, name.lastIndexOf(':2,')) : name;
            const flags = [...new Set([...maildirFlags(name), 'S'])].sort().join('');
            renameSync(full, path.join(dir, 'cur', `${base}:2,${flags}`));
          },
        };
      }
    })(),
  };
}
