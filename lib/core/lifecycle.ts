/**
 * The GGUS ticket lifecycle as one table: the 10 statuses, every allowed transition, and who may make it
 * (docs/ggus.md §2.2). Pure. The CLI commands, `gitgus set`, and the pull-request check all ask this
 * module, so a change is accepted or refused the same way everywhere.
 */
import { isOpen, STATUSES, type Status, type Ticket } from './schema/ticket.ts';
import type { Unit } from './schema/unit.ts';
import { sameIdentity, unitsOf, type Identity } from './people.ts';
import { isEscalationStep, MAX_ESCALATION } from './escalation.ts';

/**
 * Who someone is to one ticket. A person can hold several roles (a TPM member is also a supporter).
 * - `submitter`: the ticket's submitter (same mail address or GitHub login);
 * - `unit`: a member of the ticket's responsible unit;
 * - `supporter`: a member of any unit (GGUS lets supporters change any ticket);
 * - `tpm`: a member of a TPM unit;
 * - `vo-team`: for TEAM and ALARM tickets, a member of a VO support unit of the ticket's VO;
 * - `system`: the helpdesk's own jobs (intake, routing, the time-driven rules).
 */
const ACTOR_ROLES = ['submitter', 'unit', 'supporter', 'tpm', 'vo-team', 'system'] as const;
export type ActorRole = (typeof ACTOR_ROLES)[number];

/** What else a transition needs besides the right actor. */
type Requirement = 'solution' | 'unit-change';

interface Transition {
  from: Status;
  to: Status;
  /** Any one of these roles may make the transition. */
  actors: readonly ActorRole[];
  requires?: readonly Requirement[];
  /** Why, in GGUS's words. */
  note: string;
}

const WORKING: readonly ActorRole[] = ['unit', 'tpm'];
const REASSIGN: readonly ActorRole[] = ['supporter', 'tpm', 'system'];

/** Transitions shared by every open status: re-assignment, taking the ticket, solving it. */
function fromOpen(from: Status): Transition[] {
  const rows: Transition[] = [
    { from, to: 'assigned', actors: REASSIGN, requires: ['unit-change'], note: 'assigning to a unit sets assigned; re-assigning also counts as a response' },
    { from, to: 'in progress', actors: WORKING, note: 'the responsible unit (or TPM) takes the ticket' },
    { from, to: 'waiting for reply', actors: WORKING, note: 'only when input from the submitter is needed' },
    { from, to: 'on hold', actors: [...WORKING, 'system'], note: 'waiting for a fix or longer work; the system holds slaves and parents with open children' },
    { from, to: 'solved', actors: [...WORKING, 'system'], requires: ['solution'], note: 'needs a solution text and qualifier; the system solves slaves with their master' },
    { from, to: 'unsolved', actors: WORKING, requires: ['solution'], note: 'cannot be solved; needs a solution text and qualifier' },
  ];
  return rows.filter((row) => row.to !== from || row.to === 'assigned');
}

function override(rows: Transition[], to: Status, change: Partial<Transition>): Transition[] {
  return rows.map((row) => (row.to === to ? { ...row, ...change } : row));
}

/**
 * Every allowed transition. A pair that is not here is forbidden for everyone: nothing returns to `new`,
 * and `verified` and `closed` accept no further change.
 */
export const TRANSITIONS: readonly Transition[] = [
  ...fromOpen('new'),
  ...fromOpen('assigned'),
  ...fromOpen('in progress'),
  ...override(
    override(fromOpen('waiting for reply'), 'in progress', {
      actors: [...WORKING, 'submitter', 'system'],
      note: 'a reply from the submitter switches it back to in progress',
    }),
    'unsolved',
    {
      actors: [...WORKING, 'system'],
      note: 'the system sets unsolved after 3×5 working days without the submitter',
    },
  ),
  ...override(fromOpen('on hold'), 'in progress', { actors: [...WORKING, 'system'], note: 'the system resumes a parent once all its children are solved' }),
  ...fromOpen('reopened'),
  ...(['solved', 'unsolved'] as const).flatMap((from): Transition[] => [
    { from, to: 'verified', actors: ['submitter', 'vo-team'], note: 'only the submitter verifies (for TEAM and ALARM tickets, any member of the VO team)' },
    { from, to: 'reopened', actors: ['submitter', 'supporter', 'tpm'], note: 'the submitter reopens; a supporter may, to post a better solution' },
    { from, to: 'closed', actors: ['system'], note: 'closed automatically after 10 working days' },
  ]),
];

const BY_PAIR: ReadonlyMap<string, Transition> = new Map(TRANSITIONS.map((row) => [`${row.from}→${row.to}`, row]));

