/** Building blocks shared by the file-format schemas. Pure: zod only. */
import { z } from 'zod';

/**
 * A stored mail address: `local@domain`, lower-cased on the way in so that comparisons need no care. As a
 * helpdesk takes them, single-label domains (`root@localhost`) are accepted and a trailing dot of a fully
 * qualified domain (`jane@uni.example.`) is dropped; whether such an address can be mailed is
 * `isAnswerable`'s question, not the schema's.
 */
export const EmailSchema = z
  .string({ error: (issue) => `expected a mail address like jane.doe@uni.example, received ${describe(issue.input)}` })
  .max(254)
  .regex(/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/, {
    error: (issue) => `expected a mail address like jane.doe@uni.example, received ${describe(issue.input)}`,
  })
  .transform((address) => address.toLowerCase().replace(/\.$/, ''));

/** Whether mail to a stored address can be delivered: not to a single-label domain (root@localhost). */
export function isAnswerable(address: string): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1).replace(/\.$/, '');
  return address.includes('@') && domain.includes('.');
}

/** A GitHub login (1–39 characters, letters, digits, single hyphens). */
export const GitHubLoginSchema = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, { error: (issue) => `expected a GitHub login like alice-smith, received ${describe(issue.input)}` });

/** GitHub's numeric user id: unlike a login it never passes to another account. */
export const GitHubIdSchema = z.number({ error: 'expected a GitHub numeric user id like 583231' }).int().positive();

/** Identifiers of units, VOs and the like: lower-case words joined by hyphens, safe in paths and URLs. */
export const SlugSchema = z.string().regex(/^[a-z0-9]+(?:[-.][a-z0-9]+)*$/, { error: (issue) => `expected a lower-case id like ngi-de, received ${describe(issue.input)}` });

/** An ISO-8601 timestamp with a zone (`2026-11-27T09:14:03Z`); strings, so YAML round-trips them unchanged. */
export const TimestampSchema = z.iso.datetime({
  offset: true,
  error: (issue) => `expected an ISO time like 2026-11-27T09:14:03Z, received ${describe(issue.input)}`,
});

/** A calendar day (`2026-12-01`). */
export const DaySchema = z.iso.date({ error: (issue) => `expected a day like 2026-12-01, received ${describe(issue.input)}` });

/** A single line of text: no control characters, so it is safe in mail headers and commit subjects. */
export function singleLine(max: number) {
  return z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((text) => !/[\u0000-\u001f\u007f]/.test(text), { error: 'must be one line without control characters' });
}

/** A person as the helpdesk knows them: a name and at least one way to reach them. */
export const PersonSchema = z
  .object({
    name: singleLine(200),
    email: EmailSchema.optional(),
    github: GitHubLoginSchema.optional(),
  })
  .strict()
  .refine((person) => person.email !== undefined || person.github !== undefined, {
    error: 'needs an email or a github login',
  });

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** An attachment stored in the ticket's `files/` folder. */
const AttachmentSchema = z
  .object({
    /** File name inside `files/`; never a path. */
    file: z
      .string()
      .regex(/^[^/\\\u0000-\u001f]+$/, { error: 'must be a plain file name inside files/' })
      .refine((name) => name !== '.' && name !== '..', { error: 'must be a plain file name' }),
    size: z.number().int().nonnegative(),
    type: singleLine(200).default('application/octet-stream'),
  })
  .strict();

/**
 * The fields about the body of a written text, a ticket's original request or a message, in both files last
 * and in this order (the order written to disk).
 */
export const BODY_FIELDS = {
  /** Files that came with the text, stored in the ticket's `files/`. */
  attachments: z.array(AttachmentSchema).optional(),
  /** Marks for TPM, e.g. `unknown-sender`, `unauthenticated`, `too-many-cc`. */
  flags: z.array(SlugSchema).optional(),
  /** 1-based line of the body from which it is quoted history or a signature: shown folded, kept in full. */
  foldFrom: z.number().int().positive().optional(),
};
