/**
 * Sending notifications through an SMTP server with nodemailer.
 *
 * Configuration: `notify.smtp` in helpdesk.yml (host, port, secure, requireTLS), each overridden by the
 * environment, which is also the only place for credentials (they never belong in the repository):
 *
 * | Variable                  | Meaning                                                   |
 * |---------------------------|-----------------------------------------------------------|
 * | `GITGUS_SMTP_HOST`        | server host name                                          |
 * | `GITGUS_SMTP_PORT`        | port (default 587, or 465 with secure)                    |
 * | `GITGUS_SMTP_SECURE`      | `true`: TLS from the first byte (port 465)                |
 * | `GITGUS_SMTP_REQUIRE_TLS` | `true`: refuse to send unless STARTTLS succeeds           |
 * |                           | (default true when credentials are given without secure)  |
 * | `GITGUS_SMTP_PLAINTEXT_AUTH` | `true`: allow AUTH without TLS (explicit opt-in)       |
 * | `GITGUS_SMTP_USER`        | user name for AUTH (optional)                             |
 * | `GITGUS_SMTP_PASSWORD`    | password for AUTH (optional; a CI secret)                 |
 *
 * Credentials travel encrypted: with a user and `secure: false`, STARTTLS is required unless plain-text
 * AUTH is opted into; `requireTLS: false` with credentials and no opt-in is a configuration error.
 */
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { NotifySettings } from '../../core/schema/notify.ts';
import type { OutgoingMail } from '../../core/notify/render.ts';
import { GitgusError } from '../../errors.ts';
import { envelopeRecipients, mailOptions } from './compose.ts';

interface SmtpConfig {
  host: string;
  port: number;
  secure: boolean;
  requireTLS: boolean;
  auth?: { user: string; pass: string };
}

function flag(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new GitgusError('E_SMTP_CONFIG', `${name}='${value}' is not true or false`, { hint: `Set ${name}=true or ${name}=false.` });
}

/**
 * The SMTP server to use, from settings and the environment (the environment wins).
 *
 * @throws GitgusError `E_SMTP_CONFIG` when no host is configured or a value is malformed.
 */
export function smtpConfig(settings: NotifySettings['smtp'], env: Record<string, string | undefined> = process.env): SmtpConfig {
  const host = env.GITGUS_SMTP_HOST || settings.host;
  if (!host) {
    throw new GitgusError('E_SMTP_CONFIG', 'no SMTP server configured for sending notifications', {
      hint: 'Set GITGUS_SMTP_HOST (and GITGUS_SMTP_USER / GITGUS_SMTP_PASSWORD if the server needs them), or notify.smtp.host in helpdesk.yml; or preview with --dry-run --out DIR.',
    });
  }
  const secure = flag(env.GITGUS_SMTP_SECURE, 'GITGUS_SMTP_SECURE') ?? settings.secure ?? false;
  const portText = env.GITGUS_SMTP_PORT;
  const port = portText ? Number(portText) : (settings.port ?? (secure ? 465 : 587));
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new GitgusError('E_SMTP_CONFIG', `GITGUS_SMTP_PORT='${portText ?? ''}' is not a port number`, { hint: 'Use a number from 1 to 65535, e.g. 587.' });
  }
  const user = env.GITGUS_SMTP_USER;
  const requireTLS = flag(env.GITGUS_SMTP_REQUIRE_TLS, 'GITGUS_SMTP_REQUIRE_TLS') ?? settings.requireTLS;
  const plaintextAuth = flag(env.GITGUS_SMTP_PLAINTEXT_AUTH, 'GITGUS_SMTP_PLAINTEXT_AUTH') ?? settings.plaintextAuth ?? false;
  const credentials = Boolean(user) && !secure;
  if (credentials && requireTLS === false && !plaintextAuth) {
    throw new GitgusError('E_SMTP_CONFIG', `requireTLS is false with SMTP credentials on an unencrypted connection to ${host}:${port}: the password would travel in clear text`, {
      hint: 'Drop GITGUS_SMTP_REQUIRE_TLS=false (STARTTLS is then required), use GITGUS_SMTP_SECURE=true on port 465, or opt in to plain-text AUTH explicitly with GITGUS_SMTP_PLAINTEXT_AUTH=true (notify.smtp.plaintextAuth).',
    });
  }
  const config: SmtpConfig = { host, port, secure, requireTLS: requireTLS ?? (credentials && !plaintextAuth) };
  if (user) config.auth = { user, pass: env.GITGUS_SMTP_PASSWORD ?? '' };
  return config;
}

/** What the server said about one mail. */
interface SendReport {
  accepted: string[];
  rejected: string[];
  response: string;
}

export interface MailSender {
  send(mail: OutgoingMail): Promise<SendReport>;
  close(): void;
}

/** A sender through one nodemailer SMTP transport (a connection per mail; notify sends few). */
export function smtpSender(config: SmtpConfig): MailSender {
  const options: SMTPTransport.Options = {
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.requireTLS,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
    ...(config.auth ? { auth: config.auth } : {}),
  };
  const transport = nodemailer.createTransport(options);
  return {
    async send(mail) {
      try {
        const info = await transport.sendMail({ ...mailOptions(mail), envelope: { from: mail.from.address, to: envelopeRecipients(mail) } });
        return { accepted: info.accepted.map(String), rejected: info.rejected.map(String), response: info.response };
      } catch (cause) {
        const detail = cause instanceof Error ? cause.message : String(cause);
        throw new GitgusError('E_SMTP', `sending ${mail.messageId} through ${config.host}:${config.port} failed: ${detail}`, {
          data: { messageId: mail.messageId, host: config.host, port: config.port },
          hint: 'Check the server and credentials (GITGUS_SMTP_*); a rerun sends only what was not sent yet.',
          cause,
        });
      }
    },
    close() {
      transport.close();
    },
  };
}
