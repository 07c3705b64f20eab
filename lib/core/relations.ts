/**
 * Relations between tickets (docs/ggus.md §2.3), kept consistent on both sides. Pure: tickets in,
 * changed tickets out.
 * - master/slave (duplicates): only the master is worked on; slaves are put on hold, solving the master
 *   solves its slaves, and each slave gets a note saying so;
 * - parent/child: the parent is on hold until all its children are solved, then back in progress;
 * - related: symmetric cross references.
 */
import { GitgusError } from '../errors.ts';
import { isOpen, type Status, type Ticket } from './schema/ticket.ts';

export type RelationLink = 'master' | 'parent' | 'related';

type Relations = NonNullable<Ticket['relations']>;

/** Any ticket by number: a Map, or a loader that reads tickets from disk on demand. */
export type TicketLookup = Pick<ReadonlyMap<number, Ticket>, 'get' | 'has'>;

/** A status the relations imply for another ticket, with the note that tells its people why. */
export interface RelationEffect {
  ticket: number;
  from: Status;
  to: Status;
  note: string;
}

/** A public system note a relation puts on another ticket without changing its status (a master's update, a child's solution). */
export interface RelationNote {
  ticket: number;
  note: string;
}

interface RelationUpdate {
  /** Every ticket whose front-matter changes (both sides of a link, and status effects). */
  changed: Map<number, Ticket>;
  effects: RelationEffect[];
  /** Notes on tickets whose status stays (a slave told of its master's update, a parent given a child's solution). */
  notes: RelationNote[];
}

function label(number: number): string {
  return `#${number}`;
}

function sorted(numbers: Iterable<number>): number[] {
  return [...new Set(numbers)].sort((a, b) => a - b);
}

/** Writes `relations` with empty lists and absent links dropped, so files stay minimal. */
function withRelations(ticket: Ticket, relations: Relations): Ticket {
  const clean: Relations = {};
  if (relations.master !== undefined) clean.master = relations.master;
  if (relations.slaves?.length) clean.slaves = sorted(relations.slaves);
  if (relations.parent !== undefined) clean.parent = relations.parent;
  if (relations.children?.length) clean.children = sorted(relations.children);
  if (relations.related?.length) clean.related = sorted(relations.related);
  const next: Ticket = { ...ticket };
  if (Object.keys(clean).length > 0) next.relations = clean;
  else delete next.relations;
  return next;
}

class Workspace {
  readonly changed = new Map<number, Ticket>();
  readonly effects: RelationEffect[] = [];
  readonly notes: RelationNote[] = [];
  private readonly tickets: TicketLookup;
  constructor(tickets: TicketLookup) {
    this.tickets = tickets;
  }

  get(number: number): Ticket {
    const ticket = this.changed.get(number) ?? this.tickets.get(number);
    if (!ticket) throw new GitgusError('E_NOT_FOUND', `Could not find ticket ${label(number)}.`, { data: { ticket: number }, hint: 'Run `gitgus list` to see the ticket numbers.' });
    return ticket;
  }

  relations(number: number): Relations {
    return this.get(number).relations ?? {};
  }

  setRelations(number: number, relations: Relations): void {
    this.changed.set(number, withRelations(this.get(number), relations));
  }

  setStatus(number: number, to: Status, note: string, solution?: Ticket['solution']): void {
    const ticket = this.get(number);
    if (ticket.status === to) return;
    this.effects.push({ ticket: number, from: ticket.status, to, note });
    const next: Ticket = { ...ticket, status: to };
    if (solution) next.solution = solution;
    this.changed.set(number, next);
  }

  note(number: number, note: string): void {
    this.notes.push({ ticket: number, note });
  }

  result(): RelationUpdate {
    return { changed: this.changed, effects: this.effects, notes: this.notes };
  }
}

function refuse(message: string, hint: string): never {
  throw new GitgusError('E_RELATION', message, { hint });
}

/** The parent chain above `number` (its parent, grandparent, …). */
function ancestors(space: Workspace, number: number): number[] {
  const out: number[] = [];
  let current = space.relations(number).parent;
  while (current !== undefined && !out.includes(current)) {
    out.push(current);
    current = space.relations(current).parent;
  }
  return out;
}

function hasOpenChildren(space: Workspace, parent: number): boolean {
  return (space.relations(parent).children ?? []).some((child) => isOpen(space.get(child).status));
}

