import { describe, expect, it } from 'vitest';
import { outdent } from 'outdent';
import { actorOf, commitEvents, describeEvent, FrontMatter, type CommitInfo } from '../lib/core/events.ts';
import { blockValue, frontMatterBlocks } from '../lib/core/frontmatter.ts';
import { MAILED_TICKET_FIELDS } from './helpers.ts';

const commit = (trailers: Record<string, string> = {}, author = { name: 'Anna Kit', email: 'anna-kit@grid.example' }): CommitInfo => ({
  commit: 'c0ffee'.padEnd(40, '0'),
  time: '2026-11-27T10:15:00Z',
  author,
  trailers,
});

const ticket = (fields: string) => outdent`
  ---
  number: 165048
  title: CMS jobs fail at FZK-LCG2
  ${fields}
  ${MAILED_TICKET_FIELDS}
    address: helpdesk@ggus.example
  ---
  Since Monday all CMS pilot jobs fail.
`;

const INDEX = 'tickets/165/165048/index.md';

describe('front-matter blocks', () => {
  it('splits top-level keys with their indented and list lines', () => {
    const blocks = frontMatterBlocks('a: 1\nb:\n  c: 2\nlist:\n- x\n- y\n# comment\n');
    expect([...(blocks ?? new Map<string, string>()).keys()]).toEqual(['a', 'b', 'list']);
  });

  it('gives up on shapes it cannot split, so the full parser decides', () => {
    expect(frontMatterBlocks('"quoted key": 1\n')).toBeUndefined();
    expect(frontMatterBlocks('a: 1\na: 2\n')).toBeUndefined();
    const fm = new FrontMatter('---\n"status": solved\nunit: tpm\n---\n');
    expect(fm.get('status')).toBe('solved');
    expect(fm.get('unit')).toBe('tpm');
  });

  it('reads the common shapes without YAML and agrees with YAML on the rest', () => {
    expect(blockValue('status: in progress')).toBe('in progress');
    expect(blockValue('number: 165048')).toBe(165048);
    expect(blockValue('flag: true')).toBe(true);
    expect(blockValue('title: "Request: enable IPv6"')).toBe('Request: enable IPv6');
    expect(blockValue('title: it is # not a comment here')).toBe('it is');
    expect(blockValue('cc:\n  - a@b.example\n  - c@d.example')).toEqual(['a@b.example', 'c@d.example']);
    expect(blockValue('solution:\n  qualifier: fixed\n  text: Proxy renewed.')).toEqual({ qualifier: 'fixed', text: 'Proxy renewed.' });
    expect(blockValue('relations:\n  related: [165001, 165002]')).toEqual({ related: [165001, 165002] });
    expect(blockValue('text: one\n  two')).toBe('one two');
  });

  it('treats an absent defaulted field as its default', () => {
    expect(new FrontMatter('---\nnumber: 1\n---\n').get('priority')).toBe('less urgent');
  });
});

describe('actors', () => {
  it('prefers the Actor trailer', () => {
    expect(actorOf(commit({ Actor: 'alice (GitHub)' }))).toEqual({ name: 'Anna Kit', github: 'alice' });
    expect(actorOf(commit({ Actor: 'Jane Doe <Jane@Uni.example>' }))).toEqual({ name: 'Jane Doe', email: 'jane@uni.example' });
  });

  it('recovers the GitHub login of a web-editor commit from its no-reply address', () => {
    expect(actorOf(commit({}, { name: 'Anna', email: '1234567+anna-kit@users.noreply.github.com' }))).toEqual({ name: 'Anna', email: '1234567+anna-kit@users.noreply.github.com', github: 'anna-kit' });
  });
});

