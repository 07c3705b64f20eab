import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineCommand } from 'citty';
import { parseSettings } from '../../lib/core/documents.ts';
import { describePlan, INTAKE_INTERVALS, nextSteps, isExampleAddress, isExampleData, pagesUrl, planInit, withDefaults, type InitInput, type InitPlan } from '../../lib/core/init.ts';
import { SETTINGS_FILE } from '../../lib/core/paths.ts';
import { GitgusError } from '../../lib/errors.ts';
import { runGit } from '../../lib/git/native.ts';
import { resolveInside } from '../../lib/fs/paths.ts';
import { printJson } from '../_shared.ts';
import { isoSeconds } from '../../lib/core/time.ts';

/** This gitgus installation: the files `gitgus init DIR` copies. */
const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface InitOptions {
  /** Make a new copy here (`gitgus init DIR`); without it, the checkout at `root` is turned into a helpdesk. */
  dir?: string | undefined;
  root?: string | undefined;
  answers: InitInput;
  /** Ask on the terminal for what `answers` lacks. */
  interactive?: boolean;
  /** Streams for the questions (default the terminal). */
  streams?: PromptStreams;
  /** Where the copy comes from (tests); default this installation. */
  source?: string;
}

interface InitResult {
  root: string;
  commit: string;
  plan: InitPlan;
}

function listFiles(dir: string): string[] {
  return runGit(dir, ['ls-files', '-z']).stdout.split('\0').filter(Boolean);
}

/** `gitgus init DIR`: the project's tracked files minus the example data, as a new repository on `main`. */
function makeCopy(source: string, target: string): void {
  if (runGit(source, ['rev-parse', '--is-inside-work-tree'], { allowFailure: true }).status !== 0) {
    throw new GitgusError('E_INIT_SOURCE', `${source} is not a Git checkout of gitgus, so there is no file list to copy`, { hint: 'Clone gitgus with git (or use GitHub\'s "Use this template") and run gitgus init in the copy.' });
  }
  for (const file of listFiles(source)) {
    if (isExampleData(file)) continue;
    const from = path.join(source, file);
    if (!existsSync(from)) continue; // deleted in the working tree, not yet committed
    const to = resolveInside(target, file);
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(from, to);
    chmodSync(to, statSync(from).mode & 0o777);
  }
  runGit(target, ['init', '--quiet', '--initial-branch=main']);
}

function checkInPlace(root: string): void {
  const top = runGit(root, ['rev-parse', '--show-toplevel'], { allowFailure: true });
  if (top.status !== 0 || path.resolve(top.stdout.trim()) !== path.resolve(root)) {
    throw new GitgusError('E_INIT_NOT_REPOSITORY', `${root} is not the top of a Git repository`, { hint: 'Run gitgus init at the top of your copy of gitgus, or give a new folder: gitgus init DIR' });
  }
  if (runGit(root, ['status', '--porcelain']).stdout.trim() !== '') {
    throw new GitgusError('E_INIT_DIRTY', `${root} has uncommitted changes`, { hint: 'Commit or stash them first: gitgus init makes one commit of its own.' });
  }
  const settingsFile = path.join(root, SETTINGS_FILE);
  if (existsSync(settingsFile)) {
    const settings = parseSettings(readFileSync(settingsFile, 'utf8'), SETTINGS_FILE);
    const own = settings.intake.filter((entry) => !isExampleAddress(entry.address));
    if (own.length > 0) {
      throw new GitgusError('E_INIT_HELPDESK_EXISTS', `${root} is already a helpdesk (${own.map((entry) => entry.address).join(', ')}): gitgus init never overwrites one`, {
        hint: 'Edit helpdesk.yml and units/ directly, or run gitgus init DIR to start a new helpdesk elsewhere.',
      });
    }
  }
}

/** `owner/name` from an origin remote on GitHub, if there is one. */
function githubRemote(root: string): string | undefined {
  const url = runGit(root, ['remote', 'get-url', 'origin'], { allowFailure: true }).stdout.trim();
  const match = /github\.com[:/]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(url);
  return match ? `${match[1]}/${match[2]}` : undefined;
}

