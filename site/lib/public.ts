/**
 * The public face of a ticket: what the site may show, built field by field from the validated ticket.
 *
 * This is where privacy is decided (filter where routes and data are computed, never in
 * templates). Nothing is spread from the source objects: every public field is copied by name, mail
 * addresses are dropped or masked, internal messages are left out, and attachments of internal
 * messages are not published. Pages only ever see these types. Pure.
 */
import type { MessageDoc, TicketDoc, UnitDoc } from '../../lib/core/documents.ts';
import type { Role } from '../../lib/core/schema/message.ts';
import type { Settings } from '../../lib/core/schema/settings.ts';
import type { CATEGORIES, Priority, Status, TICKET_TYPES } from '../../lib/core/schema/ticket.ts';
import type { Family, Unit } from '../../lib/core/schema/unit.ts';
import { addressPolicy, maskAddresses, type AddressPolicy } from '../../lib/core/privacy.ts';

export interface PublicAttachment {
  /** Name shown and offered when downloading (masked, as written by the sender otherwise). */
  name: string;
  /** File name under `/tickets/<number>/files/`: a neutral `.bin` so no server renders it as a page. */
  published: string;
  /** File name inside the ticket's `files/` folder. */
  source: string;
  size: number;
  type: string;
}

interface PublicRelations {
  master?: number;
  slaves?: number[];
  parent?: number;
  children?: number[];
  related?: number[];
}

/** Everything the queue, feeds, exports and reports know about a ticket (no bodies). */
export interface PublicTicket {
  number: number;
  title: string;
  status: Status;
  priority: Priority;
  originalPriority: Priority;
  type: (typeof TICKET_TYPES)[number];
  category: (typeof CATEGORIES)[number];
  issue: string;
  unit: string;
  vo?: string;
  site?: string;
  notifySite?: string;
  created: string;
  /** The submitter's name only. */
  submitter: string;
  /** Shown only when it is a GitHub login; a mail address is never shown. */
  assignee?: string;
  /** The intake address the ticket came through (public by definition), when it was one. */
  intake?: string;
  sourceKind: string;
  origin?: { system: string; id: string };
  /** The linked ticket in an interfaced unit's own helpdesk. */
  remote?: { unit: string; system: string; id: string; url?: string };
  relations?: PublicRelations;
  solutionQualifier?: string;
  /** User escalation level, 1–3 (lib/core/escalation.ts). */
  escalation?: number;
  /** Latest public activity: creation or the newest public message. */
  lastChange: string;
  /** First public message from a supporter or TPM: the "response". */
  firstResponse?: string;
  /** Latest public message from a supporter or TPM (their last action the tree shows). */
  lastSupporterAction?: string;
  publicMessages: number;
  attachments: PublicAttachment[];
  /** Digest of the ticket's files: the key of its prepared page (site/lib/ticket-prepare.ts). */
  digest?: string;
}

export interface PublicMessage {
  date: string;
  author: string;
  role: Role;
  unit?: string;
  source: string;
  /** Markdown, addresses already masked; still to be rendered through the sanitizer. */
  body: string;
  /** 1-based line from which the body is quoted history or a signature (shown folded). */
  foldFrom?: number;
  attachments: PublicAttachment[];
}

/** A ticket's full public content, for its own page. */
export interface PublicTicketPage {
  ticket: PublicTicket;
  /** The original request, Markdown (masked). */
  request: string;
  requestAttachments: PublicAttachment[];
  /** 1-based line from which the request is quoted history or a signature (shown folded). */
  requestFoldFrom?: number;
  solution?: { qualifier: string; text: string };
  messages: PublicMessage[];
}

export interface PublicUnit {
  id: string;
  name: string;
  family: Family;
  qos: Unit['qos'];
  timezone: string;
  officeHours: Unit['officeHours'];
  vo?: string;
  /** The unit's own helpdesk, when it has an interface: its kind and name only (addresses stay private). */
  interface?: { system: string; name: string };
  memberCount: number;
  /** Description and FAQ, Markdown (masked). */
  description: string;
}

