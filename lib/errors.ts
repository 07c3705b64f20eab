/**
 * The coded error vocabulary, and its one registry. Callers branch on `err.code` (typed: `ErrorCode`),
 * never on message text (isomorphic-git's BaseError style); every error class lives here; the CLI entry
 * point (scripts/gitgus.ts) is the only place that prints and exits.
 */

/**
 * Every error and problem code gitgus uses. `kind` says who can fix it:
 * - usage: the command line (exit 1, "see gitgus <command> --help");
 * - input: a file or an argument (exit 1, the message and its hint);
 * - rule: a helpdesk rule (lifecycle, pull-request check) a change breaks (exit 1);
 * - infrastructure: Git, the network, the file system — not the input's fault: a mail stays unprocessed;
 * - internal: a bug in gitgus (exit 70 with the stack).
 * A new code is added here first; the compiler then accepts it everywhere else.
 */
export const ERROR_CODES = {
  E_ARGUMENT: { kind: 'usage', summary: 'A command-line argument is missing or not valid.' },
  E_UNKNOWN_COMMAND: { kind: 'usage', summary: 'No gitgus command has this name.' },
  E_NOT_FOUND: { kind: 'input', summary: 'A ticket, unit or file that was named does not exist.' },
  E_NO_CHANGE: { kind: 'input', summary: 'The ticket already has these values; nothing to commit.' },
  E_VALIDATION: { kind: 'input', summary: 'One or more files or inputs break their format or a rule; see problems[].' },
  E_YAML: { kind: 'input', summary: 'A file or front-matter that is not valid YAML.' },
  E_FRONTMATTER: { kind: 'input', summary: 'A file without front-matter, not closed, or not a mapping of fields.' },
  E_MISSING_FILE: { kind: 'input', summary: 'A file the helpdesk needs is missing (index.md, units/, a listed attachment).' },
  E_DUPLICATE_NUMBER: { kind: 'input', summary: 'Two tickets with the same number.' },
  E_NO_TPM: { kind: 'input', summary: 'The helpdesk has no TPM unit for tickets no rule routes.' },
  E_INTERFACE: { kind: 'input', summary: "A unit's interface configuration that would loop or is incomplete." },
  E_UNKNOWN_FIELD: { kind: 'usage', summary: 'A ticket field gitgus set cannot change.' },
  E_SCHEDULE: { kind: 'input', summary: 'A workflow schedule gitgus init cannot set.' },
  E_SCHEMA: { kind: 'input', summary: 'A file does not match its format (lib/core/schema/).' },
  E_FRONTMATTER_LANGUAGE: { kind: 'input', summary: 'Front-matter in a language other than YAML (could run code).' },
  E_PATH_ESCAPE: { kind: 'infrastructure', summary: 'A path would leave the helpdesk folder.' },
  E_NOT_REGULAR_FILE: { kind: 'input', summary: 'A helpdesk file is a symbolic link or not a regular file.' },
  E_OFFICE_HOURS: { kind: 'input', summary: 'Office hours that are not HH:MM times.' },
  E_UNKNOWN_UNIT: { kind: 'input', summary: 'No unit has this id.' },
  E_REFERENCE: { kind: 'input', summary: 'A file names a unit, VO or site the helpdesk does not have.' },
  E_TICKET_CLOSED: { kind: 'input', summary: 'The ticket is closed and accepts no further messages.' },
  E_INTERFACE_UNIT: { kind: 'input', summary: 'The unit has no interface to its own helpdesk.' },
  E_TRANSITION: { kind: 'rule', summary: 'A status change the lifecycle does not allow.' },
  E_NEW_STATUS: { kind: 'rule', summary: 'No ticket goes back to status new.' },
  E_ACTOR: { kind: 'rule', summary: 'The actor may not make this status change.' },
  E_FIELD_ACTOR: { kind: 'rule', summary: 'The actor may not change this field.' },
  E_FROZEN: { kind: 'rule', summary: 'The ticket is closed/verified: nothing changes any more.' },
  E_SLAVE: { kind: 'rule', summary: 'The ticket is a duplicate (slave): work on its master.' },
  E_ESCALATION: { kind: 'rule', summary: 'An escalation level the actor may not set.' },
  E_SOLUTION: { kind: 'rule', summary: 'Solved/unsolved needs a solution text and qualifier.' },
  E_IMMUTABLE: { kind: 'rule', summary: 'A field fixed at creation was changed.' },
  E_TYPE: { kind: 'rule', summary: 'The ticket type was changed other than TEAM → ALARM.' },
  E_ISSUE_TYPE: { kind: 'rule', summary: 'A TEAM or ALARM ticket names a type of issue outside their reduced list.' },
  E_UNIT_STATUS: { kind: 'rule', summary: 'Assigning and the assigned status go together.' },
  E_RELATION: { kind: 'rule', summary: 'A relation between tickets that is not consistent.' },
  E_FORBIDDEN: { kind: 'rule', summary: 'The actor is a member of no unit and may not do this.' },
  E_TOO_MANY_DUPLICATES: { kind: 'rule', summary: 'More copies of a ticket than allowed at once.' },
  E_ADMIN_ONLY: { kind: 'rule', summary: 'Only helpdesk administrators change files outside the helpdesk data.' },
  E_ATTACHMENT_CHANGED: { kind: 'rule', summary: 'An attachment was changed; attachments are kept as received.' },
  E_MESSAGE_CHANGED: { kind: 'rule', summary: 'A message was changed; messages are append-only.' },
  E_MESSAGE_AUTHOR: { kind: 'rule', summary: 'A message claims a role its writer does not have.' },
  E_MESSAGE_NAME: { kind: 'rule', summary: 'A message file name that is not <time>-<key>.md.' },
  E_INTERNAL_NOTE: { kind: 'rule', summary: 'Only supporters write internal notes.' },
  E_INTAKE_FILE: { kind: 'rule', summary: 'intake/ is written by intake alone.' },
  E_NEW_TICKET: { kind: 'rule', summary: 'Pull requests never create tickets.' },
  E_NO_TICKET: { kind: 'rule', summary: 'A message or file for a ticket that does not exist.' },
  E_NOT_ALLOWED: { kind: 'rule', summary: 'Only the submitter and supporters write on a ticket.' },
  E_RENUMBERED: { kind: 'rule', summary: 'Ticket numbers never change.' },
  E_REQUEST_EDITED: { kind: 'rule', summary: 'The original request is kept as the submitter wrote it.' },
  E_SETTINGS_DELETED: { kind: 'rule', summary: 'helpdesk.yml was deleted.' },
  E_TICKET_DELETED: { kind: 'rule', summary: 'Tickets are never deleted.' },
  E_TICKET_MOVED: { kind: 'rule', summary: 'Ticket folders never move.' },
  E_TICKET_PATH: { kind: 'rule', summary: 'A ticket outside its canonical shard folder.' },
  E_UNKNOWN_FILE: { kind: 'rule', summary: 'A file that is no part of a ticket.' },
  E_WRITER_IDENTITY: { kind: 'rule', summary: 'A commit made as the helpdesk itself by someone else than its jobs.' },
  E_BASE_INVALID: { kind: 'input', summary: 'The base of a pull request is not valid, so it cannot be judged.' },
  E_MAIL_NOT_EMAIL: { kind: 'input', summary: 'The input is not an e-mail message.' },
  E_MAIL_NO_SENDER: { kind: 'input', summary: 'The mail has no usable sender.' },
  E_MAIL_LIMIT: { kind: 'input', summary: 'A mail larger, or with more attachments, than the settings allow.' },
  E_MAIL_SENDER_UNSUPPORTED: { kind: 'input', summary: 'The sender cannot be answered (e.g. a group address).' },
  E_NOT_MAIN_BRANCH: { kind: 'input', summary: 'Intake runs only on the main branch (only there are numbers minted).' },
  E_INTAKE_STATE: { kind: 'input', summary: 'intake/state.yml says something intake did not write.' },
  E_NUMBER_UNTHREADABLE: { kind: 'internal', summary: 'A ticket number threading could not read back.' },
  E_INIT_DIRTY: { kind: 'input', summary: 'gitgus init needs a clean working tree.' },
  E_INIT_EXISTS: { kind: 'input', summary: 'The target folder of gitgus init is not empty.' },
  E_INIT_HELPDESK_EXISTS: { kind: 'input', summary: 'The folder already holds a helpdesk.' },
  E_INIT_NOT_REPOSITORY: { kind: 'input', summary: 'gitgus init in place needs a Git repository.' },
  E_INIT_SOURCE: { kind: 'input', summary: 'The source of gitgus init is not a gitgus project.' },
  E_NOTIFY_SINCE: { kind: 'input', summary: 'notify --since names no commit.' },
  E_NOTIFY_STATE: { kind: 'input', summary: "notify's state ref is not valid." },
  E_NOTIFY_RACE: { kind: 'infrastructure', summary: 'Another notify run moved the state ref.' },
  E_ALARM_SIGNING_KEY: { kind: 'input', summary: 'An ALARM mail must be signed and the signing key is missing or not usable.' },
  E_SMTP_CONFIG: { kind: 'input', summary: 'The SMTP settings are missing or not valid.' },
  E_SMTP: { kind: 'infrastructure', summary: 'The SMTP server refused or failed.' },
  E_IMAP: { kind: 'infrastructure', summary: 'The IMAP server refused or failed.' },
  E_GIT: { kind: 'infrastructure', summary: 'A git command failed.' },
  E_GIT_REF: { kind: 'input', summary: 'A ref or commit that does not exist.' },
  E_GIT_DETACHED: { kind: 'input', summary: 'The checkout is on a detached HEAD.' },
  E_GIT_RACE: { kind: 'infrastructure', summary: 'The branch moved while a commit was written.' },
  E_NOTHING_TO_COMMIT: { kind: 'internal', summary: 'A commit with no changes was asked for.' },
  E_PUSH: { kind: 'infrastructure', summary: 'The push or fetch failed for a reason other than another writer (network, a hook declining, commits of its own).' },
  E_PUSH_CONTENDED: { kind: 'infrastructure', summary: 'Other writers kept the push refused until the time bound (exit 75).' },
  E_BUSY: { kind: 'infrastructure', summary: 'Another gitgus writer holds this checkout (exit 75).' },
  E_STALE_READ: { kind: 'infrastructure', summary: 'A writer read the checkout before taking the writer lock that repaired it (exit 75).' },
  E_GITHUB: { kind: 'infrastructure', summary: "GitHub's API failed." },
  E_GITHUB_REPOSITORY: { kind: 'input', summary: 'The GitHub repository is missing or not owner/name.' },
  E_GITHUB_TOKEN: { kind: 'input', summary: 'No GitHub token where one is needed.' },
  E_SITE_PARTS: { kind: 'input', summary: 'helpdesk.yml siteParts: ranges that overlap or end before they start, a repeated name, or a part on another origin.' },
  E_SITE_BUILD: { kind: 'infrastructure', summary: 'astro build failed.' },
  E_SEARCH_INDEX: { kind: 'infrastructure', summary: 'Pagefind could not index the site.' },
  E_MISSING_DEPENDENCY: { kind: 'infrastructure', summary: 'A required program (git, chromium, dovecot) is missing.' },
  E_INTERNAL: { kind: 'internal', summary: 'A bug in gitgus: an invariant broke.' },
} as const satisfies Record<string, { kind: 'usage' | 'input' | 'rule' | 'infrastructure' | 'internal'; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
type ErrorKind = (typeof ERROR_CODES)[ErrorCode]['kind'];

export function kindOf(code: ErrorCode): ErrorKind {
  return ERROR_CODES[code].kind;
}

/**
 * One diagnostic: what is wrong with one file (or one input), in words a supporter understands. The one
 * shape of schema problems, lifecycle and relation violations and pull-request check findings, so a code
 * survives every path to `--json`.
 */
export interface Problem {
  code: ErrorCode;
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
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;
  readonly hint: string | undefined;
  constructor(code: ErrorCode, message: string, options: { data?: Record<string, unknown>; hint?: string; cause?: unknown } = {}) {
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

/**
 * E_PUSH_CONTENDED: other writers kept moving the main branch until the time bound; E_BUSY: another writer
 * holds the checkout; E_STALE_READ: the commit was refused because its lock repaired files read before it.
 */
export const TEMPORARY_FAILURES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['E_PUSH_CONTENDED', 'E_BUSY', 'E_STALE_READ']);

/** Not an e-mail at all: refused in single mode (the MTA keeps or bounces it), quarantined in batches. */
export class NotAnEmailError extends GitgusError {
  constructor(detail: string) {
    super('E_MAIL_NOT_EMAIL', `the input is not an e-mail message (${detail})`, { hint: 'Pass one raw RFC 822 message (headers, a blank line, the body); nothing was written.' });
    this.name = 'NotAnEmailError';
  }
}

/** A mail that has no usable sender: quarantined with the raw From recorded, never answered. */
export class NoSenderError extends GitgusError {
  constructor(detail: string) {
    super('E_MAIL_NO_SENDER', `the message has no usable sender address (${detail})`, { hint: 'A ticket needs a From address to answer; nothing was written.' });
    this.name = 'NoSenderError';
  }
}

/**
 * A sender address that is there but cannot be stored (no top-level domain, non-ASCII local part): not a
 * refusal — the mail has a sender — but quarantined, so TPM sees it and can answer by hand.
 */
export class UnsupportedSenderError extends GitgusError {
  /** `address` already cut to one line. */
  constructor(address: string) {
    super('E_MAIL_SENDER_UNSUPPORTED', `the sender address '${address}' is not one the helpdesk can store (expected name@domain in ASCII)`);
    this.name = 'UnsupportedSenderError';
  }
}

/**
 * A mail past the size or attachment limits: never a ticket, never answered, so it cannot make the helpdesk
 * store or relay bulk. Quarantined with the reason (raw bytes kept: nothing is lost).
 */
export class MailLimitError extends GitgusError {
  readonly category: 'too-large' | 'too-many-attachments';
  constructor(category: 'too-large' | 'too-many-attachments', message: string) {
    super('E_MAIL_LIMIT', message, { hint: 'TPM can read it in intake/quarantine/; raise mail.maxMailBytes or mail.maxAttachments in helpdesk.yml and run gitgus quarantine retry to take it after all.' });
    this.name = 'MailLimitError';
    this.category = category;
  }
}

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

function formatProblem(problem: Problem): string {
  const where = problem.field ? `${problem.file}: ${problem.field}` : problem.file;
  const lines = [`${where}: ${problem.message}`];
  if (problem.hint) lines.push(...problem.hint.split('\n').map((line) => `    ${line}`));
  return lines.join('\n');
}

export function formatProblems(problems: Problem[]): string {
  return problems.map(formatProblem).join('\n');
}
