import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatActor } from '../lib/core/actor.ts';
import { formatCommitMessage, parseCommitMessage, parseTrailers } from '../lib/core/commit-message.ts';
import { commitChanges, publishCommits } from '../lib/git/commit.ts';
import { FastImportWriter } from '../lib/git/fast-import.ts';
import { ticketHistory } from '../lib/git/history.ts';
import { cleanupTemps, git, makeSmallHelpdesk } from './helpers.ts';

afterAll(cleanupTemps);

const author = { name: 'Alice Smith', email: 'alice@kit.example' };
/** The write path and the history readers need tickets, not the example's: #1001–#1004 of a small helpdesk. */
const FOUR_TICKETS = [{}, {}, {}, {}];

describe('commits through the one native write path (fast-import + update-ref) are valid for the git CLI', () => {
  it('commits a change set with a structured subject and trailers; git fsck is clean; git log -- <ticket> shows it', async () => {
    const { dir } = makeSmallHelpdesk(FOUR_TICKETS);
    const before = git(dir, ['rev-parse', 'HEAD']).trim();
    const oid = await commitChanges({
      dir,
      changes: [
        { path: 'tickets/1/1001/messages/20261127T101500Z-abcdef12.md', content: '---\ndate: 2026-11-27T10:15:00Z\nauthor:\n  name: Alice\n  role: supporter\nvisibility: public\nsource: cli\n---\nHello\n' },
        { path: 'tickets/1/1001/files/log.txt', content: Buffer.from([0, 1, 2, 255]) },
      ],
      message: { subject: '#1001 message from alice', trailers: { Ticket: '1001', Unit: 'ngi-de', Actor: 'alice (GitHub)' } },
      author,
    });
    expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(oid);
    expect(git(dir, ['rev-parse', 'HEAD~1']).trim()).toBe(before);
    expect(git(dir, ['fsck', '--strict', '--no-progress'])).toBe('');
    // The working tree and the index agree with the commit.
    expect(git(dir, ['status', '--porcelain'])).toBe('');
    expect(readFileSync(path.join(dir, 'tickets/1/1001/files/log.txt'))).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(git(dir, ['log', '--format=%H', '--', 'tickets/1/1001']).trim().split('\n')[0]).toBe(oid);
    expect(git(dir, ['log', '-1', '--format=%(trailers:key=Ticket,valueonly)%(trailers:key=Actor,valueonly)']).trim()).toBe('1001\nalice (GitHub)');
    expect(git(dir, ['log', '-1', '--format=%an <%ae>']).trim()).toBe('Alice Smith <alice@kit.example>');
    expect(git(dir, ['show', '--name-status', '--format=', 'HEAD']).trim().split('\n').sort()).toEqual(['A\ttickets/1/1001/files/log.txt', 'A\ttickets/1/1001/messages/20261127T101500Z-abcdef12.md']);
  });

  it('deletes files and prunes empty folders', async () => {
    // #1001 with two attachments in files/, listed on its message.
    const { dir } = makeSmallHelpdesk(
      [
        {
          status: 'on hold',
          messages: [
            {
              date: '2026-11-03T10:00:00Z',
              text: 'Logs attached.',
              attachments: [
                { file: 'ce-log.txt', size: 4, type: 'text/plain' },
                { file: 'job.jdl', size: 4, type: 'text/plain' },
              ],
            },
          ],
        },
      ],
      { files: { 'tickets/1/1001/files/ce-log.txt': 'log\n', 'tickets/1/1001/files/job.jdl': 'jdl\n' } },
    );
    const files = git(dir, ['ls-files', 'tickets/1/1001/files']).trim().split('\n');
    expect(files).toEqual(['tickets/1/1001/files/ce-log.txt', 'tickets/1/1001/files/job.jdl']);
    await commitChanges({ dir, changes: files.map((file) => ({ path: file, content: null })), message: { subject: 'drop files', trailers: {} }, author });
    expect(git(dir, ['ls-files', 'tickets/1/1001/files']).trim()).toBe('');
    expect(existsSync(path.join(dir, 'tickets/1/1001/files'))).toBe(false);
    expect(git(dir, ['fsck', '--strict', '--no-progress'])).toBe('');
    expect(git(dir, ['status', '--porcelain'])).toBe('');
  });

  it('keeps unrelated staged work of the user out of the commit', async () => {
    const { dir } = makeSmallHelpdesk(FOUR_TICKETS);
    git(dir, ['rm', '-q', '--cached', 'units/osg.md']);
    await commitChanges({ dir, changes: [{ path: 'tickets/1/1002/files/a.txt', content: 'a' }], message: { subject: 'x', trailers: {} }, author });
    expect(git(dir, ['ls-tree', '--name-only', 'HEAD', 'units/osg.md']).trim()).toBe('units/osg.md');
    // Still staged as the user left it: deleted from the index, present as an untracked file.
    expect(git(dir, ['status', '--porcelain']).trim()).toBe('D  units/osg.md\n?? units/osg.md');
  });

  it('refuses paths that leave the repository and empty change sets', async () => {
    const { dir } = makeSmallHelpdesk(FOUR_TICKETS);
    const head = git(dir, ['rev-parse', 'HEAD']).trim();
    await expect(commitChanges({ dir, changes: [{ path: 'tickets/../../evil', content: 'x' }], message: { subject: 'x', trailers: {} }, author })).rejects.toMatchObject({ code: 'E_PATH_ESCAPE' });
    await expect(commitChanges({ dir, changes: [{ path: '/etc/passwd', content: 'x' }], message: { subject: 'x', trailers: {} }, author })).rejects.toMatchObject({ code: 'E_PATH_ESCAPE' });
    await expect(commitChanges({ dir, changes: [], message: { subject: 'x', trailers: {} }, author })).rejects.toMatchObject({ code: 'E_NOTHING_TO_COMMIT' });
    const same = readFileSync(path.join(dir, 'units/tpm.md'), 'utf8');
    await expect(commitChanges({ dir, changes: [{ path: 'units/tpm.md', content: same }], message: { subject: 'x', trailers: {} }, author })).rejects.toMatchObject({ code: 'E_NOTHING_TO_COMMIT' });
    expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(head);
  });

  it('reads the history of one ticket with native git, trailers parsed', async () => {
    const { dir } = makeSmallHelpdesk(FOUR_TICKETS);
    for (const subject of ['#1003 status: assigned → in progress', '#1003 message from alice']) {
      await commitChanges({
        dir,
        changes: [{ path: `tickets/1/1003/files/${subject.length}.txt`, content: subject }],
        message: { subject, trailers: { Ticket: '1003', Actor: 'alice (GitHub)' } },
        author,
        date: new Date('2026-11-27T10:00:00Z'),
      });
    }
    const history = ticketHistory(dir, 1003);
    expect(history.map((c) => c.subject)).toEqual(['#1003 message from alice', '#1003 status: assigned → in progress', 'small helpdesk']);
    expect(history[0]?.trailers).toEqual({ Ticket: '1003', Actor: 'alice (GitHub)' });
    expect(history[0]?.date).toBe('2026-11-27T10:00:00Z');
    expect(ticketHistory(dir, 1004).map((c) => c.subject)).toEqual(['small helpdesk']);
  });
});

