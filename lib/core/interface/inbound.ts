/**
 * Mail from an interfaced unit's own helpdesk, decided without IO (lib/core/intake/decide.ts hands it
 * over): recognise the remote's ticket number in the subject, link our ticket to it (`remote`), map the
 * remote's status and priority through the unit's tables and GGUS's guards, and append the remote's
 * correspondence as a message — internal when it came from the remote's comment address. A mail about a
 * ticket we do not know becomes a new ticket for TPM with its origin set.
 *
 * What never happens: an automatic mail of the remote (its auto-reply, our own creation mail echoed as an
 * acknowledgement) becomes a message; a change the remote made is sent back to it (lib/core/interface/
 * outbound.ts skips updates whose actor is the remote).
 */
import type { TicketDoc } from '../documents.ts';
import { headerValue, senderOf, type InboundMail } from '../intake/mail.ts';
import type { Interface } from '../schema/interface.ts';
import type { Priority, Status } from '../schema/ticket.ts';
import type { Unit } from '../schema/unit.ts';
import { interfacedUnits, priorityIn, remoteIdInSubject, remoteStatusOf, remoteTagPattern, statusIn, type InterfacedUnit } from './mapping.ts';

/** Flag of a message that came from a unit's own helpdesk: never sent back to it. */
export const FROM_REMOTE_FLAG = 'from-remote';
/** Header of our interface mails: `created` or `update`, so another gitgus knows an acknowledgement. */
export const INTERFACE_HEADER = 'X-Gitgus-Interface';
/** Headers of our interface mails with the ticket's status and priority in the remote's words. */
export const STATUS_HEADER = 'X-Gitgus-Status';
export const PRIORITY_HEADER = 'X-Gitgus-Priority';

export interface RemoteMail {
  unit: InterfacedUnit;
  iface: Interface;
  /** The remote's ticket number from the subject, when it carries the remote's tag. */
  remoteId: string | undefined;
  /** From the remote's comment address: its internal comment, internal here too. */
  internal: boolean;
  /** Written by the remote's machinery, not a person (its auto-reply, an acknowledgement of our mail). */
  automatic: boolean;
  /** The remote's status word, when the mail says it. */
  remoteStatus: string | undefined;
  remotePriority: string | undefined;
  /** The remote says we wrote this (its originator header names one of our addresses). */
  echo: boolean;
}

/** The addresses a unit's helpdesk writes from. */
export function remoteAddresses(iface: Interface): string[] {
  return [...new Set([iface.address, ...iface.from, ...iface.internalFrom].map((a) => a.toLowerCase()))];
}

/** Every address of every interfaced helpdesk: reached only through the interface, never by ordinary notification. */
export function allRemoteAddresses(units: readonly Unit[]): Set<string> {
  return new Set(interfacedUnits(units).flatMap((unit) => remoteAddresses(unit.interface)));
}

/** Whether the mail comes from an interfaced unit's helpdesk, and what it says. */
export function recogniseRemoteMail(mail: InboundMail, units: readonly Unit[], ownAddresses: ReadonlySet<string> = new Set()): RemoteMail | undefined {
  const from = senderOf(mail)?.address.trim().toLowerCase();
  if (!from) return undefined;
  const unit = interfacedUnits(units).find((candidate) => remoteAddresses(candidate.interface).includes(from));
  if (!unit) return undefined;
  const iface = unit.interface;
  const autoSubmitted = headerValue(mail, 'Auto-Submitted');
  const automatic = (autoSubmitted !== undefined && autoSubmitted.split(';')[0]?.trim().toLowerCase() !== 'no') || headerValue(mail, INTERFACE_HEADER)?.toLowerCase() === 'created';
  return {
    unit,
    iface,
    remoteId: remoteIdInSubject(iface, mail.subject),
    internal: iface.internalFrom.includes(from),
    automatic,
    remoteStatus: remoteStatusOf(iface, mail.subject, (name) => headerValue(mail, name)),
    remotePriority: iface.priorityHeader ? headerValue(mail, iface.priorityHeader) : undefined,
    echo:
      iface.originatorHeader !== undefined &&
      ownAddresses.has(
        (headerValue(mail, iface.originatorHeader) ?? '')
          .replace(/^.*<([^>]*)>.*$/, '$1')
          .trim()
          .toLowerCase(),
      ),
  };
}

