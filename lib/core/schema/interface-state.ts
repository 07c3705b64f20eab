/**
 * What `gitgus notify` remembers about interface mails, on the ref `refs/gitgus/interface`
 * (lib/notify/interface-state.ts): per ticket and interfaced unit, the creation mail, the last mail sent,
 * and the mails that failed with why — kept whole, so the next run sends exactly them again.
 */
import { z } from 'zod';
import { SlugSchema, TimestampSchema } from './common.ts';

const AddressSchema = z.object({ name: z.string().optional(), address: z.string() }).strict();

/** An OutgoingMail (lib/core/notify/render.ts) as JSON. */
const StoredMailSchema = z
  .object({
    ticket: z.number().int().positive(),
    key: z.string(),
    messageId: z.string(),
    from: AddressSchema,
    to: z.array(AddressSchema),
    cc: z.array(AddressSchema),
    replyTo: AddressSchema,
    subject: z.string(),
    text: z.string(),
    html: z.string().optional(),
    inReplyTo: z.string().optional(),
    references: z.array(z.string()),
    date: z.string(),
    headers: z.record(z.string(), z.string()),
    roles: z.record(z.string(), z.string()),
    list: z.boolean(),
  })
  .strict();

const FailedMailSchema = z
  .object({
    kind: z.enum(['created', 'update']),
    /** The last error, in words. */
    error: z.string(),
    attempts: z.number().int().positive(),
    firstFailed: TimestampSchema,
    lastTried: TimestampSchema,
    mail: StoredMailSchema,
  })
  .strict();

const LinkStateSchema = z
  .object({
    /** Message-ID of the creation mail, once sent. */
    created: z.string().optional(),
    /** When the last interface mail about the ticket went out. */
    lastSent: TimestampSchema.optional(),
    sent: z.number().int().nonnegative().default(0),
    failed: z.array(FailedMailSchema).default([]),
  })
  .strict();

export const InterfaceStateSchema = z
  .object({
    version: z.literal(1),
    /** Ticket number → unit id → its link state. */
    tickets: z.record(z.string().regex(/^\d+$/), z.record(SlugSchema, LinkStateSchema)),
  })
  .strict();

export type LinkState = z.output<typeof LinkStateSchema>;
export type FailedMail = z.output<typeof FailedMailSchema>;
export type InterfaceState = z.output<typeof InterfaceStateSchema>;

export const INTERFACE_STATE_EXAMPLE = `{
  "version": 1,
  "tickets": {
    "165001": { "ngi-cz": { "created": "gitgus.165001.3f9a2c1b7d0e.if-ngi-cz@ggus.example", "lastSent": "2026-12-01T10:00:00Z", "sent": 1, "failed": [] } }
  }
}`;
