/**
 * `gitgus init`, decided without IO: from a team's answers and the file list of a copy of this repository,
 * the files that make the copy the team's own helpdesk (settings, a TPM and a TPM VO unit, routing rules,
 * the issue form where users can reach it, a README for the helpdesk's users, the intake schedule) and the
 * example data to remove. Every generated file is validated by the schema that reads it back, so bad
 * answers are refused before anything is written.
 */
import { InternalError, ValidationError, type Problem } from '../errors.ts';
import { serializeSettings, serializeUnit } from './documents.ts';
import { parseYamlText } from './frontmatter.ts';
import { parseWithFriendlyErrors } from './friendly-errors.ts';
import { issueFormFiles } from './github/form.ts';
import { issueRepositoryOf, type IssueRepositorySettings } from './github/repository.ts';
import { GITHUB_STATE_FILE, serializeSyncState } from './github/sync.ts';
import { SETTINGS_FILE, TICKETS_DIR, UNITS_DIR, unitPath } from './paths.ts';
import { EmailSchema, GitHubLoginSchema } from './schema/common.ts';
import { ROUTING_EXAMPLE, RoutingRulesSchema } from './schema/routing.ts';
import type { SettingsInput } from './schema/settings.ts';
import type { UnitInput } from './schema/unit.ts';

const ROUTING_RULES_FILE = `${UNITS_DIR}/routing.yml`;
const MAIL_INTAKE_WORKFLOW = '.github/workflows/mail-intake.yml';
/** The gitgus project's own test workflow: it tests against the example helpdesk, which a team's copy no longer has. */
const PROJECT_TEST_WORKFLOW = '.github/workflows/test.yml';
/** The gitgus project's README moves here; the team's README is for the helpdesk's users. */
const GITGUS_DOCS = 'docs/gitgus.md';
/** Files for a public companion repository, when the helpdesk's own is private. */
const COMPANION_DIR = 'companion';

/** Minutes between two scheduled mail intake runs that a cron line can express evenly. */
export const INTAKE_INTERVALS = [5, 10, 15, 20, 30, 60, 120, 180, 360] as const;

interface InitAnswers {
  /** The helpdesk's name, shown on the site and in mail. */
  name: string;
  /** The mail domain: intake addresses and the sender are made from it unless given. */
  domain: string;
  helpdeskAddress: string;
  voAddress: string;
  sender: string;
  subjectTag: string;
  siteUrl: string;
  /** `owner/name` of the helpdesk repository on GitHub. */
  repository?: string | undefined;
  /** Whether the helpdesk repository is public (then users open issues in it). */
  visibility: 'public' | 'private';
  /** `owner/name` of the public companion repository for issues (private helpdesks); none: no GitHub issues. */
  issueRepository?: string | undefined;
  numberingStart: number;
  /** TPM: mailing list and members (GitHub logins or mail addresses). */
  tpmList: string;
  tpmMembers: string[];
  tpmVoList: string;
  tpmVoMembers: string[];
  administrators: string[];
  /** authserv-ids of the receiving mail servers: the only Authentication-Results intake believes. */
  authservIds: string[];
  vos: string[];
  timezone: string;
  intakeEveryMinutes: (typeof INTAKE_INTERVALS)[number];
  /** Set-up time (ISO): where GitHub issue intake starts reading. */
  now: string;
}

/** What a team gives on the command line or at the prompts; everything else has a default. */
export type InitInput = Partial<InitAnswers> & { name?: string; domain?: string };

/** Initials of a multi-word name (`Example Grid Helpdesk` → `EGH`), else the name itself, upper-case. */
function tagWord(name: string): string {
  const words = name.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const initials = words
    .map((word) => [...word][0] ?? '')
    .join('')
    .toUpperCase();
  return words.length >= 2 ? initials : (words[0] ?? 'HELPDESK').toUpperCase().slice(0, 12);
}

