/**
 * Pushing commits that minted ticket numbers. Such a commit is never rebased: a number is only known to be
 * free on the tip it was minted on. When the remote moved meanwhile, the push is refused, this run's own
 * commits are dropped (catchUp: the checkout goes to the remote's new tip), and the caller runs its intake again on
 * the new tip — the inputs (issues, unacknowledged mail) are still where they came from, and idempotency
 * keys make the rerun skip what the other writer already imported.
 */
import { GitgusError } from '../errors.ts';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { faultPoint } from '../fault.ts';
import { gitDir, runGit } from './native.ts';

export function headCommit(root: string): string {
  return runGit(root, ['rev-parse', 'HEAD']).stdout.trim();
}

/**
 * `git push --porcelain` lines that mean another writer moved the branch: `[rejected]` (not a fast-forward
 * of what the remote holds), or `[remote rejected] (failed to update ref)` — two pushes passed the remote's
 * fast-forward check at the same moment and the second lost the ref lock (seen with 4 workers over
 * `git http-backend`). A hook declining (`[remote rejected] (pre-receive hook declined)`) is not a race.
 */
const REFUSED_BY_A_RACE = /^!\t[^\t\n]*\t(\[rejected\]|\[remote rejected\] \((failed to update ref|failed to lock|cannot lock ref)[^\n]*\))/m;

/**
 * Pushes HEAD to the current branch on `remote`: `pushed`, or `rejected` when the remote refused it
 * because its branch moved (the caller then waits and calls `catchUp`). Any other failure (no network, a
 * hook declining) throws E_PUSH. A refusal is read from `--porcelain`'s `!` line rather than confirmed by a
 * fetch here: `catchUp` fetches anyway, and one fetch less per refusal was a third of a refused round's
 * time over HTTP (bench/contention.ts).
 */
export function tryPush(root: string, remote = 'origin'): 'pushed' | 'rejected' {
  const branch = runGit(root, ['symbolic-ref', '--short', 'HEAD']).stdout.trim();
  faultPoint('push');
  const push = runGit(root, ['push', '--quiet', '--porcelain', remote, `HEAD:refs/heads/${branch}`], { allowFailure: true });
  if (push.status === 0) return 'pushed';
  if (REFUSED_BY_A_RACE.test(push.stdout)) return 'rejected';
  const reason = (push.stderr.trim() || push.stdout.trim()).split('\n')[0] ?? '';
  throw new GitgusError('E_PUSH', `cannot push to ${remote}/${branch}: ${reason}`, {
    hint: 'Nothing is lost: the next run imports the same items again.',
  });
}

/**
 * Moves a clean checkout to the remote's newest tip after a refused push, dropping only commits made
 * since `start` — those whose input is still unacknowledged at its source, so it is taken in again on the
 * new tip. Anything else in the way (commits from before the run, a remote rewritten under it, uncommitted
 * changes) throws E_PUSH and leaves everything as it is.
 */
export function catchUp(root: string, start: string, remote = 'origin'): void {
  const branch = runGit(root, ['symbolic-ref', '--short', 'HEAD']).stdout.trim();
  const fetch = runGit(root, ['fetch', '--quiet', remote, branch], { allowFailure: true });
  if (fetch.status !== 0) throw new GitgusError('E_PUSH', `cannot fetch from ${remote}: ${fetch.stderr.trim().split('\n')[0] ?? ''}`, { hint: 'Nothing is lost: the next run imports the same items again.' });
  const tip = runGit(root, ['rev-parse', 'FETCH_HEAD']).stdout.trim();
  if (tip === headCommit(root)) return;
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
}

const UNACKNOWLEDGED = 'gitgus-unacknowledged';

/**
 * The commit after which this checkout's commits hold input still unacknowledged at its source (mail not
 * flagged, issues behind the cursor). A run writes it before it commits and moves it after each
 * acknowledgement; a run killed in between leaves it, and the next run may then drop those commits when
 * its push is refused — their input is still at the source and is taken in again. Without it, a kill
 * between commit and push left commits that no later run could push or drop.
 */
export function unacknowledgedSince(root: string): string {
  const file = path.join(gitDir(root), UNACKNOWLEDGED);
  const head = headCommit(root);
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(stored) && runGit(root, ['merge-base', '--is-ancestor', stored, head], { allowFailure: true }).status === 0) return stored;
  }
  markAcknowledged(root, head);
  return head;
}

/** Everything up to `commit` is acknowledged at its source (or pushed); later commits are not. */
export function markAcknowledged(root: string, commit: string): void {
  const file = path.join(gitDir(root), UNACKNOWLEDGED);
  writeFileSync(`${file}.tmp`, `${commit}\n`);
  renameSync(`${file}.tmp`, file);
}

/** The run ended with everything acknowledged. */
export function clearUnacknowledged(root: string): void {
  rmSync(path.join(gitDir(root), UNACKNOWLEDGED), { force: true });
}