function list(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((word) => word.trim())
    .filter(Boolean);
}

/** Where the questions are asked: the terminal, or streams a test drives. */
interface PromptStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/** Asks for every answer the flags did not give, defaults pre-filled. */
export async function ask(given: InitInput, streams?: PromptStreams): Promise<InitInput> {
  const prompts = await import('@inquirer/prompts');
  const context = streams ? { input: streams.input, output: streams.output } : undefined;
  const text = (config: Parameters<typeof prompts.input>[0]) => prompts.input(config, context);
  const select = <T>(config: Parameters<typeof prompts.select<T>>[0]) => prompts.select<T>(config, context);
  const confirm = (config: Parameters<typeof prompts.confirm>[0]) => prompts.confirm(config, context);
  const input = given;
  const answers: InitInput = { ...input };
  answers.name ??= await text({ message: 'Name of the helpdesk', default: 'Grid Helpdesk', required: true });
  answers.domain ??= await text({ message: 'Mail domain (intake addresses are helpdesk@ and vo-user-support@ there)', default: 'example.org', required: true });
  answers.repository ??= (await text({ message: 'GitHub repository of the helpdesk (owner/name; empty: none yet)', default: '' })) || undefined;
  answers.visibility ??= await select({
    message: 'Is that repository public?',
    choices: [
      { name: 'private (recommended: it holds mail addresses and internal notes)', value: 'private' as const },
      { name: 'public (users open issues in it)', value: 'public' as const },
    ],
  });
  if (answers.visibility === 'private' && answers.repository && answers.issueRepository === undefined) {
    const companion = await confirm({ message: 'Let users open GitHub issues in a public companion repository?', default: true });
    if (companion) answers.issueRepository = await text({ message: 'Companion repository (owner/name)', default: `${answers.repository}-issues` });
  }
  const defaults = withDefaults(answers);
  answers.siteUrl ??= await text({ message: 'Public site URL', default: answers.repository ? pagesUrl(answers.repository) : defaults.siteUrl });
  answers.subjectTag ??= await text({ message: 'Subject tag ({number} is the ticket number)', default: defaults.subjectTag });
  answers.tpmMembers ??= list(await text({ message: 'TPM members (GitHub logins or mail addresses, comma-separated)', default: '' }));
  answers.authservIds ??= list(await text({ message: "authserv-id of your receiving mail server (first word of the Authentication-Results header it adds, e.g. mx.example.org; empty: no mail changes a ticket's state)", default: '' }));
  answers.intakeEveryMinutes ??= await select({
    message: 'Poll the mailbox every',
    default: defaults.intakeEveryMinutes,
    choices: INTAKE_INTERVALS.map((minutes) => ({ name: minutes < 60 ? `${minutes} minutes` : `${minutes / 60} hour${minutes > 60 ? 's' : ''}`, value: minutes })),
  });
  return answers;
}

/** Turns a copy of gitgus into a team's helpdesk (or makes the copy first), as one commit. */
async function init(options: InitOptions): Promise<InitResult> {
  const root = path.resolve(options.dir ?? options.root ?? process.cwd());
  if (options.dir === undefined) checkInPlace(root);
  else if (existsSync(root) && (!statSync(root).isDirectory() || readdirSync(root).length > 0)) {
    throw new GitgusError('E_INIT_EXISTS', `${root} already exists and is not empty`, { hint: 'Give a new folder: gitgus init ../our-helpdesk' });
  }
  let input: InitInput = { now: isoSeconds(new Date()), ...options.answers };
  if (input.repository === undefined && options.dir === undefined) input.repository = githubRemote(root);
  if (options.interactive) input = await ask(input, options.streams);
  const source = options.source ?? PROJECT_ROOT;
  // Planned from the source's files before anything is written: bad answers leave no half-made folder.
  const files = options.dir === undefined ? listFiles(root) : listFiles(source).filter((file) => !isExampleData(file));
  const base = options.dir === undefined ? root : source;
  const plan = planInit(input, files, (file) => {
    const full = path.join(base, file);
    return files.includes(file) && existsSync(full) ? readFileSync(full, 'utf8') : undefined;
  });

  if (options.dir !== undefined) makeCopy(source, root);
  for (const file of plan.remove) rmSync(resolveInside(root, file), { force: true });
  for (const file of plan.write) {
    const full = resolveInside(root, file.path);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, file.content);
  }
  runGit(root, ['add', '--all']);
  const configured = runGit(root, ['config', 'user.email'], { allowFailure: true }).stdout.trim() !== '';
  const identity = configured ? [] : ['-c', 'user.name=gitgus init', '-c', `user.email=${plan.answers.sender}`];
  runGit(root, [...identity, 'commit', '--quiet', '--no-verify', '-m', plan.subject, '-m', describePlan(plan)]);
  return { root, commit: runGit(root, ['rev-parse', 'HEAD']).stdout.trim(), plan };
}

