/**
 * The coded error vocabulary. Callers branch on `err.code`, never on message text
 * (isomorphic-git's BaseError style); the CLI entry point is the only place that prints and exits.
 */

/** One thing wrong with one file, in words a supporter understands. */
export interface Problem {
  /** Repository-relative path of the file at fault. */
  file: string;
  /** Dotted front-matter path (`submitter.email`), when the problem is about one field. */
  field?: string;
  /** What is wrong, one sentence. */
  message: string;
  /** A valid example or the fix. */
  hint?: string;
}

export class GitgusError extends Error {
  readonly code: string;
  readonly data: Record<string, unknown>;
  readonly hint: string | undefined;
  constructor(code: string, message: string, options: { data?: Record<string, unknown>; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GitgusError';
    this.code = code;
    this.data = options.data ?? {};
    this.hint = options.hint;
  }
  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, ...this.data };
  }
}

/** Input that failed validation: carries every problem found, not just the first. */
export class ValidationError extends GitgusError {
  readonly problems: Problem[];
  constructor(problems: Problem[], summary?: string) {
    super('E_VALIDATION', summary ?? formatProblems(problems), { data: { problems } });
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

export class NotFoundError extends GitgusError {
  constructor(what: string, hint?: string) {
    super('E_NOT_FOUND', `Could not find ${what}.`, hint === undefined ? { data: { what } } : { data: { what }, hint });
    this.name = 'NotFoundError';
  }
}

/** Front-matter written in a language that could execute code (`---js`). */
export class FrontMatterLanguageError extends GitgusError {
  constructor(file: string, language: string) {
    super('E_FRONTMATTER_LANGUAGE', `${file}: front-matter language "${language}" is refused; only YAML is read, so no file can run code.`, {
      data: { file, language },
      hint: 'Start the file with a plain `---` line followed by YAML.',
    });
    this.name = 'FrontMatterLanguageError';
  }
}

/** A required external program (git, chromium, dovecot) is missing. */
export class MissingDependencyError extends GitgusError {
  constructor(program: string, install: string) {
    super('E_MISSING_DEPENDENCY', `${program} is not installed or not on PATH.`, { data: { program }, hint: install });
    this.name = 'MissingDependencyError';
  }
}

/**
 * Exit status 75 (sysexits.h EX_TEMPFAIL, "try again later"): a run stopped with nothing lost and nothing
 * half-done, and a later run will succeed — an MTA keeps the mail queued and retries, a CI job shows a
 * status distinct from a failure (1) or a bug (70). Used for the error codes in TEMPORARY_FAILURES.
 */
export const EXIT_TEMPFAIL = 75;

/** E_PUSH_CONTENDED: other writers kept moving the main branch until the time bound; E_BUSY: another writer holds the checkout. */
export const TEMPORARY_FAILURES: ReadonlySet<string> = new Set(['E_PUSH_CONTENDED', 'E_BUSY']);

/** An expected failure that was already reported to the user; the entry point exits with `exitCode`. */
export class ExitError extends Error {
  readonly exitCode: number;
  constructor(exitCode: number, options?: { cause?: unknown }) {
    super(`exit ${exitCode}`, options);
    this.name = 'ExitError';
    this.exitCode = exitCode;
  }
}

/** A bug in gitgus itself, never the user's input. */
export class InternalError extends GitgusError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('E_INTERNAL', message, options);
    this.name = 'InternalError';
  }
}

export function formatProblem(problem: Problem): string {
  const where = problem.field ? `${problem.file}: ${problem.field}` : problem.file;
  const lines = [`${where}: ${problem.message}`];
  if (problem.hint) lines.push(...problem.hint.split('\n').map((line) => `    ${line}`));
  return lines.join('\n');
}

export function formatProblems(problems: Problem[]): string {
  return problems.map(formatProblem).join('\n');
}
