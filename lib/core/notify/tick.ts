/**
 * The time-driven rules of `gitgus tick` as pure planning (docs/ggus.md §2.4): given the tickets, how
 * long each has been in its status and at its unit, and the time now, what changes are due.
 *
 * | Rule             | When (working time on the unit's calendar)                  | Change                                        |
 * |------------------|-------------------------------------------------------------|-----------------------------------------------|
 * | auto-close       | solved/unsolved for 10 working days                         | status → closed                               |
 * | waiting reminder | waiting for reply 5 working days after entering it or after the previous reminder (2 reminders) | public system message to the submitter |
 * | waiting unsolved | 5 working days after the last reminder                      | status → unsolved, with a solution and a public message |
 * | reminder date    | `remindOn` day reached (start of office hours)              | internal note to the unit; `remindOn` cleared |
 * | QoS warning      | new/assigned and 75% of the QoS response time gone          | internal note to the unit                     |
 * | colour           | the ticket reached a colour in `notify.tick.colourMails`    | internal note to the unit                     |
 * | alarm escalation | an ALARM still new/assigned `alarmEscalationMinutes` (30) after creation, round the clock | internal note to the unit and TPM |
 *
 * Every change is recorded in the ticket itself — a message file, a status, a cleared field — and each
 * rule checks that record first, so running tick twice changes nothing the second time. The records are
 * also what `gitgus notify` turns into mail: tick never sends anything itself. Steps of the waiting rule
 * count from the previous step, so a tick that was not run for a while catches up one step per run
 * instead of closing a ticket whose submitter was never reminded.
 */
import { addWorkingDays, calendarOfUnit, officeStartOf, type WorkingCalendar } from '../calendar.ts';
import { awaitsResponse, colourClockStart, priorityColour, QOS_WARNING_FRACTION, responseDeadline, responseTarget, timelineOf, type OpenColour, type TicketTimeline } from '../colours.ts';

export { timelineOf };
import { REPLY_TO_SOLVED_FLAG } from '../intake/keywords.ts';
import type { Message, MessageInput } from '../schema/message.ts';
import { notifySettingsOf } from '../schema/notify.ts';
import type { Settings } from '../schema/settings.ts';
import { isOpen, type Status, type Ticket } from '../schema/ticket.ts';
import type { Unit } from '../schema/unit.ts';
import { ALARM_ESCALATION_FLAG, AUTO_CLOSE_HELD_FLAG, colourFlag, QOS_OVERDUE_FLAG, QOS_WARNING_FLAG, REMIND_ON_FLAG, WAITING_REMINDER_FLAG } from './update.ts';
import { isoSeconds } from '../time.ts';

export type TickRule = 'auto-close' | 'waiting-reminder' | 'waiting-unsolved' | 'remind-on' | 'qos-warning' | 'colour' | 'alarm-escalation';

export interface TickAction {
  number: number;
  rule: TickRule;
  /** One-line description, the commit subject. */
  subject: string;
  /** The ticket's new state when the rule changes it. */
  ticket?: Ticket;
  /** A system message to add to the ticket. */
  message?: { message: MessageInput; body: string };
}

export interface TickTicket {
  ticket: Ticket;
  /** The ticket's messages (their dates and flags are the rules' records). */
  messages: readonly Message[];
  timeline: TicketTimeline;
}

interface TickContext {
  now: Date;
  settings: Settings;
  units: readonly Unit[];
}

/** Statuses in which the unit holds the ball: colour alerts make sense only there. */
const UNIT_ACTS: readonly Status[] = ['new', 'assigned', 'in progress', 'reopened'];

function day(at: Date): string {
  return `${isoSeconds(at).slice(0, 16).replace('T', ' ')} UTC`;
}

function recordedSince(messages: readonly Message[], flag: string, since: string): Message[] {
  const from = Date.parse(since);
  return messages.filter((m) => (m.flags ?? []).includes(flag) && Date.parse(m.date) >= from).sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
}

function systemMessage(context: TickContext, visibility: 'public' | 'internal', flags: string[], body: string): { message: MessageInput; body: string } {
  return {
    message: { date: isoSeconds(context.now), author: { name: context.settings.name, role: 'system' }, visibility, source: 'system', ...(flags.length > 0 ? { flags } : {}) },
    body,
  };
}

function withoutRemindOn(ticket: Ticket): Ticket {
  const next = { ...ticket };
  delete next.remindOn;
  return next;
}

interface RuleInput {
  item: TickTicket;
  ticket: Ticket;
  calendar: WorkingCalendar;
  unit: Unit | undefined;
  context: TickContext;
}

/**
 * Solved/unsolved closes after `closeAfterDays` working days — unless the submitter answered the solution
 * without verifying ("No, it is still failing!"): closing then would bury that answer. The issue says such a
 * reply "reopens it or is flagged for the unit, never verifies"; GGUS changes no field by mail, so the
 * reply stays flagged and the auto-close waits for the unit: it counts again from the unit's next public
 * answer (or a new status), and when the delay has passed with no answer, one internal note tells the unit.
 */
