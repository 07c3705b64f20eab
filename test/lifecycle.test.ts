import { describe, expect, it } from 'vitest';
import { actorRoles, allowedTargets, checkTicketChange, TRANSITIONS, withImpliedChanges, type ActorRole } from '../lib/core/lifecycle.ts';
import { STATUSES, type Status, type Ticket } from '../lib/core/schema/ticket.ts';
import type { Unit } from '../lib/core/schema/unit.ts';

/**
 * The expected table, written out independently of lib/core/lifecycle.ts from docs/ggus.md §2.2.
 * Letters: b = submitter, u = supporter of the responsible unit, s = any supporter, t = TPM,
 * v = VO team member (TEAM/ALARM), y = system. '-' = forbidden for everyone.
 * Columns, in order: new, assigned, in progress, waiting for reply, on hold, reopened, solved, unsolved, verified, closed.
 */
const EXPECTED: Record<Status, string[]> = {
  new: ['-', 'sty', 'ut', 'ut', 'uty', '-', 'uty', 'ut', '-', '-'],
  assigned: ['-', 'sty', 'ut', 'ut', 'uty', '-', 'uty', 'ut', '-', '-'],
  'in progress': ['-', 'sty', '-', 'ut', 'uty', '-', 'uty', 'ut', '-', '-'],
  'waiting for reply': ['-', 'sty', 'utby', '-', 'uty', '-', 'uty', 'uty', '-', '-'],
  'on hold': ['-', 'sty', 'uty', 'ut', '-', '-', 'uty', 'ut', '-', '-'],
  reopened: ['-', 'sty', 'ut', 'ut', 'uty', '-', 'uty', 'ut', '-', '-'],
  solved: ['-', '-', '-', '-', '-', 'bst', '-', '-', 'bv', 'y'],
  unsolved: ['-', '-', '-', '-', '-', 'bst', '-', '-', 'bv', 'y'],
  verified: ['-', '-', '-', '-', '-', '-', '-', '-', '-', '-'],
  closed: ['-', '-', '-', '-', '-', '-', '-', '-', '-', '-'],
};

const LETTER: Record<string, ActorRole> = { b: 'submitter', u: 'unit', s: 'supporter', t: 'tpm', v: 'vo-team', y: 'system' };

/** Realistic role sets: a unit member is also a supporter, and so is TPM and a VO team member. */
const ACTORS: { name: string; roles: ActorRole[] }[] = [
  { name: 'submitter', roles: ['submitter'] },
  { name: 'unit supporter', roles: ['unit', 'supporter'] },
  { name: 'other supporter', roles: ['supporter'] },
  { name: 'TPM', roles: ['tpm', 'supporter'] },
  { name: 'VO team member', roles: ['vo-team', 'supporter'] },
  { name: 'system', roles: ['system'] },
  { name: 'stranger', roles: [] },
];

const SOLUTION = { qualifier: 'fixed' as const, text: 'The CE was restarted.' };

function ticket(status: Status, extra: Partial<Ticket> = {}): Ticket {
  return {
    number: 165048,
    title: 'CMS jobs fail at FZK-LCG2',
    status,
    priority: 'urgent',
    type: 'TEAM',
    category: 'incident',
    issue: 'Other',
    unit: 'ngi-de',
    vo: 'cms',
    submitter: { name: 'Jane Doe', email: 'jane.doe@uni.example' },
    notify: 'on solution',
    created: '2026-11-27T09:14:03Z',
    source: { kind: 'email', address: 'helpdesk@ggus.example' },
    ...(status === 'solved' || status === 'unsolved' || status === 'verified' || status === 'closed' ? { solution: SOLUTION } : {}),
    ...extra,
  };
}

/** The smallest change that makes `from → to`, meeting the transition's other requirements. */
function change(from: Status, to: Status): { before: Ticket; after: Ticket } {
  const before = ticket(from);
  const after: Ticket = { ...before, status: to };
  if (to === 'assigned') after.unit = 'ngi-fr';
  if (to === 'solved' || to === 'unsolved') after.solution = SOLUTION;
  return { before, after };
}

