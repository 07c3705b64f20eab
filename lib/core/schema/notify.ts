/**
 * Outgoing mail and the time-driven rules: the `notify:` section of `helpdesk.yml`, and the state file
 * `gitgus notify` keeps on the ref `refs/gitgus/notify`. Every field has a default, so a helpdesk that
 * says nothing gets GGUS's behaviour (docs/ggus.md §2.4, §3).
 */
import { z } from 'zod';
import { singleLine } from './common.ts';

const positiveDays = z.number().positive().max(365);

/** SMTP server; the user name and password come from the environment only, never from the repository. */
const SmtpSettingsSchema = z
  .object({
    /** Host name (overridden by GITGUS_SMTP_HOST). */
    host: singleLine(253).optional(),
    /** Port (GITGUS_SMTP_PORT); default 587, or 465 with `secure`. */
    port: z.number().int().min(1).max(65535).optional(),
    /** TLS from the first byte, usually port 465 (GITGUS_SMTP_SECURE=true). */
    secure: z.boolean().optional(),
    /**
     * Refuse to send unless the server offers STARTTLS (GITGUS_SMTP_REQUIRE_TLS). Default: true whenever
     * credentials are given and `secure` is false, so a password never travels in clear text.
     */
    requireTLS: z.boolean().optional(),
    /**
     * The explicit opt-in to AUTH over an unencrypted connection (GITGUS_SMTP_PLAINTEXT_AUTH=true), e.g. a
     * relay on the same host; without it `requireTLS: false` with credentials is refused. Default false.
     */
    plaintextAuth: z.boolean().optional(),
  })
  .strict();

/** The time-driven rules of `gitgus tick` (docs/ggus.md §2.4). */
const TickSettingsSchema = z
  .object({
    /** Working days between the steps of the waiting-for-reply rule (GGUS: 5). */
    waitingStepDays: positiveDays.default(5),
    /** Reminders to the submitter before a waiting ticket becomes unsolved (GGUS: 2, at 5 and 10 days; unsolved at 15). */
    waitingReminders: z.number().int().min(0).max(10).default(2),
    /** Working days after which solved and unsolved tickets close (GGUS: 10). */
    closeAfterDays: positiveDays.default(10),
    /** Priority colours that mail the responsible unit when a ticket reaches them. */
    colourMails: z.array(z.enum(['yellow', 'amber', 'red'])).default(['red']),
    /** Warn units at 75% of their QoS response time. */
    qosWarnings: z.boolean().default(true),
  })
  .strict();

const TICK_DEFAULTS = { waitingStepDays: 5, waitingReminders: 2, closeAfterDays: 10, colourMails: ['red' as const], qosWarnings: true };

export const NotifySettingsSchema = z
  .object({
    /** Acknowledge a new ticket to its submitter (never to an auto-generated or unauthenticated mail). */
    acknowledge: z.boolean().default(true),
    /** Most mails one person's address gets per day (UTC); the last brake against loops (Znuny: 40). */
    dailyCap: z.number().int().positive().default(40),
    /** Most mails a unit mailing list gets per day; lists legitimately get many. */
    listDailyCap: z.number().int().positive().default(500),
    /**
     * Most mails the helpdesk writes per day because of one sender's mail (each acknowledgement and Cc notice
     * of their new tickets counts), beside the per-recipient cap. Optional so settings files round-trip; default 40.
     */
    senderDailyCap: z.number().int().positive().optional(),
    smtp: SmtpSettingsSchema.default({}),
    tick: TickSettingsSchema.default(TICK_DEFAULTS),
  })
  .strict();

export type NotifySettings = z.output<typeof NotifySettingsSchema>;

/** The `notify:` settings with every default filled in (the section is optional in helpdesk.yml). */
export function notifySettingsOf(settings: { notify?: NotifySettings | undefined }): NotifySettings {
  return settings.notify ?? NotifySettingsSchema.parse({});
}
export type TickSettings = z.output<typeof TickSettingsSchema>;

/** `refs/gitgus/notify:state.json`: where `gitgus notify` left off, and today's send counts. */
export const NotifyStateSchema = z
  .object({
    version: z.literal(1),
    /** The last commit whose notifications were all handed to the SMTP server. */
    lastCommit: z.string().regex(/^[0-9a-f]{40}$/, { error: 'expected a full commit id' }),
    /** Mails sent per address on `day` (UTC), for the daily cap. */
    sent: z.object({ day: z.iso.date(), counts: z.record(z.string(), z.number().int().nonnegative()) }).strict(),
    /**
     * Per ticket, the Message-IDs of the newest notification to each audience (threading: a submitter's mail
     * answers the previous mail the submitter got, not an internal one), kept for 90 days after `day`.
     */
    threads: z.record(z.string().regex(/^\d+$/), z.object({ public: singleLine(998).optional(), supporters: singleLine(998).optional(), day: z.iso.date() }).strict()).default({}),
    /** Mails already sent for a commit that was interrupted half-way (their Message-IDs), so a rerun skips them. */
    partial: z
      .object({ commit: z.string().regex(/^[0-9a-f]{40}$/), sent: z.array(singleLine(998)) })
      .strict()
      .optional(),
  })
  .strict();

export type NotifyState = z.output<typeof NotifyStateSchema>;

export const NOTIFY_STATE_EXAMPLE = `{
  "version": 1,
  "lastCommit": "3f9a2c1b7d0e3f9a2c1b7d0e3f9a2c1b7d0e3f9a",
  "sent": { "day": "2026-12-01", "counts": { "jane.doe@uni.example": 3 } },
  "threads": { "165048": { "public": "gitgus.165048.3f9a2c1b7d0e.req@ggus.example", "day": "2026-12-01" } }
}`;
