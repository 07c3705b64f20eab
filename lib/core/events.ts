/**
 * Ticket history as events, derived from the changes themselves: the front-matter of `index.md` before and
 * after a commit, and the message files it added. Commit trailers only add detail (the routing rule, the
 * acting person); edits made in GitHub's web editor carry none and still give the same events.
 *
 * Pure: texts in, events out. `lib/git/history-index.ts` feeds it from native Git in one pass.
 */
import { parseActor } from './actor.ts';
import { blockValue, frontMatterBlocks, frontMatterText, readYaml } from './frontmatter.ts';
import { parseTicketPath } from './paths.ts';
import { TicketSchema, type Priority, type Status } from './schema/ticket.ts';
import type { Role } from './schema/message.ts';

/** Who made a change. `email` is personal data: never show it on the public site. */
export interface EventActor {
  name: string;
  email?: string;
  /** GitHub login, from an `Actor: login (GitHub)` trailer or a GitHub no-reply author address. */
  github?: string;
}

/** What every event carries. */
interface EventBase {
  /** Ticket number. */
  ticket: number;
  /** Full id of the commit that made the change. */
  commit: string;
  /** ISO time of the commit's author date. */
  time: string;
  actor: EventActor;
}

type RelationKind = 'master' | 'slaves' | 'parent' | 'children' | 'related';

/** A relation list before and after: what was added and what was removed (the other ticket's numbers). */
interface RelationChange {
  type: 'relation';
  relation: RelationKind;
  added: number[];
  removed: number[];
}

export type TicketEventDetail =
  /** `index.md` appeared: the ticket's first state. */
  | { type: 'created'; title: string; status: string; unit: string; priority: string; ticketType: string; source?: string }
  /** The responsible unit was set by a routing rule (`Rule:` trailer); `from` is absent on creation. */
  | { type: 'routed'; from?: string; to: string; rule: string }
  /** The responsible unit changed by hand. */
  | { type: 'assigned'; from: string | undefined; to: string }
  /** `solution` is present when the new status is solved or unsolved. */
  | { type: 'status'; from: Status | undefined; to: Status; solution?: { qualifier: string; text: string } }
  | { type: 'priority'; from: Priority | undefined; to: Priority }
  /** Any other front-matter field (`field` is the top-level key, e.g. `assignee`, `solution`, `cc`). */
  | { type: 'field'; field: string; from: unknown; to: unknown }
  /** A message file was added. `file` is its repository path. */
  | { type: 'message'; file: string; visibility: 'public' | 'internal'; author?: { name: string; role: Role; unit?: string; github?: string }; source?: string }
  /** An existing message file was edited or removed: messages are append-only, so this is worth seeing. */
  | { type: 'message-changed'; file: string; change: 'edited' | 'removed' }
  | RelationChange
  /** `index.md` was deleted. */
  | { type: 'removed' };

export type TicketEvent = EventBase & TicketEventDetail;

/** One commit as Git describes it. */
export interface CommitInfo {
  commit: string;
  time: string;
  author: { name: string; email: string };
  /** Who made the commit object; decides whether its trailers are believed (trustedTrailers). */
  committer?: { name: string; email: string };
  /** `Key: value` trailers of the commit message (empty for web-editor commits). */
  trailers: Record<string, string | undefined>;
}

/** One file of one ticket changed by a commit: A(dded), M(odified) or D(eleted). */
export interface TicketFileChange {
  /** Repository path, e.g. `tickets/165/165048/index.md`. */
  path: string;
  status: 'A' | 'M' | 'D';
  /** Content before (for M and D); needed for `index.md` only. */
  before?: string | FrontMatter | undefined;
  /** Content after (for A and M); needed for `index.md` and added messages. */
  after?: string | FrontMatter | undefined;
}

/** The trailer naming the routing rule a commit applied (`Rule: site-notify`). */
export const RULE_TRAILER = 'Rule';

const NOREPLY = /^(?:\d+\+)?([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))@users\.noreply\.github\.com$/i;

/**
 * Trailers are believed only from the helpdesk's own writers: commits whose committer address is one of
 * `writers` — the helpdesk's `sender`, which intake, GitHub intake, tick and notify commit as. Anyone can
 * write `Actor: jane@uni.example` into a commit message; in anybody else's commit (a supporter's, one that
 * came through a pull request, a web edit) the trailers are dropped, so the change is the commit author's
 * and no `Rule:` or `Actor:` of theirs is taken. Pure.
 */
