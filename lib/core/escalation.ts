/**
 * User escalation (docs/ggus.md §2.4, D-UG "escalation button"): the submitter raises a ticket that
 * gets no answer through three levels, reached strictly in order —
 *
 * | Level | Who is alerted                                         |
 * |-------|--------------------------------------------------------|
 * | 1     | the responsible support unit                           |
 * | 2     | the unit and TPM on shift                              |
 * | 3     | the unit, TPM and ticket monitoring                    |
 *
 * The level is the ticket's `escalation` field, so it is recorded in history like any other change; the
 * submitter raises it by mail (a `mailto:` link in every mail to them and on the ticket page, subject
 * `<tag> escalate`, which intake recognises) and nobody lowers it or skips a level. Pure.
 */
import type { Ticket } from './schema/ticket.ts';
import { isOpen } from './schema/ticket.ts';

export type EscalationLevel = 1 | 2 | 3;
export const MAX_ESCALATION: EscalationLevel = 3;

/** The subject keyword after the ticket's tag. */
export const ESCALATION_KEYWORD = 'escalate';

const WHO: Record<EscalationLevel, string> = {
  1: 'the responsible support unit',
  2: 'the support unit and TPM on shift',
  3: 'the support unit, TPM and ticket monitoring',
};

/** Who a level alerts, in words. */
export function escalationAudience(level: EscalationLevel): string {
  return WHO[level];
}

/** The level a further escalation reaches, or undefined when the ticket cannot be escalated (closed, or at level 3). */
export function nextEscalation(ticket: Pick<Ticket, 'status' | 'escalation'>): EscalationLevel | undefined {
  if (!isOpen(ticket.status)) return undefined;
  const current = ticket.escalation ?? 0;
  return current >= MAX_ESCALATION ? undefined : ((current + 1) as EscalationLevel);
}

/** Whether `before → after` of the field is a legal step: exactly one level up (or no change). */
export function isEscalationStep(before: number | undefined, after: number | undefined): boolean {
  if (before === after) return true;
  return after !== undefined && after === (before ?? 0) + 1 && after <= MAX_ESCALATION;
}

/** One line for mails and the ticket page. */
export function describeEscalation(level: number | undefined): string {
  if (level === undefined || level < 1) return 'not escalated';
  const known = Math.min(level, MAX_ESCALATION) as EscalationLevel;
  return `level ${known} of ${MAX_ESCALATION}: ${escalationAudience(known)}`;
}
