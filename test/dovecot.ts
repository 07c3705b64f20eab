/**
 * A throw-away dovecot IMAP server on 127.0.0.1 for the IMAP tests (docs/design.md §7): its own config,
 * folders, user and Maildir in a temporary folder, a free port; stopped by the pid in its base_dir.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll } from 'vitest';
import { cleanupTemps, tempDir } from './helpers.ts';

const INSTALL_HINT = 'dovecot is needed for the IMAP intake tests: apt-get install -y dovecot-imapd (.ci/run installs it)';
export const USER = 'helpdesk';
export const PASSWORD = 'intake-test-secret';

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

/**
 * One dovecot for a whole test file (started before its tests, stopped after, temporary folders removed):
 * call at the top level. The getter fails the test with the install hint when dovecot did not start.
 */
export function useDovecot(): () => Dovecot {
  let server: Dovecot | undefined;
  beforeAll(async () => {
    server = await startDovecot();
  });
  afterAll(() => {
    server?.stop();
    cleanupTemps();
  });
  return () => {
    if (!server) throw new Error(INSTALL_HINT);
    return server;
  };
}

/** A logged-in client of the test server, logged out after `work`. */
export async function withImapClient<T>(port: number, work: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user: USER, pass: PASSWORD }, logger: false });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.logout();
  }
}