export function trustedTrailers(commit: CommitInfo, writers: readonly string[] | undefined): CommitInfo {
  if (writers === undefined) return commit;
  const committer = (commit.committer ?? commit.author).email.toLowerCase();
  if (writers.some((writer) => writer.toLowerCase() === committer)) return commit;
  // A person's own gitgus commit (`gitgus route` by alice: `Actor: alice (GitHub)`) describes its own author:
  // those words change nobody's attribution, so they stay. An Actor naming anyone else drops every trailer.
  if (Object.keys(commit.trailers).length === 0 || namesAuthor(commit)) return commit;
  return { ...commit, trailers: {} };
}

/** Whether the `Actor:` trailer names the commit's own author (same address, or the login of its no-reply address). */
function namesAuthor(commit: CommitInfo): boolean {
  const trailer = commit.trailers.Actor?.trim();
  if (!trailer) return false;
  const author = commit.author.email.toLowerCase();
  const actor = parseActor(trailer);
  if (actor.github) return NOREPLY.exec(author)?.[1]?.toLowerCase() === actor.github.toLowerCase();
  return actor.email !== undefined && actor.email === author;
}

/**
 * The acting person: the `Actor:` trailer when present (a bot commit on someone's behalf), else the Git
 * author, with a GitHub login recovered from a no-reply address (web-editor commits).
 */
export function actorOf(commit: CommitInfo): EventActor {
  const trailer = commit.trailers.Actor?.trim();
  if (trailer) {
    const { via: _via, ...parsed } = parseActor(trailer);
    // A login alone names no person: the commit author's name is the better display name.
    return parsed.github ? { name: commit.author.name, github: parsed.github } : parsed;
  }
  const actor: EventActor = { name: commit.author.name, email: commit.author.email.toLowerCase() };
  const login = NOREPLY.exec(commit.author.email)?.[1];
  if (login) actor.github = login;
  return actor;
}

// ---------------------------------------------------------------------------------------------------
// Front-matter as top-level blocks (lib/core/frontmatter.ts): only the blocks whose text changed are
// parsed, because a full YAML parse of every version of every ticket costs more than Git's whole walk.

/** A parsed view of one front-matter version whose fields are decoded lazily and at most once. */
export class FrontMatter {
  private readonly blocks: Map<string, string> | undefined;
  private readonly full: Record<string, unknown> | undefined;
  private readonly cache = new Map<string, unknown>();

  constructor(text: string | undefined) {
    const yaml = text === undefined ? undefined : frontMatterText(text);
    this.blocks = yaml === undefined ? new Map() : frontMatterBlocks(yaml);
    if (this.blocks === undefined && yaml !== undefined) {
      try {
        const parsed = readYaml(yaml);
        this.full = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
      } catch {
        this.full = {};
      }
    }
  }

  /** Accepts text or an already-parsed version (the history index caches versions between commits). */
  static of(content: string | FrontMatter | undefined): FrontMatter {
    return content instanceof FrontMatter ? content : new FrontMatter(content);
  }

  keys(): string[] {
    return this.blocks ? [...this.blocks.keys()] : Object.keys(this.full ?? {});
  }

  /** Raw block text, for a cheap "did it change" test; undefined when the field is absent. */
  raw(key: string): string | undefined {
    return this.blocks ? this.blocks.get(key) : this.full && key in this.full ? JSON.stringify(this.full[key]) : undefined;
  }

  /** The field's value with the ticket schema's default applied (`priority` absent means `less urgent`). */
  get(key: string): unknown {
    if (this.cache.has(key)) return this.cache.get(key);
    const block = this.blocks?.get(key);
    const value = this.blocks ? (block === undefined ? undefined : blockValue(block)) : this.full?.[key];
    const withDefault = value === undefined || value === null ? TICKET_DEFAULTS.get(key) : value;
    this.cache.set(key, withDefault);
    return withDefault;
  }
}

