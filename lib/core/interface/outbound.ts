/**
 * The mails an interfaced unit's own helpdesk gets (docs/ggus.md §4 "Sync rules"): when a ticket is
 * assigned to the unit, one structured creation mail — our tag and number in the subject, the public
 * fields in the remote's words, the request and the public conversation so far, the ticket page link;
 * later, only what changed (public fields, public messages). Internal notes never cross; neither does
 * anything the remote itself wrote or changed (that is how the two helpdesks never loop). Pure: the notify
 * run (lib/notify/run.ts) supplies the conversation and what was sent before, and sends.
 */
import type { TicketEvent } from '../events.ts';
import { LOOP_HEADER, notificationMessageId } from '../mail-ids.ts';
import { displayValue as showValue } from '../display.ts';
import { unitLabel } from '../notify/plan.ts';
import { subjectTag, ticketUrl, type OutgoingMail } from '../notify/render.ts';
import type { AddedMessage, TicketUpdate } from '../notify/update.ts';
import type { Settings } from '../schema/settings.ts';
import type { Ticket } from '../schema/ticket.ts';
import type { Unit } from '../schema/unit.ts';
import { FROM_REMOTE_FLAG, INTERFACE_HEADER, PRIORITY_HEADER, remoteAddresses, STATUS_HEADER } from './inbound.ts';
import { fitToLimit, interfacedUnits, priorityOut, remoteTag, statusOut, type InterfacedUnit } from './mapping.ts';
import { oneLine } from '../text.ts';

type InterfaceMailKind = 'created' | 'update';

interface InterfaceMail {
  unit: string;
  kind: InterfaceMailKind;
  mail: OutgoingMail;
}

interface OutboundContext {
  settings: Settings;
  units: readonly Unit[];
  /** Whether the creation mail for this ticket already went to this unit's helpdesk. */
  created(number: number, unit: string): boolean;
  /** The ticket's public messages at the update's commit, oldest first (for the creation mail). */
  conversation(update: TicketUpdate): readonly AddedMessage[];
}

/** The fields the remote sees change; the rest name people or are bookkeeping. */
const CROSSING_FIELDS = new Set(['title', 'status', 'priority', 'type', 'category', 'issue', 'unit', 'vo', 'site', 'solution']);
const LABELS: Record<string, string> = { title: 'Title', status: 'Status', priority: 'Priority', type: 'Type', category: 'Category', issue: 'Type of issue', unit: 'Support unit', vo: 'VO', site: 'Affected site', solution: 'Solution' };

function when(iso: string): string {
  return `${iso.replace('T', ' ').replace(/:\d{2}(?:\.\d+)?Z$/, '')} UTC`;
}

function isLinked(ticket: Ticket | undefined, unit: string): boolean {
  return ticket !== undefined && (ticket.unit === unit || ticket.remote?.unit === unit);
}

/** Public messages that may cross: never internal notes, never what the remote wrote, never machine notes. */
function crossingMessages(messages: readonly AddedMessage[], unit: string): AddedMessage[] {
  return messages.filter((entry) => {
    const m = entry.message;
    if (m.visibility !== 'public') return false;
    if ((m.flags ?? []).includes(FROM_REMOTE_FLAG) && m.author.unit === unit) return false;
    return m.author.role !== 'system';
  });
}

function changesOf(events: readonly TicketEvent[], iface: InterfacedUnit, units: readonly Unit[]): string[] {
  const out: string[] = [];
  for (const event of events) {
    if (event.type === 'status') out.push(`Status: ${statusOut(iface.interface, event.from ?? 'new')} → ${statusOut(iface.interface, event.to)} (GGUS: ${event.from ?? '—'} → ${event.to})`);
    else if (event.type === 'priority') out.push(`Priority: ${priorityOut(iface.interface, event.from ?? 'less urgent')} → ${priorityOut(iface.interface, event.to)} (GGUS: ${event.from} → ${event.to})`);
    else if (event.type === 'assigned' || event.type === 'routed') out.push(`Support unit: ${unitLabel(event.from, units)} → ${unitLabel(event.to, units)}`);
    else if (event.type === 'field' && CROSSING_FIELDS.has(event.field)) out.push(`${LABELS[event.field] ?? event.field}: ${showValue(event.from)} → ${showValue(event.to)}`);
  }
  return out;
}