/** The subject as a title here: without the remote's tag and its `AutoReply:`/`Resolved:` words. */
export function remoteTitle(remote: RemoteMail, subject: string, ourTag: RegExp): string {
  const words = remote.iface.subjectStatus.map((rule) => new RegExp(rule.pattern, 'iu'));
  let title = subject.replace(remoteTagPattern(remote.iface), ' ').replace(ourTag, ' ');
  for (const word of words) title = title.replace(word, ' ');
  return title
    .replace(/^\s*(?:(?:re|aw|fwd?|autoreply)\s*:\s*)+/giu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

interface RemoteEffect {
  /** The ticket's fields after the mail; undefined when none changed. */
  changed?: { status?: Status; priority?: Priority; remote?: { unit: string; system: string; id: string } };
  /** Whether the mail's text becomes a message. */
  appendMessage: boolean;
  /** One line per decision, for the commit and the intake record. */
  reasons: string[];
}

/** What a remote mail does to one of our tickets. Pure. */
export function remoteEffect(remote: RemoteMail, doc: TicketDoc): RemoteEffect {
  const ticket = doc.ticket;
  const reasons: string[] = [];
  const changed: NonNullable<RemoteEffect['changed']> = {};
  if (remote.remoteId !== undefined) {
    const current = ticket.remote;
    if (current?.unit !== remote.unit.id || current.id !== remote.remoteId || current.system !== remote.iface.system) {
      changed.remote = { unit: remote.unit.id, system: remote.iface.system, id: remote.remoteId };
      reasons.push(`linked to ${remote.iface.system} #${remote.remoteId} of ${remote.unit.id}${current ? ` (was ${current.system} #${current.id})` : ''}`);
    }
  }
  if (remote.remoteStatus !== undefined) {
    const verdict = statusIn(remote.iface, remote.remoteStatus, ticket.status);
    reasons.push(verdict.reason);
    if (verdict.status !== undefined) changed.status = verdict.status;
  }
  if (remote.remotePriority !== undefined) {
    const priority = priorityIn(remote.iface, remote.remotePriority);
    if (priority === undefined) reasons.push(`remote priority '${remote.remotePriority}' maps to none of ours`);
    else if (priority !== ticket.priority) {
      changed.priority = priority;
      reasons.push(`remote priority '${remote.remotePriority}' → ${priority}`);
    }
  }
  const appendMessage = !remote.automatic && !remote.echo;
  if (remote.echo) reasons.push(`our own message as ${remote.iface.name} passed it on (${remote.iface.originatorHeader}): not appended again`);
  else if (!appendMessage) reasons.push(`automatic mail of ${remote.iface.name}: recorded, no message`);
  return { ...(Object.keys(changed).length > 0 ? { changed } : {}), appendMessage, reasons };
}

/** The status a ticket the remote creates here starts with (guards included) and why. */
export function createdStatus(remote: RemoteMail): { status: Status; reason: string } {
  if (remote.remoteStatus === undefined) return { status: 'new', reason: 'created by the remote helpdesk as new' };
  const verdict = statusIn(remote.iface, remote.remoteStatus, undefined);
  const open: readonly Status[] = ['new', 'assigned', 'in progress', 'waiting for reply', 'on hold', 'reopened'];
  // A ticket arrives to be worked on here: never already finished.
  if (verdict.status === undefined || !open.includes(verdict.status)) return { status: 'new', reason: `${verdict.reason}; created as new` };
  return { status: verdict.status, reason: verdict.reason };
}
