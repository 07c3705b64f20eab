/**
 * Fixtures for the notification and tick tests: a small helpdesk (settings, units with UTC calendars),
 * tickets, and ticket updates built the way lib/notify/updates.ts builds them from Git.
 */
import { parseSettings } from '../lib/core/documents.ts';
import type { EventActor, TicketEvent, TicketEventDetail } from '../lib/core/events.ts';
import type { AddedMessage, TicketUpdate } from '../lib/core/notify/update.ts';
import { MessageSchema, type MessageInput } from '../lib/core/schema/message.ts';
import type { Settings } from '../lib/core/schema/settings.ts';
import { TicketSchema, type Ticket, type TicketInput } from '../lib/core/schema/ticket.ts';
import { UnitSchema, type Unit, type UnitInput } from '../lib/core/schema/unit.ts';

export const SETTINGS_YAML = `name: Test Grid Helpdesk
intake:
  - address: helpdesk@ggus.test
    unit: tpm
  - address: vo-user-support@ggus.test
    unit: tpm
sender: noreply@ggus.test
subjectTag: "[GGUS #{number}]"
siteUrl: https://helpdesk.ggus.test/
numberingStart: 165001
`;

export const settings: Settings = parseSettings(SETTINGS_YAML, 'helpdesk.yml');

export const UNIT_INPUTS: UnitInput[] = [
  { id: 'tpm', name: 'TPM', family: 'tpm', mailingList: 'tpm@lists.ggus.test', members: [{ name: 'Tom Shift', email: 'tom@grid.test', github: 'tom-shift' }], qos: 'advanced' },
  {
    id: 'ngi-de',
    name: 'NGI Germany',
    family: 'ngi',
    mailingList: 'ngi-de@lists.ggus.test',
    members: [
      { name: 'Anna Kit', email: 'anna@kit.test', github: 'anna-kit' },
      { name: 'Dieter Grid', email: 'dieter@kit.test', github: 'dieter-de' },
    ],
    qos: 'medium',
  },
  { id: 'dcache', name: 'dCache', family: 'middleware', mailingList: 'dcache@lists.ggus.test', members: [{ name: 'Paul Dev', email: 'paul@desy.test' }], qos: 'advanced' },
];

export const units: Unit[] = UNIT_INPUTS.map((unit) => UnitSchema.parse(unit));

export const SUBMITTER = { name: 'Jane Doe', email: 'jane@uni.test' };

export function ticket(overrides: Partial<TicketInput> = {}): Ticket {
  return TicketSchema.parse({
    number: 165048,
    title: 'CMS jobs fail at FZK-LCG2 with proxy expired',
    status: 'in progress',
    priority: 'urgent',
    unit: 'ngi-de',
    vo: 'cms',
    site: 'FZK-LCG2',
    submitter: SUBMITTER,
    notify: 'on solution',
    created: '2026-11-27T09:14:03Z',
    source: { kind: 'email', address: 'helpdesk@ggus.test', messageId: 'first.mail@uni.test' },
    ...overrides,
  });
}

export function message(input: Partial<MessageInput> & { body?: string } = {}): AddedMessage {
  const { body = 'We renewed the proxy; could you resubmit a test job?', ...fields } = input;
  return {
    file: 'tickets/165/165048/messages/20261201T101500Z-3f9a2c1b.md',
    message: MessageSchema.parse({ date: '2026-12-01T10:15:00Z', author: { name: 'Anna Kit', email: 'anna@kit.test', role: 'supporter', unit: 'ngi-de' }, visibility: 'public', source: 'cli', ...fields }),
    body,
  };
}

export const COMMIT = '3f9a2c1b7d0e5a6b7c8d9e0f1a2b3c4d5e6f7a8b';
const SUPPORTER: EventActor = { name: 'Anna Kit', email: 'anna@kit.test', github: 'anna-kit' };
export const SYSTEM: EventActor = { name: 'gitgus tick', email: 'noreply@ggus.test' };

interface UpdateSpec {
  before?: Ticket;
  after: Ticket;
  events?: TicketEventDetail[];
  messages?: AddedMessage[];
  actor?: EventActor;
  related?: Ticket[];
  body?: string;
}

/** A ticket update whose events carry the commit, time and actor like the history index's do. */
export function update(spec: UpdateSpec): TicketUpdate {
  const base = { ticket: spec.after.number, commit: COMMIT, time: '2026-12-01T10:15:00Z', actor: spec.actor ?? SUPPORTER };
  const details: TicketEventDetail[] = [...(spec.events ?? [])];
  for (const m of spec.messages ?? []) details.push({ type: 'message', file: m.file, visibility: m.message.visibility });
  const events: TicketEvent[] = details.map((detail) => ({ ...base, ...detail }));
  return {
    number: spec.after.number,
    commit: COMMIT,
    time: base.time,
    actor: base.actor,
    events,
    ticket: spec.after,
    body: spec.body ?? 'Since Monday all CMS pilot jobs fail with "proxy expired".',
    previous: spec.before,
    messages: spec.messages ?? [],
    related: spec.related ? new Map(spec.related.map((t) => [t.number, t])) : undefined,
  };
}
