/**
 * The GitHub issue form users open tickets with (`.github/ISSUE_TEMPLATE/ticket.yml`), and the reading of
 * the Markdown GitHub renders from it into the issue body. One definition serves both, so the form a team
 * gets from `gitgus init` and the parser that reads its issues cannot drift apart. Pure.
 *
 * GitHub renders a submitted form as one section per field, in form order:
 *
 *     ### Description
 *
 *     CMS jobs fail …
 *
 *     ### VO
 *
 *     _No response_
 *
 * (https://docs.github.com/en/communities/using-templates-to-encourage-useful-issues-and-pull-requests/syntax-for-issue-forms).
 * The issue title is the ticket's summary, as GGUS's "Subject".
 */
import { stringifyYamlValue } from '../frontmatter.ts';
import { ISSUE_TYPES, PRIORITIES, type Priority } from '../schema/ticket.ts';
import { SlugSchema } from '../schema/common.ts';
import { TEAM_ALARM_ISSUE_TYPES } from '../team-alarm.ts';

/** Where the form lives in the repository users open issues in. */
const ISSUE_FORM_PATH = '.github/ISSUE_TEMPLATE/ticket.yml';
/** Turns off blank issues, so every issue arrives through the form. */
const ISSUE_CONFIG_PATH = '.github/ISSUE_TEMPLATE/config.yml';

/** What GitHub writes for an optional field left empty. */
const NO_RESPONSE = '_No response_';

type FormFieldId = 'summary' | 'description' | 'vo' | 'site' | 'notifySite' | 'type' | 'priority' | 'issue';

interface FormField {
  id: FormFieldId;
  label: string;
  /** Other headings read as this field (older forms, a team's own wording). */
  aliases: readonly string[];
}

/** The form's fields in form order. `summary` is not in the shipped form (the title is the summary) but is read when a team adds it. */
const FORM_FIELDS: readonly FormField[] = [
  { id: 'summary', label: 'Summary', aliases: ['Subject'] },
  { id: 'description', label: 'Description', aliases: ['Problem description', 'Details'] },
  { id: 'vo', label: 'VO', aliases: ['Virtual organisation', 'Virtual organization', 'Concerned VO'] },
  { id: 'site', label: 'Site', aliases: ['Affected site'] },
  { id: 'notifySite', label: 'Notify site', aliases: ['Notified site'] },
  { id: 'type', label: 'Ticket type', aliases: [] },
  { id: 'priority', label: 'Priority', aliases: [] },
  { id: 'issue', label: 'Type of issue', aliases: ['Issue type'] },
];

const DEFAULT_ISSUE_TYPE = 'Other';

/**
 * The issue form as data (written as YAML by `gitgus init`; the checked-in copy is tested to equal it).
 * `helpdeskName` and `siteUrl` only change the introductory text.
 */