/** Helpdesk settings the site may show: the name, intake addresses and links, no personal data. */
export interface PublicSettings {
  name: string;
  intake: { address: string; unit: string; name?: string }[];
  subjectTag: string;
  siteUrl: string;
  repository?: string;
  branch: string;
  /** The site parts (their addresses are public): every page's links depend on them. */
  siteParts?: { name: string; tickets: { from: number; to: number }; url: string }[];
}

export function publicSettings(settings: Settings): PublicSettings {
  const out: PublicSettings = {
    name: settings.name,
    intake: settings.intake.map((entry) => (entry.name === undefined ? { address: entry.address, unit: entry.unit } : { address: entry.address, unit: entry.unit, name: entry.name })),
    subjectTag: settings.subjectTag,
    siteUrl: settings.siteUrl,
    branch: settings.branch ?? 'main',
  };
  if (settings.repository !== undefined) out.repository = settings.repository;
  if (settings.siteParts !== undefined) out.siteParts = settings.siteParts.map((part) => ({ name: part.name, tickets: part.tickets, url: part.url }));
  return out;
}

/** The helpdesk's intake addresses are the only ones the site shows. */
export function sitePolicy(settings: Pick<Settings, 'intake'>): AddressPolicy {
  return addressPolicy(settings.intake.map((entry) => entry.address));
}

const STAFF_ROLES: ReadonlySet<Role> = new Set(['supporter', 'tpm']);

function isPublic(message: MessageDoc): boolean {
  return message.message.visibility === 'public';
}

/** Keeps a file name readable but inert: letters, digits, dot, dash, underscore. */
function neutralName(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 80);
  return cleaned === '' ? 'file' : cleaned;
}

type Attachment = NonNullable<MessageDoc['message']['attachments']>[number];

/**
 * Attachments of the request and of public messages only, numbered in conversation order; a file named
 * by several public messages is published once.
 */
function publishAttachments(lists: readonly (readonly Attachment[])[], policy: AddressPolicy): PublicAttachment[][] {
  const published = new Map<string, PublicAttachment>();
  return lists.map((list) =>
    list.map((attachment) => {
      let entry = published.get(attachment.file);
      if (!entry) {
        const name = maskAddresses(attachment.file, policy);
        entry = { name, published: `${published.size + 1}-${neutralName(name)}.bin`, source: attachment.file, size: attachment.size, type: maskAddresses(attachment.type, policy) };
        published.set(attachment.file, entry);
      }
      return entry;
    }),
  );
}

/** The request's attachments, then each public message's, in conversation order. */
function conversationAttachments(doc: TicketDoc, visible: readonly MessageDoc[], policy: AddressPolicy): { request: PublicAttachment[]; messages: PublicAttachment[][] } {
  const [request = [], ...messages] = publishAttachments([doc.ticket.attachments ?? [], ...visible.map((m) => m.message.attachments ?? [])], policy);
  return { request, messages };
}

function byDate(a: MessageDoc, b: MessageDoc): number {
  return a.message.date < b.message.date ? -1 : a.message.date > b.message.date ? 1 : 0;
}

