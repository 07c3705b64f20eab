/**
 * Where `gitgus notify` left off, kept in the helpdesk repository itself on the ref `refs/gitgus/notify`:
 * a chain of small commits (outside every branch) whose tree holds one file, `state.json` (format:
 * lib/core/schema/notify.ts). Why a ref and not a file on `main` or a CI cache:
 *
 * - the repository is the database: a clone (or CI with `git fetch origin 'refs/gitgus/*:refs/gitgus/*'`)
 *   has it, and `git push origin refs/gitgus/notify` publishes it; a CI cache can be evicted, and then
 *   everything since `--since` would be mailed again;
 * - it never touches `main`: no commit to race intake's pushes, no push event to trigger workflows;
 * - updates are compare-and-swap (`git update-ref <ref> <new> <old>`), so two runs cannot both win;
 * - its log is the audit trail of notification runs (`git log refs/gitgus/notify`).
 */
import type { z } from 'zod';
import { parseWithFriendlyErrors } from '../core/friendly-errors.ts';
import { NOTIFY_STATE_EXAMPLE, NotifyStateSchema, type NotifyState } from '../core/schema/notify.ts';
import { GitgusError } from '../errors.ts';
import { faultPoint } from '../fault.ts';
import { runGit } from '../git/native.ts';

export const NOTIFY_REF = 'refs/gitgus/notify';
const STATE_FILE = 'state.json';

export interface StoredState<T = NotifyState> {
  state: T;
  /** The state commit the ref pointed at when read: the compare-and-swap base of the next write. */
  ref: string;
}

/** A JSON state kept on a ref outside every branch (notify's, the interfaces'): its format and its words. */
export interface StateRef<T> {
  ref: string;
  schema: z.ZodType<T>;
  example: string;
  /** Who writes it, for the messages: `gitgus notify`. */
  writer: string;
  /** The commit message of one write. */
  describe(state: T): string;
}

/** The current state on `spec.ref`, or undefined before the first write. */
export function readStateRef<T>(dir: string, spec: StateRef<T>): StoredState<T> | undefined {
  const ref = runGit(dir, ['rev-parse', '--verify', '--quiet', `${spec.ref}^{commit}`], { allowFailure: true });
  if (ref.status !== 0) return undefined;
  const oid = ref.stdout.trim();
  const where = `${spec.ref}:${STATE_FILE}`;
  const text = runGit(dir, ['cat-file', 'blob', `${oid}:${STATE_FILE}`]).stdout;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new GitgusError('E_NOTIFY_STATE', `${where} is not JSON`, { hint: `Remove it with \`git update-ref -d ${spec.ref}\` and run ${spec.writer} again (gitgus notify: with --since <last notified commit>).` });
  }
  return { state: parseWithFriendlyErrors(spec.schema, data, where, spec.example), ref: oid };
}

/**
 * Records a new state as a commit on the ref, refusing when the ref moved since `base` was read
 * (another run won; this one must stop rather than overwrite it). Returns the new state commit.
 */
export function writeStateRef<T>(dir: string, spec: StateRef<T>, state: T, base: string | undefined, identity: { name: string; email: string }): string {
  const json = `${JSON.stringify(parseWithFriendlyErrors(spec.schema, state, STATE_FILE, spec.example), null, 2)}\n`;
  const blob = runGit(dir, ['hash-object', '-w', '--stdin'], { input: json }).stdout.trim();
  const tree = runGit(dir, ['mktree'], { input: `100644 blob ${blob}\t${STATE_FILE}\n` }).stdout.trim();
  const who = ['-c', `user.name=${identity.name}`, '-c', `user.email=${identity.email}`];
  const commit = runGit(dir, [...who, 'commit-tree', tree, ...(base ? ['-p', base] : []), '-m', spec.describe(state)]).stdout.trim();
  faultPoint('state-written');
  const swap = runGit(dir, ['update-ref', '-m', spec.writer, spec.ref, commit, base ?? ''], { allowFailure: true });
  if (swap.status !== 0) {
    throw new GitgusError('E_NOTIFY_RACE', `${spec.ref} moved while notifying: another gitgus notify run is active`, {
      data: { expected: base },
      hint: 'Run notify from one job at a time (a CI concurrency group); the next run continues where the other stopped.',
    });
  }
  faultPoint('recorded');
  return commit;
}

const NOTIFY_STATE: StateRef<NotifyState> = {
  ref: NOTIFY_REF,
  schema: NotifyStateSchema,
  example: NOTIFY_STATE_EXAMPLE,
  writer: 'gitgus notify',
  describe: (state) => `notify state: notified up to ${state.lastCommit.slice(0, 12)}${state.partial ? ` (part of ${state.partial.commit.slice(0, 12)})` : ''}`,
};

/** The current state, or undefined before the first run. */
export function readNotifyState(dir: string): StoredState | undefined {
  return readStateRef(dir, NOTIFY_STATE);
}

/** Records a new notify state (compare-and-swap against `base`). */
export function writeNotifyState(dir: string, state: NotifyState, base: string | undefined, identity: { name: string; email: string }): string {
  return writeStateRef(dir, NOTIFY_STATE, state, base, identity);
}
