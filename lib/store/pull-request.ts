/**
 * `gitgus check --base <ref>`: reads what a pull request changes and judges it (lib/core/review.ts).
 * Only the changed files and the tickets next to them (their relations' other sides) are read, through one
 * `git cat-file` process, so the check costs the same in a 165,000-ticket helpdesk as in a small one.
 */
import { parseSettings, parseTicket, parseUnit } from '../core/documents.ts';
import { ticketIndexPath, parseTicketPath, SETTINGS_FILE } from '../core/paths.ts';
import { relatedNumbers } from '../core/relations.ts';
import { checkHeadConfiguration, fileKind, formatAnnotations, formatReviewText, reviewChanges, type ReviewedFile, type ReviewProblem, type ReviewResult } from '../core/review.ts';
import type { Settings } from '../core/schema/settings.ts';
import type { Ticket } from '../core/schema/ticket.ts';
import type { Unit } from '../core/schema/unit.ts';
import { GitgusError } from '../errors.ts';
import { runGit } from '../git/native.ts';
import { changeBase, changedPaths, listFiles, TreeReader, type PathChange } from '../git/tree-diff.ts';
import { isoSeconds } from '../core/time.ts';

interface PullRequestCheckOptions {
  /** The helpdesk checkout. */
  root: string;
  /** The branch the pull request goes into (or any commit); the change is measured from the merge base. */
  base: string;
  /**
   * The pull request's commit (default HEAD). Only committed objects are read, never the working tree: in CI
   * the pull request is checked out as data, and the base branch's gitgus judges it (.github/workflows/check.yml).
   */
  head?: string | undefined;
  /** The pull request's author, a GitHub login. */
  author: string;
  /** The author's numeric GitHub id (pull_request.user.id), matched against ids in units/ and administrators. */
  authorId?: number | undefined;
  /** Now, for the latest date a new message may carry (tests pin it). */
  now?: Date;
}

/** Commit time of `ref` (ISO): a new message is not dated before the commit its pull request starts from. */
function commitTime(root: string, ref: string): string {
  return isoSeconds(Number(runGit(root, ['log', '-1', '--format=%ct', ref, '--']).stdout.trim()) * 1000);
}

/** Clocks differ a little between a supporter's machine and the runner. */
const CLOCK_SKEW_MS = 10 * 60 * 1000;

function isUnitFile(path: string): boolean {
  return fileKind(path) === 'unit';
}

function parseQuietly<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (error instanceof GitgusError) return undefined;
    throw error;
  }
}

function baseFailure(what: string, cause: unknown): GitgusError {
  return new GitgusError('E_BASE_INVALID', `${what} at the base is not valid, so the pull request cannot be judged against it`, {
    hint: 'Fix the base branch first (gitgus check on it lists the problems).',
    cause,
  });
}

/**
 * Commits in a pull request made as the helpdesk's own writer (its `sender`, what intake, tick and notify
 * commit as): history believes the trailers of those commits, so a pull request may not carry one.
 */
function writerIdentityProblems(root: string, from: string, head: string, sender: string): ReviewProblem[] {
  const log = runGit(root, ['log', '--format=%H%x1f%ae%x1f%ce', `${from}..${head}`, '--'])
    .stdout.split('\n')
    .filter(Boolean);
  return log.flatMap((line) => {
    const [oid = '', author = '', committer = ''] = line.split('\x1f');
    if (author.toLowerCase() !== sender.toLowerCase() && committer.toLowerCase() !== sender.toLowerCase()) return [];
    return [
      {
        file: `commit ${oid.slice(0, 12)}`,
        line: 1,
        code: 'E_WRITER_IDENTITY',
        message: `is made as the helpdesk itself (${sender}): only intake, tick and notify commit as the helpdesk, and history believes their trailers`,
        hint: 'Commit as yourself (git config user.email) and push again: git commit --amend --reset-author, or git rebase with --exec "git commit --amend --no-edit --reset-author".',
      },
    ];
  });
}

