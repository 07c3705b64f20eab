/**
 * The write edge shared by `gitgus assign`, `status`, `relate`, `route` and `set`: judge a planned change
 * with the same rules as the pull-request check, and commit every touched ticket (both sides of a relation,
 * slaves solved with their master, notes) as ONE commit.
 */
import type { Trailers } from '../core/commit-message.ts';
import { describeChanges, messageFile, ticketFile, type FieldChange } from '../core/edit.ts';
import { actorRoles, changedFields, checkTicketChange, withImpliedChanges, type ActorRole, type LifecycleViolation } from '../core/lifecycle.ts';
import { roleOf } from '../core/people.ts';
import { statusEffects, type RelationEffect, type RelationNote } from '../core/relations.ts';
import type { Ticket } from '../core/schema/ticket.ts';
import { GitgusError, ValidationError, type Problem } from '../errors.ts';
import type { FileChange } from '../git/commit.ts';
import type { ChangeContext } from './change-context.ts';
import { commitTicketChange } from './ticket-change.ts';
import { TicketStore } from './ticket-store.ts';
import { isoSeconds } from '../core/time.ts';

/** A change to one or more tickets, before it is judged and committed. */
interface TicketPlan {
  /** The ticket the command is about: its unit goes in the `Unit:` trailer. */
  primary: number;
  /** The new state of every ticket that changes. */
  after: Map<number, Ticket>;
  /** Statuses the relations imply: the helpdesk's own changes, each noted on its ticket. */
  effects: RelationEffect[];
  /** Notes the relations put on tickets whose status stays (a master's update on its slaves, a child's solution on its parent). */
  notes?: RelationNote[];
  /** Messages the command adds (a reply, and its copies on the master's slaves). */
  messages?: { ticket: number; file: { path: string; content: string } }[];
}

/** A lifecycle problem keeps its rule's code, so a command can refuse with it (E_SLAVE, E_FROZEN, …). */
type CodedProblem = Problem & { code: LifecycleViolation['code'] };

function toProblems(file: string, violations: LifecycleViolation[]): CodedProblem[] {
  return violations.map((violation) => ({ code: violation.code, file, field: violation.field, message: violation.message, hint: violation.hint }));
}

/**
 * Every lifecycle rule the plan breaks for the context's actor. A status a relation implies (a slave put
 * on hold, a parent resumed) is judged as the system's; everything else as the actor's.
 */
function planProblems(context: ChangeContext, store: TicketStore, plan: TicketPlan): CodedProblem[] {
  const problems: CodedProblem[] = [];
  for (const [number, after] of plan.after) {
    const doc = store.doc(number);
    const before = doc.ticket;
    const roles = actorRoles(context.person, before, context.units);
    const effect = plan.effects.find((candidate) => candidate.ticket === number);
    if (effect && after.status === effect.to) {
      const byActor: Ticket = { ...after, status: before.status };
      if (before.solution) byActor.solution = before.solution;
      else delete byActor.solution;
      problems.push(...toProblems(doc.path, checkTicketChange(before, byActor, roles)));
      problems.push(...toProblems(doc.path, checkTicketChange(byActor, after, new Set<ActorRole>(['system']))));
    } else {
      problems.push(...toProblems(doc.path, checkTicketChange(before, after, roles)));
    }
  }
  return problems;
}

interface CommitPlanOptions {
  subject: string;
  event: string;
  body?: string;
  trailers?: Trailers;
  now?: Date;
  /** A public message by the actor on the primary ticket in the same commit (the question of "waiting for reply"). */
  message?: string | undefined;
}

