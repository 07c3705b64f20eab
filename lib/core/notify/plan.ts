/**
 * The GGUS notification matrix (docs/ggus.md §3 "Who gets what") as pure planning: a ticket update in,
 * the mails to send out — who gets which, and what each may show. Rendering is lib/core/notify/render.ts.
 *
 * | Who                              | Gets                                                                  |
 * |----------------------------------|-----------------------------------------------------------------------|
 * | submitter, "on solution"         | the solution, public messages                                         |
 * | submitter, "on every change"     | every update with something public in it                              |
 * | submitter, any mode              | "waiting for reply" (the question), reminders                         |
 * | submitter, new ticket            | an acknowledgement (Auto-Submitted: auto-replied), to them alone      |
 * | CC, new ticket                   | a short notice: the ticket number and link, never the request text    |
 * | CC                               | later, the same as the submitter (public only)                        |
 * | unit mailing list                | every update, internal notes included                                 |
 * | assignee, involved people        | the same as the unit                                                  |
 * | subscribers                      | public messages and the solution                                      |
 * | reopen                           | also the unit that solved it and TPM                                  |
 * | last child solved                | the parent's unit                                                     |
 * | notified site                    | on submit (or when "notify site" is set): the request, public content |
 * | site emergency address           | an ALARM on submit (or TEAM → ALARM): the signed alarm mail, at once  |
 * | TPM                              | an ALARM the site left unanswered (tick's alarm escalation)           |
 * | sender of a mail to a slave      | only a refusal naming the master (nobody else hears of that mail)     |
 *
 * And the brakes: internal notes never reach the submitter, CC or subscribers; a message written by a
 * machine (auto-reply, bounce, our own mail) is never answered; nobody is mailed about their own change
 * (except the acknowledgement); the helpdesk's own addresses are never mailed; each address gets at most
 * one mail per update (the supporters' version wins); only the addresses these rules name are mailed, and
 * at most `mail.ccLimit` of the CC list.
 */
import type { TicketEvent } from '../events.ts';
import { SLAVE_REFUSED_FLAG, subscribeCodeOf, SUBSCRIBE_REQUEST_FLAG } from '../intake/keywords.ts';
import { INTERNAL_KEY_SUFFIX } from '../mail-ids.ts';
import { shortHash } from '../paths.ts';
import { isAnswerable } from '../schema/common.ts';
import { monitoringSettingsOf, type Settings } from '../schema/settings.ts';
import { describeEscalation } from '../escalation.ts';
import { isOpen, type Ticket } from '../schema/ticket.ts';
import type { Unit } from '../schema/unit.ts';
import { allRemoteAddresses } from '../interface/inbound.ts';
import { ALARM_ESCALATION_FLAG, isMachineMail, isTpmAlert, isUnitAlert, isWaitingReminder, type AddedMessage, type TicketUpdate } from './update.ts';
import { displayValue } from '../display.ts';

/** Why someone is on a mail. */
type RecipientRole = 'submitter' | 'cc' | 'unit' | 'assignee' | 'involved' | 'subscriber' | 'solving unit' | 'tpm' | 'parent unit' | 'notified site' | 'ticket monitoring' | 'site emergency' | 'subscribing' | 'refused sender';

export interface Recipient {
  address: string;
  name?: string | undefined;
  role: RecipientRole;
}

/** Whether a planned mail carries internal notes (its key says so; replies to it become internal notes). */
export function carriesInternal(mail: Pick<PlannedMail, 'key'>): boolean {
  return mail.key.endsWith(INTERNAL_KEY_SUFFIX);
}

/** What the mail is; decides its wording. */
export type MailKind = 'acknowledgement' | 'cc notice' | 'update' | 'question' | 'solution' | 'reminder' | 'unit alert' | 'children solved' | 'escalation' | 'alarm' | 'subscription' | 'refusal';

/** A changed field as the recipient sees it: label and values already in words. */
export interface ShownChange {
  field: string;
  label: string;
  from: string;
  to: string;
}

