/** Who someone is to a ticket: submitter, supporter of some unit, TPM. Pure. */
import type { Role } from './schema/message.ts';
import type { Ticket } from './schema/ticket.ts';
import type { Unit } from './schema/unit.ts';

export interface Identity {
  email?: string | undefined;
  github?: string | undefined;
}

export function sameIdentity(a: Identity, b: Identity): boolean {
  if (a.email && b.email && a.email.toLowerCase() === b.email.toLowerCase()) return true;
  if (a.github && b.github && a.github.toLowerCase() === b.github.toLowerCase()) return true;
  return false;
}

/** Units the person is a member of. */
export function unitsOf<U extends Pick<Unit, 'members'>>(person: Identity, units: readonly U[]): U[] {
  return units.filter((unit) => unit.members.some((member) => sameIdentity(member, person)));
}

export function roleOf(person: Identity, ticket: Ticket, units: readonly Unit[]): { role: Role; unit?: string } {
  const memberOf = unitsOf(person, units);
  const tpm = memberOf.find((unit) => unit.family === 'tpm');
  if (tpm) return { role: 'tpm', unit: tpm.id };
  const responsible = memberOf.find((unit) => unit.id === ticket.unit) ?? memberOf[0];
  if (responsible) return { role: 'supporter', unit: responsible.id };
  if (sameIdentity(ticket.submitter, person)) return { role: 'submitter' };
  return { role: 'other' };
}