/** The table row for `from → to`, or undefined when the transition is forbidden. */
function transition(from: Status, to: Status): Transition | undefined {
  return BY_PAIR.get(`${from}→${to}`);
}

/** Statuses that accept no change at all. */
const FROZEN_STATUSES: readonly Status[] = ['verified', 'closed'];

/** The statuses reachable from `from` by someone with `roles`. */
export function allowedTargets(from: Status, roles: ReadonlySet<ActorRole>): Status[] {
  return STATUSES.filter((to) => transition(from, to)?.actors.some((role) => roles.has(role)));
}

/** The roles a person holds for one ticket; `'system'` for the helpdesk's own jobs. */
export function actorRoles(person: Identity | 'system', ticket: Pick<Ticket, 'unit' | 'submitter' | 'type' | 'vo'>, units: readonly Pick<Unit, 'id' | 'family' | 'members' | 'vo'>[]): Set<ActorRole> {
  const roles = new Set<ActorRole>();
  if (person === 'system') {
    roles.add('system');
    return roles;
  }
  const memberOf = unitsOf(person, units);
  if (memberOf.length > 0) roles.add('supporter');
  if (memberOf.some((unit) => unit.id === ticket.unit)) roles.add('unit');
  if (memberOf.some((unit) => unit.family === 'tpm')) roles.add('tpm');
  if (ticket.type !== 'USER' && ticket.vo !== undefined && memberOf.some((unit) => unit.family === 'vo' && unit.vo === ticket.vo)) roles.add('vo-team');
  if (sameIdentity(ticket.submitter, person)) roles.add('submitter');
  return roles;
}

const ROLE_NAMES: Record<ActorRole, string> = {
  submitter: 'the submitter',
  unit: 'a supporter of the responsible unit',
  supporter: 'any supporter',
  tpm: 'TPM',
  'vo-team': 'a member of the VO team',
  system: 'the helpdesk itself',
};

export function describeRoles(roles: Iterable<ActorRole>): string {
  const list = [...roles].map((role) => ROLE_NAMES[role]);
  return list.length === 0 ? 'nobody' : list.length === 1 ? (list[0] as string) : `${list.slice(0, -1).join(', ')} or ${list.at(-1) ?? ''}`;
}

/** One rule a change breaks, with the field it concerns and the fix. Callers add the file. */
export interface LifecycleViolation {
  code: 'E_FROZEN' | 'E_SLAVE' | 'E_ESCALATION' | 'E_TRANSITION' | 'E_ACTOR' | 'E_SOLUTION' | 'E_IMMUTABLE' | 'E_TYPE' | 'E_UNIT_STATUS' | 'E_FIELD_ACTOR' | 'E_NEW_STATUS';
  field: string;
  message: string;
  hint: string;
}

/** Fields nobody changes once the ticket exists (`type` has its own rule). */
const IMMUTABLE_FIELDS: readonly string[] = ['number', 'created', 'issued', 'source', 'origin', 'submitter', 'originalPriority'];

/** Fields the helpdesk keeps for itself (marks for TPM, attachment lists written by intake). */
const SYSTEM_FIELDS: readonly string[] = ['attachments', 'flags', 'foldFrom'];

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Top-level fields whose values differ (defaults already applied by the schema). */
export function changedFields(before: Ticket, after: Ticket): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => !same((before as Record<string, unknown>)[key], (after as Record<string, unknown>)[key])).sort();
}

/**
 * What a change implies by the lifecycle's own rules: a unit change on an open ticket sets `assigned`.
 * Commands apply this before checking, so `gitgus set 1 unit=ngi-de` does what GGUS's "assign" does.
 */
export function withImpliedChanges(before: Ticket, after: Ticket): Ticket {
  if (after.unit !== before.unit && isOpen(before.status) && after.status === before.status && before.status !== 'assigned') {
    return { ...after, status: 'assigned' };
  }
  return after;
}

/**
 * Every lifecycle rule a change to one ticket breaks, for an actor with `roles`.
 * `before` undefined means the ticket is new (only intake creates tickets, so that is refused elsewhere).
 * Also enforces: verified/closed accept no change; immutable fields; type only TEAM → ALARM; a unit
 * change must leave the ticket `assigned`; someone who is not a supporter may only make the submitter's
 * own changes (verify, reopen, answer while waiting for reply).
 */