/** `https://owner.github.io/name/`: where GitHub Pages serves a repository's site. */
export function pagesUrl(repository: string): string {
  const [owner = '', repo = ''] = repository.split('/');
  return repo.toLowerCase() === `${owner.toLowerCase()}.github.io` ? `https://${owner.toLowerCase()}.github.io/` : `https://${owner.toLowerCase()}.github.io/${repo}/`;
}

/** Fills in every answer not given, from the ones that were. */
export function withDefaults(input: InitInput): InitAnswers {
  const name = input.name?.trim() || 'Grid Helpdesk';
  const domain = (input.domain?.trim() || 'example.org').toLowerCase();
  const visibility = input.visibility ?? 'private';
  const repository = input.repository;
  const tpmMembers = input.tpmMembers ?? [];
  return {
    name,
    domain,
    helpdeskAddress: input.helpdeskAddress ?? `helpdesk@${domain}`,
    voAddress: input.voAddress ?? `vo-user-support@${domain}`,
    sender: input.sender ?? `noreply@${domain}`,
    subjectTag: input.subjectTag ?? `[${tagWord(name)} #{number}]`,
    siteUrl: input.siteUrl ?? (repository ? pagesUrl(repository) : `https://helpdesk.${domain}/`),
    repository,
    visibility,
    issueRepository: input.issueRepository ?? (repository && visibility === 'private' ? `${repository}-issues` : undefined),
    numberingStart: input.numberingStart ?? 1,
    tpmList: input.tpmList ?? `tpm@${domain}`,
    tpmMembers,
    tpmVoList: input.tpmVoList ?? `tpm-vo@${domain}`,
    tpmVoMembers: input.tpmVoMembers ?? [],
    administrators: input.administrators ?? tpmMembers.filter((member) => !member.includes('@')),
    authservIds: input.authservIds ?? [],
    vos: input.vos ?? [],
    timezone: input.timezone ?? 'UTC',
    intakeEveryMinutes: input.intakeEveryMinutes ?? (visibility === 'public' ? 5 : 60),
    // The edge (scripts/commands/init.ts) passes the time: core reads no clock.
    now: input.now ?? '',
  };
}

/** `every N minutes` as a cron line, off the full hour (GitHub's scheduler is busiest at :00). */
export function intakeCron(minutes: number): string {
  if (!(INTAKE_INTERVALS as readonly number[]).includes(minutes)) {
    throw new ValidationError([{ code: 'E_SCHEDULE', file: MAIL_INTAKE_WORKFLOW, field: 'schedule', message: `cannot run every ${minutes} minutes evenly`, hint: `choose one of ${INTAKE_INTERVALS.join(', ')}` }]);
  }
  if (minutes < 60) return `*/${minutes} * * * *`;
  return minutes === 60 ? '17 * * * *' : `17 */${minutes / 60} * * *`;
}

/** The mail intake workflow with its schedule set; refuses a file whose schedule it cannot find. */
export function withIntakeSchedule(workflow: string, minutes: number): string {
  const cron = /^(\s*-\s*cron:\s*)"[^"\n]*"\s*$/m;
  if (!cron.test(workflow)) {
    throw new ValidationError([{ code: 'E_SCHEDULE', file: MAIL_INTAKE_WORKFLOW, field: 'on.schedule', message: 'has no `- cron: "…"` line to set', hint: 'Restore the file from gitgus, or set the schedule by hand.' }]);
  }
  return workflow.replace(cron, `$1"${intakeCron(minutes)}"`);
}

function member(text: string, file: string, problems: Problem[]): { github?: string; email?: string } | undefined {
  const value = text.trim();
  const parsed = value.includes('@') ? EmailSchema.safeParse(value) : GitHubLoginSchema.safeParse(value);
  if (!parsed.success) {
    problems.push({ code: 'E_ARGUMENT', file, field: 'members', message: `'${value}' is neither a GitHub login nor a mail address`, hint: 'Give members as GitHub logins (alice-smith) or mail addresses (alice@uni.example), separated by commas.' });
    return undefined;
  }
  return value.includes('@') ? { email: parsed.data } : { github: parsed.data };
}