export interface PlannedMail {
  /** The ticket the mail is about (the parent for "children solved"). */
  ticket: Ticket;
  /** Event key for the Message-ID: the commit's short id and the audience, e.g. `3f9a2c1b7d0e.req`. */
  key: string;
  kind: MailKind;
  /** `supporters` may see internal notes; `public` never does. */
  audience: 'public' | 'supporters';
  to: Recipient[];
  cc: Recipient[];
  /** A unit mailing list is among the recipients (Precedence: bulk). */
  list: boolean;
  autoSubmitted: 'auto-generated' | 'auto-replied';
  changes: ShownChange[];
  messages: AddedMessage[];
  /** Offer the verify/reopen reply links (the submitter's solution mail). */
  offerVerify: boolean;
  /** The original request, shown in the acknowledgement. */
  request?: string | undefined;
  /** A line saying why this mail exists when the changes do not tell (reopen, last child solved). */
  note?: string | undefined;
  /** ISO time of the update. */
  time: string;
  /** Who made the change, as shown to the recipient. */
  actorName: string;
  /** The commit behind it. */
  commit: string;
  /**
   * The sender whose mail made the helpdesk write this one (acknowledgement, Cc notice): counted against
   * that sender's daily cap, so one sender cannot make the helpdesk mail on and on in their name.
   */
  onBehalfOf?: string | undefined;
}

interface PlanContext {
  settings: Settings;
  units: readonly Unit[];
}

/** Fields whose changes the submitter, CC and subscribers see; the others name people or are bookkeeping. */
const PUBLIC_FIELDS = new Set(['title', 'status', 'priority', 'type', 'category', 'issue', 'unit', 'vo', 'site', 'notifySite', 'notify', 'solution', 'relations', 'escalation']);
/** Bookkeeping nobody needs in a mail. */
const HIDDEN_FIELDS = new Set(['foldFrom', 'attachments', 'flags', 'originalPriority']);

const LABELS: Record<string, string> = {
  title: 'Title',
  status: 'Status',
  priority: 'Priority',
  type: 'Type',
  category: 'Category',
  issue: 'Type of issue',
  unit: 'Support unit',
  assignee: 'Assigned to',
  vo: 'VO',
  site: 'Affected site',
  notifySite: 'Notified site',
  cc: 'CC',
  involve: 'Involved',
  subscribers: 'Subscribers',
  notify: 'Notification mode',
  affectsVo: 'Affects the whole VO',
  solution: 'Solution',
  remindOn: 'Reminder date',
  escalation: 'Escalation',
  master: 'Duplicate of',
  slaves: 'Duplicates',
  parent: 'Parent ticket',
  children: 'Child tickets',
  related: 'Related tickets',
};

/** Kept as the notification modules' name for the one display rule (lib/core/display.ts). */
export const showValue = displayValue;

/** `NGI Germany (ngi-de)`, or the bare id of a unit that has no file. */
export function unitLabel(id: string | undefined, units: readonly Unit[]): string {
  if (id === undefined) return '—';
  const unit = units.find((u) => u.id === id);
  return unit ? `${unit.name} (${id})` : id;
}

function changesOf(events: readonly TicketEvent[], units: readonly Unit[]): ShownChange[] {
  const out: ShownChange[] = [];
  const tickets = (numbers: number[]) => numbers.map((n) => `#${n}`).join(' ');
  for (const event of events) {
    switch (event.type) {
      case 'status':
      case 'priority':
        out.push({ field: event.type, label: LABELS[event.type] as string, from: showValue(event.from), to: showValue(event.to) });
        break;
      case 'assigned':
      case 'routed':
        out.push({ field: 'unit', label: LABELS.unit as string, from: unitLabel(event.from, units), to: unitLabel(event.to, units) });
        break;
      case 'field':
        if (!HIDDEN_FIELDS.has(event.field)) out.push({ field: event.field, label: LABELS[event.field] ?? event.field, from: showValue(event.from), to: showValue(event.to) });
        break;
      case 'relation':
        out.push({
          field: 'relations',
          label: LABELS[event.relation] ?? event.relation,
          from: event.removed.length > 0 ? tickets(event.removed) : '',
          to: event.added.length > 0 ? tickets(event.added) : '—',
        });
        break;
      default:
        break;
    }
  }
  return out;
}

