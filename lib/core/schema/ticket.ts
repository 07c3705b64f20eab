/**
 * The ticket file format: `tickets/<shard>/<number>/index.md` front-matter.
 * One schema, shared by the CLI, the pull-request check and the site.
 * Field meanings follow GGUS (docs/ggus.md §1); key order here is the order written to disk.
 */
import { z } from 'zod';
import { BODY_FIELDS, EmailSchema, GitHubLoginSchema, PersonSchema, SlugSchema, TimestampSchema, DaySchema, singleLine } from './common.ts';

/** The 10 GGUS statuses; the first six are the "open" meta-status. */
export const OPEN_STATUSES = ['new', 'assigned', 'in progress', 'waiting for reply', 'on hold', 'reopened'] as const;
export const TERMINAL_STATUSES = ['solved', 'unsolved', 'verified', 'closed'] as const;
export const STATUSES = [...OPEN_STATUSES, ...TERMINAL_STATUSES] as const;
export type Status = (typeof STATUSES)[number];

/** Priorities from lowest to highest; `less urgent` is the GGUS default. */
export const PRIORITIES = ['less urgent', 'urgent', 'very urgent', 'top priority'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const TICKET_TYPES = ['USER', 'TEAM', 'ALARM'] as const;
export const CATEGORIES = ['incident', 'service request', 'change request', 'documentation', 'test'] as const;
const NOTIFICATION_MODES = ['on solution', 'on every change'] as const;
export const SOLUTION_QUALIFIERS = ['fixed', 'work-around', 'works as designed', 'duplicate', 'invalid', "won't fix"] as const;
const SOURCE_KINDS = ['email', 'github', 'web', 'cli', 'interface'] as const;

/**
 * GGUS "type of issue" values (docs/ggus.md §1.1, D-ISSUE), in the order the forms offer them, each with
 * whether a TEAM or ALARM ticket offers it (D-TEAM, D-ALARM). GGUS gave TEAM and ALARM "a reduced list"
 * without publishing it; `teamAlarm: true` marks the values that describe a site service failing **[INF]**.
 * One row a type, and the decision is part of the row (`satisfies` refuses a row without it): a type added
 * later cannot become something an alarm can page a site for unless someone writes `teamAlarm: true` for it.
 */
export const ISSUE_TYPE_RULES = [
  ['Accounting', { teamAlarm: false }],
  ['AppDB', { teamAlarm: false }],
  ['Authorization/Authentication', { teamAlarm: true }],
  ['COD Operations', { teamAlarm: false }],
  ['Catalogue', { teamAlarm: false }],
  ['Computing Services', { teamAlarm: true }],
  ['Data Management - generic', { teamAlarm: true }],
  ['Databases', { teamAlarm: true }],
  ['Deployment - other', { teamAlarm: false }],
  ['Documentation', { teamAlarm: false }],
  ['File Access', { teamAlarm: true }],
  ['File Transfer', { teamAlarm: true }],
  ['GGUS', { teamAlarm: false }],
  ['IaaS Operations', { teamAlarm: false }],
  ['Information System', { teamAlarm: true }],
  ['Installation', { teamAlarm: false }],
  ['Local Batch System', { teamAlarm: true }],
  ['Middleware', { teamAlarm: false }],
  ['Monitoring', { teamAlarm: true }],
  ['Network problem', { teamAlarm: true }],
  ['Operations', { teamAlarm: true }],
  ['Other', { teamAlarm: true }],
  ['Security', { teamAlarm: true }],
  ['Storage Systems', { teamAlarm: true }],
  ['VO Specific Software', { teamAlarm: false }],
  ['Virtual Appliance Management', { teamAlarm: false }],
  ['Workload Management', { teamAlarm: true }],
] as const satisfies readonly (readonly [string, { teamAlarm: boolean }])[];

/** The types of issue in the table's order: the values of `issue`, and the order the forms offer them in. */
export const ISSUE_TYPES = ISSUE_TYPE_RULES.map(([issue]) => issue);

const TicketNumberSchema = z.number().int().positive();

/** Links between tickets; each one is mirrored on the other ticket. */
const RelationsSchema = z
  .object({
    /** This ticket duplicates `master`; only the master is worked on. */
    master: TicketNumberSchema.optional(),
    /** Tickets that duplicate this one. */
    slaves: z.array(TicketNumberSchema).optional(),
    /** This ticket is a child of `parent`. */
    parent: TicketNumberSchema.optional(),
    /** Children; the parent stays on hold until all are solved. */
    children: z.array(TicketNumberSchema).optional(),
    /** Symmetric cross references. */
    related: z.array(TicketNumberSchema).optional(),
  })
  .strict();

export const TicketSchema = z
  .object({
    /** Sequential number, shown as `#165048`; minted only by intake on the main branch. */
    number: TicketNumberSchema,
    /** Subject, at most 250 characters as in GGUS. */
    title: singleLine(250),
    status: z.enum(STATUSES),
    /** Current priority; supporters may change it "to a more realistic one". */
    priority: z.enum(PRIORITIES).default('less urgent'),
    /** Priority at submission, kept for reports. */
    originalPriority: z.enum(PRIORITIES).optional(),
    /** USER, TEAM or ALARM; fixed at creation (TEAM → ALARM is the only change). */
    type: z.enum(TICKET_TYPES).default('USER'),
    category: z.enum(CATEGORIES).default('incident'),
    /** GGUS "type of issue". */
    issue: z.enum(ISSUE_TYPES).default('Other'),
    /** Responsible support unit id (a file in `units/`); TPM by default. */
    unit: SlugSchema,
    /** One person the ticket is assigned to: a mail address or GitHub login. */
    assignee: z.union([EmailSchema, GitHubLoginSchema]).optional(),
    /** Concerned VO. */
    vo: SlugSchema.optional(),
    /** Affected site (GOCDB name); informational. */
    site: singleLine(100).optional(),
    /** Site whose NGI is notified; this is routing information. */
    notifySite: singleLine(100).optional(),
    submitter: PersonSchema,
    /** Copied on public updates. */
    cc: z.array(EmailSchema).optional(),
    /** Involved people: notified like the unit, including internal notes. */
    involve: z.array(EmailSchema).optional(),
    /** GGUS "VO specific" turned round: the submitter says the problem affects the whole VO, not only them. */
    affectsVo: z.boolean().optional(),
    /** Notified of public messages and the solution. */
    subscribers: z.array(EmailSchema).optional(),
    /** When the submitter is mailed. */
    notify: z.enum(NOTIFICATION_MODES).default('on solution'),
    /** User escalation level (lib/core/escalation.ts): 1 the unit, 2 + TPM on shift, 3 + ticket monitoring. */
    escalation: z.number().int().min(1).max(3).optional(),
    created: TimestampSchema,
    /** GGUS "date/time of issue": when the submitter reported the problem (a mail's Date:); absent: `created`. */
    issued: TimestampSchema.optional(),
    /** How the ticket came in: intake address for mail. */
    source: z
      .object({
        kind: z.enum(SOURCE_KINDS),
        address: EmailSchema.optional(),
        /** The first mail's Message-ID (no angle brackets), for tickets created by mail intake. */
        messageId: singleLine(998).optional(),
      })
      .strict(),
    /** For tickets from another system: `github:owner/repo#12`, a remote helpdesk's id. */
    origin: z
      .object({ system: singleLine(100), id: singleLine(200) })
      .strict()
      .optional(),
    /** The linked ticket in an interfaced unit's own helpdesk: which unit, its system, its number there. */
    remote: z
      .object({ unit: SlugSchema, system: singleLine(100), id: singleLine(200) })
      .strict()
      .optional(),
    relations: RelationsSchema.optional(),
    /** Required for solved and unsolved. */
    solution: z
      .object({ qualifier: z.enum(SOLUTION_QUALIFIERS), text: z.string().min(1) })
      .strict()
      .optional(),
    /** A supporter's reminder date (on hold / waiting for reply). */
    remindOn: DaySchema.optional(),
    /** The original request's files, TPM marks (e.g. `too-many-cc`) and folded tail. */
    ...BODY_FIELDS,
  })
  .strict();

/** What humans write. */
export type TicketInput = z.input<typeof TicketSchema>;
/** What code gets. */
export type Ticket = z.output<typeof TicketSchema>;

export const TICKET_EXAMPLE = `---
number: 165048
title: CMS jobs fail at FZK-LCG2 with proxy expired
status: in progress
priority: urgent
originalPriority: urgent
type: USER
category: incident
issue: Workload Management
unit: ngi-de
vo: cms
site: FZK-LCG2
submitter:
  name: Jane Doe
  email: jane.doe@uni.example
notify: on solution
created: 2026-11-27T09:14:03Z
source:
  kind: email
  address: helpdesk@ggus.example
relations:
  related: [165001]
solution:
  qualifier: fixed
  text: The proxy on the VOBOX was renewed.
remindOn: 2026-12-01
---
Since Monday all CMS pilot jobs at FZK-LCG2 fail with "proxy expired".
`;

export function isOpen(status: Status): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(status);
}
