/**
 * The one loader of `units/routing.yml`, for the CLI, the check and both intakes. It reads the file only
 * (no commit layer, no Git process), so an MTA-pipe intake run still starts in well under a second.
 */
import { existsSync } from 'node:fs';
import { checkRoutingRules, parseRoutingRules, ROUTING_FILE } from '../core/routing.ts';
import type { RoutingRule } from '../core/schema/routing.ts';
import type { Settings } from '../core/schema/settings.ts';
import { ValidationError, type Problem } from '../errors.ts';
import { resolveInside } from '../fs/paths.ts';
import { readText } from './load.ts';

/** The routing rules of a checkout; none when `units/routing.yml` does not exist (GGUS's defaults apply). */
export function loadRoutingRules(root: string): RoutingRule[] {
  if (!existsSync(resolveInside(root, ROUTING_FILE))) return [];
  return parseRoutingRules(readText(root, ROUTING_FILE), ROUTING_FILE);
}

/** Problems of `units/routing.yml`: its schema, and units, VOs and sites it names that the helpdesk lacks. */
export function routingFileProblems(root: string, settings: Settings, unitIds: ReadonlySet<string>): Problem[] {
  try {
    return checkRoutingRules(loadRoutingRules(root), settings, unitIds);
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
}