function statusEvent(update: TicketUpdate) {
  return update.events.find((event): event is Extract<TicketEvent, { type: 'status' }> => event.type === 'status');
}

/** The addresses the helpdesk itself sends from or receives at: never mailed (a loop in one hop). */
function ownAddresses(settings: Settings): Set<string> {
  return new Set([settings.sender, ...settings.intake.map((entry) => entry.address)].map((a) => a.toLowerCase()));
}

/**
 * The addresses of whoever made the change: their own change is not news to them. That is the commit's
 * actor, and the author of any message the update adds (a bot such as intake commits on their behalf).
 */
function actorAddresses(update: TicketUpdate, units: readonly Unit[]): Set<string> {
  const out = new Set<string>();
  if (update.actor.email) out.add(update.actor.email.toLowerCase());
  for (const entry of update.messages) if (entry.message.author.email) out.add(entry.message.author.email.toLowerCase());
  const login = update.actor.github?.toLowerCase();
  if (login) {
    for (const unit of units) {
      for (const member of unit.members) if (member.github?.toLowerCase() === login && member.email) out.add(member.email.toLowerCase());
    }
  }
  return out;
}

/** The assignee's mail address: given directly, or through the GitHub login of a unit member. */
function assigneeAddress(assignee: string | undefined, units: readonly Unit[]): { address: string; name?: string } | undefined {
  if (assignee === undefined) return undefined;
  if (assignee.includes('@')) return { address: assignee };
  for (const unit of units) {
    const member = unit.members.find((m) => m.github?.toLowerCase() === assignee.toLowerCase() && m.email);
    if (member?.email) return member.name ? { address: member.email, name: member.name } : { address: member.email };
  }
  return undefined;
}

/** Builds recipient lists while keeping every address on at most one mail of the update. */
class RecipientBook {
  private readonly taken = new Set<string>();
  private readonly blocked: ReadonlySet<string>;
  constructor(blocked: ReadonlySet<string>) {
    this.blocked = blocked;
  }

  take(candidates: readonly (Recipient | undefined)[]): Recipient[] {
    const out: Recipient[] = [];
    for (const candidate of candidates) {
      if (!candidate) continue;
      const address = candidate.address.toLowerCase();
      // An address the helpdesk stores but cannot mail (root@localhost) is never sent to: no acknowledgement.
      if (this.blocked.has(address) || this.taken.has(address) || !isAnswerable(address)) continue;
      this.taken.add(address);
      out.push({ ...candidate, address });
    }
    return out;
  }
}

function unitList(id: string | undefined, role: RecipientRole, units: readonly Unit[]): Recipient | undefined {
  const unit = units.find((u) => u.id === id);
  return unit ? { address: unit.mailingList, name: unit.name, role } : undefined;
}

/** Whether every child of `parent` is finished, as the update's `related` tickets show them. */
function allChildrenFinished(parent: Ticket, update: TicketUpdate): boolean {
  const children = parent.relations?.children ?? [];
  if (!children.includes(update.number)) return false;
  return children.every((child) => {
    const ticket = child === update.number ? update.ticket : update.related?.get(child);
    return ticket !== undefined && !isOpen(ticket.status);
  });
}

/** Which auto-replies exist, and the key part that tells two of them to one address apart. */
const AUTO_REPLY_KEYS = { refusal: 'refused', subscription: 'subscribe' } as const;

/**
 * An auto-reply to one address about its own mail — the refusal of a mail to a slave, a subscription's
 * confirmation code (`note`): public, nothing of the conversation, no verify offer, `Auto-Submitted: auto-replied`.
 */
