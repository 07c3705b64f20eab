/**
 * A unit's interface to its own helpdesk (docs/ggus.md §4): the `interface:` block of a unit file in
 * `units/`. GGUS let each group build one interface between its internal support structure and the
 * central helpdesk; here that interface is mail both ways, structured enough for a Request Tracker, a
 * Footprints or another gitgus on the other side to thread it and read the fields.
 */
import { z } from 'zod';
import { EmailSchema, singleLine } from './common.ts';
import { PRIORITIES, STATUSES } from './ticket.ts';

const RemoteWord = singleLine(60);

/** A remote ticket tag with `{id}` where the remote's number goes: RT's `[rt.example.org #{id}]`. */
const TicketTagSchema = singleLine(80).refine((tag) => tag.split('{id}').length === 2, { error: 'must contain {id} exactly once, like "[rt.example.org #{id}]"' });

const StatusMapSchema = z
  .object({
    /** Our status → the remote's word for it (what our mails tell the remote). */
    out: z.partialRecord(z.enum(STATUSES), RemoteWord).default({}),
    /** The remote's status word (lower-case) → our status. */
    in: z.record(RemoteWord, z.enum(STATUSES)).default({}),
  })
  .strict();

const PriorityMapSchema = z
  .object({
    out: z.partialRecord(z.enum(PRIORITIES), RemoteWord).default({}),
    in: z.record(RemoteWord, z.enum(PRIORITIES)).default({}),
  })
  .strict();

/**
 * GGUS's guards for the OSG and NGI_CZ interfaces, on by default: a status coming from the remote is
 * applied only when it passes them.
 */
const GuardsSchema = z
  .object({
    /** A ticket the remote creates here starts as `new`, never `in progress`. */
    neverCreateInProgress: z.boolean().default(true),
    /** `in progress` from the remote never overwrites new, assigned, waiting for reply, on hold or reopened. */
    keepOpenStatuses: z.boolean().default(true),
    /** `solved` from the remote never turns verified, closed or unsolved back into solved. */
    keepFinalStatuses: z.boolean().default(true),
  })
  .strict()
  .default({ neverCreateInProgress: true, keepOpenStatuses: true, keepFinalStatuses: true });

/** How the remote's status reaches us when its mail names it in the subject (RT: `Resolved: …`). */
const SubjectStatusSchema = z
  .object({
    /** A regular expression tried against the subject, case-insensitive. */
    pattern: singleLine(200).refine(
      (pattern) => {
        try {
          new RegExp(pattern, 'iu');
          return true;
        } catch {
          return false;
        }
      },
      { error: 'must be a valid regular expression' },
    ),
    /** The remote status word it means; mapped through `status.in`. */
    status: RemoteWord,
  })
  .strict();

export const InterfaceSchema = z
  .object({
    /** The remote system's kind and name, shown on the ticket page and in `origin`: `rt`, `gitgus`, `footprints`. */
    system: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, { error: 'expected a short lower-case word like rt or gitgus' }),
    /** A name for people: `NGI_CZ Request Tracker`. */
    name: singleLine(120),
    /** The remote helpdesk's intake address: our structured mails go here. */
    address: EmailSchema,
    /** Addresses the remote writes from (its correspond and comment addresses); default: `address`. */
    from: z.array(EmailSchema).default([]),
    /** Of those, the ones whose mail is the remote's internal comment (RT's comment address): kept internal here. */
    internalFrom: z.array(EmailSchema).default([]),
    /** How the remote tags its tickets in subjects; the same tag is put in front of our mails to it. */
    ticketTag: TicketTagSchema,
    /** The remote ticket's page, `{id}` replaced: shown on our ticket page. */
    ticketUrl: singleLine(300).optional(),
    /** Header of the remote's mails that carries its status (RT templates can add one), read before `subjectStatus`. */
    statusHeader: singleLine(60).optional(),
    /** Header that carries its priority. */
    priorityHeader: singleLine(60).optional(),
    subjectStatus: z.array(SubjectStatusSchema).default([]),
    /**
     * Header naming who wrote the remote's mail (RT: X-RT-Originator). When that is one of our own
     * addresses, the mail is our own message echoed by the remote to its other watchers: never appended again.
     */
    originatorHeader: singleLine(60).optional(),
    /** Status words both ways; a status without an entry crosses under its own name. */
    status: StatusMapSchema.default({ out: {}, in: {} }),
    priority: PriorityMapSchema.default({ out: {}, in: {} }),
    guards: GuardsSchema,
    /** The remote's limit on a text field; longer text is cut with a link to our ticket page (OSG: 4000). */
    textLimit: z.number().int().min(200).default(4000),
  })
  .strict();

export type InterfaceInput = z.input<typeof InterfaceSchema>;
export type Interface = z.output<typeof InterfaceSchema>;

export const INTERFACE_EXAMPLE = `interface:
  system: rt
  name: NGI_CZ Request Tracker
  address: ggus@rt.cesnet.example
  from: [ggus@rt.cesnet.example, ggus-comment@rt.cesnet.example]
  internalFrom: [ggus-comment@rt.cesnet.example]
  ticketTag: "[rt.cesnet.example #{id}]"
  ticketUrl: https://rt.cesnet.example/Ticket/Display.html?id={id}
  subjectStatus:
    - { pattern: "^\\\\s*Resolved:", status: resolved }
  status:
    out: { new: new, assigned: open, in progress: open, reopened: open, waiting for reply: stalled, on hold: stalled, solved: resolved, unsolved: resolved, verified: resolved, closed: resolved }
    in: { new: new, open: in progress, stalled: on hold, resolved: solved, rejected: unsolved }
`;
