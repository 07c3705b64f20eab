/**
 * The file formats of the helpdesk's `intake/` folder, where mail intake keeps what is not a ticket:
 *
 *     intake/state.yml                          highest ticket number ever minted (never reused)
 *     intake/message-ids/<aa>/<b>.tsv          Message-ID index: one line per message received
 *     intake/ignored/<yyyy>-<mm>/<key>.md       auto-replies, bounces, list mail, our own mail, spam
 *     intake/duplicates/<k>/<key>.md            a message delivered again (first repeat)
 *     intake/quarantine/<key>.md + <key>.eml    what could not be processed, with the raw bytes
 *
 * TPM reads these like tickets; `gitgus quarantine list|retry` works on the quarantine.
 */
import { z } from 'zod';
import { EmailSchema, SlugSchema, TimestampSchema, singleLine } from './common.ts';

const INTAKE_RECORD_ACTIONS = ['ignored', 'duplicate', 'quarantined'] as const;

/** Idempotency key of a message: 16 lower-case hex digits (Message-ID hash + content hash). */
const IntakeKeySchema = z.string().regex(/^[a-f0-9]{16}$/, { error: 'expected 16 hex digits like 3f9a2c1b7d0e4a55' });

/** Front-matter of a record under intake/ignored, intake/duplicates or intake/quarantine; the body holds text or the error. */
export const IntakeRecordSchema = z
  .object({
    action: z.enum(INTAKE_RECORD_ACTIONS),
    /** Stable word for the reason: auto-reply, bounce, list, own-mail, spam, parse-error, no-sender, … */
    category: SlugSchema,
    /** The reason in words TPM understands. */
    reason: singleLine(500),
    key: IntakeKeySchema,
    /** Message-ID hash and content hash: the message's line in the Message-ID index, so it can be rebuilt. */
    idHash: z.string().regex(/^[a-f0-9]{32}$/),
    contentHash: z.string().regex(/^[a-f0-9]{16}$/),
    /** When intake received the message. */
    received: TimestampSchema,
    /** The mail's own Date header, as written. */
    date: singleLine(200).optional(),
    messageId: singleLine(998).optional(),
    /** The From header, decoded; may be no valid address at all. */
    from: singleLine(500).optional(),
    /** The intake address it came to. */
    recipient: EmailSchema.optional(),
    subject: singleLine(1000).optional(),
    /** Size of the raw message in bytes. */
    size: z.number().int().nonnegative(),
    /** For duplicates: the ticket the first copy went to. */
    ticket: z.number().int().positive().optional(),
    /** For quarantine: file name of the raw message beside this record. */
    raw: z
      .string()
      .regex(/^[a-f0-9]{16}\.eml$/)
      .optional(),
    /** For quarantine: how often `gitgus quarantine retry` failed on it. */
    attempts: z.number().int().nonnegative().optional(),
  })
  .strict();

export type IntakeRecordInput = z.input<typeof IntakeRecordSchema>;
export type IntakeRecord = z.output<typeof IntakeRecordSchema>;

export const INTAKE_RECORD_EXAMPLE = `---
action: ignored
category: auto-reply
reason: "auto-reply (Auto-Submitted: auto-replied): never a ticket, never answered"
key: 3f9a2c1b7d0e4a55
idHash: 3f9a2c1b9c41d07be3c0aa1f5b2e8d64
contentHash: 7d0e4a5512ab34cd
received: 2026-11-27T09:14:03Z
messageId: out-of-office.1@uni.example
from: Jane Doe <jane.doe@uni.example>
recipient: helpdesk@ggus.example
subject: "Out of office: [GGUS #165048] CMS jobs fail"
size: 2048
---
I am out of the office until Monday.
`;

/** `intake/state.yml`. */
export const IntakeStateSchema = z
  .object({
    /** Highest ticket number intake has minted; the next one is this + 1, so a deleted ticket's number is never reused. */
    lastNumber: z.number().int().nonnegative(),
    /** Version of the Message-ID index layout; an index is rebuilt from the tickets when this is missing. */
    index: z.literal(1),
  })
  .strict();

export type IntakeState = z.output<typeof IntakeStateSchema>;

export const INTAKE_STATE_EXAMPLE = `lastNumber: 165048
index: 1
`;

/**
 * What one Message-ID index line points at: a ticket number, or what happened to a mail that made none.
 * Line format (tab-separated, sorted): `<Message-ID hash, 32 hex>\t<content hash, 16 hex>\t<outcome>`.
 */
/** Content hash of index lines rebuilt from ticket files, whose raw mail is gone: matches any content. */
export const UNKNOWN_CONTENT_HASH = '0000000000000000';

const IndexOutcomeSchema = z.union([z.number().int().positive(), z.enum(['ignored', 'quarantined'])]);
export type IndexOutcome = z.output<typeof IndexOutcomeSchema>;

export const IndexEntrySchema = z
  .object({
    idHash: z.string().regex(/^[a-f0-9]{32}$/),
    contentHash: z.string().regex(/^[a-f0-9]{16}$/),
    outcome: IndexOutcomeSchema,
  })
  .strict();

export type IndexEntry = z.output<typeof IndexEntrySchema>;