function autoReplyMail(update: TicketUpdate, kind: keyof typeof AUTO_REPLY_KEYS, to: Recipient[], note: string | undefined): PlannedMail {
  return {
    ticket: update.ticket,
    time: update.time,
    actorName: displayName(update),
    commit: update.commit,
    key: `${update.commit.slice(0, 12)}.${AUTO_REPLY_KEYS[kind]}-${shortHash(to[0]?.address ?? '')}`,
    kind,
    audience: 'public',
    to,
    cc: [],
    list: false,
    autoSubmitted: 'auto-replied',
    changes: [],
    messages: [],
    offerVerify: false,
    request: undefined,
    note,
  };
}

/** The refusal of a mail to a duplicate (slave): to the sender alone, naming the master to write to. */
function refusalMails(update: TicketUpdate, settings: Settings): PlannedMail[] {
  const master = update.ticket.relations?.master;
  const out: PlannedMail[] = [];
  const book = new RecipientBook(ownAddresses(settings));
  for (const refused of update.messages.filter((m) => (m.message.flags ?? []).includes(SLAVE_REFUSED_FLAG) && m.message.author.email && !isMachineMail(m.message.flags))) {
    const to = book.take([{ address: refused.message.author.email as string, name: refused.message.author.name, role: 'refused sender' }]);
    if (to.length === 0) continue;
    // Counted against the sender's daily cap: writing to a slave again and again cannot make us mail on and on.
    out.push({ ...autoReplyMail(update, 'refusal', to, master === undefined ? undefined : String(master)), onBehalfOf: to[0]?.address });
  }
  return out;
}

/**
 * The mails one ticket update causes. Deterministic: the same update gives the same mails in the same order.
 *
 * @example
 * const mails = planNotifications(update, { settings, units });
 * for (const mail of mails) console.log(mail.key, mail.to.map((r) => r.address));
 */
