/** Every row of the GGUS notification matrix (docs/ggus.md §3) and every brake, on the pure planner. */
import { describe, expect, it } from 'vitest';
import { planNotifications, type PlannedMail } from '../lib/core/notify/plan.ts';
import { colourFlag, QOS_OVERDUE_FLAG, QOS_WARNING_FLAG, WAITING_REMINDER_FLAG } from '../lib/core/notify/update.ts';
import { SettingsSchema } from '../lib/core/schema/settings.ts';
import { COMMIT, message, settings, SUBMITTER, SYSTEM, ticket, units, update } from './notify-fixtures.ts';

const plan = (u: ReturnType<typeof update>, s = settings) => planNotifications(u, { settings: s, units });

/** `key → "to | cc"` with roles, the shape the matrix is written in. */
function table(mails: PlannedMail[]): Record<string, string> {
  const show = (list: PlannedMail['to']) => list.map((r) => `${r.address} (${r.role})`).join(', ');
  return Object.fromEntries(mails.map((m) => [m.key.replace(`${COMMIT.slice(0, 12)}.`, ''), `${m.kind}/${m.audience}: ${show(m.to)}${m.cc.length ? ` | ${show(m.cc)}` : ''}`]));
}

const created = (overrides: Parameters<typeof ticket>[0] = {}) =>
  update({
    after: ticket({ status: 'assigned', cc: ['boss@uni.test'], ...overrides }),
    actor: { name: 'Jane Doe', email: SUBMITTER.email },
    events: [{ type: 'created', title: 't', status: 'assigned', unit: 'ngi-de', priority: 'urgent', ticketType: 'USER' }],
  });

describe('a new ticket', () => {
  it('is acknowledged to the submitter alone, CC get a notice without the request, the unit list is told', () => {
    const mails = plan(created());
    expect(table(mails)).toEqual({
      unit: 'update/supporters: ngi-de@lists.ggus.test (unit)',
      ack: 'acknowledgement/public: jane@uni.test (submitter)',
      cc: 'cc notice/public: boss@uni.test (cc)',
    });
    const ack = mails.find((m) => m.kind === 'acknowledgement') as PlannedMail;
    expect(ack.autoSubmitted).toBe('auto-replied');
    expect(ack.request).toContain('proxy expired');
    // Issue 15: the helpdesk is no relay — the sender's text never goes to addresses of the sender's choice.
    const notice = mails.find((m) => m.kind === 'cc notice') as PlannedMail;
    expect(notice).toMatchObject({ request: undefined, messages: [], changes: [], onBehalfOf: 'jane@uni.test' });
    expect(ack.onBehalfOf).toBe('jane@uni.test');
    expect(mails.find((m) => m.audience === 'supporters')?.list).toBe(true);
  });

  it('is not acknowledged for GitHub issues, remote interfaces, unauthenticated or machine senders, or when switched off', () => {
    const noAck = (mails: PlannedMail[]) => mails.every((m) => m.kind !== 'acknowledgement' && m.kind !== 'cc notice');
    expect(noAck(plan(created({ source: { kind: 'github' } })))).toBe(true);
    expect(noAck(plan(created({ source: { kind: 'interface' } })))).toBe(true);
    expect(noAck(plan(created({ flags: ['unauthenticated'] })))).toBe(true);
    expect(noAck(plan(created({ flags: ['auto-reply'] })))).toBe(true);
    expect(noAck(plan(created(), SettingsSchema.parse({ ...settings, notify: { acknowledge: false } })))).toBe(true);
    // Unless the helpdesk chose to acknowledge unauthenticated senders.
    const trusting = SettingsSchema.parse({ ...settings, mail: { ...settings.mail, acknowledgeUnauthenticated: true } });
    expect(noAck(plan(created({ flags: ['unauthenticated'] }), trusting))).toBe(false);
    // A submitter whose address is stored but cannot be answered (root@localhost) gets nothing; the CC still does.
    const local = plan(created({ submitter: { name: 'root', email: 'root@localhost' } }));
    expect(local.flatMap((m) => [...m.to, ...m.cc].map((r) => r.address))).not.toContain('root@localhost');
    expect(table(local).unit).toBe('update/supporters: ngi-de@lists.ggus.test (unit)');
    // The unit hears about the ticket in every case.
    expect(plan(created({ source: { kind: 'github' } })).map((m) => m.audience)).toEqual(['supporters']);
  });
});

