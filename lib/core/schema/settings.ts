/**
 * The helpdesk settings file format: `helpdesk.yml` at the root of a helpdesk checkout.
 * Everything that differs between helpdesks lives here, so code never hard-codes the example data.
 */
import { z } from 'zod';
import { EmailSchema, GitHubIdSchema, GitHubLoginSchema, SlugSchema, singleLine } from './common.ts';
import { NotifySettingsSchema } from './notify.ts';

export const SettingsSchema = z
  .object({
    /** Shown on the site and in mail. */
    name: singleLine(100),
    /** Intake addresses and the unit each one routes to by default. */
    intake: z.array(z.object({ address: EmailSchema, unit: SlugSchema, name: singleLine(100).optional() }).strict()).min(1, { error: 'needs at least one intake address' }),
    /** From address of notifications. */
    sender: EmailSchema,
    /** Subject tag of a ticket; `{number}` is replaced by the ticket number. */
    subjectTag: singleLine(60)
      .refine((tag) => tag.includes('{number}'), { error: 'must contain {number}' })
      .default('[GGUS #{number}]'),
    /** Public site, for links in mail. */
    siteUrl: z.url(),
    /** First ticket number when the helpdesk has none yet. */
    numberingStart: z.number().int().positive().default(1),
    /** `owner/name` on GitHub, for edit links and issue intake. */
    repository: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, { error: 'expected owner/name' })
      .optional(),
    /**
     * `owner/name` of the public repository where users open issues through the issue form, when it is not
     * `repository` itself (a private helpdesk has a public companion repository for issues); default `repository`.
     */
    issueRepository: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, { error: 'expected owner/name' })
      .optional(),
    /** The repository's main branch, for the site's "edit through a pull request" links (default main). */
    branch: z
      .string()
      .regex(/^[\w./-]+$/, { error: 'expected a branch name like main' })
      .optional(),
    /** Known VOs (extracted from mail, offered in forms). */
    vos: z.array(SlugSchema).default([]),
    /** Known sites and the NGI unit each belongs to. */
    sites: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: 'expected a GOCDB site name like FZK-LCG2' }), SlugSchema).default({}),
    /** Contact address of a site (GOCDB's site e-mail), mailed when a ticket notifies the site (GGUS "Notified site: on submit"). */
    siteContacts: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: 'expected a GOCDB site name like FZK-LCG2' }), EmailSchema).optional(),
    /**
     * GGUS "Emergency Email" of a site (GOCDB; OIM SMSAddress): an ALARM ticket that notifies the site mails
     * it at once, signed (OpenPGP, key from GITGUS_ALARM_SIGNING_KEY).
     */
    siteEmergency: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: 'expected a GOCDB site name like FZK-LCG2' }), EmailSchema).optional(),
    /**
     * Per VO, who may open ALARM tickets (GGUS: 3–4 experts per LHC VO): mail addresses (their mail must be
     * authenticated) and GitHub logins. They may open TEAM tickets too, as may members of the VO's support unit.
     */
    alarmers: z.record(SlugSchema, z.array(z.union([EmailSchema, GitHubLoginSchema])).min(1)).optional(),
    /** Minutes an ALARM ticket may stay new or assigned before `gitgus tick` escalates it to TPM (24×7; default 30). */
    alarmEscalationMinutes: z.number().int().positive().optional(),
    /**
     * Who may change units, routing rules, settings and code: GitHub logins, numeric GitHub ids (a renamed login
     * then keeps no rights), or `{ github: login, id: 583231 }` (the id decides, the login reads well).
     */
    administrators: z.array(z.union([GitHubLoginSchema, GitHubIdSchema, z.object({ github: GitHubLoginSchema.optional(), id: GitHubIdSchema }).strict()])).default([]),
    /** Limits for inbound mail. */
    mail: z
      .object({
        /** Largest attachment kept, in bytes; bigger ones are listed but not stored. */
        attachmentMaxBytes: z
          .number()
          .int()
          .positive()
          .default(10 * 1024 * 1024),
        /**
         * Largest whole mail taken, in bytes (default 30 MiB): a bigger one becomes no ticket and sends no mail; it
         * waits in intake/quarantine/ with the reason, raw bytes kept, for TPM (`gitgus quarantine retry` after a change).
         */
        maxMailBytes: z.number().int().positive().optional(),
        /** Most attachments one mail may carry (default 20); more: quarantined the same way. */
        maxAttachments: z.number().int().positive().optional(),
        /** More Cc addresses than this on a first mail adds none and flags the ticket for TPM. */
        ccLimit: z.number().int().nonnegative().default(20),
        /**
         * When a mail may change a ticket's state (a From address is easy to forge), judged from the receiving
         * server's Authentication-Results: `dmarc` = DMARC passed; `aligned` = DMARC passed, or DKIM or SPF passed
         * for the From domain; `off` = every mail (only for a server that authenticates nothing). Default `aligned`.
         * (Optional without a schema default, like the four below, so existing settings files round-trip unchanged.)
         */
        authentication: z.enum(['dmarc', 'aligned', 'off']).optional(),
        /**
         * authserv-ids of our own receiving servers (the first word of the Authentication-Results header they add,
         * e.g. `mx.example.org`): only those headers are believed. None configured: no header is, so no mail changes
         * a ticket's state (the ticket or message is flagged `unauthenticated` with this reason). `gitgus init` asks.
         */
        authservIds: z.array(singleLine(200)).optional(),
        /** Whether an unauthenticated sender of a new ticket gets the acknowledgement (default false: no backscatter). */
        acknowledgeUnauthenticated: z.boolean().optional(),
        /** A mail to a verified or closed ticket: `new-ticket` linked to the old one, or `append` it flagged for TPM; default `new-ticket`. */
        replyToClosed: z.enum(['new-ticket', 'append']).optional(),
        /** Thread on a per-ticket token in the recipient address (`helpdesk+165048@…`), tried before any header; default false. */
        replyTokens: z.boolean().optional(),
      })
      .strict()
      .default({ attachmentMaxBytes: 10 * 1024 * 1024, ccLimit: 20 }),
    /** Outgoing notifications, the daily cap, SMTP, and the time-driven rules; absent means GGUS's defaults (lib/core/schema/notify.ts). */
    notify: NotifySettingsSchema.optional(),
    /** TPM monitoring (`gitgus monitor`) and the last level of user escalation; absent means GGUS's defaults. */
    monitoring: z
      .object({
        /** Ticket monitoring (GGUS: the KIT ticket monitoring team): mailed when a submitter escalates to level 3. */
        address: EmailSchema.optional(),
        /** Working hours on TPM's calendar within which a new ticket should be assigned (EGEE TPM target: under 1 hour). */
        assignWithinHours: z.number().positive().optional(),
        /** A ticket that has been at this many units or more bounced between them (GGUS: "probably misrouted"); default 3. */
        bounceUnits: z.number().int().min(2).optional(),
      })
      .strict()
      .optional(),
    /**
     * The published site split by ticket-number range (GitHub Pages publishes at most 1 GB per site): each
     * part is a site of its own (its ticket pages and their search index) at `url`, published to
     * `repository`; tickets outside every part stay in the main site, whose listings link into the parts
     * and whose search merges theirs. Parts share the main site's origin (`owner.github.io/<repository>/`),
     * so links and Pagefind's mergeIndex need no CORS.
     */
    siteParts: z
      .array(
        z
          .object({
            name: SlugSchema,
            tickets: z.object({ from: z.number().int().positive(), to: z.number().int().positive() }).strict(),
            url: z.url(),
            repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { error: 'expected owner/name' }),
          })
          .strict(),
      )
      .optional(),
  })
  .strict()
  .superRefine((settings, ctx) => {
    const parts = settings.siteParts ?? [];
    const fix = (index: number, text: string) =>
      `${text}; e.g.\nsiteParts:\n  - name: archive-1\n    tickets: { from: 1, to: 99999 }\n    url: https://owner.github.io/helpdesk-archive-1/\n    repository: owner/helpdesk-archive-1\n(part ${index + 1})`;
    const names = new Set<string>();
    const origin = URL.canParse(settings.siteUrl) ? new URL(settings.siteUrl).origin : undefined;
    parts.forEach((part, index) => {
      const issue = (field: (string | number)[], message: string, hint: string) => ctx.addIssue({ code: 'custom', path: ['siteParts', index, ...field], message, params: { code: 'E_SITE_PARTS', hint: fix(index, hint) } });
      if (names.has(part.name)) issue(['name'], `'${part.name}' names an earlier part too: expected a name of its own`, 'give every part its own name');
      names.add(part.name);
      if (part.tickets.to < part.tickets.from) issue(['tickets'], `ends (${part.tickets.to}) before it starts (${part.tickets.from}): expected from ≤ to`, 'swap from and to');
      if (origin !== undefined && URL.canParse(part.url) && new URL(part.url).origin !== origin) {
        issue(['url'], `is on ${new URL(part.url).origin}, the main site (siteUrl) on ${origin}: expected the same origin`, `publish the part as a project site under ${origin}, so links and search work without CORS`);
      }
      for (const [other, earlier] of parts.slice(0, index).entries()) {
        if (part.tickets.from <= earlier.tickets.to && earlier.tickets.from <= part.tickets.to) {
          issue(
            ['tickets'],
            `#${part.tickets.from}–#${part.tickets.to} overlaps part '${earlier.name}' (#${earlier.tickets.from}–#${earlier.tickets.to}): expected ranges that do not overlap`,
            `end one range before the other starts (part ${other + 1} is '${earlier.name}')`,
          );
        }
      }
    });
  });

export type SettingsInput = z.input<typeof SettingsSchema>;

/** The monitoring settings with GGUS's defaults filled in. */
export function monitoringSettingsOf(settings: { monitoring?: { address?: string | undefined; assignWithinHours?: number | undefined; bounceUnits?: number | undefined } | undefined }): {
  address?: string;
  assignWithinHours: number;
  bounceUnits: number;
} {
  const m = settings.monitoring ?? {};
  return { ...(m.address ? { address: m.address } : {}), assignWithinHours: m.assignWithinHours ?? 1, bounceUnits: m.bounceUnits ?? 3 };
}
export type Settings = z.output<typeof SettingsSchema>;

export const SETTINGS_EXAMPLE = `name: Example Grid Helpdesk
intake:
  - address: helpdesk@ggus.example
    unit: tpm
  - address: vo-user-support@ggus.example
    unit: tpm-vo
sender: noreply@ggus.example
subjectTag: "[GGUS #{number}]"
siteUrl: https://helpdesk.example.org/
numberingStart: 165000
`;
