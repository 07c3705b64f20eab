/**
 * Real parts for the notification tests: an SMTP server on 127.0.0.1 (the smtp-server package) that keeps
 * every message's envelope and raw bytes, and a temporary helpdesk repository whose ticket commits carry
 * chosen times (the history events, and so the time-driven rules, read those times).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll } from 'vitest';
import { serializeUnit } from '../lib/core/documents.ts';
import { messageFile, ticketFile } from '../lib/core/edit.ts';
import type { MessageInput } from '../lib/core/schema/message.ts';
import type { Ticket } from '../lib/core/schema/ticket.ts';
import type { UnitInput } from '../lib/core/schema/unit.ts';
import { commitTicketChange } from '../lib/store/ticket-change.ts';
import { intake } from '../scripts/commands/intake.ts';
import { cleanupTemps, git, LAUNCHER, makeHelpdesk, tempDir, type CliResult } from './helpers.ts';
import { SETTINGS_YAML, UNIT_INPUTS } from './notify-fixtures.ts';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
}

export interface SmtpSink {
  port: number;
  received: ReceivedMail[];
  env: Record<string, string>;
  close(): Promise<void>;
}

interface SmtpSinkOptions {
  /** Called with each mail as it arrives, after it is kept (to route it on, as an MTA would). */
  onMail?: (mail: ReceivedMail) => void;
  /** Recipients refused at RCPT TO with a temporary failure (a remote that is down). */
  refuse?: (address: string) => boolean;
}

/** Starts an SMTP server on a free loopback port; no TLS, no auth (the client must not need them). */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (options.refuse?.(address.address)) return callback(new Error('450 4.2.0 mailbox temporarily unavailable'));
      return callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        const mail = { from, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) };
        received.push(mail);
        options.onMail?.(mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    env: { GITGUS_SMTP_HOST: '127.0.0.1', GITGUS_SMTP_PORT: String(port), GITGUS_SMTP_SECURE: 'false' },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A helpdesk repository with the fixture settings and units (and `extraUnits`) and no tickets; returns its folder. */
export function makeNotifyHelpdesk(extraSettings = '', extraUnits: UnitInput[] = []): string {
  return makeUnitsHelpdesk(`${SETTINGS_YAML}${extraSettings}`, [...UNIT_INPUTS, ...extraUnits]);
}

/** A helpdesk repository with these settings and units and no tickets; returns its folder. */
export function makeUnitsHelpdesk(settingsYaml: string, units: UnitInput[]): string {
  const files: Record<string, string> = { 'helpdesk.yml': settingsYaml };
  for (const unit of units) files[`units/${unit.id}.md`] = serializeUnit({ unit, body: `${unit.name}.` });
  return makeHelpdesk({ example: false, files });
}

interface ChangeSpec {
  ticket?: Ticket;
  body?: string;
  message?: { message: MessageInput; body: string };
  at: string;
  actor?: { name: string; email: string; github?: string };
  subject?: string;
}

/** Commits a ticket state and/or a message at a chosen time, the way the CLI and intake commit. */
export async function commitAt(dir: string, number: number, unit: string, spec: ChangeSpec): Promise<string> {
  const files: { path: string; content: string }[] = [];
  if (spec.ticket) files.push(ticketFile({ ticket: spec.ticket, body: spec.body ?? 'Since Monday all CMS pilot jobs fail with "proxy expired".' }));
  if (spec.message) files.push(messageFile(number, spec.message));
  return commitTicketChange({
    dir,
    number,
    unit,
    subject: spec.subject ?? `#${number} test change`,
    event: 'test',
    actor: spec.actor ?? { name: 'Anna Kit', email: 'anna@kit.test', github: 'anna-kit' },
    files,
    date: new Date(spec.at),
  });
}

export function head(dir: string): string {
  return git(dir, ['rev-parse', 'HEAD']).trim();
}

/** `gitgus` as a real process without blocking this one (an in-process SMTP server must keep answering). */
export function runGitgusAsync(args: string[], options: { env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAUNCHER, ...args], { env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? 1, stdout, stderr }));
  });
}

/** One SMTP sink for a whole test file (started before its tests, closed after, temporary folders removed): call at the top level. */
export function useSmtpSink(): () => SmtpSink {
  let sink: SmtpSink | undefined;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink?.close();
    cleanupTemps();
  });
  return () => {
    if (!sink) throw new Error('the SMTP sink starts in beforeAll');
    return sink;
  };
}

/** One mail into intake as an MTA would hand it over (a file in a fresh folder), at a chosen time; its result. */
export async function deliverMail(root: string, raw: string | Buffer, at = '2026-12-01T12:00:00Z') {
  const file = path.join(tempDir('gitgus-mail-'), 'mail.eml');
  writeFileSync(file, raw);
  const summary = await intake({ root, files: [file], push: false, now: () => new Date(at) });
  return summary.results[0] as NonNullable<(typeof summary.results)[0]>;
}
