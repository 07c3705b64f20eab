/**
 * `gitgus intake --imap` against a real IMAP server: Debian's dovecot, started here on 127.0.0.1 with a
 * throw-away configuration, user and Maildir (docs/design.md §7). Messages are marked processed only after
 * their commits are pushed, so a failed push loses nothing and a rerun duplicates nothing.
 */
import { renameSync } from 'node:fs';
import type { ImapFlow } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { PROCESSED_KEYWORD } from '../lib/mail/imap.ts';
import { intake } from '../scripts/commands/intake.ts';
import { buildMail, dmarcPass } from './fixtures/mail/build.ts';
import { PASSWORD, USER, useDovecot, withImapClient } from './dovecot.ts';
import { git, makeHelpdesk, runGitgus, withRemote } from './helpers.ts';

const dovecot = useDovecot();

function withClient<T>(work: (client: ImapFlow) => Promise<T>): Promise<T> {
  return withImapClient(dovecot().port, work);
}

async function deliver(raws: Buffer[]): Promise<void> {
  await withClient(async (client) => {
    for (const raw of raws) await client.append('INBOX', raw);
  });
}

async function processedFlags(): Promise<boolean[]> {
  return withClient(async (client) => {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const flags: boolean[] = [];
      for await (const message of client.fetch('1:*', { flags: true })) flags.push(message.flags?.has(PROCESSED_KEYWORD) ?? false);
      return flags;
    } finally {
      lock.release();
    }
  });
}

/** A helpdesk with a bare repository as origin, as in CI. */
function helpdeskWithRemote(): { root: string; remote: string } {
  const root = makeHelpdesk();
  return { root, remote: withRemote(root).remote };
}

describe('intake --imap against dovecot on 127.0.0.1', () => {
  it('creates, appends, ignores, quarantines; pushes, then marks processed; a rerun finds nothing', async () => {
    const { root, remote } = helpdeskWithRemote();
    await deliver([
      buildMail({ subject: 'IMAP: jobs fail', messageId: 'imap.1@uni.example', headers: [dmarcPass()] }),
      buildMail({ subject: 'Re: IMAP: jobs fail', messageId: 'imap.2@uni.example', inReplyTo: 'imap.1@uni.example', headers: [dmarcPass()] }),
      buildMail({ subject: 'Out of office', messageId: 'imap.3@uni.example', headers: ['Auto-Submitted: auto-replied'] }),
      Buffer.from('this is not a mail\r\n'),
    ]);
    const url = `imap://${USER}@127.0.0.1:${dovecot().port}/INBOX`;
    process.env.GITGUS_IMAP_PASSWORD = PASSWORD;
    const summary = await intake({ root, imap: url });
    expect(summary.results.map((r) => r.action)).toEqual(['created', 'appended', 'ignored', 'quarantined']);
    expect(summary.results[1]?.ticket).toBe(summary.results[0]?.ticket);
    expect(git(remote, ['rev-parse', 'main'])).toBe(git(root, ['rev-parse', 'HEAD']));
    expect(await processedFlags()).toEqual([true, true, true, true]);
    expect((await intake({ root, imap: url })).results).toEqual([]);
    expect(git(root, ['status', '--porcelain'])).toBe('');
  });

  it('a failed push leaves the messages unprocessed; the rerun pushes and records duplicates, never a second ticket', async () => {
    const { root, remote } = helpdeskWithRemote();
    await withClient(async (client) => {
      await client.mailboxCreate('Crash');
    });
    await withClient(async (client) => {
      await client.append('Crash', buildMail({ subject: 'Crash test', messageId: 'crash.1@uni.example' }));
    });
    const url = `imap://${USER}:${PASSWORD}@127.0.0.1:${dovecot().port}/Crash`;
    renameSync(remote, `${remote}.away`);
    await expect(intake({ root, imap: url })).rejects.toMatchObject({ code: 'E_PUSH' });
    renameSync(`${remote}.away`, remote);
    const flags = await withClient(async (client) => {
      const lock = await client.getMailboxLock('Crash');
      try {
        const message = await client.fetchOne('1', { flags: true });
        return message === false ? undefined : message.flags;
      } finally {
        lock.release();
      }
    });
    expect(flags?.has(PROCESSED_KEYWORD)).toBe(false);
    const rerun = await intake({ root, imap: url });
    expect(rerun.results.map((r) => r.action)).toEqual(['duplicate']);
    expect(git(remote, ['rev-parse', 'main'])).toBe(git(root, ['rev-parse', 'HEAD']));
    expect(git(root, ['log', '--format=%s']).match(/new ticket by mail/g)).toHaveLength(1);
  });

  it('a wrong password is a clear error through the CLI', () => {
    const root = makeHelpdesk();
    const result = runGitgus(['intake', '--root', root, '--imap', `imap://${USER}:wrong@127.0.0.1:${dovecot().port}/INBOX`]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`cannot log in to 127.0.0.1:${dovecot().port} as ${USER}`);
  });
});
