/**
 * `gitgus intake --imap` against a real IMAP server: Debian's dovecot, started here on 127.0.0.1 with a
 * throw-away configuration, user and Maildir (docs/design.md §7). Messages are marked processed only after
 * their commits are pushed, so a failed push loses nothing and a rerun duplicates nothing.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCESSED_KEYWORD } from '../lib/mail/imap.ts';
import { intake } from '../scripts/commands/intake.ts';
import { buildMail, dmarcPass } from './fixtures/mail/build.ts';
import { cleanupTemps, git, makeHelpdesk, runGitgus, tempDir } from './helpers.ts';

const INSTALL_HINT = 'dovecot is needed for the IMAP intake tests: apt-get install -y dovecot-imapd (.ci/run installs it)';
const USER = 'helpdesk';
const PASSWORD = 'intake-test-secret';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function idOf(name: string, flag: '-u' | '-g'): number {
  return Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
}

interface Dovecot {
  port: number;
  stop: () => void;
}

async function startDovecot(): Promise<Dovecot> {
  const binary = spawnSync('dovecot', ['--version'], { encoding: 'utf8' });
  if (binary.error || binary.status !== 0) throw new Error(INSTALL_HINT);
  const dir = tempDir('gitgus-dovecot-');
  // Login processes run as dovenull and mail processes as dovecot: both must reach the folders.
  chmodSync(dir, 0o755);
  const port = await freePort();
  for (const sub of ['run', 'state', 'mail']) mkdirSync(path.join(dir, sub));
  chownSync(path.join(dir, 'mail'), idOf('dovecot', '-u'), idOf('dovecot', '-g'));
  writeFileSync(path.join(dir, 'passwd'), `${USER}:{PLAIN}${PASSWORD}\n`);
  const config = path.join(dir, 'dovecot.conf');
  writeFileSync(
    config,
    [
      `base_dir = ${dir}/run`,
      `state_dir = ${dir}/state`,
      `log_path = ${dir}/dovecot.log`,
      `info_log_path = ${dir}/dovecot.log`,
      'listen = 127.0.0.1',
      'protocols = imap',
      'ssl = no',
      'disable_plaintext_auth = no',
      'auth_mechanisms = plain login',
      'first_valid_uid = 1',
      `mail_location = maildir:${dir}/mail/%u`,
      `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN ${dir}/passwd\n}`,
      `userdb {\n  driver = static\n  args = uid=dovecot gid=dovecot home=${dir}/mail/%u\n}`,
      `service imap-login {\n  inet_listener imap {\n    address = 127.0.0.1\n    port = ${port}\n  }\n}`,
      '',
    ].join('\n'),
  );
  // The master forks into the background; with inherited pipes spawnSync would wait for it forever.
  const started = spawnSync('dovecot', ['-c', config], { stdio: 'ignore' });
  if (started.status !== 0) throw new Error(`dovecot did not start (see ${dir}/dovecot.log). ${INSTALL_HINT}`);
  // Wait until it accepts connections.
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    stop: () => {
      const pidFile = path.join(dir, 'run', 'master.pid');
      if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
    },
  };
}

let dovecot: Dovecot | undefined;
beforeAll(async () => {
  dovecot = await startDovecot();
});
afterAll(() => {
  dovecot?.stop();
  cleanupTemps();
});

async function withClient<T>(work: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({ host: '127.0.0.1', port: dovecot?.port ?? 0, secure: false, auth: { user: USER, pass: PASSWORD }, logger: false });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.logout();
  }
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
  const remote = path.join(tempDir('gitgus-remote-'), 'helpdesk.git');
  git(path.dirname(remote), ['init', '-q', '--bare', '-b', 'main', remote]);
  git(root, ['remote', 'add', 'origin', remote]);
  git(root, ['push', '-q', 'origin', 'main']);
  return { root, remote };
}

describe('intake --imap against dovecot on 127.0.0.1', () => {
  it('creates, appends, ignores, quarantines; pushes, then marks processed; a rerun finds nothing', async () => {
    expect(dovecot, INSTALL_HINT).toBeDefined();
    const { root, remote } = helpdeskWithRemote();
    await deliver([
      buildMail({ subject: 'IMAP: jobs fail', messageId: 'imap.1@uni.example', headers: [dmarcPass()] }),
      buildMail({ subject: 'Re: IMAP: jobs fail', messageId: 'imap.2@uni.example', inReplyTo: 'imap.1@uni.example', headers: [dmarcPass()] }),
      buildMail({ subject: 'Out of office', messageId: 'imap.3@uni.example', headers: ['Auto-Submitted: auto-replied'] }),
      Buffer.from('this is not a mail\r\n'),
    ]);
    const url = `imap://${USER}@127.0.0.1:${dovecot?.port}/INBOX`;
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
    const url = `imap://${USER}:${PASSWORD}@127.0.0.1:${dovecot?.port}/Crash`;
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
    const result = runGitgus(['intake', '--root', root, '--imap', `imap://${USER}:wrong@127.0.0.1:${dovecot?.port}/INBOX`]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`cannot log in to 127.0.0.1:${dovecot?.port} as ${USER}`);
  });
});
