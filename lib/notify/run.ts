/**
 * One notification run: the commits since the last run become ticket updates, the updates become mails
 * (lib/core/notify/plan.ts, render.ts), the daily cap trims them, and they are sent over SMTP — or, for a
 * dry run, written as .eml files. Progress is recorded on `refs/gitgus/notify` (lib/notify/state.ts) after
 * every mail, so a rerun, even after a crash half-way, sends nothing twice.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { applyDailyCap, countsFor, SENDER_DAILY_CAP, type SendCounts } from '../core/notify/cap.ts';
import { planNotifications, type MailKind } from '../core/notify/plan.ts';
import { renderNotification, type OutgoingMail } from '../core/notify/render.ts';
import { notifySettingsOf, type NotifyState } from '../core/schema/notify.ts';
import { GitgusError, type Problem } from '../errors.ts';
import { faultPoint } from '../fault.ts';
import { runGit } from '../git/native.ts';
import { composeEml } from '../mail/outgoing/compose.ts';
import { signIfNeeded } from '../mail/outgoing/sign.ts';
import { smtpConfig, smtpSender, type MailSender } from '../mail/outgoing/smtp.ts';
import { SYSTEM_ACTOR, withChangeContext, type ChangeContext } from '../store/change-context.ts';
import { readNotifyState, writeNotifyState } from './state.ts';
import { parseMessage } from '../core/documents.ts';
import { planInterfaceMails } from '../core/interface/outbound.ts';
import type { AddedMessage, TicketUpdate } from '../core/notify/update.ts';
import { messagesDir } from '../core/paths.ts';
import type { InterfaceState } from '../core/schema/interface-state.ts';
import { linkOf, readInterfaceState, writeInterfaceState } from './interface-state.ts';
import { readUpdates } from './updates.ts';
import { isoSeconds, utcDay } from '../core/time.ts';

interface NotifyOptions {
  /** Helpdesk checkout. */
  root: string;
  /** Commit after which to start (exclusive); needed on the first run, later the stored state wins when newer. */
  since?: string | undefined;
  /** Newest commit to notify (default HEAD). */
  until?: string | undefined;
  /** Send nothing and record nothing; with `out`, write each mail as an .eml file there. */
  dryRun?: boolean | undefined;
  out?: string | undefined;
  /** The clock for the daily cap (tests). */
  now?: Date | undefined;
  /** Environment for SMTP settings (default process.env). */
  env?: Record<string, string | undefined> | undefined;
  /** A sender to use instead of SMTP from the configuration. */
  sender?: MailSender | undefined;
}

interface NotifiedMail {
  ticket: number;
  messageId: string;
  kind: MailKind;
  subject: string;
  /** Address → why they got it (submitter, cc, unit, …). */
  recipients: Record<string, string>;
  /** The .eml written in a dry run. */
  file?: string;
}

export interface NotifyResult {
  /** Commits notified: `from` (exclusive) to `to` (inclusive); equal when there was nothing new. */
  from: string;
  to: string;
  updates: number;
  sent: NotifiedMail[];
  /** Mails of an interrupted earlier run that had already gone out. */
  alreadySent: string[];
  /** Recipients dropped by the daily cap. */
  capped: { messageId: string; addresses: string[] }[];
  /** Ticket or message files that did not parse at their commit; their updates were skipped. */
  problems: Problem[];
  dryRun: boolean;
  /** Mails to interfaced units' own helpdesks: sent (also retries that now went out) and failed (kept for the next run). */
  interface: { sent: InterfaceSent[]; failed: InterfaceSent[] };
}

interface InterfaceSent {
  ticket: number;
  unit: string;
  kind: 'created' | 'update';
  messageId: string;
  subject: string;
  /** An earlier run's failed mail sent again. */
  retry: boolean;
  error?: string;
}

const THREAD_DAYS = 90;

function resolveCommit(dir: string, ref: string, what: string): string {
  const result = runGit(dir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { allowFailure: true });
  if (result.status !== 0) {
    throw new GitgusError('E_GIT_REF', `${what} '${ref}' is not a commit in this helpdesk`, { hint: 'Pass a commit id, branch or tag that exists (git log --oneline); in CI fetch the full history (fetch-depth: 0).' });
  }
  return result.stdout.trim();
}

function isAncestor(dir: string, ancestor: string, descendant: string): boolean {
  return runGit(dir, ['merge-base', '--is-ancestor', ancestor, descendant], { allowFailure: true }).status === 0;
}

/** Where this run starts: after the stored last commit when that is at or past `--since`, else after `--since`. */
function startOf(dir: string, since: string | undefined, stored: NotifyState | undefined): string {
  const last = stored?.lastCommit;
  if (since === undefined) {
    if (last === undefined) {
      throw new GitgusError('E_NOTIFY_SINCE', 'gitgus notify does not know where to start: there is no earlier run recorded', {
        hint: 'Pass --since <commit> on the first run (in a push workflow: the push event\'s "before" commit).',
      });
    }
    return last;
  }
  const sinceOid = resolveCommit(dir, since, '--since');
  return last !== undefined && isAncestor(dir, sinceOid, last) ? last : sinceOid;
}