export function planNotifications(update: TicketUpdate, context: PlanContext): PlannedMail[] {
  const { settings, units } = context;
  const ticket = update.ticket;
  const created = update.previous === undefined || update.events.some((event) => event.type === 'created');
  const refusals = refusalMails(update, settings);
  const answerable = update.messages.filter((m) => !isMachineMail(m.message.flags) && !(m.message.flags ?? []).includes(SLAVE_REFUSED_FLAG));
  // A mail refused by a slave is answered to its sender alone; the unit hears nothing (it is not an update).
  if (refusals.length > 0 && answerable.length === 0 && changesOf(update.events, units).length === 0 && !created) return refusals;
  // A message written by a machine is recorded, never answered: if that is all the update holds, no mail.
  if (answerable.length === 0 && update.messages.length > 0 && changesOf(update.events, units).length === 0 && !created) return [];

  const unitAlerts = answerable.filter((m) => isUnitAlert(m.message));
  const reminders = answerable.filter((m) => isWaitingReminder(m.message));
  const conversation = answerable.filter((m) => !isUnitAlert(m.message) && !isWaitingReminder(m.message));
  const publicMessages = conversation.filter((m) => m.message.visibility === 'public');
  const allChanges = changesOf(update.events, units);
  const publicChanges = allChanges.filter((change) => PUBLIC_FIELDS.has(change.field));

  const status = statusEvent(update);
  const solved = status !== undefined && (status.to === 'solved' || status.to === 'unsolved') && status.from !== 'solved' && status.from !== 'unsolved';
  const reopened = status?.to === 'reopened';
  const escalated = update.events.some((event) => event.type === 'field' && event.field === 'escalation' && typeof event.to === 'number' && event.to > (typeof event.from === 'number' ? event.from : 0));
  // "waiting for reply" asks the submitter something (GGUS: it "mails the submitter"), whatever their notification mode.
  const asked = status?.to === 'waiting for reply';

  const own = ownAddresses(settings);
  const actor = actorAddresses(update, units);
  // A unit's own helpdesk hears through its interface mail only (lib/core/interface/outbound.ts).
  const blocked = new Set([...own, ...actor, ...allRemoteAddresses(units)]);
  const book = new RecipientBook(blocked);
  const short = update.commit.slice(0, 12);
  const base = { ticket, time: update.time, actorName: displayName(update), commit: update.commit, request: undefined, note: undefined };
  const mails: PlannedMail[] = [];

  // Supporters: the unit list, the assignee and involved people see everything, internal notes included.
  const supporterContent = allChanges.length > 0 || conversation.length > 0 || unitAlerts.length > 0 || created;
  if (supporterContent) {
    const lists = [unitList(ticket.unit, 'unit', units)];
    // An ALARM the site left unanswered is escalated to TPM (tick's alarm rule).
    if (unitAlerts.some((m) => (m.message.flags ?? []).includes(ALARM_ESCALATION_FLAG))) {
      for (const tpm of units.filter((u) => u.family === 'tpm')) lists.push(unitList(tpm.id, 'tpm', units));
    }
    // User escalation: level 2 adds TPM on shift, level 3 also ticket monitoring (lib/core/escalation.ts).
    const escalatedTo = escalated ? (ticket.escalation ?? 0) : 0;
    if (escalatedTo >= 2) for (const tpm of units.filter((u) => u.family === 'tpm')) lists.push(unitList(tpm.id, 'tpm', units));
    const monitoring = monitoringSettingsOf(settings).address;
    // A red colour or a passed QoS response time is TPM's business too (they "react to alarms that tickets were not processed").
    if (unitAlerts.some((m) => isTpmAlert(m.message))) for (const tpm of units.filter((u) => u.family === 'tpm')) lists.push(unitList(tpm.id, 'tpm', units));
    if (escalatedTo >= 3 && monitoring) lists.push({ address: monitoring, name: 'Ticket monitoring', role: 'ticket monitoring' });
    if (reopened) {
      lists.push(unitList(update.previous?.unit, 'solving unit', units));
      for (const tpm of units.filter((u) => u.family === 'tpm')) lists.push(unitList(tpm.id, 'tpm', units));
    }
    const assignee = assigneeAddress(ticket.assignee, units);
    const people: (Recipient | undefined)[] = [assignee ? { ...assignee, role: 'assignee' } : undefined, ...(ticket.involve ?? []).map((address): Recipient => ({ address, role: 'involved' }))];
    const to = book.take(lists);
    const cc = book.take(people);
    const supporterMessages = [...conversation, ...unitAlerts];
    // A mail that carries internal text is marked (key, header, subject, Reply-To), so a reply to it
    // becomes an internal note instead of reaching the submitter (lib/core/intake/decide.ts).
    const internal = supporterMessages.some((m) => m.message.visibility === 'internal');
    if (to.length + cc.length > 0) {
      mails.push({
        ...base,
        key: `${short}.unit${internal ? INTERNAL_KEY_SUFFIX : ''}`,
        kind: solved ? 'solution' : escalated ? 'escalation' : unitAlerts.length > 0 && allChanges.length === 0 && conversation.length === 0 ? 'unit alert' : 'update',
        audience: 'supporters',
        to: to.length > 0 ? to : cc,
        cc: to.length > 0 ? cc : [],
        list: to.some((r) => r.role === 'unit' || r.role === 'solving unit' || r.role === 'tpm'),
        autoSubmitted: 'auto-generated',
        changes: allChanges,
        messages: supporterMessages,
        offerVerify: false,
        note: reopened
          ? `Reopened: the ticket comes back to ${unitLabel(update.previous?.unit, units)}${units.some((u) => u.family === 'tpm') ? ' and TPM' : ''}.`
          : escalated
            ? `The submitter escalated this ticket to ${describeEscalation(ticket.escalation)}. Please answer the submitter now.`
            : undefined,
        request: created ? update.body : undefined,
      });
    }
  }

  // The submitter and CC: public content only, by notification mode; an acknowledgement for a new ticket.
  const submitter: Recipient | undefined = ticket.submitter.email ? { address: ticket.submitter.email, name: ticket.submitter.name, role: 'submitter' } : undefined;
  const ccList = (ticket.cc ?? []).slice(0, settings.mail.ccLimit).map((address): Recipient => ({ address, role: 'cc' }));
  if (created) {
    if (acknowledges(update, settings)) {
      // The acknowledgement goes to the submitter alone, even though their own mail made the ticket: a copy
      // of the request to Cc addresses of the sender's choice would make the helpdesk a relay for any text.
      const to = new RecipientBook(own).take([submitter]);
      if (to.length > 0) book.take(to);
      const onBehalfOf = submitter?.address;
      if (to.length > 0) {
        mails.push({ ...base, key: `${short}.ack`, kind: 'acknowledgement', audience: 'public', to, cc: [], list: false, autoSubmitted: 'auto-replied', changes: [], messages: publicMessages, offerVerify: false, request: update.body, onBehalfOf });
      }
      // Cc addresses learn only that a ticket exists and where: the number and the link, no text of the sender's.
      const noticed = book.take(ccList.filter((r) => !to.some((t) => t.address === r.address)));
      if (noticed.length > 0) {
        mails.push({ ...base, key: `${short}.cc`, kind: 'cc notice', audience: 'public', to: noticed, cc: [], list: false, autoSubmitted: 'auto-generated', changes: [], messages: [], offerVerify: false, onBehalfOf });
      }
    }
  } else {
    const wanted = reminders.length > 0 || solved || asked || publicMessages.length > 0 || (ticket.notify === 'on every change' && publicChanges.length > 0);
    if (wanted) {
      const to = book.take([submitter]);
      // A reminder is for the submitter alone; everything else is copied to CC.
      const cc = reminders.length > 0 && publicMessages.length === 0 && !solved ? [] : book.take(ccList);
      const kind: MailKind = solved ? 'solution' : asked ? 'question' : reminders.length > 0 && publicMessages.length === 0 && publicChanges.length === 0 ? 'reminder' : 'update';
      if (to.length + cc.length > 0) {
        mails.push({
          ...base,
          key: `${short}.req`,
          kind,
          audience: 'public',
          to: to.length > 0 ? to : cc,
          cc: to.length > 0 ? cc : [],
          list: false,
          autoSubmitted: 'auto-generated',
          changes: publicChanges,
          messages: [...publicMessages, ...reminders],
          offerVerify: solved && to.length > 0,
        });
      }
    }
  }

  // A subscription asked for by mail: the confirmation code goes to the address itself, and only there.
  for (const request of update.messages.filter((m) => (m.message.flags ?? []).includes(SUBSCRIBE_REQUEST_FLAG) && m.message.author.email)) {
    const to = new RecipientBook(own).take([{ address: request.message.author.email as string, name: request.message.author.name, role: 'subscribing' }]);
    if (to.length > 0) {
      mails.push(autoReplyMail(update, 'subscription', to, subscribeCodeOf(request.body)));
    }
  }

  // ALARM (D-ALARM): the site's emergency address at once, before everything else it may get; the mail is
  // signed at the IO edge (lib/mail/outgoing/sign.ts) so the site can trust it. TEAM → ALARM counts as the start.
  const becameAlarm = ticket.type === 'ALARM' && (created || update.events.some((event) => event.type === 'field' && event.field === 'type' && event.to === 'ALARM'));
  const emergency = ticket.notifySite === undefined ? undefined : settings.siteEmergency?.[ticket.notifySite];
  if (becameAlarm && emergency !== undefined) {
    const to = book.take([{ address: emergency, name: ticket.notifySite, role: 'site emergency' }]);
    if (to.length > 0) {
      mails.unshift({ ...base, key: `${short}.alarm`, kind: 'alarm', audience: 'public', to, cc: [], list: false, autoSubmitted: 'auto-generated', changes: [], messages: publicMessages, offerVerify: false, request: update.body });
    }
  }

  // The notified site (GGUS: "on submit"): its contact sees the request and public content only — site
  // admins are not necessarily supporters of any unit.
  const siteContact = ticket.notifySite === undefined ? undefined : settings.siteContacts?.[ticket.notifySite];
  if (siteContact !== undefined && (created || allChanges.some((change) => change.field === 'notifySite'))) {
    const to = book.take([{ address: siteContact, name: ticket.notifySite, role: 'notified site' }]);
    if (to.length > 0) {
      mails.push({ ...base, key: `${short}.site`, kind: 'update', audience: 'public', to, cc: [], list: false, autoSubmitted: 'auto-generated', changes: publicChanges, messages: publicMessages, offerVerify: false, request: update.body });
    }
  }

  // Subscribers: public messages and the solution, one mail each (they need not see each other).
  if (!created && (publicMessages.length > 0 || solved)) {
    for (const subscriber of book.take((ticket.subscribers ?? []).map((address): Recipient => ({ address, role: 'subscriber' })))) {
      mails.push({
        ...base,
        key: `${short}.sub-${shortHash(subscriber.address)}`,
        kind: solved ? 'solution' : 'update',
        audience: 'public',
        to: [subscriber],
        cc: [],
        list: false,
        autoSubmitted: 'auto-generated',
        changes: publicChanges.filter((change) => change.field === 'status' || change.field === 'solution'),
        messages: publicMessages,
        offerVerify: false,
      });
    }
  }

  // The last child solved: the parent's unit hears about the parent.
  const parentNumber = ticket.relations?.parent;
  const parent = parentNumber === undefined ? undefined : update.related?.get(parentNumber);
  if (parent && status !== undefined && !isOpen(status.to) && (status.from === undefined || isOpen(status.from)) && allChildrenFinished(parent, update)) {
    const to = new RecipientBook(blocked).take([unitList(parent.unit, 'parent unit', units)]);
    if (to.length > 0) {
      mails.push({
        ...base,
        ticket: parent,
        key: `${short}.parent`,
        kind: 'children solved',
        audience: 'supporters',
        to,
        cc: [],
        list: true,
        autoSubmitted: 'auto-generated',
        changes: [],
        messages: [],
        offerVerify: false,
        note: `All child tickets of #${parent.number} are finished; the last one, #${update.number}, is now ${status.to}.`,
      });
    }
  }
  return mails;
}

