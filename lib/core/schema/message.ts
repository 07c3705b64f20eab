/**
 * The message file format: `tickets/<shard>/<number>/messages/<time>-<key>.md`.
 * One file per message, append-only: two messages never touch the same file, so Git merges them.
 */
import { z } from 'zod';
import { BODY_FIELDS, EmailSchema, GitHubLoginSchema, SlugSchema, TimestampSchema, singleLine } from './common.ts';

const ROLES = ['submitter', 'supporter', 'tpm', 'system', 'other'] as const;
export type Role = (typeof ROLES)[number];
const VISIBILITIES = ['public', 'internal'] as const;
const MESSAGE_SOURCES = ['mail', 'github', 'pull-request', 'cli', 'web', 'system'] as const;

export const MessageSchema = z
  .object({
    date: TimestampSchema,
    author: z
      .object({
        name: singleLine(200),
        email: EmailSchema.optional(),
        github: GitHubLoginSchema.optional(),
        role: z.enum(ROLES),
        /** The unit a supporter spoke for. */
        unit: SlugSchema.optional(),
      })
      .strict(),
    /** `internal` notes never reach the submitter or the public site. */
    visibility: z.enum(VISIBILITIES).default('public'),
    source: z.enum(MESSAGE_SOURCES),
    /** The mail's Message-ID without angle brackets; the threading key. */
    messageId: singleLine(998).optional(),
    inReplyTo: singleLine(998).optional(),
    references: z.array(singleLine(998)).optional(),
    ...BODY_FIELDS,
  })
  .strict();

export type MessageInput = z.input<typeof MessageSchema>;
export type Message = z.output<typeof MessageSchema>;

export const MESSAGE_EXAMPLE = `---
date: 2026-11-27T10:15:00Z
author:
  name: A. Supporter
  github: a-supporter
  role: supporter
  unit: ngi-de
visibility: public
source: pull-request
---
We renewed the proxy on the VOBOX; could you resubmit a test job?
`;
