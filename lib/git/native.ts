/**
 * Native git, gitgus's one Git implementation. isomorphic-git was dropped once nothing imported it: on a
 * helpdesk's size it read objects ~70× slower and one file's history in 12–200 s (docs/design.md §7,
 * docs/spike.md §4). Which Git path is for what:
 *   - writing: ONE path, lib/git/commit.ts — `git fast-import` builds blobs, trees and commits
 *     (fast-import.ts), then one `git update-ref <ref> <new> <old>` moves the branch, a compare-and-swap;
 *   - reading many objects: one long-lived `git cat-file --batch` (cat-file.ts);
 *   - history: one `git log` pass for every ticket (history-index.ts, cached per commit by history-cache.ts);
 *   - a checkout's files and a pull request's changes: `git ls-files` (tree-listing.ts), `git diff` (tree-diff.ts);
 *   - one-off questions (rev-parse, status, config, push): `runGit` here, a process per call.
 * Arguments are passed as an array, never through a shell.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { GitgusError, MissingDependencyError } from '../errors.ts';

export const GIT_INSTALL_HINT = 'Install git (Debian/Ubuntu: apt-get install -y git).';

export function runGit(dir: string, args: string[], options: { input?: string | Buffer; allowFailure?: boolean; maxBuffer?: number } = {}): { stdout: string; stderr: string; status: number } {
  const spawnOptions: SpawnSyncOptions = {
    cwd: dir,
    encoding: 'utf8',
    // Full-history logs of a large helpdesk run to hundreds of MB.
    maxBuffer: options.maxBuffer ?? 1024 * 1024 * 1024,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
  };
  if (options.input !== undefined) spawnOptions.input = options.input;
  const result = spawnSync('git', args, spawnOptions);
  if (result.error) {
    if ((result.error as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingDependencyError('git', GIT_INSTALL_HINT);
    throw new GitgusError('E_GIT', `git ${args[0]} failed: ${result.error.message}`, { cause: result.error });
  }
  const out = { stdout: String(result.stdout), stderr: String(result.stderr), status: result.status ?? 1 };
  if (out.status !== 0 && !options.allowFailure) {
    throw new GitgusError('E_GIT', `git ${args.join(' ')} failed: ${out.stderr.trim()}`, { data: { args, status: out.status } });
  }
  return out;
}

const gitDirs = new Map<string, string>();

/** The absolute `.git` directory of a checkout (a worktree's own), asked once per checkout. */
export function gitDir(dir: string): string {
  let found = gitDirs.get(dir);
  if (found === undefined) {
    found = runGit(dir, ['rev-parse', '--absolute-git-dir']).stdout.trim();
    gitDirs.set(dir, found);
  }
  return found;
}