describe('events from changes', () => {
  it('derives created, and routed when the commit names its rule', () => {
    const created = commitEvents(commit({ Rule: 'site-notify' }), [{ path: INDEX, status: 'A', after: ticket('status: assigned\nunit: ngi-de\npriority: urgent') }]);
    expect(created.map((e) => e.type)).toEqual(['created', 'routed']);
    expect(created[0]).toMatchObject({ ticket: 165048, title: 'CMS jobs fail at FZK-LCG2', status: 'assigned', unit: 'ngi-de', priority: 'urgent', ticketType: 'USER', source: 'helpdesk@ggus.example' });
    expect(created[1]).toMatchObject({ type: 'routed', to: 'ngi-de', rule: 'site-notify' });
  });

  it('derives status, assignment, priority, fields and relations from a front-matter diff without trailers', () => {
    const before = ticket('status: in progress\nunit: tpm\nrelations:\n  related: [165001]');
    const after = ticket('status: solved\nunit: ngi-de\npriority: very urgent\nassignee: anna-kit\nrelations:\n  related: [165002]\n  master: 165003\nsolution:\n  qualifier: fixed\n  text: Proxy renewed.');
    const events = commitEvents(commit({}, { name: 'Anna', email: '99+anna-kit@users.noreply.github.com' }), [{ path: INDEX, status: 'M', before, after }]);
    expect(events.map((e) => e.type)).toEqual(['assigned', 'status', 'priority', 'relation', 'relation', 'field', 'field']);
    expect(events[0]).toMatchObject({ type: 'assigned', from: 'tpm', to: 'ngi-de', actor: { github: 'anna-kit' } });
    expect(events[1]).toMatchObject({ type: 'status', from: 'in progress', to: 'solved', solution: { qualifier: 'fixed', text: 'Proxy renewed.' } });
    expect(events[2]).toMatchObject({ type: 'priority', from: 'less urgent', to: 'very urgent' });
    expect(events[3]).toMatchObject({ relation: 'master', added: [165003], removed: [] });
    expect(events[4]).toMatchObject({ relation: 'related', added: [165002], removed: [165001] });
    expect(events.slice(5).map((e) => (e.type === 'field' ? e.field : ''))).toEqual(['assignee', 'solution']);
  });

  it('ignores reformatting that does not change a value', () => {
    const before = ticket('status: in progress\nunit: tpm\ncc: [a@b.example]');
    const after = ticket("status: 'in progress'\nunit: tpm\ncc:\n  - a@b.example");
    expect(commitEvents(commit(), [{ path: INDEX, status: 'M', before, after }])).toEqual([]);
  });

  it('a unit change in a routing commit is routed, with its rule', () => {
    const events = commitEvents(commit({ Rule: 'vo-cms' }), [{ path: INDEX, status: 'M', before: ticket('status: new\nunit: tpm'), after: ticket('status: assigned\nunit: cms') }]);
    expect(events[0]).toMatchObject({ type: 'routed', from: 'tpm', to: 'cms', rule: 'vo-cms' });
  });

  it('derives message events with visibility and author, and flags edits of existing messages', () => {
    const message = outdent`
      ---
      date: 2026-11-27T10:15:00Z
      author:
        name: Anna Kit
        github: anna-kit
        role: supporter
        unit: ngi-de
      visibility: internal
      source: pull-request
      ---
      Site admin on leave.
    `;
    const events = commitEvents(commit(), [
      { path: 'tickets/165/165048/messages/20261127T101500Z-abcd1234.md', status: 'A', after: message },
      { path: 'tickets/165/165048/messages/20261126T101500Z-abcd1234.md', status: 'M' },
      { path: 'tickets/165/165048/files/log.txt', status: 'A' },
      { path: 'units/tpm.md', status: 'M' },
    ]);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ type: 'message-changed', change: 'edited' });
    expect(events[1]).toMatchObject({ type: 'message', visibility: 'internal', author: { name: 'Anna Kit', role: 'supporter', unit: 'ngi-de', github: 'anna-kit' }, source: 'pull-request' });
  });

  it('describes every event type in one line', () => {
    const events = commitEvents(commit({ Rule: 'r1' }), [{ path: INDEX, status: 'A', after: ticket('status: new\nunit: tpm') }]);
    expect(events.map(describeEvent)).toEqual(['created (USER, less urgent) for tpm via helpdesk@ggus.example: CMS jobs fail at FZK-LCG2', 'routed to tpm by rule r1']);
    const removed = commitEvents(commit(), [{ path: INDEX, status: 'D' }]);
    expect(removed.map(describeEvent)).toEqual(['ticket removed']);
  });
});
