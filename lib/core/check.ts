/**
 * Whole-tree rules that no single file's schema can see: shard/number agreement, unique numbers,
 * references to units and tickets, attachments that exist. Pure: data in, problems out.
 */
import type { Problem } from '../errors.ts';
import type { UnitDoc } from './documents.ts';
import type { Ticket } from './schema/ticket.ts';
import { parseTicketPath, shardOf, ticketDir } from './paths.ts';
import type { Settings } from './schema/settings.ts';

/**
 * The fields of a ticket the whole-tree rules look at: what the check's verdict cache keeps
 * (lib/store/check-verdict.ts). A rule that needs another field adds it here and there.
 */
export type CheckedTicketFields = Pick<Ticket, 'number' | 'unit' | 'status' | 'solution' | 'relations' | 'remote'>;

export interface CheckInput {
  settings: Settings;
  units: (UnitDoc & { path: string })[];
  tickets: {
    ticket: CheckedTicketFields;
    path: string;
    messages?: { file: string; message: { attachments?: { file: string }[] | undefined } }[];
    files?: string[];
  }[];
}

const SETTINGS_FILE = 'helpdesk.yml';

export function checkHelpdesk(input: CheckInput): Problem[] {
  const problems: Problem[] = [];
  const unitIds = new Set(input.units.map((doc) => doc.unit.id));
  const knownUnits = [...unitIds].sort().join(', ');

  for (const [index, intake] of input.settings.intake.entries()) {
    if (!unitIds.has(intake.unit)) {
      problems.push({ code: 'E_REFERENCE', file: SETTINGS_FILE, field: `intake.${index}.unit`, message: `names unit '${intake.unit}', which has no file in units/`, hint: `known units: ${knownUnits}` });
    }
  }
  for (const [site, unit] of Object.entries(input.settings.sites)) {
    if (!unitIds.has(unit)) problems.push({ code: 'E_REFERENCE', file: SETTINGS_FILE, field: `sites.${site}`, message: `names unit '${unit}', which has no file in units/`, hint: `known units: ${knownUnits}` });
  }
  if (!input.units.some((doc) => doc.unit.family === 'tpm')) {
    problems.push({ code: 'E_NO_TPM', file: 'units', message: 'no unit of family tpm: tickets that match no routing rule need a TPM unit', hint: 'Add units/tpm.md with family: tpm.' });
  }

  // An interface is mail to another helpdesk: its addresses must not be ours or a unit's list (a loop in one hop).
  const ownAddresses = new Set([input.settings.sender, ...input.settings.intake.map((entry) => entry.address)].map((a) => a.toLowerCase()));
  for (const doc of input.units) {
    const iface = doc.unit.interface;
    if (!iface) continue;
    for (const address of [iface.address, ...iface.from, ...iface.internalFrom]) {
      if (ownAddresses.has(address))
        problems.push({ code: 'E_INTERFACE', file: doc.path, field: 'interface', message: `names ${address}, an address of this helpdesk itself: mail would loop`, hint: "Give the remote helpdesk's own intake and sender addresses." });
    }
    for (const address of iface.internalFrom) {
      if (!iface.from.includes(address) && iface.from.length > 0)
        problems.push({ code: 'E_INTERFACE', file: doc.path, field: 'interface.internalFrom', message: `${address} is not in interface.from`, hint: 'List every address the remote writes from in interface.from.' });
    }
  }
  const interfaced = new Set(input.units.filter((doc) => doc.unit.interface).map((doc) => doc.unit.id));

  const byNumber = new Map<number, string>();
  const numbers = new Set(input.tickets.map((doc) => doc.ticket.number));
  for (const doc of input.tickets) {
    const { ticket } = doc;
    const location = parseTicketPath(doc.path);
    const expectedDir = ticketDir(ticket.number);
    if (!location || `${expectedDir}/index.md` !== doc.path) {
      const hint =
        location && location.number === ticket.number && location.shard !== shardOf(ticket.number) ? `The shard is the number divided by 1000: move the folder to ${expectedDir}/.` : `Move the ticket to ${expectedDir}/ or correct the number.`;
      problems.push({ code: 'E_TICKET_PATH', file: doc.path, field: 'number', message: `is ${ticket.number}, which belongs in ${expectedDir}/`, hint });
    }
    const previous = byNumber.get(ticket.number);
    if (previous !== undefined) {
      problems.push({ code: 'E_DUPLICATE_NUMBER', file: doc.path, field: 'number', message: `#${ticket.number} is also used by ${previous}: ticket numbers must be unique`, hint: 'Only intake mints numbers; remove the copy.' });
    } else {
      byNumber.set(ticket.number, doc.path);
    }
    if (!unitIds.has(ticket.unit)) {
      problems.push({ code: 'E_REFERENCE', file: doc.path, field: 'unit', message: `names unit '${ticket.unit}', which has no file in units/`, hint: `known units: ${knownUnits}` });
    }
    if (ticket.remote && !interfaced.has(ticket.remote.unit)) {
      problems.push({ code: 'E_REFERENCE', file: doc.path, field: 'remote.unit', message: `names unit '${ticket.remote.unit}', which has no interface`, hint: `units with an interface: ${[...interfaced].sort().join(', ') || 'none'}` });
    }
    if ((ticket.status === 'solved' || ticket.status === 'unsolved') && !ticket.solution) {
      problems.push({ code: 'E_SOLUTION', file: doc.path, field: 'solution', message: `is required when the status is ${ticket.status}`, hint: 'example:\nsolution:\n  qualifier: fixed\n  text: The CE was restarted.' });
    }
    const relations = ticket.relations ?? {};
    const referenced: [string, number][] = [
      ...(relations.master === undefined ? [] : [['relations.master', relations.master] as [string, number]]),
      ...(relations.parent === undefined ? [] : [['relations.parent', relations.parent] as [string, number]]),
      ...(relations.slaves ?? []).map((n) => ['relations.slaves', n] as [string, number]),
      ...(relations.children ?? []).map((n) => ['relations.children', n] as [string, number]),
      ...(relations.related ?? []).map((n) => ['relations.related', n] as [string, number]),
    ];
    for (const [field, number] of referenced) {
      if (number === ticket.number) problems.push({ code: 'E_RELATION', file: doc.path, field, message: 'a ticket cannot be related to itself' });
      else if (!numbers.has(number)) problems.push({ code: 'E_REFERENCE', file: doc.path, field, message: `names ticket #${number}, which does not exist` });
    }
    if (doc.messages && doc.files) {
      const files = new Set(doc.files);
      for (const message of doc.messages) {
        for (const attachment of message.message.attachments ?? []) {
          if (!files.has(attachment.file)) {
            problems.push({ code: 'E_MISSING_FILE', file: `${ticketDir(ticket.number)}/messages/${message.file}`, field: 'attachments', message: `lists ${attachment.file}, which is not in files/` });
          }
        }
      }
    }
  }
  return problems;
}
