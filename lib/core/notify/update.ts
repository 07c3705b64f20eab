/**
 * What notifications are planned from: one commit's effect on one ticket (a "ticket update"), and the
 * flags that mark system messages written by `gitgus tick`. Pure types and small helpers.
 */
import type { EventActor, TicketEvent } from '../events.ts';
import type { Message } from '../schema/message.ts';
import type { Ticket } from '../schema/ticket.ts';

/** A message file added by the update, parsed. */
export interface AddedMessage {
  /** Repository path of the message file. */
  file: string;
  message: Message;
  body: string;
}

/**
 * One commit's effect on one ticket: its events (lib/core/events.ts), the ticket's state before and after,
 * and the message files it added. GGUS sent one notification per update, highlighting what changed, so one
 * update is one round of mail even when it both changes fields and adds a message.
 */
export interface TicketUpdate {
  number: number;
  /** Full id of the commit. */
  commit: string;
  /** ISO time of the commit. */
  time: string;
  actor: EventActor;
  /** This ticket's events in this commit. */
  events: readonly TicketEvent[];
  /** The ticket after the commit. */
  ticket: Ticket;
  /** The original request (the ticket body), for the acknowledgement. */
  body: string;
  /** The ticket before the commit; absent when the commit created it. */
  previous?: Ticket | undefined;
  messages: readonly AddedMessage[];
  /**
   * Other tickets as they were at this commit, by number: the parent and its children when this update
   * finishes a child ticket (the "last child solved" rule needs them).
   */
  related?: ReadonlyMap<number, Ticket> | undefined;
}

/** Flag of the system message `gitgus tick` adds when it reminds a submitter of a waiting ticket. */
export const WAITING_REMINDER_FLAG = 'waiting-reminder';
/** Flag of the internal note warning the unit at 75% of its QoS response time. */
export const QOS_WARNING_FLAG = 'qos-warning';
/** Second flag of the QoS note once the response time has passed (the alert goes to TPM too). */
export const QOS_OVERDUE_FLAG = 'qos-overdue';
/** Flag of the internal note for a supporter's reminder date (`remindOn`). */
export const REMIND_ON_FLAG = 'remind-on';
/** Flag of the internal note `gitgus tick` adds when an ALARM stays unanswered: mailed to the unit and TPM. */
export const ALARM_ESCALATION_FLAG = 'alarm-unanswered';
/** Flag of the internal note `gitgus tick` adds when it holds an auto-close: the submitter replied to the solution without verifying. */
export const AUTO_CLOSE_HELD_FLAG = 'auto-close-held';
/** Flag of the internal note when a ticket reaches a priority colour, e.g. `colour-red`. */
export function colourFlag(colour: 'yellow' | 'amber' | 'red'): string {
  return `colour-${colour}`;
}

/** Flags of notes meant for the responsible unit only. */
export function isUnitAlert(message: Message): boolean {
  return (message.flags ?? []).some((flag) => flag === QOS_WARNING_FLAG || flag === REMIND_ON_FLAG || flag === ALARM_ESCALATION_FLAG || flag === AUTO_CLOSE_HELD_FLAG || flag.startsWith('colour-'));
}

/** Alerts that go to TPM as well as to the unit: a ticket turned red, or its QoS response time passed. */
export function isTpmAlert(message: Message): boolean {
  return (message.flags ?? []).some((flag) => flag === QOS_OVERDUE_FLAG || flag === colourFlag('red'));
}

export function isWaitingReminder(message: Message): boolean {
  return (message.flags ?? []).includes(WAITING_REMINDER_FLAG);
}

/**
 * Marks of mail written by machines (intake's classification, docs/peers.md §4.4): such a message is
 * recorded but never answered, so it triggers no notification at all.
 */
const MACHINE_MAIL_FLAGS: readonly string[] = ['auto-reply', 'auto-generated', 'bounce', 'list', 'own-mail', 'spam', 'loop'];

export function isMachineMail(flags: readonly string[] | undefined): boolean {
  return (flags ?? []).some((flag) => MACHINE_MAIL_FLAGS.includes(flag));
}