const cells = STATUSES.flatMap((from) => STATUSES.filter((to) => to !== from || to === 'assigned').map((to) => [from, to] as const));

describe('the transition table, cell by cell', () => {
  it.each(cells)('%s → %s', (from, to) => {
    const column = STATUSES.indexOf(to);
    const allowed = (EXPECTED[from][column] as string)
      .split('')
      .filter((c) => c !== '-')
      .map((c) => LETTER[c] as ActorRole);
    const { before, after } = change(from, to);
    for (const actor of ACTORS) {
      const violations = checkTicketChange(before, after, new Set(actor.roles));
      const expected = actor.roles.some((role) => allowed.includes(role));
      expect({ actor: actor.name, ok: violations.length === 0, violations: expected ? violations : [] }).toEqual({ actor: actor.name, ok: expected, violations: [] });
    }
  });

  it('has a row for every allowed pair and nothing else', () => {
    const fromTable = TRANSITIONS.map((row) => `${row.from} → ${row.to}: ${[...row.actors].sort().join(',')}`).sort();
    const fromExpected = STATUSES.flatMap((from) =>
      STATUSES.flatMap((to, column) => {
        const cell = EXPECTED[from][column] as string;
        return cell === '-'
          ? []
          : [
              `${from} → ${to}: ${cell
                .split('')
                .map((c) => LETTER[c] as string)
                .sort()
                .join(',')}`,
            ];
      }),
    ).sort();
    expect(fromTable).toEqual(fromExpected);
  });

  it('lists the targets an actor may choose', () => {
    expect(allowedTargets('solved', new Set<ActorRole>(['submitter']))).toEqual(['reopened', 'verified']);
    expect(allowedTargets('verified', new Set<ActorRole>(['tpm', 'supporter', 'system']))).toEqual([]);
  });
});