function autoClose({ ticket, calendar, item, context }: RuleInput): TickAction | undefined {
  if (ticket.status !== 'solved' && ticket.status !== 'unsolved') return undefined;
  const days = notifySettingsOf(context.settings).tick.closeAfterDays;
  const replies = recordedSince(item.messages, REPLY_TO_SOLVED_FLAG, item.timeline.statusSince);
  const lastReply = replies.at(-1);
  let since = item.timeline.statusSince;
  if (lastReply) {
    const answer = item.messages
      .filter((m) => m.visibility === 'public' && (m.author.role === 'supporter' || m.author.role === 'tpm') && Date.parse(m.date) > Date.parse(lastReply.date))
      .sort((a, b) => Date.parse(a.date) - Date.parse(b.date))
      .at(-1);
    if (!answer) {
      if (context.now < addWorkingDays(calendar, new Date(since), days)) return undefined;
      if (recordedSince(item.messages, AUTO_CLOSE_HELD_FLAG, lastReply.date).length > 0) return undefined;
      const body = `Auto-close held: the submitter replied on ${day(new Date(lastReply.date))} to the ${ticket.status} ticket without verifying it. Answer the submitter (the ${days} working days then count again from your answer), reopen the ticket, or solve it anew.`;
      return { number: ticket.number, rule: 'auto-close', subject: `#${ticket.number} auto-close held: the submitter replied without verifying`, message: systemMessage(context, 'internal', [AUTO_CLOSE_HELD_FLAG], body) };
    }
    since = answer.date;
  }
  if (context.now < addWorkingDays(calendar, new Date(since), days)) return undefined;
  return {
    number: ticket.number,
    rule: 'auto-close',
    subject: `#${ticket.number} status: ${ticket.status} → closed (not verified within ${days} working days)`,
    ticket: { ...ticket, status: 'closed' },
  };
}

function waiting({ ticket, calendar, item, context }: RuleInput): TickAction | undefined {
  if (ticket.status !== 'waiting for reply') return undefined;
  const { waitingStepDays: step, waitingReminders: reminders } = notifySettingsOf(context.settings).tick;
  const sent = recordedSince(item.messages, WAITING_REMINDER_FLAG, item.timeline.statusSince);
  const last = sent[sent.length - 1]?.date ?? item.timeline.statusSince;
  if (context.now < addWorkingDays(calendar, new Date(last), step)) return undefined;
  const since = day(new Date(item.timeline.statusSince));
  if (sent.length < reminders) {
    const n = sent.length + 1;
    const left = reminders - n;
    const body = [
      `Reminder ${n} of ${reminders}: this ticket has been waiting for your reply since ${since}.`,
      'Please answer the last question from the support unit by replying to this mail.',
      left === 0 ? `Without a reply within ${step} more working days the ticket will be set to unsolved.` : `Without a reply, another reminder follows in ${step} working days; after ${left + 1} more steps the ticket is set to unsolved.`,
    ].join('\n');
    return { number: ticket.number, rule: 'waiting-reminder', subject: `#${ticket.number} waiting-for-reply reminder ${n} of ${reminders}`, message: systemMessage(context, 'public', [WAITING_REMINDER_FLAG], body) };
  }
  const total = step * (reminders + 1);
  const reopen = `${context.settings.subjectTag.replace('{number}', String(ticket.number))} reopen`;
  // A plain reply does not reopen (nor verify) a ticket: the mail names the keyword that does.
  const text = `No reply from the submitter within ${total} working days of waiting (since ${since}); set to unsolved. To reopen the ticket, reply with the subject "${reopen}" and the answer.`;
  return {
    number: ticket.number,
    rule: 'waiting-unsolved',
    subject: `#${ticket.number} status: waiting for reply → unsolved (no reply for ${total} working days)`,
    ticket: { ...withoutRemindOn(ticket), status: 'unsolved', solution: { qualifier: 'invalid', text } },
    message: systemMessage(context, 'public', [], text),
  };
}

function remindOn({ ticket, calendar, context }: RuleInput): TickAction | undefined {
  if (ticket.remindOn === undefined || !isOpen(ticket.status)) return undefined;
  if (context.now < officeStartOf(calendar, ticket.remindOn)) return undefined;
  const body = `Reminder date ${ticket.remindOn} reached: a supporter asked to be reminded of this ticket (status: ${ticket.status}).`;
  return {
    number: ticket.number,
    rule: 'remind-on',
    subject: `#${ticket.number} reminder date ${ticket.remindOn} reached`,
    ticket: withoutRemindOn(ticket),
    message: systemMessage(context, 'internal', [REMIND_ON_FLAG], body),
  };
}