/** Defaults the ticket schema fills in, so "absent" and "the default" are the same value in diffs. */
const TICKET_DEFAULTS: ReadonlyMap<string, unknown> = new Map(
  Object.entries(TicketSchema.shape).flatMap(([key, schema]) => {
    const result = (schema as { safeParse: (v: unknown) => { success: boolean; data?: unknown } }).safeParse(undefined);
    return result.success && result.data !== undefined ? [[key, result.data] as const] : [];
  }),
);

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function numberList(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  return Array.isArray(value) ? value.filter((n): n is number => typeof n === 'number') : [];
}

const RELATION_KINDS: readonly RelationKind[] = ['master', 'slaves', 'parent', 'children', 'related'];

/** Relation differences between two `relations:` values, one entry per kind that changed. */
function relationChanges(before: unknown, after: unknown): RelationChange[] {
  const from = (before ?? {}) as Record<string, unknown>;
  const to = (after ?? {}) as Record<string, unknown>;
  const out: RelationChange[] = [];
  for (const relation of RELATION_KINDS) {
    const old = numberList(from[relation]);
    const now = numberList(to[relation]);
    const added = now.filter((n) => !old.includes(n));
    const removed = old.filter((n) => !now.includes(n));
    if (added.length > 0 || removed.length > 0) out.push({ type: 'relation', relation, added, removed });
  }
  return out;
}

/** Fields with their own event type; every other changed field becomes a `field` event. */
const OWN_EVENT_FIELDS = new Set(['status', 'unit', 'priority', 'relations']);

/** The events of one ticket's `index.md` change (A, M or D). */
function indexEvents(change: TicketFileChange, rule: string | undefined): TicketEventDetail[] {
  if (change.status === 'D') return [{ type: 'removed' }];
  const after = FrontMatter.of(change.after);
  if (change.status === 'A') {
    const unit = asString(after.get('unit')) ?? '';
    const source = after.get('source') as { kind?: unknown; address?: unknown } | undefined;
    const created: TicketEventDetail = {
      type: 'created',
      title: asString(after.get('title')) ?? '',
      status: asString(after.get('status')) ?? '',
      unit,
      priority: asString(after.get('priority')) ?? '',
      ticketType: asString(after.get('type')) ?? '',
    };
    const sourceText = asString(source?.address) ?? asString(source?.kind);
    if (sourceText !== undefined) created.source = sourceText;
    return rule ? [created, { type: 'routed', to: unit, rule }] : [created];
  }
  const before = FrontMatter.of(change.before);
  const events: TicketEventDetail[] = [];
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  const changed = (key: string) => before.raw(key) !== after.raw(key) && !same(before.get(key), after.get(key));

  if (changed('unit')) {
    const from = asString(before.get('unit'));
    const to = asString(after.get('unit')) ?? '';
    events.push(rule ? { type: 'routed', ...(from === undefined ? {} : { from }), to, rule } : { type: 'assigned', from, to });
  }
  if (changed('status')) {
    const to = asString(after.get('status')) as Status;
    const status: TicketEventDetail = { type: 'status', from: asString(before.get('status')) as Status | undefined, to };
    const solution = after.get('solution') as { qualifier?: unknown; text?: unknown } | undefined;
    if ((to === 'solved' || to === 'unsolved') && solution && typeof solution === 'object') {
      status.solution = { qualifier: asString(solution.qualifier) ?? '', text: asString(solution.text) ?? '' };
    }
    events.push(status);
  }
  if (changed('priority')) events.push({ type: 'priority', from: asString(before.get('priority')) as Priority | undefined, to: asString(after.get('priority')) as Priority });
  if (changed('relations')) events.push(...relationChanges(before.get('relations'), after.get('relations')));
  for (const key of keys) {
    if (OWN_EVENT_FIELDS.has(key) || !changed(key)) continue;
    events.push({ type: 'field', field: key, from: before.get(key), to: after.get(key) });
  }
  return events;
}

/** The event of one message file change: an added message, or an edit/removal of an existing one. */
function messageEvent(change: TicketFileChange): TicketEventDetail {
  if (change.status !== 'A') return { type: 'message-changed', file: change.path, change: change.status === 'D' ? 'removed' : 'edited' };
  const fm = FrontMatter.of(change.after);
  const visibility = fm.get('visibility') === 'internal' ? 'internal' : 'public';
  const event: TicketEventDetail = { type: 'message', file: change.path, visibility };
  const author = fm.get('author') as Record<string, unknown> | undefined;
  if (author && typeof author === 'object') {
    const name = asString(author.name) ?? '';
    const role = (asString(author.role) ?? 'other') as Role;
    const unit = asString(author.unit);
    const github = asString(author.github);
    event.author = { name, role, ...(unit ? { unit } : {}), ...(github ? { github } : {}) };
  }
  const source = asString(fm.get('source'));
  if (source) event.source = source;
  return event;
}

