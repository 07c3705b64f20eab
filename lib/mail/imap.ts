/**
 * Polling an IMAP mailbox with imapflow. A message is marked processed — the keyword `$GitgusProcessed`,
 * or `\Seen` where the server keeps no keywords — only through `acknowledge`, which the run calls after
 * the message's commit is safe (lib/mail/run.ts). A person reading the mailbox (and so setting \Seen)
 * therefore never hides a message from intake on a server with keywords.
 */
import { ImapFlow } from 'imapflow';
import { GitgusError } from '../errors.ts';
import type { MessageSource, SourceMessage } from './sources.ts';

export const PROCESSED_KEYWORD = '$GitgusProcessed';

interface ImapTarget {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  password: string;
  mailbox: string;
}

/** `imap[s]://user[:password]@host[:port]/MAILBOX`; the password may come from GITGUS_IMAP_PASSWORD instead. */
function parseImapUrl(text: string, env: Record<string, string | undefined> = process.env): ImapTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GitgusError('E_ARGUMENT', `--imap: '${text}' is not a URL`, { hint: 'example: --imap imaps://helpdesk@mail.example/INBOX' });
  }
  if (url.protocol !== 'imap:' && url.protocol !== 'imaps:') throw new GitgusError('E_ARGUMENT', `--imap: the URL must start with imap:// or imaps://, not ${url.protocol}//`);
  const secure = url.protocol === 'imaps:';
  const user = decodeURIComponent(url.username);
  const password = url.password !== '' ? decodeURIComponent(url.password) : (env.GITGUS_IMAP_PASSWORD ?? '');
  if (user === '') throw new GitgusError('E_ARGUMENT', '--imap: the URL names no user', { hint: 'example: --imap imaps://helpdesk@mail.example/INBOX' });
  if (password === '') throw new GitgusError('E_ARGUMENT', '--imap: no password', { hint: 'Put it in GITGUS_IMAP_PASSWORD (not on the command line, where other users can see it).' });
  const mailbox = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'INBOX';
  return { host: url.hostname, port: url.port === '' ? (secure ? 993 : 143) : Number(url.port), secure, user, password, mailbox };
}

export function imapSource(urlText: string): MessageSource & { close: () => Promise<void> } {
  const target = parseImapUrl(urlText);
  const client = new ImapFlow({
    host: target.host,
    port: target.port,
    secure: target.secure,
    auth: { user: target.user, pass: target.password },
    logger: false,
  });
  let connected = false;
  let release: (() => void) | undefined;
  const progress: { total: number | undefined } = { total: undefined };
  async function* messages(): AsyncGenerator<SourceMessage> {
    try {
      await client.connect();
    } catch (cause) {
      throw new GitgusError('E_IMAP', `cannot log in to ${target.host}:${target.port} as ${target.user}: ${(cause as Error).message}`, { cause, hint: 'Check the URL, the password and that the server is reachable.' });
    }
    connected = true;
    const lock = await client.getMailboxLock(target.mailbox);
    release = () => lock.release();
    const keywords = client.mailbox !== false && (client.mailbox.permanentFlags?.has('\\*') ?? false);
    const marker = keywords ? PROCESSED_KEYWORD : '\\Seen';
    const found = await client.search(keywords ? { unKeyword: PROCESSED_KEYWORD } : { seen: false }, { uid: true });
    const uids = Array.isArray(found) ? [...found].sort((a, b) => a - b) : [];
    progress.total = uids.length;
    for (const uid of uids) {
      const message = await client.fetchOne(String(uid), { source: true, internalDate: true }, { uid: true });
      if (message === false || message.source === undefined) continue;
      const internalDate = message.internalDate instanceof Date ? message.internalDate : undefined;
      yield {
        raw: message.source,
        received: internalDate,
        source: `${target.mailbox} uid ${uid}`,
        acknowledge: async () => {
          await client.messageFlagsAdd(String(uid), [marker], { uid: true });
        },
      };
    }
  }
  return {
    get total() {
      return progress.total;
    },
    messages: messages(),
    close: async () => {
      release?.();
      if (connected) await client.logout().catch(() => undefined);
    },
  };
}
