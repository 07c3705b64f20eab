/**
 * The IO edge of `gitgus monitor`: reads the tickets, their history (one pass over Git) and the units,
 * asks lib/core/monitor.ts, and with `mail` sends the report to TPM (every TPM unit's list, and the ticket
 * monitoring address) through the same SMTP configuration as notifications.
 */
import { calendarOfUnit } from '../core/calendar.ts';
import { LOOP_HEADER } from '../core/mail-ids.ts';
import { formatMonitorReport, monitorTickets, type MonitorReport } from '../core/monitor.ts';
import { ticketUrl, type OutgoingMail } from '../core/notify/render.ts';
import { notifySettingsOf } from '../core/schema/notify.ts';
import { monitoringSettingsOf } from '../core/schema/settings.ts';
import { GitgusError, ValidationError } from '../errors.ts';
import { readTicketEvents } from '../git/history-index.ts';
import { smtpConfig, smtpSender } from '../mail/outgoing/smtp.ts';
import { loadSettings, loadTickets, loadUnits } from '../store/load.ts';
import { isoSeconds, utcDay } from '../core/time.ts';

interface MonitorOptions {
  root: string;
  now?: Date;
  /** Mail the report to TPM. */
  mail?: boolean;
  env?: Record<string, string | undefined>;
}

interface MonitorResult {
  report: MonitorReport;
  text: string;
  /** Addresses the report was mailed to. */
  mailedTo: string[];
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export async function runMonitor(options: MonitorOptions): Promise<MonitorResult> {
  const now = options.now ?? new Date();
  const settings = loadSettings(options.root);
  const units = loadUnits(options.root);
  if (units.problems.length > 0) throw new ValidationError(units.problems);
  const tickets = loadTickets(options.root);
  if (tickets.problems.length > 0) throw new ValidationError(tickets.problems);
  let events: Map<number, import('../core/events.ts').TicketEvent[]>;
  try {
    events = await readTicketEvents(options.root);
  } catch (error) {
    // A folder without Git history: every clock starts at creation.
    if (error instanceof GitgusError && error.code === 'E_GIT') events = new Map();
    else throw error;
  }
  const monitoring = monitoringSettingsOf(settings);
  const report = monitorTickets(
    tickets.items.map(({ ticket }) => ({ number: ticket.number, title: ticket.title, status: ticket.status, unit: ticket.unit, priority: ticket.priority, created: ticket.created, category: ticket.category })),
    events,
    units.items.map(({ unit }) => ({ id: unit.id, family: unit.family, qos: unit.qos, calendar: calendarOfUnit(unit) })),
    { now, assignWithinHours: monitoring.assignWithinHours, bounceUnits: monitoring.bounceUnits, waitingStepDays: notifySettingsOf(settings).tick.waitingStepDays, fallback: calendarOfUnit(undefined) },
  );
  const text = formatMonitorReport(report, settings.name, (n) => ticketUrl(settings, n));
  const mailedTo: string[] = [];
  if (options.mail) {
    const to = [...new Set([...units.items.filter(({ unit }) => unit.family === 'tpm').map(({ unit }) => unit.mailingList.toLowerCase()), ...(monitoring.address ? [monitoring.address.toLowerCase()] : [])])];
    if (to.length === 0) throw new GitgusError('E_NO_TPM', 'the helpdesk has no TPM unit and no monitoring address to mail the report to', { hint: 'Add a unit with family: tpm to units/, or monitoring.address to helpdesk.yml.' });
    const day = utcDay(now);
    const domain = settings.sender.slice(settings.sender.lastIndexOf('@') + 1);
    const mail: OutgoingMail = {
      ticket: 0,
      key: `monitor.${day}`,
      messageId: `gitgus.monitor.${now.getTime()}@${domain}`,
      from: { name: settings.name, address: settings.sender },
      to: to.map((address) => ({ address })),
      cc: [],
      // Replies to a report are not tickets: they go back to the sender address, which intake ignores.
      replyTo: { name: settings.name, address: settings.sender },
      subject: `${settings.name}: TPM monitoring report ${day} — ${report.unassigned.length} unassigned, ${report.bounced.length} bounced, ${report.waiting.length} waiting, ${report.unresponsive.length} unresponsive unit(s)`,
      text,
      html: `<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body><pre style="font-family:inherit;white-space:pre-wrap">${escapeHtml(text)}</pre></body></html>\n`,
      references: [],
      date: isoSeconds(now),
      headers: { 'Auto-Submitted': 'auto-generated', [LOOP_HEADER]: settings.sender, 'X-Auto-Response-Suppress': 'All', Precedence: 'bulk' },
      roles: Object.fromEntries(to.map((address) => [address, 'tpm'])),
      list: true,
    };
    const sender = smtpSender(smtpConfig(notifySettingsOf(settings).smtp, options.env ?? process.env));
    try {
      const sent = await sender.send(mail);
      mailedTo.push(...sent.accepted);
    } finally {
      sender.close();
    }
  }
  return { report, text, mailedTo };
}
