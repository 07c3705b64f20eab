import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, git, makeSmallHelpdesk, runGitgus, withRemote } from './helpers.ts';

afterAll(cleanupTemps);

const mail = (id: string, subject: string) => `From: Jane Doe <jane.doe@uni.example>\nTo: helpdesk@ggus.example\nSubject: ${subject}\nMessage-ID: <${id}@uni.example>\nDate: Fri, 27 Nov 2026 09:59:00 +0000\n\nAll jobs fail.\n`;

describe('mail intake and a refused push', () => {
  it('drops its own commits, takes the mail in again on the new tip, and never rebases the commit that minted a number', () => {
    // One ticket, numbered from 1001: intake mints #1002 next.
    const root = makeSmallHelpdesk([{ status: 'assigned' }], { numberingStart: 1001 }).dir;
    const { remote, other } = withRemote(root);

    // Another intake run (another checkout) mints the next number and pushes first.
    const first = runGitgus(['intake', '--root', other, '--push', '--json'], { input: mail('race.1', 'Jobs fail at DESY-HH') });
    expect(first.stderr).not.toContain('error');
    expect(JSON.parse(first.stdout)).toMatchObject({ action: 'created', ticket: 1002 });
    const otherCommit = git(other, ['rev-parse', 'HEAD']).trim();

    // This checkout is behind: it mints 1002 too, its push is refused, and it starts again on the new tip.
    const second = runGitgus(['intake', '--root', root, '--push', '--json'], { input: mail('race.2', 'Transfers time out at RAL') });
    expect(second.status).toBe(0);
    const lines = second.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ action: 'created', ticket: 1003 });

    expect(git(remote, ['fsck', '--strict'])).toBe('');
    expect(git(remote, ['merge-base', '--is-ancestor', otherCommit, 'main'])).toBe('');
    expect(git(remote, ['rev-parse', 'main~1']).trim()).toBe(otherCommit);
    expect(git(remote, ['show', 'main:tickets/1/1002/index.md'])).toContain('title: Jobs fail at DESY-HH');
    expect(git(remote, ['show', 'main:tickets/1/1003/index.md'])).toContain('title: Transfers time out at RAL');
    expect(git(root, ['rev-parse', 'HEAD']).trim()).toBe(git(remote, ['rev-parse', 'main']).trim());
    expect(git(root, ['status', '--porcelain'])).toBe('');
  });
});