/**
 * Links `from` to `to`: `master` makes `from` a duplicate (slave) of `to`; `parent` makes `from` a child
 * of `to`; `related` is symmetric. Both sides are written, and the statuses the link implies: the slave
 * goes on hold, and the parent goes on hold while it has an open child.
 */
export function linkTickets(tickets: TicketLookup, from: number, kind: RelationLink, to: number): RelationUpdate {
  const space = new Workspace(tickets);
  if (from === to) refuse(`${label(from)} cannot be related to itself`, 'Give two different ticket numbers.');
  const a = space.get(from);
  space.get(to);
  const mine = space.relations(from);
  const theirs = space.relations(to);
  if (kind === 'related') {
    if (mine.related?.includes(to)) refuse(`${label(from)} is already related to ${label(to)}`, 'Nothing to do.');
    space.setRelations(from, { ...mine, related: [...(mine.related ?? []), to] });
    space.setRelations(to, { ...theirs, related: [...(theirs.related ?? []), from] });
    return space.result();
  }
  if (kind === 'master') {
    if (mine.master !== undefined) refuse(`${label(from)} is already a duplicate of ${label(mine.master)}`, `Remove that link first: gitgus relate ${from} --master ${mine.master} --remove`);
    if (theirs.master !== undefined) refuse(`${label(to)} is itself a duplicate of ${label(theirs.master)}`, `Use the master: gitgus relate ${from} --master ${theirs.master}`);
    if (mine.slaves?.length) refuse(`${label(from)} has duplicates of its own (${mine.slaves.map(label).join(', ')})`, `Mark them as duplicates of ${label(to)} first, or make ${label(to)} a duplicate of ${label(from)} instead.`);
    space.setRelations(from, { ...mine, master: to });
    space.setRelations(to, { ...theirs, slaves: [...(theirs.slaves ?? []), from] });
    if (isOpen(a.status)) space.setStatus(from, 'on hold', `This ticket is a duplicate of ${label(to)}; work continues there, and this ticket is solved with it.`);
    return space.result();
  }
  if (mine.parent !== undefined) refuse(`${label(from)} is already a child of ${label(mine.parent)}`, `Remove that link first: gitgus relate ${from} --parent ${mine.parent} --remove`);
  if (ancestors(space, to).includes(from)) refuse(`${label(to)} is a descendant of ${label(from)}: the link would make a cycle`, 'Choose a parent that is not below this ticket.');
  space.setRelations(from, { ...mine, parent: to });
  space.setRelations(to, { ...theirs, children: [...(theirs.children ?? []), from] });
  const parent = space.get(to);
  if (isOpen(a.status) && isOpen(parent.status) && parent.status !== 'on hold') {
    space.setStatus(to, 'on hold', `Child ticket ${label(from)} is open: this ticket is on hold until all its children are solved.`);
  }
  return space.result();
}

/**
 * Unmarks a master (GGUS "unmarking a master resets all its slaves"): every slave is freed on both sides
 * and an on-hold slave goes back to in progress, with a note saying why.
 */
export function unmarkMaster(tickets: TicketLookup, master: number): RelationUpdate {
  const space = new Workspace(tickets);
  const slaves = space.relations(master).slaves ?? [];
  if (slaves.length === 0) refuse(`${label(master)} is not a master: no ticket is marked as its duplicate`, 'Nothing to unmark.');
  for (const slave of slaves) {
    const { master: _master, ...rest } = space.relations(slave);
    space.setRelations(slave, rest);
    if (space.get(slave).status === 'on hold') space.setStatus(slave, 'in progress', `${label(master)} is no longer a master ticket: this ticket is no longer its duplicate and work on it resumes.`);
    else space.note(slave, `${label(master)} is no longer a master ticket: this ticket is no longer its duplicate.`);
  }
  const { slaves: _slaves, ...rest } = space.relations(master);
  space.setRelations(master, rest);
  return space.result();
}