function unitDoc(id: 'tpm' | 'tpm-vo', answers: InitAnswers, problems: Problem[]): { path: string; content: string } {
  const file = unitPath(id);
  const tpm = id === 'tpm';
  const members = (tpm ? answers.tpmMembers : answers.tpmVoMembers).map((text) => member(text, file, problems)).filter((entry) => entry !== undefined);
  const unit: UnitInput = {
    id,
    name: tpm ? 'TPM — Ticket Process Management' : 'TPM VO support',
    family: id,
    mailingList: tpm ? answers.tpmList : answers.tpmVoList,
    members,
    qos: tpm ? 'advanced' : 'medium',
    timezone: answers.timezone,
  };
  const body = tpm
    ? [
        'The Ticket Process Managers on shift. TPM watches every new ticket, directs it to the right support unit, and tells the submitter what happens.',
        '',
        '## FAQ',
        '',
        '- **A ticket fits no unit?** Keep it and answer it, or route it to the closest unit with a public note saying why.',
        '- **A site problem?** Assign it to the NGI of the site (helpdesk.yml → `sites`).',
      ].join('\n')
    : 'People from the VOs. They receive VO-related tickets, solve or forward VO-specific problems, recognise grid problems and assign them to a support unit or back to TPM.';
  return { path: file, content: serializeUnit({ unit, body }, file) };
}

function routingRules(answers: InitAnswers): string {
  const local = answers.voAddress.slice(0, answers.voAddress.indexOf('@'));
  const text = `# Routing rules: which support unit a new ticket goes to (first written by \`gitgus init\`).
#
# The rules are tried from top to bottom; the FIRST whose \`when:\` conditions all hold decides (\`then:\`).
# After them come GGUS's defaults, which also apply when no rule matches: TEAM and ALARM tickets and
# tickets that name a site to notify go to that site's NGI, then the unit helpdesk.yml gives the intake
# address, then TPM. \`gitgus route --explain <number>\` shows which rule decided and why.
#
# Conditions: intake (address the mail came to), vo, site, ngi, type, priority, keywords (whole words in
# the title or request), hasNotifySite. Actions: unit (or ngiOf: notifySite | site), priority, vo,
# notifySite, involve. Only the administrators in helpdesk.yml may change this file.
rules:
  # Mail to VO user support reaches the people from the VOs first.
  - id: vo-user-support
    description: Mail to VO user support goes to TPM VO support
    when:
      intake: ${local}@
    then:
      unit: tpm-vo

  # Add a unit file in units/ for each support unit, then rules like this one:
  # - id: cms-crab
  #   description: CRAB problems go straight to CMS VO support
  #   when:
  #     vo: cms
  #     keywords: [crab, glideinwms]
  #   then:
  #     unit: cms
`;
  // Read back through the rules schema: what init writes is what routing accepts.
  parseWithFriendlyErrors(RoutingRulesSchema, parseYamlText(text, ROUTING_RULES_FILE), ROUTING_RULES_FILE, ROUTING_EXAMPLE);
  return text;
}

/** The GitHub part of the settings init writes: a public helpdesk takes issues in its own repository. */
export function githubSettingsOf(answers: Pick<InitAnswers, 'visibility' | 'repository' | 'issueRepository'>): IssueRepositorySettings {
  const issues = answers.visibility === 'public' ? undefined : answers.issueRepository;
  return { ...(answers.repository ? { repository: answers.repository } : {}), ...(issues ? { issueRepository: issues } : {}) };
}

function settingsOf(answers: InitAnswers): SettingsInput {
  return {
    name: answers.name,
    intake: [
      { address: answers.helpdeskAddress, unit: 'tpm', name: 'General helpdesk' },
      { address: answers.voAddress, unit: 'tpm-vo', name: 'VO user support' },
    ],
    sender: answers.sender,
    subjectTag: answers.subjectTag,
    siteUrl: answers.siteUrl,
    numberingStart: answers.numberingStart,
    ...githubSettingsOf(answers),
    vos: answers.vos,
    sites: {},
    administrators: answers.administrators,
    ...(answers.authservIds.length > 0 ? { mail: { attachmentMaxBytes: 10 * 1024 * 1024, ccLimit: 20, authservIds: answers.authservIds } } : {}),
  };
}