/** Judges the changes between `base` and the head for `author`. Returns the problems; writes nothing. */
export async function checkPullRequest(options: PullRequestCheckOptions): Promise<ReviewResult> {
  const { root } = options;
  const headCommit = options.head ?? 'HEAD';
  const from = changeBase(root, options.base, headCommit);
  const changes = changedPaths(root, from, headCommit);
  // Not before the commit the pull request branched from: later commits on the base (intake's) are not its.
  const dates = { notBefore: commitTime(root, from), notAfter: isoSeconds((options.now ?? new Date()).getTime() + CLOCK_SKEW_MS) };
  // Only helpdesk data is read; every other path is judged by its name alone (refused unless an administrator's).
  const helpdeskChanges = changes.filter((change) => {
    const kind = fileKind(change.path);
    return kind !== 'code' && kind !== 'intake' && kind !== 'ticket-path';
  });
  const otherChanges: ReviewedFile[] = changes.filter((change) => !helpdeskChanges.includes(change));
  const reader = new TreeReader(root);
  try {
    const unitPaths = listFiles(root, from, 'units').filter(isUnitFile);
    const baseSettingsText = reader.read(from, SETTINGS_FILE);
    const baseUnitTexts = unitPaths.map((path) => reader.read(from, path));
    // Attachments are judged by their path alone; their bytes (up to megabytes each) are never read.
    // A symlink's or submodule's "text" is not a file's; they are refused by their mode.
    const notRead = (change: PathChange) => fileKind(change.path) === 'attachment' || (change.mode !== undefined && !/^100(644|755)$/.test(change.mode));
    const fileTexts = helpdeskChanges.map((change) =>
      notRead(change) ? Promise.resolve([undefined, undefined] as const) : Promise.all([change.status === 'A' ? undefined : reader.read(from, change.path), change.status === 'D' ? undefined : reader.read(headCommit, change.path)]),
    );
    reader.flush();
    const race = <T>(promise: Promise<T>) => Promise.race([promise, reader.failed]);

    const settingsText = await race(baseSettingsText);
    if (settingsText === undefined) throw new GitgusError('E_BASE_INVALID', `the base has no ${SETTINGS_FILE}: it is not a helpdesk`, { hint: 'Pass the helpdesk branch the pull request goes into as --base.' });
    let settings: Settings;
    try {
      settings = parseSettings(settingsText, SETTINGS_FILE);
    } catch (error) {
      throw baseFailure(SETTINGS_FILE, error);
    }
    const baseUnits: Unit[] = [];
    for (const [index, text] of (await race(Promise.all(baseUnitTexts))).entries()) {
      const path = unitPaths[index] as string;
      const unit = text === undefined ? undefined : parseQuietly(() => parseUnit(text, path).unit);
      if (unit) baseUnits.push(unit);
    }
    const files: ReviewedFile[] = (await race(Promise.all(fileTexts))).map(([base, head], index) => ({ ...(helpdeskChanges[index] as PathChange), base, head }));

    // The helpdesk as the pull request leaves it: settings and units with the changed files applied.
    const headUnits = new Map(baseUnits.map((unit) => [unit.id, unit]));
    let headSettings: Settings | undefined = settings;
    let configurationChanged = false;
    for (const file of files) {
      const kind = fileKind(file.path);
      if (kind === 'settings') {
        configurationChanged = true;
        headSettings = file.head === undefined ? undefined : parseQuietly(() => parseSettings(file.head as string, file.path));
      } else if (kind === 'unit') {
        configurationChanged = true;
        const id = (file.path.split('/').pop() ?? '').replace(/\.md$/, '');
        headUnits.delete(id);
        const unit = file.head === undefined ? undefined : parseQuietly(() => parseUnit(file.head as string, file.path).unit);
        if (unit) headUnits.set(unit.id, unit);
      }
    }

    // Tickets next to the changed ones: the other sides of their relations, and tickets that get messages.
    const sides = { base: new Map<number, Ticket | undefined>(), head: new Map<number, Ticket | undefined>() };
    const wanted = new Set<number>();
    for (const file of files) {
      const location = parseTicketPath(file.path);
      if (!location) continue;
      wanted.add(location.number);
      if (fileKind(file.path) !== 'ticket') continue;
      const base = file.base === undefined ? undefined : parseQuietly(() => parseTicket(file.base as string, file.path).ticket);
      const head = file.head === undefined ? undefined : parseQuietly(() => parseTicket(file.head as string, file.path).ticket);
      if (file.status === 'M') {
        sides.base.set(location.number, base);
        sides.head.set(location.number, head);
      }
      for (const number of relatedNumbers(base?.relations, head?.relations)) wanted.add(number);
    }
    const fetch = [...wanted].filter((number) => !sides.base.has(number));
    const neighbourTexts = fetch.map((number) => Promise.all([reader.read(from, ticketIndexPath(number)), reader.read(headCommit, ticketIndexPath(number))]));
    reader.flush();
    for (const [index, [base, head]] of (await race(Promise.all(neighbourTexts))).entries()) {
      const number = fetch[index] as number;
      const path = ticketIndexPath(number);
      sides.base.set(number, base === undefined ? undefined : parseQuietly(() => parseTicket(base, path).ticket));
      sides.head.set(number, head === undefined ? undefined : parseQuietly(() => parseTicket(head, path).ticket));
    }

    const result = reviewChanges([...files, ...otherChanges], {
      author: options.author,
      authorId: options.authorId,
      dates,
      base: { settings, units: baseUnits },
      head: { settings: headSettings, units: [...headUnits.values()] },
      ticket: (side, number) => sides[side].get(number),
    });
    if (configurationChanged && headSettings) result.problems.push(...checkHeadConfiguration(headSettings, [...headUnits.values()]));
    result.problems.push(...writerIdentityProblems(root, from, headCommit, settings.sender));
    return result;
  } finally {
    reader.close();
  }
}

/** The check's output: JSON for tools, annotations in GitHub Actions, plain text otherwise (stdout, stderr). */
export function presentPullRequestCheck(result: ReviewResult, mode: { json: boolean; actions: boolean }): { stdout: string; stderr: string } {
  if (mode.json) return { stdout: `${JSON.stringify({ ok: result.problems.length === 0, ...result }, null, 2)}\n`, stderr: '' };
  const text = formatReviewText(result);
  // In Actions the annotations go to stdout (the runner reads them there); the text stays readable in the log.
  return mode.actions ? { stdout: formatAnnotations(result), stderr: text } : { stdout: '', stderr: text };
}