function qosWarning({ ticket, calendar, unit, item, context }: RuleInput): TickAction | undefined {
  if (!notifySettingsOf(context.settings).tick.qosWarnings || !awaitsResponse(ticket.status) || !unit) return undefined;
  const since = new Date(item.timeline.unitSince);
  const deadline = responseDeadline(calendar, unit.qos, ticket.priority, since);
  if (context.now < deadline.warnAt) return undefined;
  if (recordedSince(item.messages, QOS_WARNING_FLAG, item.timeline.unitSince).length > 0) return undefined;
  const target = responseTarget(unit.qos, ticket.priority);
  const overdue = context.now >= deadline.due;
  const body = [
    `${overdue ? 'The' : `${Math.round(QOS_WARNING_FRACTION * 100)}% of the`} response time for this ticket ${overdue ? 'has passed' : 'is gone'}: ` +
      `${target.amount} ${target.unit} for a ${ticket.priority} ticket at QoS level ${unit.qos}, counted from ${day(since)}.`,
    `${overdue ? 'It was due' : 'Please respond by'} ${day(deadline.due)}: take the ticket (status in progress), ask the submitter, solve it, or re-assign it.`,
  ].join('\n');
  return {
    number: ticket.number,
    rule: 'qos-warning',
    subject: `#${ticket.number} QoS ${overdue ? 'response time passed' : 'warning'} (${unit.id})`,
    message: systemMessage(context, 'internal', overdue ? [QOS_WARNING_FLAG, QOS_OVERDUE_FLAG] : [QOS_WARNING_FLAG], body),
  };
}

function colourAlert({ ticket, calendar, unit, item, context }: RuleInput): TickAction | undefined {
  const wanted = notifySettingsOf(context.settings).tick.colourMails;
  if (wanted.length === 0 || !UNIT_ACTS.includes(ticket.status) || !unit) return undefined;
  const clockStart = colourClockStart(item.timeline);
  const { colour, workingHours } = priorityColour({ status: ticket.status, priority: ticket.priority, unit, calendar, clockStart, now: context.now });
  if (colour === 'green' || !wanted.includes(colour as Exclude<OpenColour, 'green'>)) return undefined;
  const flag = colourFlag(colour as Exclude<OpenColour, 'green'>);
  if (recordedSince(item.messages, flag, isoSeconds(clockStart)).length > 0) return undefined;
  const body = `This ${ticket.priority} ticket is ${colour}: ${Math.floor(workingHours)} working hours without a status change by the unit (since ${day(clockStart)}).`;
  return { number: ticket.number, rule: 'colour', subject: `#${ticket.number} priority colour ${colour} (${unit.id})`, message: systemMessage(context, 'internal', [flag], body) };
}

/** Minutes an ALARM may stay unanswered before TPM is called in (helpdesk.yml alarmEscalationMinutes). */
const ALARM_ESCALATION_MINUTES = 30;

/**
 * An ALARM no one at the site took (still new or assigned) is escalated to TPM. ALARMs are honoured 24×7
 * (docs/ggus.md §2.4, D-PRIO), so this counts wall-clock minutes, not working hours. Once per ticket.
 */
function alarmEscalation({ ticket, item, context }: RuleInput): TickAction | undefined {
  if (ticket.type !== 'ALARM' || (ticket.status !== 'new' && ticket.status !== 'assigned')) return undefined;
  const minutes = context.settings.alarmEscalationMinutes ?? ALARM_ESCALATION_MINUTES;
  if (context.now.getTime() < Date.parse(ticket.created) + minutes * 60_000) return undefined;
  if (item.messages.some((m) => (m.flags ?? []).includes(ALARM_ESCALATION_FLAG))) return undefined;
  const body = `ALARM unanswered: nobody has taken this ticket ${minutes} minutes after it was raised (${day(new Date(ticket.created))}); the site ${ticket.notifySite ?? '(none named)'} was alerted. TPM: call the site, or re-assign.`;
  return { number: ticket.number, rule: 'alarm-escalation', subject: `#${ticket.number} ALARM unanswered after ${minutes} minutes: escalated to TPM`, message: systemMessage(context, 'internal', [ALARM_ESCALATION_FLAG], body) };
}

const RULES = [autoClose, waiting, remindOn, qosWarning, colourAlert, alarmEscalation];

/**
 * Every change due at `context.now`, in ticket order; each is one commit. Rules see the ticket as the
 * earlier rules of the same run left it (a ticket set to unsolved gets no QoS warning in the same run).
 *
 * @example
 * const actions = planTick(tickets.map((t) => ({ ticket: t, messages, timeline: timelineOf(t, events) })),
 *   { now: new Date(), settings, units });
 */
export function planTick(items: readonly TickTicket[], context: TickContext): TickAction[] {
  const actions: TickAction[] = [];
  for (const item of [...items].sort((a, b) => a.ticket.number - b.ticket.number)) {
    let ticket = item.ticket;
    const unit = context.units.find((u) => u.id === ticket.unit);
    const calendar = calendarOfUnit(unit);
    for (const rule of RULES) {
      const action = rule({ item, ticket, calendar, unit, context });
      if (!action) continue;
      actions.push(action);
      if (action.ticket) ticket = action.ticket;
    }
  }
  return actions;
}