const CODEOWNERS_FILE = '.github/CODEOWNERS';

/** Code owners: the administrators for everything but tickets/ (README: require code-owner review on main). */
function codeOwners(answers: Pick<InitAnswers, 'administrators'>): string {
  const owners = answers.administrators.map((login) => `@${login}`).join(' ');
  const line = (pattern: string) => (owners ? `${pattern.padEnd(15)} ${owners}` : `# ${pattern} (no administrators yet: add their @logins here)`);
  return [
    '# Who must review a pull request that touches each path (with "Require review from Code Owners" in the',
    '# branch rule of main). The pull-request check refuses every change outside the helpdesk data for anyone',
    '# but the administrators of helpdesk.yml; this makes GitHub ask one of them too.',
    '',
    '# Code, workflows, package files, .gitattributes and anything not listed below: the administrators.',
    line('*'),
    '',
    '# Ticket changes are judged by the check alone (who may change what is in units/ and the lifecycle).',
    '/tickets/',
    '',
    '# Configuration: administrators only, as the check says.',
    line('/helpdesk.yml'),
    line('/units/'),
    '',
  ].join('\n');
}

/**
 * What to set on GitHub after init, printed by `gitgus init`: the settings no file in the repository can
 * make (README, Deploy on GitHub, says the same in full).
 */
export function nextSteps(answers: Pick<InitAnswers, 'authservIds' | 'repository'>): string[] {
  const settings = answers.repository ? `https://github.com/${answers.repository}/settings` : 'the repository settings';
  return [
    `Secrets: in ${settings}/environments create the environment "helpdesk", limit its deployment branches to main, and put GITGUS_IMAP_URL, GITGUS_IMAP_PASSWORD, GITGUS_SMTP_USER, GITGUS_SMTP_PASSWORD and GITGUS_GITHUB_TOKEN there (not as repository secrets): a workflow pushed on another branch then cannot read them.`,
    `Branch rule for main (${settings}/rules): require a pull request with review from Code Owners (.github/CODEOWNERS), require the status check "Check" and branches to be up to date (or a merge queue), and let GitHub Actions bypass it for intake's pushes.`,
    answers.authservIds.length > 0
      ? `Mail authentication: only Authentication-Results from ${answers.authservIds.join(', ')} are believed.`
      : "Mail authentication: no authserv-id given (--authserv-ids), so no mail changes a ticket's state (verify, reopen, replies to waiting for reply) until mail.authservIds in helpdesk.yml names your receiving server.",
  ];
}

function helpdeskReadme(answers: InitAnswers): string {
  const issues = issueRepositoryOf(githubSettingsOf(answers));
  const tag = answers.subjectTag.replace('{number}', '123');
  const lines = [
    `# ${answers.name}`,
    '',
    `${answers.name} answers questions and problems of grid users. Every request becomes a numbered ticket that the`,
    'right support unit works on until it is solved; you can follow it, and answer, at every step.',
    '',
    '## Getting help',
    '',
    `- **By mail** — write to [${answers.helpdeskAddress}](mailto:${answers.helpdeskAddress}), or for questions about a VO's own`,
    `  software and services to [${answers.voAddress}](mailto:${answers.voAddress}). Every mail becomes a ticket; the answer`,
    `  carries its number in the subject (\`${tag}\`). Reply to it to keep the conversation in one ticket.`,
  ];
  if (issues) {
    lines.push(`- **On GitHub** — [open an issue with the form](https://github.com/${issues}/issues/new/choose). A bot answers with the`, "  ticket number; the supporters' answers appear on the issue. Everything there is public.");
  }
  lines.push(
    `- **Follow your ticket** on [${answers.siteUrl}](${answers.siteUrl}): the public queue, every ticket's page with its`,
    '  answers and history, search and feeds. Mail addresses and internal notes never appear there.',
    '',
    'When you write, say which VO and site are concerned, what you did, what you expected and what happened',
    'instead (error messages and job ids help). Never send passwords, proxies or private keys.',
    '',
    '## For supporters',
    '',
    '- Each ticket is a folder: `tickets/<shard>/<number>/index.md` holds its state, `messages/` the conversation.',
    '  Change a ticket through a pull request — the check explains anything it refuses — or from a terminal:',
    '  `gitgus reply`, `gitgus set`, `gitgus show`, `gitgus list` (`npx gitgus --help`).',
    '- Support units are the files in `units/`, routing rules are `units/routing.yml`, settings `helpdesk.yml`.',
    `- How this helpdesk runs (workflows, secrets, schedules, costs): [${GITGUS_DOCS}](${GITGUS_DOCS}), "Deploy on GitHub".`,
    '',
  );
  return lines.join('\n');
}

