/**
 * Pushing commits that minted ticket numbers. Such a commit is never rebased: a number is only known to be
 * free on the tip it was minted on. When the remote moved meanwhile, the push is refused, this run's own
 * commits are dropped (the checkout goes back to the remote tip), and the caller runs its intake again on
 * the new tip — the inputs (issues, unacknowledged mail) are still where they came from, and idempotency
 * keys make the rerun skip what the other writer already imported.
 */
import { GitgusError } from '../errors.ts';
import { runGit } from './native.ts';

export function headCommit(root: string): string {
  return runGit(root, ['rev-parse', 'HEAD']).stdout.trim();
}

/**
 * Pushes HEAD to the current branch on `remote`. Returns `pushed`, or `rejected` after resetting the checkout
 * to the remote's new tip (only when that discards nothing but commits made since `start`, on a clean
 * working tree; otherwise it throws E_PUSH and leaves everything as it is).
 */
export function pushOrDiscard(root: string, start: string, remote = 'origin'): 'pushed' | 'rejected' {
  const branch = runGit(root, ['symbolic-ref', '--short', 'HEAD']).stdout.trim();
  const push = runGit(root, ['push', '--quiet', '--porcelain', remote, `HEAD:refs/heads/${branch}`], { allowFailure: true });
  if (push.status === 0) return 'pushed';
  const fetch = runGit(root, ['fetch', '--quiet', remote, branch], { allowFailure: true });
  if (fetch.status !== 0) {
    throw new GitgusError('E_PUSH', `cannot push to or fetch from ${remote}: ${(push.stderr || fetch.stderr).trim().split('\n')[0] ?? ''}`, {
      hint: 'Nothing is lost: the next run imports the same items again.',
    });
  }
  const tip = runGit(root, ['rev-parse', 'FETCH_HEAD']).stdout.trim();
  if (runGit(root, ['merge-base', '--is-ancestor', start, tip], { allowFailure: true }).status !== 0) {
    throw new GitgusError('E_PUSH', `the push to ${remote}/${branch} was refused, and this checkout had commits of its own before the run`, {
      hint: `Push or drop them first (git log ${remote}/${branch}..${start.slice(0, 12)}); intake never rebases a commit that minted a ticket number.`,
    });
  }
  if (runGit(root, ['status', '--porcelain', '--untracked-files=no']).stdout.trim() !== '') {
    throw new GitgusError('E_PUSH', `the push to ${remote}/${branch} was refused and the working tree has uncommitted changes`, {
      hint: 'Commit or stash them; intake then starts again on the new tip.',
    });
  }
  runGit(root, ['reset', '--quiet', '--hard', tip]);
  return 'rejected';
}