function pruneThreads(threads: NotifyState['threads'], today: string): NotifyState['threads'] {
  const oldest = utcDay(Date.parse(`${today}T00:00:00Z`) - THREAD_DAYS * 86_400_000);
  return Object.fromEntries(Object.entries(threads).filter(([, entry]) => entry.day >= oldest));
}

/**
 * Notifies everything committed since the last run (or `since`). Sends through SMTP unless `dryRun`.
 *
 * @example
 * const result = await notify({ root, since: 'HEAD~3' });
 * console.log(`${result.sent.length} mails for ${result.updates} updates`);
 */
export async function notify(options: NotifyOptions): Promise<NotifyResult> {
  // The writer lock before the first read: a killed writer's half-followed work tree is repaired first, so
  // the settings and units come from what is committed (lib/store/change-context.ts). It also keeps two
  // runs in one checkout apart; runs in two checkouts are kept apart by the state ref's compare-and-swap.
  return withChangeContext(options.root, SYSTEM_ACTOR, { what: 'gitgus notify', lock: options.dryRun !== true }, (context) => notifyWith(context, options));
}

async function notifyWith(context: ChangeContext, options: NotifyOptions): Promise<NotifyResult> {
  const root = options.root;
  const { settings, units } = context;
  const notifySettings = notifySettingsOf(settings);
  const dryRun = options.dryRun === true;
  const stored = readNotifyState(root);
  const until = resolveCommit(root, options.until ?? 'HEAD', '--until');
  const from = startOf(root, options.since, stored?.state);
  const result: NotifyResult = { from, to: until, updates: 0, sent: [], alreadySent: [], capped: [], problems: [], dryRun, interface: { sent: [], failed: [] } };
  const storedInterface = readInterfaceState(root);
  const interfaceState: InterfaceState = storedInterface?.state ?? { version: 1, tickets: {} };
  let interfaceBase = storedInterface?.ref;
  const saveInterface = () => {
    if (!dryRun) interfaceBase = writeInterfaceState(root, interfaceState, interfaceBase, { name: 'gitgus notify', email: settings.sender });
  };
  const nowIso = () => isoSeconds(options.now ?? new Date());
  const pendingRetries = Object.values(interfaceState.tickets).some((units) => Object.values(units).some((link) => link.failed.length > 0));
  if ((from === until || isAncestor(root, until, from)) && !pendingRetries) {
    result.to = from;
    return result;
  }

  const today = utcDay(options.now ?? new Date());
  let counts: SendCounts = countsFor(stored?.state.sent, today);
  const threads: NotifyState['threads'] = pruneThreads(stored?.state.threads ?? {}, today);
  const partial = stored?.state.partial;
  let base = stored?.ref;
  const lists = new Set(units.map((unit) => unit.mailingList.toLowerCase()));
  const identity = { name: 'gitgus notify', email: settings.sender };
  const save = (lastCommit: string, inFlight?: { commit: string; sent: string[] }) => {
    if (dryRun) return;
    const state: NotifyState = { version: 1, lastCommit, sent: { day: counts.day, counts: { ...counts.counts } }, threads, ...(inFlight ? { partial: inFlight } : {}) };
    base = writeNotifyState(root, state, base, identity);
  };

  const upToDate = from === until || isAncestor(root, until, from);
  const { updates, problems } = upToDate ? { updates: [], problems: [] } : await readUpdates(root, { since: from, until });
  result.updates = updates.length;
  result.problems = problems;
  if (options.out) mkdirSync(options.out, { recursive: true });
  let sender = options.sender;
  if (!dryRun && !sender && (updates.length > 0 || pendingRetries)) sender = smtpSender(smtpConfig(notifySettings.smtp, options.env));

  /** Sends one interface mail; a failure is kept whole in the interface state for the next run, never dropped. */
  const sendInterface = async (entry: { ticket: number; unit: string; kind: 'created' | 'update'; mail: OutgoingMail }, retry: boolean): Promise<boolean> => {
    const link = linkOf(interfaceState, entry.ticket, entry.unit);
    const record: InterfaceSent = { ticket: entry.ticket, unit: entry.unit, kind: entry.kind, messageId: entry.mail.messageId, subject: entry.mail.subject, retry };
    if (options.out) writeFileSync(path.join(options.out, `${entry.ticket}-${entry.mail.key}.eml`), await composeEml(entry.mail));
    if (dryRun) {
      result.interface.sent.push(record);
      return true;
    }
    const now = nowIso();
    const earlier = link.failed.find((failed) => failed.mail.messageId === entry.mail.messageId);
    link.failed = link.failed.filter((failed) => failed.mail.messageId !== entry.mail.messageId);
    try {
      await (sender as MailSender).send(entry.mail);
      link.sent += 1;
      link.lastSent = now;
      if (entry.kind === 'created') link.created = entry.mail.messageId;
      result.interface.sent.push(record);
      saveInterface();
      return true;
    } catch (error) {
      if (!(error instanceof GitgusError)) throw error;
      // The creation is on its way (retried until it goes): a later change must not send a second one.
      if (entry.kind === 'created') link.created = entry.mail.messageId;
      link.failed.push({ kind: entry.kind, error: error.message, attempts: (earlier?.attempts ?? 0) + 1, firstFailed: earlier?.firstFailed ?? now, lastTried: now, mail: entry.mail });
      result.interface.failed.push({ ...record, error: error.message });
      saveInterface();
      return false;
    }
  };
  const conversation = (update: TicketUpdate) => messagesAt(root, update.commit, update.number);

  try {
    // Failed interface mails of earlier runs first, in their order: the remote sees creation before updates.
    for (const [ticket, unitsOfTicket] of Object.entries(interfaceState.tickets)) {
      for (const [unit, link] of Object.entries(unitsOfTicket)) {
        for (const failed of [...link.failed]) await sendInterface({ ticket: Number(ticket), unit, kind: failed.kind, mail: failed.mail }, true);
      }
    }
    if (upToDate) {
      result.to = from;
      return result;
    }

    let lastDone = from;
    let current: string | undefined;
    let sentInCurrent: string[] = [];
    for (const update of updates) {
      if (update.commit !== current) {
        if (current !== undefined) {
          lastDone = current;
          if (sentInCurrent.length > 0) save(lastDone);
        }
        current = update.commit;
        sentInCurrent = partial?.commit === current ? [...partial.sent] : [];
      }
      for (const planned of planNotifications(update, { settings, units })) {
        const rendered = renderNotification(planned, { settings, units, previousNotification: threads[String(planned.ticket.number)]?.[planned.audience] });
        if (partial?.commit === update.commit && partial.sent.includes(rendered.messageId)) {
          result.alreadySent.push(rendered.messageId);
          continue;
        }
        const capped = applyDailyCap(rendered, counts, { person: notifySettings.dailyCap, list: notifySettings.listDailyCap, sender: notifySettings.senderDailyCap ?? SENDER_DAILY_CAP }, (address) => lists.has(address));
        counts = capped.counts;
        if (capped.capped.length > 0) result.capped.push({ messageId: rendered.messageId, addresses: capped.capped });
        if (!capped.mail) continue;
        const mail: OutgoingMail = await signIfNeeded(capped.mail, options.env ?? process.env);
        const record: NotifiedMail = { ticket: mail.ticket, messageId: mail.messageId, kind: planned.kind, subject: mail.subject, recipients: recipientsOf(mail) };
        if (options.out) {
          const file = path.join(options.out, `${mail.ticket}-${mail.key}.eml`);
          writeFileSync(file, await composeEml(mail));
          record.file = file;
        }
        if (!dryRun) await (sender as MailSender).send(mail);
        // At-least-once: the mail is recorded only after the server accepted it, so a kill here sends it again.
        faultPoint('sent');
        threads[String(mail.ticket)] = { ...threads[String(mail.ticket)], [planned.audience]: mail.messageId, day: today };
        result.sent.push(record);
        sentInCurrent.push(mail.messageId);
        save(lastDone, { commit: update.commit, sent: sentInCurrent });
      }
      const interfaceMails = planInterfaceMails(update, { settings, units, created: (number, unit) => interfaceState.tickets[String(number)]?.[unit]?.created !== undefined, conversation });
      for (const entry of interfaceMails) {
        if (partial?.commit === update.commit && partial.sent.includes(entry.mail.messageId)) {
          result.alreadySent.push(entry.mail.messageId);
          continue;
        }
        // No daily cap here: the remote is a machine that must see every change, and loops are cut at the source.
        await sendInterface({ ticket: update.number, ...entry }, false);
        sentInCurrent.push(entry.mail.messageId);
        save(lastDone, { commit: update.commit, sent: sentInCurrent });
      }
    }
    save(until);
  } finally {
    sender?.close();
  }
  return result;
}

/** Every message of a ticket as it was at `commit`, oldest first (file names start with the time). */
function messagesAt(root: string, commit: string, number: number): AddedMessage[] {
  const dir = messagesDir(number);
  const listing = runGit(root, ['ls-tree', '--name-only', `${commit}:${dir}`], { allowFailure: true });
  if (listing.status !== 0) return [];
  const out: AddedMessage[] = [];
  for (const name of listing.stdout
    .split('\n')
    .filter((n) => n.endsWith('.md'))
    .sort()) {
    const file = `${dir}/${name}`;
    const text = runGit(root, ['cat-file', 'blob', `${commit}:${file}`]).stdout;
    try {
      out.push({ file, ...parseMessage(text, file) });
    } catch {
      continue;
    }
  }
  return out.sort((a, b) => (a.message.date < b.message.date ? -1 : a.message.date > b.message.date ? 1 : 0));
}

function recipientsOf(mail: OutgoingMail): Record<string, string> {
  const out: Record<string, string> = {};
  for (const recipient of [...mail.to, ...mail.cc]) out[recipient.address] = mail.roles[recipient.address] ?? 'recipient';
  return out;
}
