import { describe, expect, it } from 'vitest';
import { checkRelationConsistency, linkTickets, relatedNumbers, statusEffects, unlinkTickets } from '../lib/core/relations.ts';
import type { Status, Ticket } from '../lib/core/schema/ticket.ts';
import type { MessageDoc } from '../lib/core/documents.ts';
import { masterCopyPath, planSlaveCopies, type SlaveState } from '../lib/core/master-copy.ts';

function ticket(number: number, status: Status = 'in progress', relations?: Ticket['relations']): Ticket {
  return {
    number,
    title: `Ticket ${number}`,
    status,
    priority: 'less urgent',
    type: 'USER',
    category: 'incident',
    issue: 'Other',
    unit: 'ngi-de',
    submitter: { name: 'Jane Doe', email: 'jane.doe@uni.example' },
    notify: 'on solution',
    created: '2026-11-27T09:14:03Z',
    source: { kind: 'email' },
    ...(relations ? { relations } : {}),
  };
}

function helpdesk(...tickets: Ticket[]): Map<number, Ticket> {
  return new Map(tickets.map((t) => [t.number, t]));
}

/** Applies an update to the helpdesk, as a command writes it. */
function apply(tickets: Map<number, Ticket>, update: { changed: Map<number, Ticket> }): Map<number, Ticket> {
  return new Map([...tickets, ...update.changed]);
}

describe('master/slave', () => {
  it('links both sides and puts the slave on hold with a note', () => {
    const update = linkTickets(helpdesk(ticket(1), ticket(2)), 2, 'master', 1);
    expect(update.changed.get(2)).toMatchObject({ status: 'on hold', relations: { master: 1 } });
    expect(update.changed.get(1)?.relations).toEqual({ slaves: [2] });
    expect(update.effects).toEqual([{ ticket: 2, from: 'in progress', to: 'on hold', note: 'This ticket is a duplicate of #1; work continues there, and this ticket is solved with it.' }]);
  });

  it("solving the master solves its open slaves with the master's solution, and notes it on them", () => {
    let tickets = helpdesk(ticket(1), ticket(2), ticket(3), ticket(4, 'verified'));
    tickets = apply(tickets, linkTickets(tickets, 2, 'master', 1));
    tickets = apply(tickets, linkTickets(tickets, 3, 'master', 1));
    tickets.set(4, { ...(tickets.get(4) as Ticket), relations: { master: 1 } });
    tickets.set(1, { ...(tickets.get(1) as Ticket), status: 'solved', solution: { qualifier: 'fixed', text: 'CRLs refreshed.' }, relations: { slaves: [2, 3, 4] } });
    const update = statusEffects(tickets, 1);
    expect([...update.changed.keys()].sort()).toEqual([2, 3]);
    expect(update.changed.get(2)).toMatchObject({ status: 'solved', solution: { qualifier: 'fixed', text: 'Solved with its master #1: CRLs refreshed.' } });
    expect(update.effects.map((e) => e.note)).toEqual(['Master ticket #1 is solved; this duplicate is solved with it.\n\nCRLs refreshed.', 'Master ticket #1 is solved; this duplicate is solved with it.\n\nCRLs refreshed.']);
  });

  it('refuses chains, double masters and self links', () => {
    let tickets = helpdesk(ticket(1), ticket(2), ticket(3));
    tickets = apply(tickets, linkTickets(tickets, 2, 'master', 1));
    expect(() => linkTickets(tickets, 3, 'master', 2)).toThrow('#2 is itself a duplicate of #1');
    expect(() => linkTickets(tickets, 2, 'master', 3)).toThrow('#2 is already a duplicate of #1');
    expect(() => linkTickets(tickets, 1, 'master', 3)).toThrow('#1 has duplicates of its own (#2)');
    expect(() => linkTickets(tickets, 3, 'related', 3)).toThrow('#3 cannot be related to itself');
    expect(() => linkTickets(tickets, 3, 'related', 99)).toThrow('Could not find ticket #99.');
  });

  it('unmarking resets the slave: both sides cleared, back in progress', () => {
    let tickets = helpdesk(ticket(1), ticket(2));
    tickets = apply(tickets, linkTickets(tickets, 2, 'master', 1));
    const update = unlinkTickets(tickets, 2, 'master', 1);
    expect(update.changed.get(2)?.relations).toBeUndefined();
    expect(update.changed.get(2)?.status).toBe('in progress');
    expect(update.changed.get(1)?.relations).toBeUndefined();
  });
});