function companionFiles(answers: InitAnswers): { path: string; content: string }[] {
  const issues = answers.issueRepository;
  if (answers.visibility === 'public' || !issues || !answers.repository) return [];
  const form = issueFormFiles({ helpdeskName: answers.name, siteUrl: answers.siteUrl, intakeAddress: answers.helpdeskAddress });
  const forward = `# Forwards every new issue and comment to the helpdesk repository ${answers.repository}, where GitHub issue
# intake turns them into tickets and messages and answers here. Nothing in this workflow reads an issue's
# text: the helpdesk fetches it through the API. Runs in this public repository, so it costs no minutes.
# Needs the secret GITGUS_DISPATCH_TOKEN: a fine-grained token for ${answers.repository} with
# "Contents: read and write" (what a repository_dispatch requires).
name: Forward to the helpdesk

on:
  issues:
    types: [opened, edited, reopened]
  issue_comment:
    types: [created]

permissions: {}

jobs:
  forward:
    if: "!github.event.issue.pull_request"
    runs-on: ubuntu-latest
    timeout-minutes: 5
    permissions: {}
    steps:
      - name: Tell the helpdesk
        env:
          GH_TOKEN: \${{ secrets.GITGUS_DISPATCH_TOKEN }}
          HELPDESK: ${answers.repository}
        run: gh api "repos/$HELPDESK/dispatches" -f event_type=github-issue
`;
  const readme = `# ${answers.name}: issues

Open an issue here to ask ${answers.name} for help: [open an issue with the form](https://github.com/${issues}/issues/new/choose).
It becomes a ticket of the helpdesk, a bot answers with its number and a link to its page on
${answers.siteUrl}, and the supporters' answers appear on the issue. Everything here is public.

You can also write to ${answers.helpdeskAddress}: every mail becomes a ticket too.

---

Set-up (for the helpdesk's administrators): this folder is the content of the public repository
\`${issues}\`. Create that repository, push this folder's content to it, and add the secret
\`GITGUS_DISPATCH_TOKEN\` there (see \`.github/workflows/forward.yml\`). In the helpdesk repository, set the
secret \`GITGUS_GITHUB_TOKEN\` to a token with "Issues: read and write" on \`${issues}\`.
`;
  return [...form.map((file) => ({ path: `${COMPANION_DIR}/${file.path}`, content: file.content })), { path: `${COMPANION_DIR}/.github/workflows/forward.yml`, content: forward }, { path: `${COMPANION_DIR}/README.md`, content: readme }];
}