/** The public summary of a ticket, from its validated documents. */
export function publicTicket(doc: TicketDoc, messages: readonly MessageDoc[], policy: AddressPolicy): PublicTicket {
  const t = doc.ticket;
  const mask = (text: string) => maskAddresses(text, policy);
  const visible = messages.filter(isPublic).sort(byDate);
  const staff = visible.filter((m) => STAFF_ROLES.has(m.message.author.role));
  const published = conversationAttachments(doc, visible, policy);
  const attachments = [...new Map([published.request, ...published.messages].flat().map((a) => [a.published, a])).values()];
  const out: PublicTicket = {
    number: t.number,
    title: mask(t.title),
    status: t.status,
    priority: t.priority,
    originalPriority: t.originalPriority ?? t.priority,
    type: t.type,
    category: t.category,
    issue: t.issue,
    unit: t.unit,
    created: t.created,
    submitter: mask(t.submitter.name),
    sourceKind: t.source.kind,
    lastChange: visible.reduce((latest, m) => (m.message.date > latest ? m.message.date : latest), t.created),
    publicMessages: visible.length,
    attachments,
  };
  if (t.vo !== undefined) out.vo = t.vo;
  if (t.site !== undefined) out.site = mask(t.site);
  if (t.notifySite !== undefined) out.notifySite = mask(t.notifySite);
  if (t.assignee !== undefined && !t.assignee.includes('@')) out.assignee = t.assignee;
  if (t.source.address !== undefined && policy.visible.has(t.source.address.toLowerCase())) out.intake = t.source.address;
  if (t.origin) out.origin = { system: mask(t.origin.system), id: mask(t.origin.id) };
  if (t.remote) out.remote = { unit: t.remote.unit, system: mask(t.remote.system), id: mask(t.remote.id) };
  if (t.relations) {
    const r = t.relations;
    const relations: PublicRelations = {};
    if (r.master !== undefined) relations.master = r.master;
    if (r.slaves?.length) relations.slaves = [...r.slaves];
    if (r.parent !== undefined) relations.parent = r.parent;
    if (r.children?.length) relations.children = [...r.children];
    if (r.related?.length) relations.related = [...r.related];
    if (Object.keys(relations).length > 0) out.relations = relations;
  }
  if (t.solution) out.solutionQualifier = t.solution.qualifier;
  if (t.escalation !== undefined) out.escalation = t.escalation;
  const first = staff[0];
  if (first) out.firstResponse = first.message.date;
  const last = staff.at(-1);
  if (last) out.lastSupporterAction = last.message.date;
  return out;
}

/** Everything a ticket's own page shows. */
export function publicTicketPage(doc: TicketDoc, messages: readonly MessageDoc[], policy: AddressPolicy): PublicTicketPage {
  const mask = (text: string) => maskAddresses(text, policy);
  const visible = messages.filter(isPublic).sort(byDate);
  const attachments = conversationAttachments(doc, visible, policy);
  const page: PublicTicketPage = {
    ticket: publicTicket(doc, messages, policy),
    request: mask(doc.body),
    requestAttachments: attachments.request,
    messages: visible.map((m, index) => {
      const message: PublicMessage = {
        date: m.message.date,
        author: mask(m.message.author.name),
        role: m.message.author.role,
        source: m.message.source,
        body: mask(m.body),
        attachments: attachments.messages[index] ?? [],
      };
      if (m.message.author.unit !== undefined) message.unit = m.message.author.unit;
      if (m.message.foldFrom !== undefined) message.foldFrom = m.message.foldFrom;
      return message;
    }),
  };
  if (doc.ticket.foldFrom !== undefined) page.requestFoldFrom = doc.ticket.foldFrom;
  if (doc.ticket.solution) page.solution = { qualifier: doc.ticket.solution.qualifier, text: mask(doc.ticket.solution.text) };
  return page;
}

export function publicUnit(doc: UnitDoc, policy: AddressPolicy): PublicUnit {
  const u = doc.unit;
  const out: PublicUnit = {
    id: u.id,
    name: maskAddresses(u.name, policy),
    family: u.family,
    qos: u.qos,
    timezone: u.timezone,
    officeHours: { days: [...u.officeHours.days], start: u.officeHours.start, end: u.officeHours.end },
    memberCount: u.members.length,
    description: maskAddresses(doc.body, policy),
  };
  if (u.vo !== undefined) out.vo = u.vo;
  if (u.interface) out.interface = { system: u.interface.system, name: maskAddresses(u.interface.name, policy) };
  return out;
}