describe('parent/child', () => {
  it('the parent is on hold while a child is open, and back in progress when the last child is solved', () => {
    let tickets = helpdesk(ticket(10), ticket(11), ticket(12));
    tickets = apply(tickets, linkTickets(tickets, 11, 'parent', 10));
    expect(tickets.get(10)).toMatchObject({ status: 'on hold', relations: { children: [11] } });
    tickets = apply(tickets, linkTickets(tickets, 12, 'parent', 10));
    expect(tickets.get(10)?.relations?.children).toEqual([11, 12]);

    tickets.set(11, { ...(tickets.get(11) as Ticket), status: 'solved', solution: { qualifier: 'fixed', text: 'Done.' } });
    expect(statusEffects(tickets, 11).changed.size).toBe(0);
    tickets.set(12, { ...(tickets.get(12) as Ticket), status: 'unsolved', solution: { qualifier: "won't fix", text: 'No.' } });
    const update = statusEffects(tickets, 12);
    expect(update.changed.get(10)?.status).toBe('in progress');
    expect(update.effects[0]?.note).toBe('All child tickets are solved (the last was #12): back in progress.');
  });

  it('a reopened child puts a working parent on hold again', () => {
    let tickets = helpdesk(ticket(10), ticket(11, 'solved'));
    tickets = apply(tickets, linkTickets(tickets, 11, 'parent', 10));
    expect(tickets.get(10)?.status).toBe('in progress');
    tickets.set(11, { ...(tickets.get(11) as Ticket), status: 'reopened' });
    expect(statusEffects(tickets, 11).changed.get(10)?.status).toBe('on hold');
  });

  it('a slave solved with its master can be the last open child', () => {
    let tickets = helpdesk(ticket(1), ticket(2), ticket(10));
    tickets = apply(tickets, linkTickets(tickets, 2, 'parent', 10));
    tickets = apply(tickets, linkTickets(tickets, 2, 'master', 1));
    tickets.set(1, { ...(tickets.get(1) as Ticket), status: 'solved', solution: { qualifier: 'fixed', text: 'Fixed.' } });
    const update = statusEffects(tickets, 1);
    expect(update.changed.get(2)?.status).toBe('solved');
    expect(update.changed.get(10)?.status).toBe('in progress');
  });

  it('refuses cycles', () => {
    let tickets = helpdesk(ticket(1), ticket(2), ticket(3));
    tickets = apply(tickets, linkTickets(tickets, 2, 'parent', 1));
    tickets = apply(tickets, linkTickets(tickets, 3, 'parent', 2));
    expect(() => linkTickets(tickets, 1, 'parent', 3)).toThrow('#3 is a descendant of #1: the link would make a cycle');
  });
});

describe('related and consistency', () => {
  it('related is symmetric and removable from either side', () => {
    let tickets = helpdesk(ticket(1), ticket(2));
    tickets = apply(tickets, linkTickets(tickets, 1, 'related', 2));
    expect(tickets.get(1)?.relations).toEqual({ related: [2] });
    expect(tickets.get(2)?.relations).toEqual({ related: [1] });
    tickets = apply(tickets, unlinkTickets(tickets, 2, 'related', 1));
    expect(tickets.get(1)?.relations).toBeUndefined();
    expect(checkRelationConsistency([1, 2], (n) => tickets.get(n))).toEqual([]);
  });

  it('finds links that are only on one side, point nowhere, or chain masters', () => {
    const tickets = helpdesk(ticket(1, 'in progress', { related: [2], master: 3, parent: 5 }), ticket(2), ticket(3, 'in progress', { master: 4 }), ticket(4, 'in progress', { slaves: [3] }));
    const problems = checkRelationConsistency([1], (n) => tickets.get(n));
    expect(problems.map((p) => `${p.field}: ${p.message}`)).toEqual([
      'relations.master: names #3, but #3 does not have #1 in relations.slaves: the link is only on one side',
      'relations.parent: names ticket #5, which does not exist',
      'relations.related: names #2, but #2 does not list #1 in relations.related: a cross reference must be on both tickets',
      'relations.master: names #3, which is itself a duplicate: masters cannot be chained',
    ]);
    expect(problems[0]?.hint).toBe('Set relations.slaves of #3 in the same change (add 1), or use: gitgus relate 1 --master 3');
    expect(relatedNumbers({ related: [2] }, { master: 3, related: [2, 7] })).toEqual([2, 3, 7]);
  });
});

describe('planSlaveCopies (gitgus sync-slaves)', () => {
  const message = (visibility: 'public' | 'internal', role: 'supporter' | 'system', body: string): MessageDoc => ({
    message: { date: '2026-12-01T10:00:00Z', author: { name: role === 'system' ? 'Example Grid Helpdesk' : 'Claire Cic', role }, visibility, source: role === 'system' ? 'system' : 'pull-request' },
    body,
  });
  const added = [
    { file: '20261201T100000Z-public01.md', doc: message('public', 'supporter', 'The CRL is renewed.') },
    { file: '20261201T100000Z-intern01.md', doc: message('internal', 'supporter', 'The mirror was down.') },
    { file: '20261201T100000Z-system01.md', doc: message('public', 'system', 'Update of the master ticket #1: status …') },
  ];
  const state = (open: boolean, master: number | undefined, messages: string[] = []): SlaveState => ({ open, master, messages: new Set(messages) });

  it("copies a person's public message to each open slave that names the master, once", () => {
    const slaves = new Map<number, SlaveState>([
      [2, state(true, 1)],
      [3, state(false, 1)], // closed
      [4, state(true, 9)], // another master's duplicate: a stale list on #1 copies nothing to it
    ]);
    const plan = planSlaveCopies([{ number: 1, slaves: [4, 3, 2, 2, 5], added }], (n) => slaves.get(n), 'Example Grid Helpdesk');
    expect(plan.map((copy) => [copy.slave, copy.masterFile])).toEqual([[2, '20261201T100000Z-public01.md']]);
    expect(plan[0]?.path).toBe(masterCopyPath(1, '20261201T100000Z-public01.md', 2, '2026-12-01T10:00:00Z'));
    expect(plan[0]?.content).toContain('Copied from the master ticket #1 (Claire Cic, supporter):\n\nThe CRL is renewed.');
    expect(plan[0]?.content).toContain('visibility: public');
    // The slave holding that file (written by gitgus reply or an earlier run) gets nothing.
    slaves.set(2, state(true, 1, [plan[0]?.path ?? '']));
    expect(planSlaveCopies([{ number: 1, slaves: [2], added }], (n) => slaves.get(n), 'Example Grid Helpdesk')).toEqual([]);
  });
});