function numberArg(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new GitgusError('E_ARGUMENT', `${what} '${text}' is not a positive whole number`);
  return value;
}

export default defineCommand({
  meta: {
    name: 'init',
    description: [
      "Make a copy of gitgus your team's helpdesk: settings, a TPM and a TPM VO unit, routing rules, the issue form",
      '(in the repository users can open issues in), the intake schedule, a README for your users; the example',
      'tickets and units go. One commit. Asks on a terminal; --yes takes the defaults for what no flag gives.',
      'Never overwrites a helpdesk (a helpdesk.yml with real intake addresses).',
      '',
      'Examples:',
      '  gitgus init                                   (in a fresh copy: "Use this template", then clone)',
      '  gitgus init ../our-helpdesk --yes --name "Nordic Grid Helpdesk" --domain ngh.example.org',
      '  gitgus init --yes --name "Grid Help" --domain grid.example.org --repository grid/helpdesk --tpm alice,bob',
    ].join('\n'),
  },
  args: {
    dir: { type: 'positional', description: 'Make a new copy of gitgus here first (default: turn the current checkout into the helpdesk)', required: false, valueHint: 'DIR' },
    yes: { type: 'boolean', description: 'Ask nothing: take the defaults for what no flag gives', default: false },
    name: { type: 'string', description: 'Name of the helpdesk', valueHint: 'NAME' },
    domain: { type: 'string', description: 'Mail domain: intake addresses helpdesk@ and vo-user-support@, sender noreply@', valueHint: 'DOMAIN' },
    'helpdesk-address': { type: 'string', description: 'General intake address (default helpdesk@DOMAIN)', valueHint: 'ADDR' },
    'vo-address': { type: 'string', description: 'VO user support intake address (default vo-user-support@DOMAIN)', valueHint: 'ADDR' },
    sender: { type: 'string', description: 'From address of notifications (default noreply@DOMAIN)', valueHint: 'ADDR' },
    tag: { type: 'string', description: 'Subject tag with {number} (default: the initials of the name, "[GH #{number}]")', valueHint: 'TAG' },
    'site-url': { type: 'string', description: "Public site (default: the repository's GitHub Pages address)", valueHint: 'URL' },
    repository: { type: 'string', description: 'GitHub repository of the helpdesk, owner/name (default: the origin remote)', valueHint: 'OWNER/NAME' },
    public: { type: 'boolean', description: 'The repository is public: users open issues in it (default: private)' },
    'issue-repository': { type: 'string', description: 'Private helpdesk: the public companion repository for issues (default OWNER/NAME-issues)', valueHint: 'OWNER/NAME' },
    'first-number': { type: 'string', description: 'First ticket number (default 1)', valueHint: 'N' },
    tpm: { type: 'string', description: 'TPM members: GitHub logins or mail addresses, comma-separated', valueHint: 'LIST' },
    'tpm-vo': { type: 'string', description: 'TPM VO support members, comma-separated', valueHint: 'LIST' },
    'tpm-list': { type: 'string', description: 'TPM mailing list (default tpm@DOMAIN)', valueHint: 'ADDR' },
    'tpm-vo-list': { type: 'string', description: 'TPM VO mailing list (default tpm-vo@DOMAIN)', valueHint: 'ADDR' },
    'authserv-ids': { type: 'string', description: "authserv-ids of your receiving mail servers: the only Authentication-Results believed (none: no mail changes a ticket's state)", valueHint: 'LIST' },
    admins: { type: 'string', description: 'GitHub logins allowed to change units, routing and settings (default: the TPM logins)', valueHint: 'LIST' },
    vos: { type: 'string', description: 'Known VOs, comma-separated', valueHint: 'LIST' },
    timezone: { type: 'string', description: 'Time zone of TPM and TPM VO office hours (default UTC)', valueHint: 'ZONE' },
    'intake-every': { type: 'string', description: `Minutes between mail intake runs: ${INTAKE_INTERVALS.join(', ')} (default 60 private, 5 public)`, valueHint: 'MIN' },
    root: { type: 'string', description: 'Checkout to turn into the helpdesk (default: the current folder)', valueHint: 'DIR' },
    json: { type: 'boolean', description: 'Print machine-readable JSON on standard output', default: false },
  },
  async run({ args }) {
    const intakeEvery = numberArg(args['intake-every'], '--intake-every');
    const answers: InitInput = {
      ...(args.name === undefined ? {} : { name: args.name }),
      ...(args.domain === undefined ? {} : { domain: args.domain }),
      ...(args['helpdesk-address'] === undefined ? {} : { helpdeskAddress: args['helpdesk-address'] }),
      ...(args['vo-address'] === undefined ? {} : { voAddress: args['vo-address'] }),
      ...(args.sender === undefined ? {} : { sender: args.sender }),
      ...(args.tag === undefined ? {} : { subjectTag: args.tag }),
      ...(args['site-url'] === undefined ? {} : { siteUrl: args['site-url'] }),
      ...(args.repository === undefined ? {} : { repository: args.repository }),
      ...(args.public === undefined ? {} : { visibility: args.public ? ('public' as const) : ('private' as const) }),
      ...(args['issue-repository'] === undefined ? {} : { issueRepository: args['issue-repository'] }),
      ...(args['first-number'] === undefined ? {} : { numberingStart: numberArg(args['first-number'], '--first-number') }),
      ...(args.tpm === undefined ? {} : { tpmMembers: list(args.tpm) }),
      ...(args['tpm-vo'] === undefined ? {} : { tpmVoMembers: list(args['tpm-vo']) }),
      ...(args['tpm-list'] === undefined ? {} : { tpmList: args['tpm-list'] }),
      ...(args['tpm-vo-list'] === undefined ? {} : { tpmVoList: args['tpm-vo-list'] }),
      ...(args.admins === undefined ? {} : { administrators: list(args.admins) }),
      ...(args['authserv-ids'] === undefined ? {} : { authservIds: list(args['authserv-ids']) }),
      ...(args.vos === undefined ? {} : { vos: list(args.vos) }),
      ...(args.timezone === undefined ? {} : { timezone: args.timezone }),
      ...(intakeEvery === undefined ? {} : { intakeEveryMinutes: intakeEvery as InitInput['intakeEveryMinutes'] }),
    };
    const interactive = !args.yes && process.stdin.isTTY && process.stdout.isTTY;
    const result = await init({ dir: args.dir, root: args.root, answers, interactive });
    if (args.json) printJson({ root: result.root, commit: result.commit, write: result.plan.write.map((file) => file.path), remove: result.plan.remove, answers: result.plan.answers });
    else
      process.stderr.write(
        `${describePlan(result.plan)}\n\n${result.plan.subject} (commit ${result.commit.slice(0, 10)}) in ${result.root}.\nNext: README.md → "Deploy on GitHub" in ${path.join(result.root, 'docs/gitgus.md')}, and on GitHub:\n${nextSteps(
          result.plan.answers,
        )
          .map((step) => `  - ${step}`)
          .join('\n')}\n`,
      );
  },
});
