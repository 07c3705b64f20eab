/**
 * Making intake's commits safe before the source is told they are done: with a remote, "safe" means
 * pushed. Intake is the only writer that mints numbers, but supporters' pull requests land on the main
 * branch meanwhile, so a rejected push is rebased onto the remote tip and tried again.
 */
import { GitgusError } from '../errors.ts';
import { runGit } from '../git/native.ts';

export function hasRemote(root: string, remote = 'origin'): boolean {
  return runGit(root, ['remote'], { allowFailure: true }).stdout.split('\n').map((line) => line.trim()).includes(remote);
}

/** Pushes the current branch; on rejection fetches, rebases and retries. Throws E_PUSH when it cannot. */
export function pushBranch(root: string, options: { remote?: string; attempts?: number } = {}): void {
  const remote = options.remote ?? 'origin';
  const branch = runGit(root, ['symbolic-ref', '--short', 'HEAD']).stdout.trim();
  const attempts = options.attempts ?? 3;
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const push = runGit(root, ['push', '--quiet', remote, `HEAD:refs/heads/${branch}`], { allowFailure: true });
    if (push.status === 0) return;
    lastError = push.stderr.trim();
    const fetch = runGit(root, ['fetch', '--quiet', remote, branch], { allowFailure: true });
    if (fetch.status !== 0) throw new GitgusError('E_PUSH', `cannot reach ${remote}: ${fetch.stderr.trim()}`, { hint: 'The commits are kept locally; the messages stay unprocessed at their source and are retried next run.' });
    const rebase = runGit(root, ['rebase', '--quiet', 'FETCH_HEAD'], { allowFailure: true });
    if (rebase.status !== 0) {
      runGit(root, ['rebase', '--abort'], { allowFailure: true });
      throw new GitgusError('E_PUSH', `intake's commits conflict with ${remote}/${branch}: ${rebase.stderr.trim().split('\n')[0] ?? ''}`, {
        hint: `Resolve by hand (git pull --rebase in ${root}); the messages stay unprocessed at their source and are retried next run.`,
      });
    }
  }
  throw new GitgusError('E_PUSH', `push to ${remote} was rejected ${attempts} times: ${lastError}`, { hint: 'Try again later; nothing is lost.' });
}