/** Judges the plan and commits it; nothing is written when any rule is broken. */
export async function commitPlan(context: ChangeContext, store: TicketStore, plan: TicketPlan, options: CommitPlanOptions): Promise<{ commit: string; files: string[] }> {
  const problems = planProblems(context, store, plan);
  const slave = problems.find((problem) => problem.code === 'E_SLAVE');
  // A duplicate's refusal is one rule with one fix (work on the master), not a list of field problems.
  if (slave) throw new GitgusError('E_SLAVE', `${slave.file}: ${slave.message}`, { hint: slave.hint, data: { file: slave.file, field: slave.field } });
  if (problems.length > 0) throw new ValidationError(problems);
  const files: FileChange[] = [];
  for (const [number, after] of plan.after) {
    if (changedFields(store.doc(number).ticket, after).length === 0) continue;
    const file = ticketFile({ ticket: after, body: store.doc(number).body });
    files.push({ path: file.path, content: file.content });
  }
  const date = isoSeconds(options.now ?? new Date());
  for (const effect of [...plan.effects, ...(plan.notes ?? [])]) {
    const note = messageFile(effect.ticket, {
      message: { date, author: { name: context.settings.name, role: 'system' }, visibility: 'public', source: 'system' },
      body: effect.note,
    });
    files.push({ path: note.path, content: note.content });
  }
  for (const message of plan.messages ?? []) files.push(message.file);
  if (options.message !== undefined && options.message.trim() !== '') {
    const person = context.person === 'system' ? undefined : context.person;
    const { role, unit } = person ? roleOf(person, store.doc(plan.primary).ticket, context.units) : { role: 'system' as const, unit: undefined };
    const author = { name: context.actor.name, ...(context.actor.github ? { github: context.actor.github } : context.actor.email ? { email: context.actor.email } : {}), role, ...(unit ? { unit } : {}) };
    const file = messageFile(plan.primary, { message: { date, author, visibility: 'public', source: 'cli' }, body: options.message });
    files.push({ path: file.path, content: file.content });
  }
  if (files.length === 0) throw new GitgusError('E_NO_CHANGE', `#${plan.primary} already has these values; nothing to commit`);
  const primary = plan.after.get(plan.primary) ?? store.doc(plan.primary).ticket;
  const effectLines = plan.effects.map((effect) => `#${effect.ticket} ${effect.from} → ${effect.to}`);
  const body = [options.body, effectLines.length > 0 ? `Also: ${effectLines.join('; ')} (ticket relations).` : undefined].filter(Boolean).join('\n\n');
  const commit = await commitTicketChange({
    dir: context.root,
    number: plan.primary,
    unit: primary.unit,
    subject: options.subject,
    ...(body ? { body } : {}),
    event: options.event,
    actor: context.actor,
    files,
    ...(options.trailers ? { trailers: options.trailers } : {}),
    ...(options.now ? { date: options.now } : {}),
  });
  return { commit, files: files.map((file) => file.path) };
}

interface TicketEditOptions {
  number: number;
  /** The ticket as the edit leaves it (already schema-valid). */
  after: Ticket;
  /** The order the commit subject names the fields in (the order they were given); others follow. */
  fields?: readonly string[];
  event: string;
  now?: Date;
}

/**
 * A field edit (`gitgus set`) through the lifecycle: what the change implies (a new unit sets assigned),
 * what the ticket's relations imply (a solved master solves its slaves), the actor's rights; one commit.
 * `context` comes from withChangeContext: the tickets are read under the writer lock.
 */
export async function commitTicketEdit(context: ChangeContext, options: TicketEditOptions): Promise<{ commit: string; changes: FieldChange[] }> {
  const store = new TicketStore(context.root);
  const before = store.doc(options.number).ticket;
  const after = withImpliedChanges(before, options.after);
  const lookup = { get: (n: number) => (n === options.number ? after : store.get(n)), has: (n: number) => n === options.number || store.has(n) };
  const update = after.status === before.status ? { changed: new Map<number, Ticket>(), effects: [], notes: [] } : statusEffects(lookup, options.number, before.status);
  const order = (field: string) => {
    const index = options.fields?.indexOf(field) ?? -1;
    return index < 0 ? Number.MAX_SAFE_INTEGER : index;
  };
  const changes = changedFields(before, after)
    .sort((a, b) => order(a) - order(b))
    .map((field) => ({ field, from: (before as Record<string, unknown>)[field], to: (after as Record<string, unknown>)[field] }));
  if (changes.length === 0) throw new GitgusError('E_NO_CHANGE', `#${options.number} already has these values; nothing to commit`);
  const { commit } = await commitPlan(
    context,
    store,
    { primary: options.number, after: new Map<number, Ticket>([[options.number, after], ...update.changed]), effects: update.effects, notes: update.notes },
    {
      subject: describeChanges(options.number, changes),
      event: options.event,
      trailers: { Changed: changes.map((change) => change.field).join(', ') },
      ...(options.now ? { now: options.now } : {}),
    },
  );
  return { commit, changes };
}
