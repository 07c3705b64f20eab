/** Who someone is to a ticket: submitter, supporter of some unit, TPM. Pure. */
import type { Role } from './schema/message.ts';
import type { Ticket } from './schema/ticket.ts';
import type { Unit } from './schema/unit.ts';

export interface Identity {
  email?: string | undefined;
  github?: string | undefined;
  /**
   * GitHub's numeric user id. Logins can be renamed and then taken by someone else; the id stays with the
   * account. When both sides carry one, the ids decide and the logins are not compared.
   */
  githubId?: number | undefined;
}

function sameGitHub(a: Identity, b: Identity): boolean {
  if (a.githubId !== undefined && b.githubId !== undefined) return a.githubId === b.githubId;
  return a.github !== undefined && b.github !== undefined && a.github.toLowerCase() === b.github.toLowerCase();
}

export function sameIdentity(a: Identity, b: Identity): boolean {
  if (a.email && b.email && a.email.toLowerCase() === b.email.toLowerCase()) return true;
  return sameGitHub(a, b);
}

/** An entry of `administrators` in helpdesk.yml: a GitHub login, a numeric id, or both. */
type AdministratorEntry = string | number | { github?: string | undefined; id: number };

function administratorIdentity(entry: AdministratorEntry): Identity {
  if (typeof entry === 'string') return { github: entry };
  if (typeof entry === 'number') return { githubId: entry };
  return { github: entry.github, githubId: entry.id };
}

/** Whether `person` (a GitHub login, with its id when known) is one of the administrators. */
export function isAdministrator(administrators: readonly AdministratorEntry[], person: Identity): boolean {
  return administrators.some((entry) => sameGitHub(administratorIdentity(entry), { github: person.github, githubId: person.githubId }));
}

/** `@login`, or `GitHub user 583231` for an entry given by id alone. */
export function describeAdministrator(entry: AdministratorEntry): string {
  const identity = administratorIdentity(entry);
  return identity.github ? `@${identity.github}` : `GitHub user ${identity.githubId}`;
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
