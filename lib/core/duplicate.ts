/**
 * GGUS "Duplicate ticket" (docs/ggus.md §2.3): a ticket copied to several support units at once, at
 * most 15 copies, each a new ticket of its own unit, cross-referenced with the original on both sides.
 * The copy keeps the submitter, subject, request, VO, site, priority and type; it is a new ticket for its
 * unit (created now, status assigned).
 *
 * As in GGUS (D-SSG), the copy also carries the original's internal diary and its attachments: each internal
 * note is copied under its own file name (so it keeps its date and stays internal), and each attachment the
 * request, a public message or a copied note lists is written again as a file of the copy's own `files/`.
 * A copy rather than a link to the original's folder because every path a ticket names must stay inside
 * its own folder (the check, the site and the path guards rely on it), and the copy must survive the
 * original being edited; Git stores identical bytes as one blob, so the repository does not grow by it.
 * Attachments of the original's public messages (which are not copied) are listed on the copy's public
 * system note; attachments of internal notes stay on the internal notes, never on a public file.
 *
 * Pure: the original and the numbers in, the files to write out. Numbers are minted by the caller through
 * intake's numbering (main branch only), and each copy has a synthetic Message-ID so a rerun finds the
 * copies it already made instead of making them twice.
 */
import { GitgusError } from '../errors.ts';
import type { CommitMessage } from './commit-message.ts';
import { serializeMessage, serializeTicket, type MessageDoc, type TicketDoc } from './documents.ts';
import { filesDir, messageFileName, messagesDir, shortHash, ticketIndexPath } from './paths.ts';
import type { Message } from './schema/message.ts';
import type { Ticket } from './schema/ticket.ts';
import type { Unit } from './schema/unit.ts';

/** GGUS allowed up to 15 copies of one ticket. */
export const MAX_DUPLICATES = 15;

/** The synthetic Message-ID of the copy of `original` for `unit`: the idempotency key of the copy. */
export function duplicateMessageId(original: number, unit: string): string {
  return `duplicate.${original}.${unit}@gitgus.invalid`;
}

/** The unit ids of `--units a,b,…`, checked: known, no repeats, not the original's own unit, at most 15. */
export function parseDuplicateUnits(text: string, original: Ticket, units: readonly Pick<Unit, 'id'>[]): string[] {
  const ids = text
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  if (ids.length === 0) throw new GitgusError('E_ARGUMENT', '--units names no unit', { hint: 'example: gitgus duplicate 165048 --units ngi-de,dcache' });
  const unknown = ids.filter((id) => !units.some((unit) => unit.id === id));
  if (unknown.length > 0)
    throw new GitgusError('E_UNKNOWN_UNIT', `there is no unit ${unknown.map((id) => `'${id}'`).join(', ')} (no file in units/)`, {
      hint: `known units: ${units
        .map((u) => u.id)
        .sort()
        .join(', ')}`,
    });
  const repeated = ids.filter((id, index) => ids.indexOf(id) !== index);
  if (repeated.length > 0) throw new GitgusError('E_ARGUMENT', `--units names ${[...new Set(repeated)].join(', ')} more than once`, { hint: 'Name each unit once: one copy per unit.' });
  if (ids.includes(original.unit)) throw new GitgusError('E_ARGUMENT', `#${original.number} is already at ${original.unit}: a copy for its own unit would be a second ticket for the same people`, { hint: `Leave ${original.unit} out of --units.` });
  if (ids.length > MAX_DUPLICATES) throw new GitgusError('E_TOO_MANY_DUPLICATES', `${ids.length} copies asked for, at most ${MAX_DUPLICATES} are made (as in GGUS)`, { hint: `Name at most ${MAX_DUPLICATES} units, and duplicate again for the rest.` });
  return ids;
}

interface DuplicatePlan {
  copy: Ticket;
  files: { path: string; content: string | Uint8Array }[];
  commit: CommitMessage;
}

/**
 * The files of one copy: its `index.md`, a public system note saying what it is, and the original's
 * `index.md` with the cross reference added (`originalNow` is the original as earlier copies left it).
 */
