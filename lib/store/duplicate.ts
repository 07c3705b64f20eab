/**
 * The write edge of `gitgus duplicate`: copies of a ticket for several units, numbered by intake's own
 * numbering (so only the main branch mints them, and the Message-ID index makes a rerun idempotent), one
 * commit per copy.
 */
import { duplicateMessageId, parseDuplicateUnits, planDuplicate } from '../core/duplicate.ts';
import { actorRoles } from '../core/lifecycle.ts';
import { GitgusError } from '../errors.ts';
import { actorTrailer, resolveActor } from '../git/identity.ts';
import { messageIdHash } from '../intake/index-store.ts';
import { IntakeSession } from '../intake/session.ts';
import { isoSeconds } from '../core/time.ts';

interface DuplicateOptions {
  root: string;
  number: number;
  /** `a,b,…` unit ids. */
  units: string;
  actor?: string | undefined;
  now?: Date;
}

interface DuplicateResult {
  original: number;
  copies: { unit: string; ticket: number; action: 'created' | 'existing'; commit?: string }[];
}

export async function duplicateTicket(options: DuplicateOptions): Promise<DuplicateResult> {
  const now = options.now ?? new Date();
  const session = IntakeSession.open(options.root, { mode: 'batch', now: () => now });
  // The session holds the writer lock from before its first read (IntakeSession.prepare) until close().
  try {
    const original = session.loadTicket(options.number);
    const actor = resolveActor(options.root, options.actor);
    const roles = actorRoles({ email: actor.email, github: actor.github }, original.ticket, session.units);
    if (!roles.has('supporter') && !roles.has('tpm')) {
      throw new GitgusError('E_FORBIDDEN', `only supporters and TPM duplicate tickets, and ${actor.github ?? actor.email} is a member of no unit`, { hint: 'Ask TPM to duplicate the ticket, or add yourself to a unit in units/.' });
    }
    if (original.ticket.relations?.master !== undefined) {
      throw new GitgusError('E_SLAVE', `#${options.number} is a duplicate (slave) of #${original.ticket.relations.master}: copy the master instead`, { hint: `gitgus duplicate ${original.ticket.relations.master} --units ${options.units}` });
    }
    const ids = parseDuplicateUnits(options.units, original.ticket, session.units);
    const actorText = actorTrailer(actor);
    const at = isoSeconds(now);
    const result: DuplicateResult = { original: options.number, copies: [] };
    for (const id of ids) {
      const messageId = duplicateMessageId(options.number, id);
      const existing = session.ticketOfMessageId(messageId);
      if (existing !== undefined) {
        result.copies.push({ unit: id, ticket: existing, action: 'existing' });
        continue;
      }
      const unit = session.units.find((candidate) => candidate.id === id);
      if (!unit) continue;
      const number = session.nextNumber();
      const originalNow = session.loadTicket(options.number);
      const messages = session.namedMessages(options.number);
      const listed = [...(originalNow.ticket.attachments ?? []), ...messages.flatMap(({ doc }) => doc.message.attachments ?? [])].map((attachment) => attachment.file);
      const files = new Map<string, Uint8Array>();
      for (const name of new Set(listed)) {
        const bytes = session.attachmentBytes(options.number, name);
        if (bytes) files.set(name, bytes);
      }
      const plan = planDuplicate(originalNow, unit, number, { now: at, helpdesk: session.settings.name, actor: actorText }, { messages, files });
      const idHash = messageIdHash(messageId);
      const committed = await session.commitChange(
        { action: 'created', ticket: number, reason: `copy of #${options.number} for ${id}`, flags: [], files: plan.files, indexEntry: { idHash, contentHash: idHash.slice(0, 16), outcome: number }, commit: plan.commit, minted: number },
        idHash.slice(0, 16),
      );
      result.copies.push({ unit: id, ticket: number, action: 'created', ...(committed.commit ? { commit: committed.commit } : {}) });
    }
    return result;
  } finally {
    session.close();
  }
}