describe('the notified site', () => {
  const withContacts = SettingsSchema.parse({ ...settings, siteContacts: { 'FZK-LCG2': 'grid-admin@fzk.test' } });

  it('gets the request on submit, public content only, when the ticket notifies a site with a known contact', () => {
    const mails = plan(created({ notifySite: 'FZK-LCG2', type: 'TEAM' }), withContacts);
    expect(table(mails).site).toBe('update/public: grid-admin@fzk.test (notified site)');
    const site = mails.find((m) => m.key.endsWith('.site')) as PlannedMail;
    expect(site.request).toContain('proxy expired');
    expect(site.audience).toBe('public');
  });

  it('is not mailed without a contact, for a site not notified, or on later updates', () => {
    expect(Object.keys(table(plan(created({ notifySite: 'FZK-LCG2' }))))).not.toContain('site');
    expect(Object.keys(table(plan(created({ site: 'FZK-LCG2' }), withContacts)))).not.toContain('site');
    const later = update({ before: ticket({ notifySite: 'FZK-LCG2' }), after: ticket({ notifySite: 'FZK-LCG2', status: 'in progress' }), events: [{ type: 'status', from: 'assigned', to: 'in progress' }] });
    expect(Object.keys(table(plan(later, withContacts)))).not.toContain('site');
  });
});

describe('the submitter and CC by notification mode', () => {
  const before = ticket({ cc: ['boss@uni.test'] });
  const priorityChange = { type: 'priority' as const, from: 'urgent' as const, to: 'very urgent' as const };

  it('"on solution": a field change alone does not mail them; a public message does', () => {
    expect(table(plan(update({ before, after: ticket({ cc: ['boss@uni.test'], priority: 'very urgent' }), events: [priorityChange] })))).toEqual({
      unit: 'update/supporters: ngi-de@lists.ggus.test (unit)',
    });
    expect(table(plan(update({ before, after: before, messages: [message()] })))).toEqual({
      unit: 'update/supporters: ngi-de@lists.ggus.test (unit)',
      req: 'update/public: jane@uni.test (submitter) | boss@uni.test (cc)',
    });
  });

  it('"on every change": a field change mails them too', () => {
    const every = ticket({ cc: ['boss@uni.test'], notify: 'on every change' });
    const mails = plan(update({ before: every, after: { ...every, priority: 'very urgent' }, events: [priorityChange] }));
    expect(table(mails)).toEqual({
      unit: 'update/supporters: ngi-de@lists.ggus.test (unit)',
      req: 'update/public: jane@uni.test (submitter) | boss@uni.test (cc)',
    });
    expect(mails[1]?.changes).toEqual([{ field: 'priority', label: 'Priority', from: 'urgent', to: 'very urgent' }]);
  });

  it('the solution reaches them in both modes, with verify and reopen offered to the submitter', () => {
    for (const mode of ['on solution', 'on every change'] as const) {
      const open = ticket({ cc: ['boss@uni.test'], notify: mode });
      const solved = { ...open, status: 'solved' as const, solution: { qualifier: 'fixed' as const, text: 'Proxy renewed.' } };
      const mails = plan(update({ before: open, after: solved, events: [{ type: 'status', from: 'in progress', to: 'solved', solution: { qualifier: 'fixed', text: 'Proxy renewed.' } }] }));
      const req = mails.find((m) => m.key.endsWith('.req')) as PlannedMail;
      expect(req.kind).toBe('solution');
      expect(req.offerVerify).toBe(true);
      expect(req.to.map((r) => r.address)).toEqual(['jane@uni.test']);
      expect(req.cc.map((r) => r.address)).toEqual(['boss@uni.test']);
    }
  });

  it('never get an internal note, and nothing at all when the update is only an internal note', () => {
    const every = ticket({ cc: ['boss@uni.test'], notify: 'on every change', subscribers: ['watcher@lab.test'] });
    const note = message({ visibility: 'internal', body: 'The VOBOX admin is on leave.' });
    const mails = plan(update({ before: every, after: every, messages: [note] }));
    expect(table(mails)).toEqual({ 'unit.internal': 'update/supporters: ngi-de@lists.ggus.test (unit)' });
    expect(mails[0]?.messages.map((m) => m.body)).toEqual(['The VOBOX admin is on leave.']);
    // With a public change in the same update they get the change, never the note.
    const mixed = plan(update({ before: every, after: { ...every, status: 'on hold' }, events: [{ type: 'status', from: 'in progress', to: 'on hold' }], messages: [note] }));
    const req = mixed.find((m) => m.key.endsWith('.req')) as PlannedMail;
    expect(req.messages).toEqual([]);
    expect(req.changes.map((c) => c.field)).toEqual(['status']);
  });

  it('do not see changes that name other people (assignee, involved, subscribers)', () => {
    const every = ticket({ notify: 'on every change' });
    const mails = plan(update({ before: every, after: { ...every, involve: ['expert@cern.test'] }, events: [{ type: 'field', field: 'involve', from: undefined, to: ['expert@cern.test'] }] }));
    expect(table(mails)).toEqual({ unit: 'update/supporters: ngi-de@lists.ggus.test (unit) | expert@cern.test (involved)' });
  });

  it('mails at most mail.ccLimit of a hostile CC list, and only the addresses the rules name', () => {
    const hostile = Array.from({ length: 300 }, (_, i) => `victim${i}@spam.test`);
    const t = ticket({ cc: hostile });
    const mails = plan(update({ before: t, after: t, messages: [message()] }));
    const all = mails.flatMap((m) => [...m.to, ...m.cc].map((r) => r.address));
    expect(all.filter((a) => a.endsWith('@spam.test'))).toHaveLength(settings.mail.ccLimit);
    expect(new Set(all)).toEqual(new Set(['ngi-de@lists.ggus.test', 'jane@uni.test', ...hostile.slice(0, settings.mail.ccLimit)]));
  });
});

