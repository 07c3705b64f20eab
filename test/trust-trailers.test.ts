/**
 * Issue 15 point 4: commit trailers are believed only from the helpdesk's own writers (commits whose
 * committer is the helpdesk's `sender`: intake, GitHub intake, tick, notify). A supporter's commit that
 * says `Actor: <the submitter>` solves a ticket: history puts the change on the supporter, notify still
 * mails the submitter the solution; and a pull request may not commit as the helpdesk itself.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeTicket } from '../lib/core/documents.ts';
import { ticketIndexPath } from '../lib/core/paths.ts';
import { readTicketEvents } from '../lib/git/history-index.ts';
import { checkPullRequest } from '../lib/store/pull-request.ts';
import { notify } from '../scripts/commands/notify.ts';
import { git, makeSmallHelpdesk } from './helpers.ts';
import { ticket } from './notify-fixtures.ts';
import { commitAt, head, makeNotifyHelpdesk, useSmtpSink } from './notify-helpers.ts';

const sink = useSmtpSink();

/** A commit made with the git CLI as `who`, with the message (and its trailers) as written. */
function commitAs(dir: string, who: { name: string; email: string }, message: string): void {
  git(dir, ['add', '-A']);
  git(dir, ['-c', `user.name=${who.name}`, '-c', `user.email=${who.email}`, 'commit', '-q', '--author', `${who.name} <${who.email}>`, '-m', message]);
}

describe('trailers are trusted only from the helpdesk’s own writers', () => {
  it('an Actor: naming the submitter in a supporter’s commit is ignored by history and notify', async () => {
    const dir = makeNotifyHelpdesk();
    await commitAt(dir, 165048, 'ngi-de', { ticket: ticket({ status: 'in progress' }), at: '2026-12-01T09:00:00Z' });
    const base = head(dir);
    const solved = ticket({ status: 'solved', solution: { qualifier: 'fixed', text: 'Renewed the proxy.' } });
    writeFileSync(path.join(dir, ticketIndexPath(165048)), serializeTicket({ ticket: solved, body: 'Since Monday all CMS pilot jobs fail with "proxy expired".' }));
    commitAs(dir, { name: 'Anna Kit', email: 'anna@kit.test' }, '#165048 status: in progress → solved\n\nTicket: 165048\nUnit: ngi-de\nActor: Jane Doe <jane@uni.test>\nRule: made-up-rule\n');

    const events = (await readTicketEvents(dir, { since: base })).get(165048) ?? [];
    expect(events.map((e) => e.type)).toContain('status');
    expect(new Set(events.map((e) => `${e.actor.name} ${e.actor.email ?? ''}`))).toEqual(new Set(['Anna Kit anna@kit.test']));

    const before = sink().received.length;
    const result = await notify({ root: dir, since: base, env: sink().env });
    expect(result.sent.map((mail) => mail.kind)).toContain('solution');
    const toSubmitter = sink()
      .received.slice(before)
      .filter((mail) => mail.to.includes('jane@uni.test'));
    expect(toSubmitter).toHaveLength(1);

    // The helpdesk's own commits keep their trailers: committed as its sender, the Actor is the mail's sender.
    writeFileSync(path.join(dir, ticketIndexPath(165048)), serializeTicket({ ticket: { ...solved, status: 'verified' }, body: 'Since Monday all CMS pilot jobs fail with "proxy expired".' }));
    commitAs(dir, { name: 'gitgus intake', email: 'noreply@ggus.test' }, '#165048 status: solved → verified by mail from Jane Doe (submitter)\n\nTicket: 165048\nActor: Jane Doe <jane@uni.test> (mail)\n');
    const later = (await readTicketEvents(dir, { since: 'HEAD~1' })).get(165048) ?? [];
    expect(later.find((e) => e.type === 'status')?.actor).toMatchObject({ name: 'Jane Doe', email: 'jane@uni.test' });
  });

  it('a pull request may not commit as the helpdesk itself', async () => {
    const { dir } = makeSmallHelpdesk();
    git(dir, ['switch', '-q', '-c', 'pr']);
    writeFileSync(path.join(dir, 'units/README.md'), 'changed\n');
    commitAs(dir, { name: 'gitgus intake', email: 'noreply@ggus.example' }, 'looks like intake\n\nActor: Jan Novák <jan@uni.example> (mail)\n');
    const result = await checkPullRequest({ root: dir, base: 'main', head: 'HEAD', author: 'tpm-shifter' });
    expect(result.problems.map((p) => p.code)).toEqual(['E_WRITER_IDENTITY']);
    expect(result.problems[0]?.message).toBe('is made as the helpdesk itself (noreply@ggus.example): only intake, tick and notify commit as the helpdesk, and history believes their trailers');
  });
});