describe('lifecycle rules beyond the status', () => {
  const unitSupporter = new Set<ActorRole>(['unit', 'supporter']);

  it('solved and unsolved need a solution text and qualifier', () => {
    const before = ticket('in progress');
    const violations = checkTicketChange(before, { ...before, status: 'solved' }, unitSupporter);
    expect(violations).toMatchObject([{ code: 'E_SOLUTION', field: 'solution' }]);
    expect(violations[0]?.hint).toContain('qualifier: fixed');
  });

  it('assigned is set by assigning to a unit, and assigning sets assigned', () => {
    const before = ticket('in progress');
    expect(checkTicketChange(before, { ...before, status: 'assigned' }, unitSupporter)).toMatchObject([{ code: 'E_UNIT_STATUS' }]);
    expect(checkTicketChange(before, { ...before, unit: 'ngi-fr' }, unitSupporter)).toMatchObject([{ code: 'E_UNIT_STATUS', field: 'status' }]);
    expect(withImpliedChanges(before, { ...before, unit: 'ngi-fr' }).status).toBe('assigned');
    expect(checkTicketChange(before, withImpliedChanges(before, { ...before, unit: 'ngi-fr' }), new Set<ActorRole>(['supporter']))).toEqual([]);
  });

  it('closed and verified tickets accept no change, except a mirrored cross reference', () => {
    for (const status of ['closed', 'verified'] as const) {
      const before = ticket(status);
      expect(checkTicketChange(before, { ...before, priority: 'very urgent' }, new Set<ActorRole>(['tpm', 'supporter']))).toMatchObject([{ code: 'E_FROZEN' }]);
      expect(checkTicketChange(before, { ...before, relations: { related: [165100] } }, new Set<ActorRole>(['system']))).toEqual([]);
      expect(checkTicketChange({ ...before, relations: { related: [165100] } }, before, new Set<ActorRole>(['system']))).toMatchObject([{ code: 'E_FROZEN' }]);
    }
  });

  it('the type is fixed, except TEAM → ALARM', () => {
    const team = ticket('in progress');
    expect(checkTicketChange(team, { ...team, type: 'ALARM' }, new Set<ActorRole>(['vo-team', 'supporter']))).toEqual([]);
    expect(checkTicketChange(team, { ...team, type: 'USER' }, unitSupporter)).toMatchObject([{ code: 'E_TYPE' }]);
    const alarm = ticket('in progress', { type: 'ALARM' });
    expect(checkTicketChange(alarm, { ...alarm, type: 'TEAM' }, unitSupporter)).toMatchObject([{ code: 'E_TYPE' }]);
    expect(checkTicketChange(team, { ...team, type: 'ALARM' }, new Set<ActorRole>(['submitter']))).toMatchObject([{ code: 'E_FIELD_ACTOR', field: 'type' }]);
  });

  it('nobody changes the immutable fields', () => {
    const before = ticket('in progress');
    const after = { ...before, created: '2020-01-01T00:00:00Z', submitter: { name: 'Mallory', email: 'm@evil.example' } };
    expect(
      checkTicketChange(before, after, new Set<ActorRole>(['tpm', 'supporter', 'system']))
        .map((v) => v.field)
        .sort(),
    ).toEqual(['created', 'submitter']);
  });

  it('the submitter may verify or reopen but not change other fields', () => {
    const before = ticket('solved');
    const submitter = new Set<ActorRole>(['submitter']);
    expect(checkTicketChange(before, { ...before, status: 'verified' }, submitter)).toEqual([]);
    const violations = checkTicketChange(before, { ...before, status: 'reopened', priority: 'top priority' }, submitter);
    expect(violations).toMatchObject([{ code: 'E_FIELD_ACTOR', field: 'priority' }]);
    expect(violations[0]?.message).toContain('add a public message, verify or reopen');
    expect(checkTicketChange(ticket('in progress'), { ...ticket('in progress'), unit: 'ngi-fr', status: 'assigned' }, submitter).map((v) => v.code)).toContain('E_FIELD_ACTOR');
  });

  it('a refusal names who may make the transition and what the actor may do instead', () => {
    const before = ticket('assigned');
    const [violation] = checkTicketChange(before, { ...before, status: 'in progress' }, new Set<ActorRole>(['supporter']));
    expect(violation?.message).toBe('assigned → in progress may be made by a supporter of the responsible unit or TPM (the responsible unit (or TPM) takes the ticket), and you are any supporter');
    expect(violation?.hint).toBe('Set status back to assigned; from assigned you may set: assigned.');
  });
});

describe('roles of a person for a ticket', () => {
  const units = [
    { id: 'tpm', family: 'tpm', members: [{ github: 'tpm-shifter' }] },
    { id: 'ngi-de', family: 'ngi', members: [{ email: 'anna@kit.example', github: 'anna-kit' }] },
    { id: 'cms', family: 'vo', vo: 'cms', members: [{ github: 'carla-cms' }] },
  ] as Pick<Unit, 'id' | 'family' | 'members' | 'vo'>[];

  it('derives submitter, unit, supporter, TPM and VO team from units and the ticket', () => {
    const t = ticket('in progress');
    expect([...actorRoles({ github: 'Anna-Kit' }, t, units)].sort()).toEqual(['supporter', 'unit']);
    expect([...actorRoles({ github: 'tpm-shifter' }, t, units)].sort()).toEqual(['supporter', 'tpm']);
    expect([...actorRoles({ github: 'carla-cms' }, t, units)].sort()).toEqual(['supporter', 'vo-team']);
    expect([...actorRoles({ github: 'carla-cms' }, { ...t, type: 'USER' }, units)]).toEqual(['supporter']);
    expect([...actorRoles({ email: 'JANE.DOE@uni.example' }, t, units)]).toEqual(['submitter']);
    expect([...actorRoles({ github: 'nobody' }, t, units)]).toEqual([]);
    expect([...actorRoles('system', t, units)]).toEqual(['system']);
  });
});