/** Removes a link on both sides; a freed slave and a parent without open children resume (in progress). */
export function unlinkTickets(tickets: TicketLookup, from: number, kind: RelationLink, to: number): RelationUpdate {
  const space = new Workspace(tickets);
  const mine = space.relations(from);
  const theirs = space.relations(to);
  if (kind === 'related') {
    if (!mine.related?.includes(to)) refuse(`${label(from)} is not related to ${label(to)}`, 'Nothing to remove.');
    space.setRelations(from, { ...mine, related: (mine.related ?? []).filter((n) => n !== to) });
    space.setRelations(to, { ...theirs, related: (theirs.related ?? []).filter((n) => n !== from) });
    return space.result();
  }
  if (kind === 'master') {
    if (mine.master !== to) refuse(`${label(from)} is not a duplicate of ${label(to)}`, 'Nothing to remove.');
    const { master: _master, ...rest } = mine;
    space.setRelations(from, rest);
    space.setRelations(to, { ...theirs, slaves: (theirs.slaves ?? []).filter((n) => n !== from) });
    if (space.get(from).status === 'on hold') space.setStatus(from, 'in progress', `No longer a duplicate of ${label(to)}: work on this ticket resumes.`);
    return space.result();
  }
  if (mine.parent !== to) refuse(`${label(from)} is not a child of ${label(to)}`, 'Nothing to remove.');
  const { parent: _parent, ...rest } = mine;
  space.setRelations(from, rest);
  space.setRelations(to, { ...theirs, children: (theirs.children ?? []).filter((n) => n !== from) });
  if (space.get(to).status === 'on hold' && !hasOpenChildren(space, to)) space.setStatus(to, 'in progress', `${label(from)} is no longer a child and no child is open: back in progress.`);
  return space.result();
}

/**
 * What a status change of `number` (already applied in `tickets`) implies for related tickets:
 * solving (or leaving unsolved) a master does the same to its open slaves, with the master's solution;
 * when a child is solved and no sibling is open, an on-hold parent goes back to in progress; a reopened
 * child puts a working parent on hold again. Effects chain (a solved slave may be the last open child).
 */
export function statusEffects(tickets: TicketLookup, number: number, previous?: Status): RelationUpdate {
  const space = new Workspace(tickets);
  const queue = [number];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const current = queue.shift() as number;
    if (seen.has(current)) continue;
    seen.add(current);
    const ticket = space.get(current);
    const relations = ticket.relations ?? {};
    const finished = (ticket.status === 'solved' || ticket.status === 'unsolved') && ticket.solution !== undefined;
    // GGUS pushes a master's updates to its slaves: a status change that does not finish the master is
    // told to each slave (and through it to its submitter); finishing it solves them below.
    if (current === number && previous !== undefined && previous !== ticket.status && !finished) {
      for (const slave of relations.slaves ?? []) {
        if (isOpen(space.get(slave).status)) space.note(slave, `Update of the master ticket ${label(current)}: status ${previous} → ${ticket.status}.`);
      }
    }
    // Each child's solution is added to its parent (GGUS: "added to the parent history").
    if (finished && ticket.solution && relations.parent !== undefined && tickets.has(relations.parent) && (current !== number || previous === undefined || isOpen(previous))) {
      space.note(relations.parent, `Child ticket ${label(current)} is ${ticket.status} (${ticket.solution.qualifier}): ${ticket.solution.text}`);
    }
    if (finished && ticket.solution) {
      for (const slave of relations.slaves ?? []) {
        if (!isOpen(space.get(slave).status)) continue;
        const solution = { qualifier: ticket.solution.qualifier, text: `Solved with its master ${label(current)}: ${ticket.solution.text}` };
        space.setStatus(slave, ticket.status, `Master ticket ${label(current)} is ${ticket.status}; this duplicate is ${ticket.status} with it.\n\n${ticket.solution.text}`, solution);
        queue.push(slave);
      }
    }
    const parent = relations.parent;
    if (parent !== undefined && tickets.has(parent)) {
      const parentTicket = space.get(parent);
      if (!isOpen(ticket.status) && parentTicket.status === 'on hold' && !hasOpenChildren(space, parent)) {
        space.setStatus(parent, 'in progress', `All child tickets are solved (the last was ${label(current)}): back in progress.`);
      } else if (isOpen(ticket.status) && isOpen(parentTicket.status) && parentTicket.status !== 'on hold') {
        space.setStatus(parent, 'on hold', `Child ticket ${label(current)} is open again: this ticket is on hold until all its children are solved.`);
      }
    }
  }
  return space.result();
}

/** A relation that is not mirrored on the other ticket, or points nowhere. */
interface RelationProblem {
  ticket: number;
  field: string;
  message: string;
  hint: string;
}

