/**
 * The support unit file format: `units/<id>.md`, front-matter plus the description/FAQ shown to TPM.
 */
import { z } from 'zod';
import { EmailSchema, GitHubIdSchema, GitHubLoginSchema, SlugSchema, singleLine } from './common.ts';
import { InterfaceSchema } from './interface.ts';

/** Unit families from the seed's support model. */
export const FAMILIES = ['tpm', 'tpm-vo', 'vo', 'ngi', 'cic', 'middleware', 'other-grids', 'network', 'service'] as const;
export type Family = (typeof FAMILIES)[number];
export const FAMILY_NAMES: Record<Family, string> = {
  tpm: 'Ticket Process Management (TPM)',
  'tpm-vo': 'TPM VO support',
  vo: 'VO support units',
  ngi: 'ROC / NGI support units',
  cic: 'CIC support unit',
  middleware: 'Middleware support units',
  'other-grids': 'Other grids support units',
  network: 'Network support',
  service: 'Service support units',
};

/** QoS levels (docs/ggus.md §2.4): response-time targets. */
const QOS_LEVELS = ['base', 'medium', 'advanced'] as const;
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const TimeOfDaySchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a time like 09:00' });

const TimeZoneSchema = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { error: (issue) => `expected an IANA time zone like Europe/Berlin, received '${String(issue.input)}'` },
);

const MemberSchema = z
  .object({
    name: singleLine(200).optional(),
    email: EmailSchema.optional(),
    github: GitHubLoginSchema.optional(),
    /**
     * GitHub's numeric user id (`gh api users/<login> --jq .id`): when given, a pull request counts as this
     * member's only if its author has this id, so a renamed login does not pass its rights to whoever takes it.
     */
    githubId: GitHubIdSchema.optional(),
  })
  .strict()
  .refine((member) => member.email !== undefined || member.github !== undefined || member.githubId !== undefined, { error: 'needs an email, a github login or a githubId' });

export const UnitSchema = z
  .object({
    /** Must equal the file name without `.md`. */
    id: SlugSchema,
    name: singleLine(120),
    family: z.enum(FAMILIES),
    /** Where the unit is notified. */
    mailingList: EmailSchema,
    members: z.array(MemberSchema).default([]),
    qos: z.enum(QOS_LEVELS).default('base'),
    timezone: TimeZoneSchema.default('UTC'),
    officeHours: z
      .object({
        days: z.array(z.enum(WEEKDAYS)).min(1),
        start: TimeOfDaySchema,
        end: TimeOfDaySchema,
      })
      .strict()
      .default({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }),
    /** For VO units: the VO they support. */
    vo: SlugSchema.optional(),
    /** The unit's own helpdesk, reached through a mail interface (lib/core/schema/interface.ts). */
    interface: InterfaceSchema.optional(),
  })
  .strict();

export type UnitInput = z.input<typeof UnitSchema>;
export type Unit = z.output<typeof UnitSchema>;

export const UNIT_EXAMPLE = `---
id: ngi-de
name: NGI Germany
family: ngi
mailingList: ngi-de-support@lists.example
members:
  - name: Alice Smith
    email: alice@kit.example
    github: alice-smith
qos: medium
timezone: Europe/Berlin
officeHours:
  days: [mon, tue, wed, thu, fri]
  start: "09:00"
  end: "17:00"
---
Grid sites in Germany. Send site problems here after checking the site's downtime calendar.
`;
