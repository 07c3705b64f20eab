/**
 * Issue 15 point 7: credentials travel encrypted. A real SMTP server (smtp-server) on 127.0.0.1 that offers
 * AUTH but no STARTTLS — a downgrade, or a misconfigured relay — must never receive the password unless
 * plain-text AUTH was opted into explicitly.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutgoingMail } from '../lib/core/notify/render.ts';
import { smtpConfig, smtpSender } from '../lib/mail/outgoing/smtp.ts';

let server: SMTPServer;
let port = 0;
const passwords: string[] = [];
const delivered: string[] = [];

beforeAll(async () => {
  server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      passwords.push(auth.password ?? '');
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        delivered.push(session.envelope.rcptTo.map((r) => r.address).join(','));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const mail: OutgoingMail = {
  ticket: 165048,
  key: 'abcd.update',
  messageId: 'ggus.165048.abcd@ggus.example',
  from: { name: 'Helpdesk', address: 'noreply@ggus.example' },
  to: [{ name: 'Jane', address: 'jane@uni.example' }],
  cc: [],
  replyTo: { name: 'Helpdesk', address: 'helpdesk@ggus.example' },
  subject: '[GGUS #165048] update',
  text: 'text',
  html: '<p>text</p>',
  references: [],
  date: '2026-12-01T09:00:00Z',
  headers: {},
  roles: {},
  list: false,
};

const env = (extra: Record<string, string>) => ({ GITGUS_SMTP_HOST: '127.0.0.1', GITGUS_SMTP_PORT: String(port), GITGUS_SMTP_USER: 'helpdesk', GITGUS_SMTP_PASSWORD: 'secret-pw', ...extra });

describe('SMTP credentials travel encrypted', () => {
  it('with credentials and secure: false, STARTTLS is required by default: no password reaches a server without it', async () => {
    const config = smtpConfig({}, env({}));
    expect(config).toMatchObject({ secure: false, requireTLS: true });
    const sender = smtpSender(config);
    await expect(sender.send(mail)).rejects.toMatchObject({ code: 'E_SMTP' });
    sender.close();
    expect(passwords).toEqual([]);
    expect(delivered).toEqual([]);
  });

  it('requireTLS: false with credentials is refused unless plain-text AUTH is opted into explicitly', async () => {
    expect(() => smtpConfig({}, env({ GITGUS_SMTP_REQUIRE_TLS: 'false' }))).toThrow(/the password would travel in clear text/);
    expect(() => smtpConfig({ requireTLS: false }, env({}))).toThrow(expect.objectContaining({ code: 'E_SMTP_CONFIG' }));
    const optedIn = smtpConfig({ plaintextAuth: true }, env({}));
    expect(optedIn.requireTLS).toBe(false);
    const sender = smtpSender(optedIn);
    await sender.send(mail);
    sender.close();
    expect(passwords).toEqual(['secret-pw']);
    expect(delivered).toEqual(['jane@uni.example']);
    // Without credentials nothing secret travels, so nothing is required.
    expect(smtpConfig({}, { GITGUS_SMTP_HOST: '127.0.0.1' }).requireTLS).toBe(false);
    expect(smtpConfig({}, env({ GITGUS_SMTP_SECURE: 'true' })).requireTLS).toBe(false);
  });
});
