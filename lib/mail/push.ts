/**
 * Whether intake has somewhere to push: with a remote, "safe" means pushed (lib/git/push.ts pushes, and
 * never rebases a commit that minted a number).
 */
import { runGit } from '../git/native.ts';

export function hasRemote(root: string, remote = 'origin'): boolean {
  return runGit(root, ['remote'], { allowFailure: true })
    .stdout.split('\n')
    .map((line) => line.trim())
    .includes(remote);
}