export function checkTicketChange(before: Ticket, after: Ticket, roles: ReadonlySet<ActorRole>): LifecycleViolation[] {
  const violations: LifecycleViolation[] = [];
  const fields = changedFields(before, after);
  if (fields.length === 0) return violations;
  const who = roles.size === 0 ? 'neither the submitter nor a member of any unit' : describeRoles(roles);

  if (FROZEN_STATUSES.includes(before.status) && !onlyAddsCrossReferences(before, after, fields)) {
    violations.push({
      code: 'E_FROZEN',
      field: fields.includes('status') ? 'status' : (fields[0] as string),
      message: `#${before.number} is ${before.status}: a ${before.status} ticket accepts no further change`,
      hint: 'Undo the change. If the problem came back, open a new ticket and relate it to this one.',
    });
    return violations;
  }

  const slaveProblem = slaveViolation(before, after, fields, roles);
  if (slaveProblem) return [slaveProblem];

  const supporterLike = roles.has('supporter') || roles.has('unit') || roles.has('tpm') || roles.has('system');
  for (const field of fields) {
    if (IMMUTABLE_FIELDS.includes(field)) {
      violations.push({ code: 'E_IMMUTABLE', field, message: `cannot be changed after the ticket is created`, hint: `Set ${field} back to its previous value.` });
    } else if (SYSTEM_FIELDS.includes(field) && !roles.has('system') && !roles.has('tpm')) {
      violations.push({ code: 'E_FIELD_ACTOR', field, message: 'is kept by the helpdesk itself (intake marks and attachment lists); only TPM may change it', hint: `Set ${field} back to its previous value.` });
    }
  }

  if (before.type !== after.type) {
    const allowed = before.type === 'TEAM' && after.type === 'ALARM';
    if (!allowed) {
      violations.push({
        code: 'E_TYPE',
        field: 'type',
        message: `${before.type === 'ALARM' ? 'an' : 'a'} ${before.type} ticket cannot become ${after.type}: the type is fixed at creation`,
        hint: `Set type back to ${before.type}. The only change GGUS allows is TEAM → ALARM.`,
      });
    } else if (!(roles.has('supporter') || roles.has('tpm') || roles.has('vo-team'))) {
      violations.push({ code: 'E_FIELD_ACTOR', field: 'type', message: 'only a supporter or a member of the VO team may turn a TEAM ticket into an ALARM', hint: `Set type back to ${before.type}.` });
    }
  }

  if (after.unit !== before.unit) {
    if (!supporterLike) {
      violations.push({ code: 'E_FIELD_ACTOR', field: 'unit', message: `only supporters and TPM assign tickets to a unit, and you are ${who}`, hint: `Set unit back to ${before.unit}, or ask TPM in a message to re-route the ticket.` });
    } else if (isOpen(before.status) && after.status !== 'assigned') {
      violations.push({
        code: 'E_UNIT_STATUS',
        field: 'status',
        message: `assigning #${before.number} to ${after.unit} must set the status to assigned, not ${after.status}`,
        hint: 'Set status: assigned in the same change (gitgus assign does it for you).',
      });
    } else if (!isOpen(before.status) && !isOpen(after.status)) {
      violations.push({ code: 'E_TRANSITION', field: 'unit', message: `#${before.number} is ${before.status}: only open tickets are re-assigned`, hint: 'Reopen the ticket first (status: reopened), then assign it.' });
    }
  }

  if (after.status !== before.status) violations.push(...checkStatusChange(before, after, roles, who));

  if (fields.includes('escalation') && !isEscalationStep(before.escalation, after.escalation)) {
    violations.push({
      code: 'E_ESCALATION',
      field: 'escalation',
      message: `${before.escalation ?? 'no escalation'} → ${after.escalation ?? 'none'}: escalation goes up one level at a time, to at most ${MAX_ESCALATION}, and is never lowered`,
      hint: `Set escalation back to ${before.escalation ?? 'nothing (remove the field)'}${(before.escalation ?? 0) < MAX_ESCALATION ? `, or to ${(before.escalation ?? 0) + 1}` : ''}.`,
    });
  }

  if (!supporterLike) {
    // The submitter's own changes are status changes the table allows them; every other field is the supporters'.
    // The submitter may also escalate their own ticket (one level up; the rule above judges the step).
    const extra = fields.filter((field) => field !== 'status' && !IMMUTABLE_FIELDS.includes(field) && field !== 'type' && field !== 'unit' && !SYSTEM_FIELDS.includes(field) && !(field === 'escalation' && roles.has('submitter')));
    for (const field of extra) {
      violations.push({
        code: 'E_FIELD_ACTOR',
        field,
        message: roles.has('submitter') ? 'only supporters change this field; on your own ticket you may add a public message, verify or reopen' : `only supporters change tickets, and you are ${who}`,
        hint: `Set ${field} back to its previous value${roles.has('submitter') ? ' and ask in a message instead' : ''}.`,
      });
    }
  }
  return violations;
}