describe('commit messages', () => {
  it('format and parse round-trip; control characters cannot forge trailers', () => {
    const text = formatCommitMessage({ subject: '#1 title\nTicket: 999', trailers: { Ticket: '1', Actor: 'x\ny: z' } });
    expect(text).toBe('#1 title Ticket: 999\n\nTicket: 1\nActor: x y: z\n');
    expect(parseCommitMessage(text)).toEqual({ subject: '#1 title Ticket: 999', trailers: { Ticket: '1', Actor: 'x y: z' } });
  });
});

describe('one trailer reader for both history readers', () => {
  it('ticketHistory (the whole message) and the history index (Git’s trailer output) read the same trailers from every writer’s commits', async () => {
    const { dir } = makeSmallHelpdesk(FOUR_TICKETS);
    // The trailer shapes the writers produce: git/identity (CLI), core/intake/decide (mail), core/github/issue.
    const messages = [
      { subject: '#1003 reply by alice', trailers: { Ticket: '1003', Unit: 'ngi-de', Actor: formatActor({ name: 'Alice Smith', email: 'alice@kit.example' }), Event: 'message' } },
      { subject: '#1003 mail from Jane', body: 'A body paragraph.\n\nAnother: with a colon.', trailers: { Ticket: '1003', Actor: formatActor({ name: 'Jane Doe', email: 'jane.doe@uni.example' }, 'mail'), Event: 'message', Intake: 'mail' } },
      { subject: '#1003 created from issue', trailers: { Ticket: '1003', Unit: 'ngi-de', Actor: formatActor({ github: 'octocat' }), Event: 'created', Intake: 'github', Rule: 'site: FZK-LCG2 → ngi-de' } },
    ];
    for (const [i, message] of messages.entries()) {
      await commitChanges({ dir, changes: [{ path: `tickets/1/1003/files/${i}.txt`, content: String(i) }], message, author, date: new Date(`2026-11-27T10:0${i}:00Z`) });
    }
    const history = ticketHistory(dir, 1003).slice(0, messages.length);
    const fromGit = git(dir, ['log', `-${messages.length}`, '--format=%(trailers:only,unfold)%x1e', '--', 'tickets/1/1003'])
      .split('\x1e')
      .slice(0, messages.length)
      .map((block) => parseTrailers(block.trim()));
    const written = [...messages].reverse().map((message) => message.trailers);
    expect(history.map((commit) => commit.trailers)).toEqual(written);
    expect(fromGit).toEqual(written);
    expect(history[1]?.body).toBe('A body paragraph.\n\nAnother: with a colon.');
  });
});

describe('the branch moves only by compare-and-swap', () => {
  it('refuses to publish commits built on a tip that has moved, and moves nothing', async () => {
    const { dir } = makeSmallHelpdesk(FOUR_TICKETS);
    const writer = FastImportWriter.start(dir);
    writer.commit({ changes: [{ path: 'tickets/1/1001/files/a.txt', content: 'a' }], message: { subject: 'a', trailers: {} }, author, date: new Date('2026-11-27T10:00:00Z') });
    const [tip] = await writer.close();
    // fast-import wrote objects only: no ref points at the new commit yet.
    expect(git(dir, ['for-each-ref', '--contains', tip as string]).trim()).toBe('');
    await commitChanges({ dir, changes: [{ path: 'tickets/1/1001/files/b.txt', content: 'b' }], message: { subject: 'another writer', trailers: {} }, author });
    const moved = git(dir, ['rev-parse', 'HEAD']).trim();
    expect(() => publishCommits(dir, { ref: writer.ref, parent: writer.parent, tip: tip as string, files: new Map([['tickets/1/1001/files/a.txt', 'a']]), reason: 'test' })).toThrow(expect.objectContaining({ code: 'E_GIT_RACE' }) as Error);
    expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(moved);
    expect(existsSync(path.join(dir, 'tickets/1/1001/files/a.txt'))).toBe(false);
    expect(git(dir, ['status', '--porcelain'])).toBe('');
    const gitDir = git(dir, ['rev-parse', '--absolute-git-dir']).trim();
    expect(existsSync(path.join(gitDir, 'gitgus-intent'))).toBe(false);
    expect(existsSync(path.join(gitDir, 'gitgus.lock'))).toBe(false);
  });
});