/** What a path inside a ticket folder is: the ticket's state, a message, or something else (attachments). */
export function ticketFileKind(path: string): { ticket: number; kind: 'index' | 'message' | 'other' } | undefined {
  const location = parseTicketPath(path);
  if (!location) return undefined;
  if (location.rest === 'index.md') return { ticket: location.number, kind: 'index' };
  if (/^messages\/[^/]+\.md$/.test(location.rest)) return { ticket: location.number, kind: 'message' };
  return { ticket: location.number, kind: 'other' };
}

/**
 * Every event one commit caused, for every ticket it touched, in a stable order (per ticket: state
 * changes first, then messages in file-name order, which is time order).
 */
export function commitEvents(commit: CommitInfo, changes: readonly TicketFileChange[]): TicketEvent[] {
  const base = { commit: commit.commit, time: commit.time, actor: actorOf(commit) };
  const rule = commit.trailers[RULE_TRAILER]?.trim() || undefined;
  const byTicket = new Map<number, { index?: TicketFileChange; messages: TicketFileChange[] }>();
  for (const change of changes) {
    const kind = ticketFileKind(change.path);
    if (!kind || kind.kind === 'other') continue;
    const entry = byTicket.get(kind.ticket) ?? { messages: [] };
    if (kind.kind === 'index') entry.index = change;
    else entry.messages.push(change);
    byTicket.set(kind.ticket, entry);
  }
  const events: TicketEvent[] = [];
  for (const [ticket, entry] of [...byTicket].sort((a, b) => a[0] - b[0])) {
    const details = entry.index ? indexEvents(entry.index, rule) : [];
    details.push(...entry.messages.sort((a, b) => a.path.localeCompare(b.path)).map(messageEvent));
    for (const detail of details) events.push({ ticket, ...base, ...detail });
  }
  return events;
}

/** One line of text for an event, as `gitgus history` and notification subjects show it. */
export function describeEvent(event: TicketEvent): string {
  const list = (numbers: number[]) => numbers.map((n) => `#${n}`).join(' ');
  const show = (value: unknown): string => {
    if (value === undefined || value === null) return '—';
    if (Array.isArray(value)) return value.length === 0 ? '—' : value.map(show).join(', ');
    if (typeof value === 'object') {
      const qualifier = (value as { qualifier?: unknown }).qualifier;
      return typeof qualifier === 'string' ? qualifier : JSON.stringify(value);
    }
    return typeof value === 'string' ? value : JSON.stringify(value);
  };
  switch (event.type) {
    case 'created':
      return `created (${event.ticketType}, ${event.priority}) for ${event.unit}${event.source ? ` via ${event.source}` : ''}: ${event.title}`;
    case 'routed':
      return `routed ${event.from ? `${event.from} → ` : 'to '}${event.to} by rule ${event.rule}`;
    case 'assigned':
      return `assigned ${event.from ?? '—'} → ${event.to}`;
    case 'status':
      return `status ${event.from ?? '—'} → ${event.to}${event.solution ? ` [${event.solution.qualifier}]` : ''}`;
    case 'priority':
      return `priority ${event.from ?? '—'} → ${event.to}`;
    case 'field':
      return `${event.field}: ${show(event.from)} → ${show(event.to)}`;
    case 'message':
      return `${event.visibility === 'internal' ? 'internal note' : 'message'}${event.author ? ` from ${event.author.name} (${event.author.role}${event.author.unit ? `, ${event.author.unit}` : ''})` : ''}`;
    case 'message-changed':
      return `message ${event.change}: ${event.file.split('/').pop() ?? event.file}`;
    case 'relation':
      return `${event.relation}${event.added.length ? ` + ${list(event.added)}` : ''}${event.removed.length ? ` − ${list(event.removed)}` : ''}`;
    case 'removed':
      return 'ticket removed';
  }
}
