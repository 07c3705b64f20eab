/**
 * `gitgus interface status <unit>` as pure data: which tickets are linked to the unit's own helpdesk, when
 * each last synced each way, and what is pending or failed and why.
 */
import type { FailedMail, InterfaceState } from '../schema/interface-state.ts';
import type { Message } from '../schema/message.ts';
import type { Ticket } from '../schema/ticket.ts';
import { FROM_REMOTE_FLAG } from './inbound.ts';
import type { InterfacedUnit } from './mapping.ts';

interface LinkedTicket {
  number: number;
  title: string;
  status: Ticket['status'];
  /** The remote's number, once it told us. */
  remoteId?: string;
  /** Last interface mail sent to the remote. */
  lastSent?: string;
  /** Last mail from the remote appended here. */
  lastReceived?: string;
  /** Why nothing is synced yet, or what waits. */
  pending?: string;
  failed: { kind: FailedMail['kind']; subject: string; error: string; attempts: number; firstFailed: string; lastTried: string }[];
}

export interface InterfaceStatus {
  unit: string;
  name: string;
  system: string;
  address: string;
  linked: LinkedTicket[];
  failedCount: number;
  pendingCount: number;
}

/** Tickets with their messages, as the store loads them. */
interface TicketWithMessages {
  ticket: Ticket;
  messages: readonly { message: Message }[];
}

export function interfaceStatus(unit: InterfacedUnit, tickets: readonly TicketWithMessages[], state: InterfaceState | undefined): InterfaceStatus {
  const linked: LinkedTicket[] = [];
  for (const { ticket, messages } of tickets) {
    const link = state?.tickets[String(ticket.number)]?.[unit.id];
    const isLinked = ticket.unit === unit.id || ticket.remote?.unit === unit.id || link !== undefined;
    if (!isLinked) continue;
    const received = messages
      .filter((m) => (m.message.flags ?? []).includes(FROM_REMOTE_FLAG) && m.message.author.unit === unit.id)
      .map((m) => m.message.date)
      .sort();
    const remoteId = ticket.remote?.unit === unit.id ? ticket.remote.id : undefined;
    const entry: LinkedTicket = {
      number: ticket.number,
      title: ticket.title,
      status: ticket.status,
      ...(remoteId ? { remoteId } : {}),
      ...(link?.lastSent ? { lastSent: link.lastSent } : {}),
      ...(received.length > 0 ? { lastReceived: received[received.length - 1] } : {}),
      failed: (link?.failed ?? []).map((f) => ({ kind: f.kind, subject: f.mail.subject, error: f.error, attempts: f.attempts, firstFailed: f.firstFailed, lastTried: f.lastTried })),
    };
    if (entry.failed.length > 0) entry.pending = `${entry.failed.length} mail(s) failed; the next gitgus notify sends them again`;
    else if (!link?.created && ticket.unit === unit.id && ticket.remote?.unit !== unit.id) entry.pending = 'creation mail not sent yet: the next gitgus notify sends it';
    else if (!remoteId) entry.pending = `waiting for ${unit.interface.name} to answer with its ticket number`;
    linked.push(entry);
  }
  linked.sort((a, b) => a.number - b.number);
  return {
    unit: unit.id,
    name: unit.interface.name,
    system: unit.interface.system,
    address: unit.interface.address,
    linked,
    failedCount: linked.reduce((sum, t) => sum + t.failed.length, 0),
    pendingCount: linked.filter((t) => t.pending !== undefined).length,
  };
}