/** The example data of this repository: left out of a copy, removed by an in-place init. */
export function isExampleData(repoPath: string): boolean {
  if (repoPath === SETTINGS_FILE || repoPath === ROUTING_RULES_FILE) return true;
  if (/^tickets\/\d+\//.test(repoPath)) return true;
  if (/^units\/[^/]+\.md$/.test(repoPath) && repoPath !== `${UNITS_DIR}/README.md`) return true;
  if (repoPath.startsWith('intake/')) return true;
  return repoPath.startsWith('.github/ISSUE_TEMPLATE/');
}

/**
 * RFC 2606 / 6761 reserve these domains for examples; no real helpdesk gets mail there. A helpdesk.yml whose
 * intake addresses all use them is an example, which init may replace; any other is a team's own.
 */
export function isExampleAddress(address: string): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return /(?:^|\.)(?:example|test|invalid|localhost)$/.test(domain) || /(?:^|\.)example\.(?:com|net|org)$/.test(domain);
}

export interface InitPlan {
  answers: InitAnswers;
  /** Files to write (repository paths), in a stable order. */
  write: { path: string; content: string }[];
  /** Existing files to delete. */
  remove: string[];
  /** The commit subject. */
  subject: string;
}

/**
 * The whole change `gitgus init` makes, from the answers and the files the copy has now (`files`: repository
 * paths; `read`: their text, for the workflow and README it adjusts).
 */
export function planInit(input: InitInput, files: readonly string[], read: (path: string) => string | undefined): InitPlan {
  const answers = withDefaults(input);
  if (answers.now === '') throw new InternalError('planInit was called without the time (InitInput.now)');
  const problems: Problem[] = [];
  const write: { path: string; content: string }[] = [];
  const settings = settingsOf(answers);
  try {
    write.push({ path: SETTINGS_FILE, content: serializeSettings(settings, SETTINGS_FILE) });
  } catch (error) {
    if (error instanceof ValidationError) problems.push(...error.problems);
    else throw error;
  }
  for (const id of ['tpm', 'tpm-vo'] as const) {
    try {
      write.push(unitDoc(id, answers, problems));
    } catch (error) {
      if (error instanceof ValidationError) problems.push(...error.problems);
      else throw error;
    }
  }
  if (problems.length > 0) throw new ValidationError(problems);
  write.push({ path: ROUTING_RULES_FILE, content: routingRules(answers) });

  const workflow = read(MAIL_INTAKE_WORKFLOW);
  if (workflow !== undefined) write.push({ path: MAIL_INTAKE_WORKFLOW, content: withIntakeSchedule(workflow, answers.intakeEveryMinutes) });
  const issues = issueRepositoryOf(githubSettingsOf(answers));
  if (answers.visibility === 'public' && issues) {
    write.push(...issueFormFiles({ helpdeskName: answers.name, siteUrl: answers.siteUrl, intakeAddress: answers.helpdeskAddress }));
  }
  write.push(...companionFiles(answers));
  if (issues) write.push({ path: GITHUB_STATE_FILE, content: serializeSyncState({ repositories: { [issues]: { since: answers.now } } }) });
  const gitgusReadme = read('README.md');
  if (gitgusReadme !== undefined && read(GITGUS_DOCS) === undefined) write.push({ path: GITGUS_DOCS, content: gitgusReadme });
  write.push({ path: 'README.md', content: helpdeskReadme(answers) });
  write.push({ path: CODEOWNERS_FILE, content: codeOwners(answers) });

  const written = new Set(write.map((file) => file.path));
  const remove = files.filter((file) => !written.has(file) && (isExampleData(file) || file === PROJECT_TEST_WORKFLOW)).sort();
  write.sort((a, b) => a.path.localeCompare(b.path));
  return { answers, write, remove, subject: `Set up ${answers.name} as a gitgus helpdesk` };
}

/** A plan as a short list for the terminal and the commit body. */
export function describePlan(plan: InitPlan): string {
  const tickets = plan.remove.filter((file) => file.startsWith(`${TICKETS_DIR}/`)).length;
  const other = plan.remove.length - tickets;
  return [
    ...plan.write.map((file) => `write  ${file.path}`),
    ...(tickets > 0 ? [`remove ${tickets} example ticket files`] : []),
    ...(other > 0 ? [`remove ${other} other example files (units, intake records, the example issue form, the project's test workflow)`] : []),
  ].join('\n');
}