const MIRROR: Record<'master' | 'slaves' | 'parent' | 'children', { other: 'master' | 'slaves' | 'parent' | 'children'; list: boolean; command: (a: number, b: number) => string }> = {
  master: { other: 'slaves', list: true, command: (a, b) => `gitgus relate ${a} --master ${b}` },
  slaves: { other: 'master', list: false, command: (a, b) => `gitgus relate ${b} --master ${a}` },
  parent: { other: 'children', list: true, command: (a, b) => `gitgus relate ${a} --parent ${b}` },
  children: { other: 'parent', list: false, command: (a, b) => `gitgus relate ${b} --parent ${a}` },
};

function listOf(relations: Relations, key: keyof Relations): number[] {
  const value = relations[key];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/**
 * Relations of the given tickets that the other side does not mirror, or that point to a missing ticket,
 * to the ticket itself, or around a cycle. `lookup` returns any ticket (changed or not); `only` limits
 * which links are checked (the pull-request check looks at the other tickets' links back only).
 */
export function checkRelationConsistency(numbers: Iterable<number>, lookup: (number: number) => Ticket | undefined, only?: (number: number, other: number) => boolean): RelationProblem[] {
  const problems: RelationProblem[] = [];
  for (const number of new Set(numbers)) {
    const ticket = lookup(number);
    if (!ticket) continue;
    const relations = ticket.relations ?? {};
    for (const key of ['master', 'slaves', 'parent', 'children', 'related'] as const) {
      for (const other of listOf(relations, key)) {
        if (only && !only(number, other)) continue;
        const field = `relations.${key}`;
        if (other === number) {
          problems.push({ ticket: number, field, message: `${label(number)} cannot be related to itself`, hint: `Remove ${number} from ${field}.` });
          continue;
        }
        const counterpart = lookup(other);
        if (!counterpart) {
          problems.push({ ticket: number, field, message: `names ticket ${label(other)}, which does not exist`, hint: `Remove ${other} from ${field}, or correct the number.` });
          continue;
        }
        const theirs = counterpart.relations ?? {};
        if (key === 'related') {
          if (!(theirs.related ?? []).includes(number)) {
            problems.push({
              ticket: number,
              field,
              message: `names ${label(other)}, but ${label(other)} does not list ${label(number)} in relations.related: a cross reference must be on both tickets`,
              hint: `Add ${number} to relations.related of ${label(other)} in the same change, or use: gitgus relate ${number} --related ${other}`,
            });
          }
          continue;
        }
        const mirror = MIRROR[key];
        const mirrored = mirror.list ? listOf(theirs, mirror.other).includes(number) : theirs[mirror.other] === number;
        if (!mirrored) {
          problems.push({
            ticket: number,
            field,
            message: `names ${label(other)}, but ${label(other)} does not have ${label(number)} in relations.${mirror.other}: the link is only on one side`,
            hint: `Set relations.${mirror.other} of ${label(other)} in the same change (${mirror.list ? `add ${number}` : `${mirror.other}: ${number}`}), or use: ${mirror.command(number, other)}`,
          });
        }
      }
    }
    if (relations.master !== undefined && lookup(relations.master)?.relations?.master !== undefined) {
      problems.push({
        ticket: number,
        field: 'relations.master',
        message: `names ${label(relations.master)}, which is itself a duplicate: masters cannot be chained`,
        hint: `Point relations.master at ${label(lookup(relations.master)?.relations?.master ?? relations.master)} instead.`,
      });
    }
    const seen = new Set<number>([number]);
    let parent = relations.parent;
    while (parent !== undefined) {
      if (seen.has(parent)) {
        problems.push({ ticket: number, field: 'relations.parent', message: `the parent chain of ${label(number)} comes back to ${label(parent)}: parents cannot form a cycle`, hint: 'Remove one of the parent links.' });
        break;
      }
      seen.add(parent);
      parent = lookup(parent)?.relations?.parent;
    }
  }
  return problems;
}

/** The tickets a relation change touches: the ones named before and after, on every link kind. */
export function relatedNumbers(before: Ticket['relations'], after: Ticket['relations']): number[] {
  const all = (relations: Ticket['relations']) => (['master', 'slaves', 'parent', 'children', 'related'] as const).flatMap((key) => listOf(relations ?? {}, key));
  return sorted([...all(before), ...all(after)]);
}
