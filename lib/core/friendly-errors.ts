/**
 * Turns zod issues into problems that name the file, the field, what was expected, what was found,
 * and show the matching line of a valid example (starlight's parseWithFriendlyErrors, changesets' EXAMPLE_FORMAT).
 */
import type { z } from 'zod';
import { ValidationError, type ErrorCode, type Problem } from '../errors.ts';
import { describe } from './schema/common.ts';

type Issue = z.core.$ZodIssue;

function issueToProblem(issue: Issue, file: string, example: string): Problem {
  const field = issue.path.map(String).join('.') || undefined;
  const message = issueMessage(issue);
  const topKey = issue.code === 'unrecognized_keys' ? undefined : issue.path.find((part) => typeof part === 'string');
  const exampleLines = topKey === undefined ? undefined : exampleFor(example, topKey);
  let hint: string | undefined;
  if (issue.code === 'unrecognized_keys') {
    hint = `known fields: ${knownKeys(example).join(', ')}`;
  } else if (exampleLines) {
    hint = `example:\n${exampleLines}`;
  }
  // A schema's own rule (superRefine) may name its code and fix: `params: { code, hint }`.
  const params = issue.code === 'custom' ? (issue.params as { code?: ErrorCode; hint?: string } | undefined) : undefined;
  if (params?.code !== undefined) return { code: params.code, file, ...(field ? { field } : {}), message, ...(params.hint ? { hint: params.hint } : {}) };
  return hint === undefined ? { code: 'E_SCHEMA', file, ...(field ? { field } : {}), message } : { code: 'E_SCHEMA', file, ...(field ? { field } : {}), message, hint };
}

function issueMessage(issue: Issue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_value':
      return `expected one of ${issue.values.map((value) => `'${String(value)}'`).join(' | ')}, received ${describe(input)}`;
    case 'invalid_type':
      if (input === undefined) return `is required (expected ${issue.expected})`;
      return `expected ${issue.expected}, received ${describe(input)}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `'${key}'`).join(', ')}`;
    case 'invalid_union':
      return `${issue.message}, received ${describe(input)}`;
    default:
      return issue.message;
  }
}

/** The lines of the example that belong to top-level key `key` (the key line and its indented children). */
function exampleFor(example: string, key: string): string | undefined {
  const lines = example.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`${key}:`));
  if (start < 0) return undefined;
  const out = [lines[start] as string];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s/.test(line)) break;
    out.push(line);
  }
  return out.join('\n');
}

function knownKeys(example: string): string[] {
  return example
    .split('\n')
    .filter((line) => /^[A-Za-z]\w*:/.test(line))
    .map((line) => line.slice(0, line.indexOf(':')));
}

/** Validates `input`; returns the parsed value or the problems, never throws for bad input. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, file: string, example: string): { ok: true; value: z.output<S> } | { ok: false; problems: Problem[] } {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problems: result.error.issues.map((issue) => issueToProblem(issue, file, example)) };
}

/** Like `validate`, but throws a ValidationError listing every problem. */
export function parseWithFriendlyErrors<S extends z.ZodType>(schema: S, input: unknown, file: string, example: string): z.output<S> {
  const result = validate(schema, input, file, example);
  if (!result.ok) throw new ValidationError(result.problems);
  return result.value;
}