/**
 * GGUS: "only the master is worked on; slaves cannot be updated". A ticket that stays a duplicate accepts
 * only relation changes (a cross reference, or being freed), and from the helpdesk itself the status and
 * solution its master implies (solved with its master). Everything else is made on the master, which
 * copies its public messages and status updates to its slaves.
 */
function slaveViolation(before: Ticket, after: Ticket, fields: readonly string[], roles: ReadonlySet<ActorRole>): LifecycleViolation | undefined {
  const master = before.relations?.master;
  if (master === undefined || after.relations?.master !== master) return undefined;
  const implied = roles.has('system') ? ['status', 'solution'] : [];
  const blocked = fields.filter((field) => field !== 'relations' && !implied.includes(field));
  if (blocked.length === 0) return undefined;
  return {
    code: 'E_SLAVE',
    field: blocked[0] as string,
    message: `#${before.number} is a duplicate (slave) of #${master} and accepts no update except through its master (changed: ${blocked.join(', ')})`,
    hint: `Make the change on #${master}: its public messages and status updates are copied to its duplicates. To work on #${before.number} on its own, free it first: gitgus relate ${before.number} --master ${master} --remove`,
  };
}

/** The refusal of a message added to a duplicate by anyone but its master's copy (CLI and pull-request check). */
export function slaveMessageViolation(ticket: Pick<Ticket, 'number' | 'relations'>): LifecycleViolation | undefined {
  const master = ticket.relations?.master;
  if (master === undefined) return undefined;
  return {
    code: 'E_SLAVE',
    field: 'messages',
    message: `#${ticket.number} is a duplicate (slave) of #${master} and accepts no message except through its master`,
    hint: `Write on #${master} instead (gitgus reply ${master} …): its public messages are copied to #${ticket.number} and its submitter is told. To work on #${ticket.number} on its own, free it first: gitgus relate ${ticket.number} --master ${master} --remove`,
  };
}

/**
 * A new ticket may point at a closed one ("the problem is back, see #…"); the cross reference is mirrored on
 * the closed ticket, which is the one change a frozen ticket accepts.
 */
function onlyAddsCrossReferences(before: Ticket, after: Ticket, fields: string[]): boolean {
  if (fields.length !== 1 || fields[0] !== 'relations') return false;
  const { related: oldRelated = [], ...oldRest } = before.relations ?? {};
  const { related: newRelated = [], ...newRest } = after.relations ?? {};
  return same(oldRest, newRest) && oldRelated.every((n) => newRelated.includes(n));
}

function checkStatusChange(before: Ticket, after: Ticket, roles: ReadonlySet<ActorRole>, who: string): LifecycleViolation[] {
  const from = before.status;
  const to = after.status;
  const row = transition(from, to);
  if (!row) {
    const reachable = allowedTargets(from, new Set(ACTOR_ROLES));
    return [
      {
        code: to === 'new' ? 'E_NEW_STATUS' : 'E_TRANSITION',
        field: 'status',
        message: `${from} → ${to} is not an allowed transition`,
        hint: reachable.length === 0 ? `A ${from} ticket does not change any more.` : `From ${from} a ticket may go to: ${reachable.join(', ')}.`,
      },
    ];
  }
  const violations: LifecycleViolation[] = [];
  if (!row.actors.some((role) => roles.has(role))) {
    const mine = allowedTargets(from, roles);
    violations.push({
      code: 'E_ACTOR',
      field: 'status',
      message: `${from} → ${to} may be made by ${describeRoles(row.actors)} (${row.note}), and you are ${who}`,
      hint: mine.length > 0 ? `Set status back to ${from}; from ${from} you may set: ${mine.join(', ')}.` : `Set status back to ${from}.`,
    });
  }
  if (row.requires?.includes('solution') && !(after.solution && after.solution.text.trim() !== '')) {
    violations.push({ code: 'E_SOLUTION', field: 'solution', message: `is required to set status ${to}: a solution text and a qualifier`, hint: 'example:\nsolution:\n  qualifier: fixed\n  text: The CE was restarted.' });
  }
  if (row.requires?.includes('unit-change') && after.unit === before.unit) {
    violations.push({
      code: 'E_UNIT_STATUS',
      field: 'status',
      message: `assigned is set by assigning the ticket to a unit, and unit is still ${before.unit}`,
      hint: 'Change unit to the unit that should work on the ticket (gitgus assign <number> <unit>).',
    });
  }
  return violations;
}