describe('the unit, the assignee and involved people', () => {
  it('get every update, internal notes included; the assignee by GitHub login resolves to a member address', () => {
    const t = ticket({ assignee: 'dieter-de', involve: ['expert@cern.test'] });
    const mails = plan(update({ before: t, after: t, messages: [message({ visibility: 'internal' })], actor: { name: 'Tom Shift', github: 'tom-shift' } }));
    expect(table(mails)).toEqual({ 'unit.internal': 'update/supporters: ngi-de@lists.ggus.test (unit) | dieter@kit.test (assignee), expert@cern.test (involved)' });
    expect(mails[0]?.list).toBe(true);
  });

  it('a reassignment goes to the new unit', () => {
    const before = ticket({ unit: 'tpm', status: 'new' });
    const after = ticket({ unit: 'ngi-de', status: 'assigned' });
    const mails = plan(
      update({
        before,
        after,
        events: [
          { type: 'assigned', from: 'tpm', to: 'ngi-de' },
          { type: 'status', from: 'new', to: 'assigned' },
        ],
        actor: { name: 'Tom Shift', github: 'tom-shift' },
      }),
    );
    expect(table(mails)).toEqual({ unit: 'update/supporters: ngi-de@lists.ggus.test (unit)' });
    expect(mails[0]?.changes[0]).toEqual({ field: 'unit', label: 'Support unit', from: 'TPM (tpm)', to: 'NGI Germany (ngi-de)' });
  });
});

describe('subscribers', () => {
  const t = ticket({ subscribers: ['watcher@lab.test', 'other@lab.test'] });

  it('get public messages and the solution, one mail each', () => {
    const mails = plan(update({ before: t, after: t, messages: [message()] }));
    const subs = mails.filter((m) => m.to[0]?.role === 'subscriber');
    expect(subs.map((m) => m.to.map((r) => r.address))).toEqual([['watcher@lab.test'], ['other@lab.test']]);
    expect(new Set(subs.map((m) => m.key)).size).toBe(2);
    const solved = { ...t, status: 'solved' as const, solution: { qualifier: 'fixed' as const, text: 'Done.' } };
    const solution = plan(update({ before: t, after: solved, events: [{ type: 'status', from: 'in progress', to: 'solved' }] })).filter((m) => m.to[0]?.role === 'subscriber');
    expect(solution.map((m) => [m.kind, m.offerVerify])).toEqual([
      ['solution', false],
      ['solution', false],
    ]);
  });

  it('get no field changes and no internal notes', () => {
    expect(plan(update({ before: t, after: { ...t, priority: 'top priority' }, events: [{ type: 'priority', from: 'urgent', to: 'top priority' }] })).some((m) => m.to[0]?.role === 'subscriber')).toBe(false);
    expect(plan(update({ before: t, after: t, messages: [message({ visibility: 'internal' })] })).some((m) => m.to[0]?.role === 'subscriber')).toBe(false);
  });
});