/**
 * Who made the change, as a name only: subscribers (anyone may subscribe) must not learn addresses, and
 * bots write trailers like `Jane Doe <jane@uni.example> (mail)`.
 */
function displayName(update: TicketUpdate): string {
  const clean = (text: string) =>
    text
      .replace(/<[^>]*>/g, ' ')
      .replace(/\S+@\S+/g, ' ')
      .replace(/\((?:mail|GitHub)\)\s*$/i, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  return clean(update.actor.name) || clean(update.messages[0]?.message.author.name ?? '') || 'the helpdesk';
}

/** Whether a new ticket is acknowledged to its submitter. */
function acknowledges(update: TicketUpdate, settings: Settings): boolean {
  const ticket = update.ticket;
  const notify = settings.notify;
  if (notify && !notify.acknowledge) return false;
  // Issues get their answer on GitHub, and remote helpdesks keep their own submitters informed (GOCTX).
  if (ticket.source.kind === 'github' || ticket.source.kind === 'interface') return false;
  if (isMachineMail(ticket.flags)) return false;
  // No backscatter: a forged sender would get our mail (docs/peers.md §4.4).
  if ((ticket.flags ?? []).includes('unauthenticated') && settings.mail.acknowledgeUnauthenticated !== true) return false;
  return ticket.submitter.email !== undefined;
}
