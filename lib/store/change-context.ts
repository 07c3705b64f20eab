/**
 * Who a command's change is by and what the lifecycle needs to judge it: the helpdesk's settings and units,
 * the commit's actor, and the person (or the helpdesk itself) whose rights count.
 *
 * `withChangeContext` is how every writer of tickets starts (reply, set, assign, status, relate, route,
 * tick, notify; intake and duplicate through their session): the checkout's writer lock FIRST, then the
 * reads. Taking the lock repairs what a killed writer left (lib/git/guard.ts: a branch that moved while
 * the work tree did not follow), so every read after it sees what is committed. Taken later, by the
 * commit, a command read the stale work tree and committed from it: tick applied a rule twice, `set`
 * wrote an interrupted change's field back to its old value (issue 12). lib/git/commit.ts refuses a commit
 * whose own lock had to repair the checkout, so a writer that forgets this fails loudly instead.
 */
import type { Identity } from '../core/people.ts';
import type { Settings } from '../core/schema/settings.ts';
import type { Unit } from '../core/schema/unit.ts';
import { ValidationError } from '../errors.ts';
import { guardCheckout } from '../git/guard.ts';
import { resolveActor, type Actor } from '../git/identity.ts';
import { loadSettings, loadUnits } from './load.ts';

/** `--actor system`: the helpdesk's own jobs (intake, routing in CI, the time-driven rules). */
export const SYSTEM_ACTOR = 'system';

export interface ChangeContext {
  root: string;
  settings: Settings;
  units: Unit[];
  /** Who the commit is by. */
  actor: Actor;
  /** Who the lifecycle judges: a person, or the helpdesk itself. */
  person: Identity | 'system';
  /** What taking the writer lock cleaned up after a killed writer, one line each (empty without the lock). */
  repairs: string[];
}

/** The context read as the checkout is now, without the writer lock: for commands that only read (route --explain). */
function loadChangeContext(root: string, actorText: string | undefined): ChangeContext {
  const settings = loadSettings(root);
  const units = loadUnits(root);
  if (units.problems.length > 0) throw new ValidationError(units.problems);
  if (actorText?.trim() === SYSTEM_ACTOR) {
    return { root, settings, units: units.items.map((doc) => doc.unit), actor: { name: settings.name, email: settings.sender }, person: 'system', repairs: [] };
  }
  const actor = resolveActor(root, actorText);
  return { root, settings, units: units.items.map((doc) => doc.unit), actor, person: { email: actor.email, github: actor.github }, repairs: [] };
}

interface ChangeOptions {
  /** What the lock file names as its holder (`gitgus set`). */
  what: string;
  /** false: read without the lock (a dry run writes nothing, and so repairs nothing either). */
  lock?: boolean;
}

/**
 * Runs `work` under the checkout's writer lock, taken (and a killed writer's leftovers repaired) before
 * anything is read; the lock is released however `work` ends. Nested calls in one process share the lock.
 *
 * @example await withChangeContext(root, 'alice', { what: 'gitgus set' }, (context) => commitPlan(context, new TicketStore(root), plan, options));
 */
export async function withChangeContext<T>(root: string, actorText: string | undefined, options: ChangeOptions, work: (context: ChangeContext) => Promise<T>): Promise<T> {
  if (options.lock === false) return work(loadChangeContext(root, actorText));
  const guard = guardCheckout(root, options.what);
  try {
    const context = loadChangeContext(root, actorText);
    context.repairs.push(...guard.notes);
    return await work(context);
  } finally {
    guard.release();
  }
}
