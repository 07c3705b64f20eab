/**
 * The interface mails' state on `refs/gitgus/interface` (format: lib/core/schema/interface-state.ts), kept
 * like notify's own state (lib/notify/state.ts): in the repository, outside every branch, compare-and-swap.
 */
import { INTERFACE_STATE_EXAMPLE, InterfaceStateSchema, type InterfaceState, type LinkState } from '../core/schema/interface-state.ts';
import { readStateRef, writeStateRef, type StateRef, type StoredState } from './state.ts';

const INTERFACE_REF = 'refs/gitgus/interface';

const SPEC: StateRef<InterfaceState> = {
  ref: INTERFACE_REF,
  schema: InterfaceStateSchema,
  example: INTERFACE_STATE_EXAMPLE,
  writer: 'gitgus notify',
  describe: (state) => {
    const failed = Object.values(state.tickets)
      .flatMap((units) => Object.values(units))
      .reduce((sum, link) => sum + link.failed.length, 0);
    return `interface state: ${Object.keys(state.tickets).length} linked tickets, ${failed} failed mails`;
  },
};

export function readInterfaceState(dir: string): StoredState<InterfaceState> | undefined {
  return readStateRef(dir, SPEC);
}

export function writeInterfaceState(dir: string, state: InterfaceState, base: string | undefined, identity: { name: string; email: string }): string {
  return writeStateRef(dir, SPEC, state, base, identity);
}

/** The link state of one ticket and unit, created empty when missing. */
export function linkOf(state: InterfaceState, ticket: number, unit: string): LinkState {
  const units = (state.tickets[String(ticket)] ??= {});
  return (units[unit] ??= { sent: 0, failed: [] });
}