describe('reopen', () => {
  it('reaches the unit that solved it and TPM (plus the submitter in every-change mode)', () => {
    const solved = ticket({ unit: 'dcache', status: 'solved', solution: { qualifier: 'fixed', text: 'x' }, notify: 'on every change' });
    const reopened = { ...solved, status: 'reopened' as const, unit: 'ngi-de' };
    const mails = plan(
      update({
        before: solved,
        after: reopened,
        events: [
          { type: 'status', from: 'solved', to: 'reopened' },
          { type: 'assigned', from: 'dcache', to: 'ngi-de' },
        ],
        actor: { name: 'Tom Shift', github: 'tom-shift' },
      }),
    );
    expect(table(mails)).toEqual({
      unit: 'update/supporters: ngi-de@lists.ggus.test (unit), dcache@lists.ggus.test (solving unit), tpm@lists.ggus.test (tpm)',
      req: 'update/public: jane@uni.test (submitter)',
    });
    expect(mails[0]?.note).toContain('dCache (dcache) and TPM');
  });
});

describe('parent and child tickets', () => {
  const parent = ticket({ number: 165010, unit: 'tpm', status: 'on hold', relations: { children: [165048, 165049] } });
  const child = ticket({ relations: { parent: 165010 } });
  const solvedChild = { ...child, status: 'solved' as const, solution: { qualifier: 'fixed' as const, text: 'x' } };
  const solving = { type: 'status' as const, from: 'in progress' as const, to: 'solved' as const };

  it("the last child solved mails the parent's unit about the parent", () => {
    const sibling = ticket({ number: 165049, status: 'verified', solution: { qualifier: 'fixed', text: 'y' }, relations: { parent: 165010 } });
    const mails = plan(update({ before: child, after: solvedChild, events: [solving], related: [parent, sibling] }));
    const parentMail = mails.find((m) => m.kind === 'children solved') as PlannedMail;
    expect(parentMail.ticket.number).toBe(165010);
    expect(parentMail.to.map((r) => `${r.address} (${r.role})`)).toEqual(['tpm@lists.ggus.test (parent unit)']);
    expect(parentMail.note).toBe('All child tickets of #165010 are finished; the last one, #165048, is now solved.');
  });

  it('no parent mail while another child is open', () => {
    const sibling = ticket({ number: 165049, status: 'in progress', relations: { parent: 165010 } });
    expect(plan(update({ before: child, after: solvedChild, events: [solving], related: [parent, sibling] })).some((m) => m.kind === 'children solved')).toBe(false);
  });
});

