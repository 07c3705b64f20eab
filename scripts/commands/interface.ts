import { defineCommand } from 'citty';
import { interfacedUnits } from '../../lib/core/interface/mapping.ts';
import { interfaceStatus, type InterfaceStatus } from '../../lib/core/interface/status.ts';
import { ExitError, GitgusError, ValidationError } from '../../lib/errors.ts';
import { readInterfaceState } from '../../lib/notify/interface-state.ts';
import { loadTickets, loadUnits } from '../../lib/store/load.ts';
import { commonArgs, helpdeskRoot, printJson } from '../_shared.ts';

/** The status of one unit's interface, read from the checkout and refs/gitgus/interface. */
export function interfaceStatusOf(root: string, unitId: string): InterfaceStatus {
  const units = loadUnits(root);
  if (units.problems.length > 0) throw new ValidationError(units.problems);
  const all = units.items.map((item) => item.unit);
  const unit = interfacedUnits(all).find((u) => u.id === unitId);
  if (!unit) {
    const known = interfacedUnits(all).map((u) => u.id);
    const exists = all.some((u) => u.id === unitId);
    throw new GitgusError('E_INTERFACE_UNIT', exists ? `unit '${unitId}' has no interface (units/${unitId}.md has no interface: block)` : `there is no unit '${unitId}'`, {
      hint: known.length > 0 ? `Units with an interface: ${known.join(', ')}.` : 'No unit has an interface yet; see README "Connecting a unit\'s own helpdesk".',
    });
  }
  const tickets = loadTickets(root, { messages: true });
  return interfaceStatus(
    unit,
    tickets.items.map((t) => ({ ticket: t.ticket, messages: t.messages ?? [] })),
    readInterfaceState(root)?.state,
  );
}

function render(status: InterfaceStatus): string {
  const lines = [`${status.unit}: ${status.name} (${status.system}, ${status.address}) — ${status.linked.length} linked ticket(s), ${status.pendingCount} pending, ${status.failedCount} failed mail(s)`];
  for (const t of status.linked) {
    lines.push(`  #${t.number} ${t.status} ${t.remoteId ? `⇄ ${status.system} #${t.remoteId}` : '⇄ (no remote number yet)'}  sent ${t.lastSent ?? 'never'}, received ${t.lastReceived ?? 'never'}  ${t.title}`);
    if (t.pending) lines.push(`      pending: ${t.pending}`);
    for (const f of t.failed) lines.push(`      failed ${f.kind} mail (${f.attempts} attempt(s) since ${f.firstFailed}, last ${f.lastTried}): ${f.error}`);
  }
  return `${lines.join('\n')}\n`;
}

const status = defineCommand({
  meta: {
    name: 'status',
    description: "Which tickets are linked to a unit's own helpdesk, when each last synced each way, and what is pending or failed and why.\n\nExamples:\n  gitgus interface status ngi-cz\n  gitgus interface status ngi-cz --json",
  },
  args: {
    unit: { type: 'positional', description: 'Unit id (a file in units/ with an interface: block)', required: true },
    ...commonArgs,
  },
  run({ args }) {
    const result = interfaceStatusOf(helpdeskRoot(args.root), args.unit);
    if (args.json) printJson(result);
    else process.stdout.write(render(result));
    // Failures are reported, never dropped: a non-zero exit lets a scheduled job raise them.
    if (result.failedCount > 0) throw new ExitError(3);
  },
});

export default defineCommand({
  meta: { name: 'interface', description: "A unit's interface to its own helpdesk (units/<id>.md interface:). Mails go out with gitgus notify and come back through gitgus intake." },
  subCommands: { status },
});