/** What the copy carries from the original: its message files by name, and the bytes of its attachments. */
interface DuplicateCarry {
  messages: readonly { name: string; doc: MessageDoc }[];
  /** `files/` name → bytes; an attachment listed but missing here is left out (the check reports it on the original). */
  files: ReadonlyMap<string, Uint8Array>;
}

export function planDuplicate(originalNow: TicketDoc, unit: Pick<Unit, 'id' | 'name'>, number: number, context: { now: string; helpdesk: string; actor: string }, carry: DuplicateCarry = { messages: [], files: new Map() }): DuplicatePlan {
  const original = originalNow.ticket;
  const present = (list: Message['attachments']): NonNullable<Message['attachments']> => (list ?? []).filter((attachment) => carry.files.has(attachment.file));
  const internalNotes = carry.messages.filter(({ doc }) => doc.message.visibility === 'internal');
  const publicAttachments = carry.messages.filter(({ doc }) => doc.message.visibility !== 'internal').flatMap(({ doc }) => present(doc.message.attachments));
  const requestAttachments = present(original.attachments);
  const carried = new Set([...requestAttachments, ...publicAttachments, ...internalNotes.flatMap(({ doc }) => present(doc.message.attachments))].map((attachment) => attachment.file));
  const copy: Ticket = {
    number,
    title: original.title,
    status: 'assigned',
    priority: original.priority,
    originalPriority: original.originalPriority ?? original.priority,
    type: original.type,
    category: original.category,
    issue: original.issue,
    unit: unit.id,
    ...(original.vo ? { vo: original.vo } : {}),
    ...(original.site ? { site: original.site } : {}),
    submitter: original.submitter,
    ...(original.cc?.length ? { cc: original.cc } : {}),
    notify: original.notify,
    ...(requestAttachments.length > 0 ? { attachments: requestAttachments } : {}),
    created: context.now,
    source: { kind: 'cli', messageId: duplicateMessageId(original.number, unit.id) },
    relations: { related: [original.number] },
  };
  const related = [...new Set([...(original.relations?.related ?? []), number])].sort((a, b) => a - b);
  const originalAfter: Ticket = { ...original, relations: { ...(original.relations ?? {}), related } };
  const note = `This ticket is a copy of #${original.number} for ${unit.name} (${unit.id}), made by ${context.actor}. The original and the other copies are cross-referenced.`;
  const notePath = `${messagesDir(number)}/${messageFileName(context.now, shortHash(`${number}:${note}`))}`;
  const noteMessage: Message = { date: context.now, author: { name: context.helpdesk, role: 'system' }, visibility: 'public', source: 'system', ...(publicAttachments.length > 0 ? { attachments: publicAttachments } : {}) };
  const notes = internalNotes.map(({ name, doc }) => {
    const file = `${messagesDir(number)}/${name}`;
    const attachments = present(doc.message.attachments);
    const { attachments: _dropped, ...rest } = doc.message;
    const message: Message = { ...rest, visibility: 'internal', ...(attachments.length > 0 ? { attachments } : {}) };
    return { path: file, content: serializeMessage({ message, body: doc.body }, file) };
  });
  const files = [...carried].sort().map((name) => ({ path: `${filesDir(number)}/${name}`, content: carry.files.get(name) as Uint8Array }));
  return {
    copy,
    files: [
      { path: ticketIndexPath(number), content: serializeTicket({ ticket: copy, body: originalNow.body }, ticketIndexPath(number)) },
      { path: notePath, content: serializeMessage({ message: noteMessage, body: note }, notePath) },
      ...notes,
      ...files,
      { path: ticketIndexPath(original.number), content: serializeTicket({ ticket: originalAfter, body: originalNow.body }, ticketIndexPath(original.number)) },
    ],
    commit: {
      subject: `#${number} new ticket: copy of #${original.number} for ${unit.id}`,
      body: `Duplicated from #${original.number} (GGUS "duplicate ticket"); cross-referenced on both tickets.`,
      trailers: { Ticket: String(number), Unit: unit.id, Actor: context.actor, Event: 'duplicate', Related: String(original.number) },
    },
  };
}
