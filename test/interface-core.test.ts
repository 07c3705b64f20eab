/** The interface's pure parts: tags, the status and priority tables, GGUS's guards, text limits, the unit format. */
import { describe, expect, it } from 'vitest';
import { checkHelpdesk } from '../lib/core/check.ts';
import { createdStatus, recogniseRemoteMail } from '../lib/core/interface/inbound.ts';
import { fitToLimit, priorityIn, remoteIdInSubject, remoteTag, statusIn, statusOut } from '../lib/core/interface/mapping.ts';
import type { InboundMail } from '../lib/core/intake/mail.ts';
import { InterfaceSchema, type InterfaceInput } from '../lib/core/schema/interface.ts';
import { UnitSchema } from '../lib/core/schema/unit.ts';
import { settings, units } from './notify-fixtures.ts';

const RT: InterfaceInput = {
  system: 'rt',
  name: 'NGI_CZ RT',
  address: 'ggus@rt.cz.test',
  from: ['ggus@rt.cz.test', 'ggus-comment@rt.cz.test'],
  internalFrom: ['ggus-comment@rt.cz.test'],
  ticketTag: '[rt.cz.test #{id}]',
  status: { out: { assigned: 'open', 'waiting for reply': 'stalled', solved: 'resolved' }, in: { open: 'in progress', stalled: 'on hold', resolved: 'solved' } },
  priority: { out: { 'top priority': '1', 'very urgent': '2', urgent: '3', 'less urgent': '4' }, in: { '1': 'top priority', '2': 'very urgent', '3': 'urgent', '4': 'less urgent' } },
};
const iface = InterfaceSchema.parse(RT);

describe('the remote ticket tag', () => {
  it('finds the number however the subject was prefixed, and writes the tag back', () => {
    expect(remoteIdInSubject(iface, 'Re: AW: [rt.cz.test #4711] [GGUS #165001] jobs fail')).toBe('4711');
    expect(remoteIdInSubject(iface, '[RT.CZ.TEST  #12] x')).toBe('12');
    expect(remoteIdInSubject(iface, '[rt.other.test #12] x')).toBeUndefined();
    expect(remoteTag(iface, '4711')).toBe('[rt.cz.test #4711]');
  });

  it('refuses a tag without {id} and a regular expression that does not compile, naming the field', () => {
    expect(InterfaceSchema.safeParse({ ...RT, ticketTag: '[rt.cz.test #]' }).error?.issues[0]?.message).toMatch(/\{id\}/);
    expect(InterfaceSchema.safeParse({ ...RT, subjectStatus: [{ pattern: '(', status: 'resolved' }] }).error?.issues[0]?.path).toEqual(['subjectStatus', 0, 'pattern']);
    expect(UnitSchema.safeParse({ id: 'x', name: 'X', family: 'ngi', mailingList: 'x@l.test', interface: { ...RT, address: 'not-an-address' } }).error?.issues[0]?.path).toEqual(['interface', 'address']);
  });
});

describe('status and priority both ways, with GGUS guards', () => {
  it('maps through the tables; unmapped words cross under their own name', () => {
    expect([statusOut(iface, 'assigned'), statusOut(iface, 'on hold')]).toEqual(['open', 'on hold']);
    expect(statusIn(iface, 'resolved', 'in progress').status).toBe('solved');
    expect(statusIn(iface, 'Stalled', 'in progress').status).toBe('on hold');
    const unknown = statusIn(iface, 'deleted', 'in progress');
    expect([unknown.status, unknown.reason]).toEqual([undefined, expect.stringMatching(/maps to none of ours/)]);
    expect([priorityIn(iface, '2'), priorityIn(iface, 'urgent'), priorityIn(iface, '9')]).toEqual(['very urgent', 'urgent', undefined]);
  });

  it('never creates as in progress, never overwrites an open status with in progress, never turns final statuses back into solved', () => {
    expect(statusIn(iface, 'open', undefined).status).toBe('new');
    for (const kept of ['new', 'assigned', 'waiting for reply', 'on hold', 'reopened'] as const) expect(statusIn(iface, 'open', kept).status, kept).toBeUndefined();
    for (const kept of ['verified', 'closed', 'unsolved'] as const) expect(statusIn(iface, 'resolved', kept).status, kept).toBeUndefined();
    expect(statusIn(iface, 'open', 'solved').status).toBe('in progress');
    // The guards are defaults: a unit may switch one off.
    const loose = InterfaceSchema.parse({ ...RT, guards: { keepOpenStatuses: false } });
    expect(statusIn(loose, 'open', 'assigned').status).toBe('in progress');
    expect(statusIn(loose, 'resolved', 'verified').status).toBeUndefined();
  });

  it('cuts text over the remote limit with a link to the ticket page', () => {
    const text = 'x'.repeat(5000);
    const cut = fitToLimit(text, 4000, 'https://h.test/tickets/1/');
    expect([...cut].length).toBeLessThanOrEqual(4000);
    expect(cut).toMatch(/full text is at https:\/\/h\.test\/tickets\/1\/\]$/);
    expect(fitToLimit('short', 4000, 'u')).toBe('short');
  });
});

describe('recognising mail from the remote', () => {
  const withUnit = [...units, UnitSchema.parse({ id: 'ngi-cz', name: 'NGI CZ', family: 'ngi', mailingList: 'cz@l.test', interface: RT })];
  const mail = (from: string, headers: Record<string, string[]> = {}, subject = '[rt.cz.test #7] x'): InboundMail => ({
    headers,
    from: { name: '', address: from },
    sender: undefined,
    to: [],
    cc: [],
    subject,
    date: undefined,
    messageId: 'a@b',
    inReplyTo: [],
    references: [],
    contentType: 'text/plain',
    text: '',
    fromHtml: false,
    attachments: [],
    contentHash: 'h',
    size: 1,
  });

  it('by its addresses: comments internal, auto-replies automatic, other senders not at all', () => {
    expect(recogniseRemoteMail(mail('GGUS@rt.cz.test'), withUnit)).toMatchObject({ remoteId: '7', internal: false, automatic: false });
    expect(recogniseRemoteMail(mail('ggus-comment@rt.cz.test'), withUnit)?.internal).toBe(true);
    expect(recogniseRemoteMail(mail('ggus@rt.cz.test', { 'auto-submitted': ['auto-replied'] }), withUnit)?.automatic).toBe(true);
    expect(recogniseRemoteMail(mail('jane@uni.test'), withUnit)).toBeUndefined();
  });

  it('a remote-created ticket starts new, or open as mapped, never finished', () => {
    const remote = recogniseRemoteMail(mail('ggus@rt.cz.test'), withUnit);
    expect(remote && createdStatus({ ...remote, remoteStatus: 'resolved' }).status).toBe('new');
    expect(remote && createdStatus({ ...remote, remoteStatus: 'stalled' }).status).toBe('on hold');
  });

  it('check refuses an interface that points at the helpdesk itself', () => {
    const loop = UnitSchema.parse({ id: 'ngi-cz', name: 'NGI CZ', family: 'ngi', mailingList: 'cz@l.test', interface: { ...RT, address: 'helpdesk@ggus.test', from: [], internalFrom: [] } });
    const problems = checkHelpdesk({ settings, units: [...units, loop].map((unit) => ({ unit, body: '', path: `units/${unit.id}.md` })), tickets: [] });
    expect(problems.map((p) => [p.file, p.field])).toEqual([['units/ngi-cz.md', 'interface']]);
    expect(problems[0]?.message).toMatch(/helpdesk@ggus\.test, an address of this helpdesk itself/);
  });
});