function fieldLines(ticket: Ticket, iface: InterfacedUnit, units: readonly Unit[]): string[] {
  const rows: [string, string][] = [
    ['Ticket', `#${ticket.number}`],
    ['Status', `${statusOut(iface.interface, ticket.status)} (GGUS: ${ticket.status})`],
    ['Priority', `${priorityOut(iface.interface, ticket.priority)} (GGUS: ${ticket.priority})`],
    ['Type', `${ticket.type} · ${ticket.category} · ${ticket.issue}`],
    ['Support unit', unitLabel(ticket.unit, units)],
  ];
  if (ticket.vo) rows.push(['VO', ticket.vo]);
  if (ticket.site) rows.push(['Affected site', ticket.site]);
  rows.push(['Submitted by', ticket.submitter.name], ['Created', when(ticket.created)]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${`${label}:`.padEnd(width + 1)} ${oneLine(value)}`);
}

function messageBlock(entry: AddedMessage): string[] {
  const a = entry.message.author;
  return ['', `── ${oneLine(a.name)} (${a.role}${a.unit ? `, ${a.unit}` : ''}), ${when(entry.message.date)} ──`, entry.body.trimEnd() || '(no text)'];
}

function render(update: TicketUpdate, iface: InterfacedUnit, kind: InterfaceMailKind, body: string[], context: OutboundContext, key: string): OutgoingMail {
  const { settings } = context;
  const ticket = update.ticket;
  const url = ticketUrl(settings, ticket.number);
  const remoteId = ticket.remote?.unit === iface.id ? ticket.remote.id : undefined;
  const tags = `${remoteId ? `${remoteTag(iface.interface, remoteId)} ` : ''}${subjectTag(settings, ticket.number)}`;
  const text = fitToLimit(`${body.join('\n')}\n`, iface.interface.textLimit, url);
  const root = notificationMessageId(ticket.number, 'thread', settings.sender);
  const first = ticket.source.messageId;
  return {
    ticket: ticket.number,
    key,
    messageId: notificationMessageId(ticket.number, key, settings.sender),
    from: { name: oneLine(settings.name), address: settings.sender },
    to: [{ name: oneLine(iface.interface.name), address: iface.interface.address }],
    cc: [],
    // Replies come back to intake; the per-ticket token needs no header to thread.
    replyTo: { name: oneLine(settings.name), address: settings.intake[0]?.address ?? settings.sender },
    subject: oneLine(`${tags} ${ticket.title}`),
    text,
    ...(first ? { inReplyTo: first } : {}),
    references: [...new Set([first, root].filter((id): id is string => id !== undefined))],
    date: update.time,
    // No Auto-Submitted: the remote must answer this mail with its number (RT squelches replies to
    // auto-submitted mail). Our loop header still marks it as ours if it ever comes back.
    // Status and priority only when they are news (creation, or changed now): a header repeating an old
    // status would undo what the remote changed meanwhile.
    headers: {
      [LOOP_HEADER]: settings.sender,
      [INTERFACE_HEADER]: kind,
      ...(kind === 'created' || update.events.some((e) => e.type === 'status') ? { [STATUS_HEADER]: statusOut(iface.interface, ticket.status) } : {}),
      ...(kind === 'created' || update.events.some((e) => e.type === 'priority') ? { [PRIORITY_HEADER]: priorityOut(iface.interface, ticket.priority) } : {}),
      'X-Gitgus-Ticket': String(ticket.number),
    },
    roles: { [iface.interface.address]: 'interface' },
    list: false,
  };
}

/**
 * The interface mails one ticket update causes, one per interfaced unit the ticket is (or was) linked to.
 *
 * @example const mails = planInterfaceMails(update, { settings, units, created: () => false, conversation: () => [] });
 */
export function planInterfaceMails(update: TicketUpdate, context: OutboundContext): InterfaceMail[] {
  const { settings, units } = context;
  const ticket = update.ticket;
  const out: InterfaceMail[] = [];
  const short = update.commit.slice(0, 12);
  for (const unit of interfacedUnits(units)) {
    const linked = isLinked(ticket, unit.id);
    const wasLinked = isLinked(update.previous, unit.id);
    if (!linked && !wasLinked) continue;
    const remoteActor = update.actor.email !== undefined && remoteAddresses(unit.interface).includes(update.actor.email.toLowerCase());
    const intro = `${settings.name} ticket #${ticket.number}: ${oneLine(ticket.title)}`;
    const url = ticketUrl(settings, ticket.number);
    if (linked && !context.created(ticket.number, unit.id)) {
      const conversation = crossingMessages(context.conversation(update), unit.id);
      const body = [
        intro,
        url,
        '',
        remoteActor
          ? `Registered in ${settings.name} as ticket #${ticket.number} (for your ticket ${ticket.remote?.id ?? ''}). Keep "${subjectTag(settings, ticket.number)}" in the subject of mails about it.`
          : `Assigned to ${unitLabel(unit.id, units)} in ${settings.name}: please open it in ${unit.interface.name} and keep "${subjectTag(settings, ticket.number)}" in the subject.`,
        '',
        ...fieldLines(ticket, unit, units),
        '',
        '── Request ──',
        update.body.trimEnd() || '(no text)',
        ...conversation.flatMap(messageBlock),
        '',
        '-- ',
        `${settings.name}. Public messages only; the full ticket: ${url}`,
      ];
      out.push({ unit: unit.id, kind: 'created', mail: render(update, unit, 'created', body, context, `${short}.if-${unit.id}`) });
      continue;
    }
    // The remote's own change is not news to it: sending it back is how two helpdesks loop.
    if (remoteActor) continue;
    const changes = changesOf(update.events, unit, units);
    const messages = crossingMessages(update.messages, unit.id);
    if (changes.length === 0 && messages.length === 0) continue;
    const solution = update.events.some((e) => e.type === 'status' && (e.to === 'solved' || e.to === 'unsolved')) && ticket.solution ? ['', `── Solution (${ticket.solution.qualifier}) ──`, ticket.solution.text.trimEnd()] : [];
    const body = [
      intro,
      url,
      '',
      `Updated by ${oneLine(update.actor.name.replace(/<[^>]*>/g, '').replace(/\((?:mail|GitHub)\)\s*$/i, '')) || settings.name} on ${when(update.time)}.`,
      ...(changes.length > 0 ? ['', 'Changed:', ...changes.map((line) => `  * ${line}`)] : []),
      ...messages.flatMap(messageBlock),
      ...solution,
      '',
      '-- ',
      `${settings.name}. Public messages only; the full ticket: ${url}`,
    ];
    out.push({ unit: unit.id, kind: 'update', mail: render(update, unit, 'update', body, context, `${short}.if-${unit.id}`) });
  }
  return out;
}
