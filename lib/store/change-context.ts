/**
 * Who a command's change is by and what the lifecycle needs to judge it: the helpdesk's settings and units,
 * the commit's actor, and the person (or the helpdesk itself) whose rights count.
 */
import type { Identity } from '../core/people.ts';
import type { Settings } from '../core/schema/settings.ts';
import type { Unit } from '../core/schema/unit.ts';
import { ValidationError } from '../errors.ts';
import { resolveActor, type Actor } from '../git/identity.ts';
import { loadSettings, loadUnits } from './load.ts';

/** `--actor system`: the helpdesk's own jobs (intake, routing in CI, the time-driven rules). */
const SYSTEM_ACTOR = 'system';

export interface ChangeContext {
  root: string;
  settings: Settings;
  units: Unit[];
  /** Who the commit is by. */
  actor: Actor;
  /** Who the lifecycle judges: a person, or the helpdesk itself. */
  person: Identity | 'system';
}

export function loadChangeContext(root: string, actorText: string | undefined): ChangeContext {
  const settings = loadSettings(root);
  const units = loadUnits(root);
  if (units.problems.length > 0) throw new ValidationError(units.problems);
  if (actorText?.trim() === SYSTEM_ACTOR) {
    return { root, settings, units: units.items.map((doc) => doc.unit), actor: { name: settings.name, email: settings.sender }, person: 'system' };
  }
  const actor = resolveActor(root, actorText);
  return { root, settings, units: units.items.map((doc) => doc.unit), actor, person: { email: actor.email, github: actor.github } };
}