describe('brakes', () => {
  it('never mails the person who made the change', () => {
    const t = ticket({ notify: 'on every change' });
    const fromSubmitter = message({ author: { name: 'Jane Doe', email: SUBMITTER.email, role: 'submitter' } });
    expect(table(plan(update({ before: t, after: t, messages: [fromSubmitter], actor: { name: 'Jane Doe', email: SUBMITTER.email } })))).toEqual({
      unit: 'update/supporters: ngi-de@lists.ggus.test (unit)',
    });
    // Nor the author of the message the update adds, when a bot (intake) committed it on their behalf.
    const viaIntake = plan(update({ before: t, after: t, messages: [fromSubmitter], actor: { name: 'Jane Doe <jane@uni.test> (mail)' } }));
    expect(viaIntake.flatMap((m) => [...m.to, ...m.cc]).map((r) => r.address)).toEqual(['ngi-de@lists.ggus.test']);
    // And nobody learns an address from the actor's name.
    expect(viaIntake[0]?.actorName).toBe('Jane Doe');
    // A supporter known by GitHub login is recognised through the unit's member list.
    const assigned = ticket({ assignee: 'anna-kit' });
    const mails = plan(update({ before: assigned, after: assigned, messages: [message()], actor: { name: 'Anna Kit', github: 'anna-kit' } }));
    expect(mails.flatMap((m) => [...m.to, ...m.cc]).map((r) => r.address)).not.toContain('anna@kit.test');
  });

  it("never mails the helpdesk's own addresses", () => {
    const t = ticket({ cc: ['helpdesk@ggus.test', 'noreply@ggus.test'], involve: ['vo-user-support@ggus.test'], notify: 'on every change' });
    const all = plan(update({ before: t, after: t, messages: [message()] }))
      .flatMap((m) => [...m.to, ...m.cc])
      .map((r) => r.address);
    expect(all).toEqual(['ngi-de@lists.ggus.test', 'jane@uni.test']);
  });

  it('never answers mail written by machines', () => {
    const t = ticket({ notify: 'on every change', subscribers: ['watcher@lab.test'] });
    for (const flag of ['auto-reply', 'bounce', 'own-mail']) {
      const auto = message({ author: { name: 'Jane Doe', email: SUBMITTER.email, role: 'submitter' }, flags: [flag] });
      expect(plan(update({ before: t, after: t, messages: [auto], actor: SYSTEM }))).toEqual([]);
    }
  });

  it("sends each address one mail per update, the supporters' version first", () => {
    const t = ticket({ cc: ['expert@cern.test'], involve: ['expert@cern.test'], subscribers: ['expert@cern.test', 'jane@uni.test'] });
    const mails = plan(update({ before: t, after: t, messages: [message()] }));
    const counts = new Map<string, number>();
    for (const address of mails.flatMap((m) => [...m.to, ...m.cc]).map((r) => r.address)) counts.set(address, (counts.get(address) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(mails.find((m) => m.audience === 'supporters')?.cc.map((r) => r.address)).toEqual(['expert@cern.test']);
  });
});

describe('system messages of gitgus tick', () => {
  it('a waiting-for-reply reminder goes to the submitter alone, whatever the mode', () => {
    const t = ticket({ status: 'waiting for reply', cc: ['boss@uni.test'], subscribers: ['watcher@lab.test'] });
    const reminder = message({ author: { name: 'Test Grid Helpdesk', role: 'system' }, source: 'system', flags: [WAITING_REMINDER_FLAG], body: 'Reminder 1 of 2' });
    expect(table(plan(update({ before: t, after: t, messages: [reminder], actor: SYSTEM })))).toEqual({ req: 'reminder/public: jane@uni.test (submitter)' });
  });

  it('a red colour alert and a passed QoS response time go to TPM too (issue 16 point 7)', () => {
    const t = ticket({ status: 'assigned' });
    const red = message({ author: { name: 'Test Grid Helpdesk', role: 'system' }, source: 'system', visibility: 'internal', flags: [colourFlag('red')], body: 'This ticket is red' });
    expect(table(plan(update({ before: t, after: t, messages: [red], actor: SYSTEM })))).toEqual({ 'unit.internal': 'unit alert/supporters: ngi-de@lists.ggus.test (unit), tpm@lists.ggus.test (tpm)' });
    const overdue = message({ author: { name: 'Test Grid Helpdesk', role: 'system' }, source: 'system', visibility: 'internal', flags: [QOS_WARNING_FLAG, QOS_OVERDUE_FLAG], body: 'The response time has passed' });
    expect(table(plan(update({ before: t, after: t, messages: [overdue], actor: SYSTEM })))['unit.internal']).toContain('tpm@lists.ggus.test (tpm)');
    const amber = message({ author: { name: 'Test Grid Helpdesk', role: 'system' }, source: 'system', visibility: 'internal', flags: [colourFlag('amber')], body: 'This ticket is amber' });
    expect(table(plan(update({ before: t, after: t, messages: [amber], actor: SYSTEM })))['unit.internal']).not.toContain('tpm@');
  });

  it('a QoS warning goes to the unit alone', () => {
    const t = ticket({ status: 'assigned', notify: 'on every change', involve: ['expert@cern.test'] });
    const warning = message({ author: { name: 'Test Grid Helpdesk', role: 'system' }, source: 'system', visibility: 'internal', flags: [QOS_WARNING_FLAG], body: '75% of the response time is gone' });
    expect(table(plan(update({ before: t, after: t, messages: [warning], actor: SYSTEM })))).toEqual({ 'unit.internal': 'unit alert/supporters: ngi-de@lists.ggus.test (unit) | expert@cern.test (involved)' });
  });
});
