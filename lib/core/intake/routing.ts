/**
 * The unit a new mail ticket starts with. A stand-in until the routing rules (lib/core/routing.ts) land:
 * the unit configured for the intake address the mail came to (helpdesk@ → TPM, vo-user-support@ →
 * TPM VO, per the seed's model). Called from exactly one place (decide.ts), so swapping in the real
 * router is a one-line change there.
 */
import type { Settings } from '../schema/settings.ts';

export interface InitialRouting {
  unit: string;
  /** Why, for the commit body. */
  reason: string;
}

export function initialRouting(intakeAddress: string, settings: Pick<Settings, 'intake'>): InitialRouting {
  const entry = settings.intake.find((candidate) => candidate.address === intakeAddress.toLowerCase()) ?? settings.intake[0];
  if (!entry) throw new RangeError('settings name no intake address');
  return { unit: entry.unit, reason: `intake address ${entry.address} routes to ${entry.unit}` };
}