export function issueForm(options: { helpdeskName: string; siteUrl: string }): Record<string, unknown> {
  return {
    name: 'Ask the helpdesk',
    description: `Open a ticket with ${options.helpdeskName}. Everything written here is public.`,
    labels: ['ticket'],
    body: [
      {
        type: 'markdown',
        attributes: {
          value: [
            `This issue becomes a ticket of **${options.helpdeskName}**; a bot answers with its number and a link to its page on ${options.siteUrl}.`,
            'Write a one-line **summary as the title**. Everything here is public: never paste passwords, proxies or private keys.',
            'You can also write to the helpdesk by mail.',
          ].join('\n\n'),
        },
      },
      {
        type: 'textarea',
        id: 'description',
        attributes: {
          label: 'Description',
          description: 'What happened, what you expected, when it started, and what you already tried. Error messages and job ids help.',
        },
        validations: { required: true },
      },
      {
        type: 'input',
        id: 'vo',
        attributes: { label: 'VO', description: 'The virtual organisation concerned, if any.', placeholder: 'cms' },
      },
      {
        type: 'input',
        id: 'site',
        attributes: { label: 'Site', description: 'The affected site (its GOCDB name), if any.', placeholder: 'FZK-LCG2' },
      },
      {
        type: 'input',
        id: 'notify_site',
        attributes: { label: 'Notify site', description: 'A site (GOCDB name) to notify: the ticket then goes straight to its NGI, bypassing TPM. Leave empty if unsure.', placeholder: 'FZK-LCG2' },
      },
      {
        type: 'dropdown',
        id: 'ticket_type',
        attributes: {
          label: 'Ticket type',
          description:
            'TEAM: for your VO team (members of its support unit and its alarmers). ALARM: only the alarmers of your VO, for Tier-0/Tier-1 emergencies; the site is alerted at once. Anyone else gets a USER ticket. TEAM and ALARM need the VO and the site to notify, and take these types of issue: ' +
            TEAM_ALARM_ISSUE_TYPES.join(', ') +
            '.',
          options: ['USER', 'TEAM', 'ALARM'],
          default: 0,
        },
        validations: { required: true },
      },
      {
        type: 'dropdown',
        id: 'priority',
        attributes: {
          label: 'Priority',
          description: 'How urgent this is for you; supporters may adjust it.',
          options: [...PRIORITIES],
          default: 0,
        },
        validations: { required: true },
      },
      {
        type: 'dropdown',
        id: 'issue',
        attributes: { label: 'Type of issue', options: [...ISSUE_TYPES], default: ISSUE_TYPES.indexOf(DEFAULT_ISSUE_TYPE) },
        validations: { required: true },
      },
    ],
  };
}

/** `config.yml` beside the form: no blank issues, and the mail address as the other way in. */
export function issueFormConfig(options: { helpdeskName: string; siteUrl: string; intakeAddress: string }): Record<string, unknown> {
  return {
    blank_issues_enabled: false,
    // GitHub takes only http(s) links here, so the mail address is named in the text.
    contact_links: [{ name: `${options.helpdeskName}: tickets and answers`, url: options.siteUrl, about: `Browse the public queue and earlier answers, or write to ${options.intakeAddress}: every mail becomes a ticket too.` }],
  };
}

/** What an issue body says, field by field; anything not understood is kept in `notes` (nothing is lost). */
interface FormValues {
  /** True when at least one form heading was found (false: a free-text body). */
  fromForm: boolean;
  summary?: string;
  /** The request text; for a free-text body, the whole body. */
  description: string;
  vo?: string;
  site?: string;
  /** As written; checked against the helpdesk's sites with the type (lib/core/team-alarm.ts). */
  notifySite?: string;
  type?: string;
  priority?: Priority;
  issue?: (typeof ISSUE_TYPES)[number];
  /** Values the form gave that could not be used as field values, in words for the ticket body. */
  notes: string[];
}

function headingPattern(): RegExp {
  return /^#{3}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm;
}

function fieldOf(heading: string): FormField | undefined {
  const wanted = heading.trim().toLowerCase();
  return FORM_FIELDS.find((field) => field.label.toLowerCase() === wanted || field.aliases.some((alias) => alias.toLowerCase() === wanted));
}

function cleanValue(text: string): string | undefined {
  const trimmed = text.replace(/\r\n?/g, '\n').replace(/^\n+|\s+$/g, '');
  return trimmed === '' || trimmed === NO_RESPONSE ? undefined : trimmed;
}

/**
 * Splits a rendered issue body into the form's fields. Only the description is free text, and it comes
 * first; the fields after it are one line each. So the sections are found from the end backwards — a
 * heading the user typed inside the description ("### Steps", even "### Site") stays part of it.
 */
function sections(body: string): Map<FormFieldId, string> {
  const found: { field: FormField; start: number; end: number }[] = [];
  for (const match of body.matchAll(headingPattern())) {
    const field = fieldOf(match[1] ?? '');
    if (field) found.push({ field, start: match.index, end: match.index + match[0].length });
  }
  const out = new Map<FormFieldId, string>();
  let limit = body.length;
  let order = FORM_FIELDS.length;
  for (let i = found.length - 1; i >= 0; i -= 1) {
    const heading = found[i] as (typeof found)[number];
    const position = FORM_FIELDS.indexOf(heading.field);
    // Fields appear in form order; a heading out of order (or a repeat) belongs to the text above it.
    if (position >= order || out.has(heading.field.id)) continue;
    out.set(heading.field.id, body.slice(heading.end, limit));
    limit = heading.start;
    order = position;
  }
  if (out.size > 0 && limit > 0 && body.slice(0, limit).trim() !== '') {
    // Text above the first form heading (a team's own preamble, an edit): kept with the description.
    out.set('description', `${body.slice(0, limit).trim()}\n\n${out.get('description') ?? ''}`);
  }
  return out;
}

function matchOption<T extends string>(value: string, options: readonly T[]): T | undefined {
  const wanted = value.trim().toLowerCase();
  return options.find((option) => option.toLowerCase() === wanted);
}

/** GOCDB site names: letters, digits, `_`, `.`, `-`. */
const SITE_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * Reads an issue body written through the form. A body without the form's headings (an issue opened
 * through the API, or a form a team removed) is all description.
 */
export function parseIssueForm(body: string | null | undefined): FormValues {
  const text = (body ?? '').replace(/\r\n?/g, '\n');
  const parts = sections(text);
  if (parts.size === 0) return { fromForm: false, description: text.trim(), notes: [] };
  const notes: string[] = [];
  const values: FormValues = { fromForm: true, description: cleanValue(parts.get('description') ?? '') ?? '', notes };
  const summary = cleanValue(parts.get('summary') ?? '');
  if (summary !== undefined) values.summary = summary;

  const vo = cleanValue(parts.get('vo') ?? '');
  if (vo !== undefined) {
    const slug = SlugSchema.safeParse(vo.toLowerCase());
    if (slug.success) values.vo = slug.data;
    else notes.push(`VO given in the form: ${vo}`);
  }
  const site = cleanValue(parts.get('site') ?? '');
  if (site !== undefined) {
    if (SITE_NAME.test(site)) values.site = site;
    else notes.push(`Site given in the form: ${site}`);
  }
  const notifySite = cleanValue(parts.get('notifySite') ?? '');
  if (notifySite !== undefined) {
    if (SITE_NAME.test(notifySite)) values.notifySite = notifySite;
    else notes.push(`Notify site given in the form: ${notifySite}`);
  }
  const type = cleanValue(parts.get('type') ?? '');
  if (type !== undefined) values.type = type;
  const priority = cleanValue(parts.get('priority') ?? '');
  if (priority !== undefined) {
    const known = matchOption(priority, PRIORITIES);
    if (known) values.priority = known;
    else notes.push(`Priority given in the form: ${priority}`);
  }
  const issue = cleanValue(parts.get('issue') ?? '');
  if (issue !== undefined) {
    const known = matchOption(issue, ISSUE_TYPES);
    if (known) values.issue = known;
    else notes.push(`Type of issue given in the form: ${issue}`);
  }
  return values;
}

/** The form and its config as files, the way `gitgus init` writes them (same bytes for the same settings). */
export function issueFormFiles(options: { helpdeskName: string; siteUrl: string; intakeAddress: string }): { path: string; content: string }[] {
  const header = '# Written by `gitgus init`. Issues opened with this form become tickets (`gitgus github`);\n# the field labels are what the helpdesk reads back (lib/core/github/form.ts), so keep them.\n';
  return [
    { path: ISSUE_FORM_PATH, content: `${header}${stringifyYamlValue(issueForm(options))}` },
    { path: ISSUE_CONFIG_PATH, content: `# Written by \`gitgus init\`: every issue comes through the form; mail is the other way in.\n${stringifyYamlValue(issueFormConfig(options))}` },
  ];
}
