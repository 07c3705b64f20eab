/**
 * Routing: which support unit a new ticket goes to. Pure: a ticket, the rules and the helpdesk's
 * configuration in, a decision with its explanation out.
 *
 * The rules in `units/routing.yml` are tried in order and the first whose conditions all hold wins.
 * After them come GGUS's defaults (docs/ggus.md §2.5), which also apply when a helpdesk has no rules file:
 * 1. TEAM and ALARM tickets go straight to the NGI of the notified site (else of the affected site);
 * 2. a ticket that names a site to notify goes to that site's NGI;
 * 3. the unit configured for the intake address the mail came to (`vo-user-support@` → TPM VO);
 * 4. TPM.
 */
import { ValidationError, type Problem } from '../errors.ts';
import { parseYamlText } from './frontmatter.ts';
import { parseWithFriendlyErrors } from './friendly-errors.ts';
import { ROUTING_EXAMPLE, RoutingRulesSchema, type RoutingActions, type RoutingConditions, type RoutingRule } from './schema/routing.ts';
import type { Settings } from './schema/settings.ts';
import type { Priority, Status, Ticket } from './schema/ticket.ts';
import type { Unit } from './schema/unit.ts';

/** Where the rules live in a helpdesk checkout. */
export const ROUTING_FILE = 'units/routing.yml';

/** Ids of the built-in defaults, as recorded in `Rule:` trailers. */
export const DEFAULT_RULES = {
  teamAlarm: 'ggus-team-alarm-site-ngi',
  teamAlarmAffectedSite: 'ggus-team-alarm-affected-site-ngi',
  notifySite: 'ggus-notify-site-ngi',
  intake: 'ggus-intake-address',
  tpm: 'ggus-tpm',
} as const;

/** Families whose units are first line: a ticket routed there stays `new` until someone assigns it. */
const FIRST_LINE_FAMILIES: ReadonlySet<string> = new Set(['tpm', 'tpm-vo']);

/** The ticket fields routing looks at; `body` is the original request. */
export type RoutableTicket = Pick<Ticket, 'title' | 'type' | 'priority' | 'status' | 'unit'> & Partial<Pick<Ticket, 'vo' | 'site' | 'notifySite' | 'involve' | 'source'>>;

export interface RoutingContext {
  rules: readonly RoutingRule[];
  settings: Pick<Settings, 'intake' | 'sites'>;
  units: readonly Pick<Unit, 'id' | 'family'>[];
}

/** Why one rule did or did not apply. */
interface RuleTrace {
  rule: string;
  description?: string;
  matched: boolean;
  /** For a match, what held; otherwise the first condition that failed. */
  reasons: string[];
}

/** Fields routing sets on the ticket. */
interface RoutingChanges {
  unit: string;
  status?: Status;
  priority?: Priority;
  vo?: string;
  notifySite?: string;
  involve?: string[];
}

export interface RoutingDecision {
  /** The id of the rule that decided (a `ggus-…` id for the defaults). */
  rule: string;
  unit: string;
  /** The changed fields only (empty besides `unit` when routing changes nothing). */
  changes: RoutingChanges;
  /** One sentence for commit bodies and logs. */
  reason: string;
  /** Every rule tried, in order, up to and including the one that matched. */
  trace: RuleTrace[];
}

/** Parses `units/routing.yml`; every problem names the file and field. */
export function parseRoutingRules(text: string, file = ROUTING_FILE): RoutingRule[] {
  const data = parseYamlText(text, file);
  return parseWithFriendlyErrors(RoutingRulesSchema, data ?? {}, file, ROUTING_EXAMPLE).rules;
}

/** Rules that name units, VOs, sites or NGIs the helpdesk does not know. Pure cross-file check for `gitgus check`. */
export function checkRoutingRules(rules: readonly RoutingRule[], settings: Pick<Settings, 'vos' | 'sites'>, unitIds: ReadonlySet<string>, file = ROUTING_FILE): Problem[] {
  const problems: Problem[] = [];
  const sites = new Set(Object.keys(settings.sites).map((site) => site.toLowerCase()));
  const known = (list: Iterable<string>) => [...list].sort().join(', ');
  rules.forEach((rule, index) => {
    const at = (field: string) => `rules.${index}.${field}`;
    if (rule.then.unit !== undefined && !unitIds.has(rule.then.unit)) {
      problems.push({ code: 'E_REFERENCE', file, field: at('then.unit'), message: `rule ${rule.id} names unit '${rule.then.unit}', which has no file in units/`, hint: `known units: ${known(unitIds)}` });
    }
    for (const ngi of rule.when.ngi ?? []) {
      if (!unitIds.has(ngi)) problems.push({ code: 'E_REFERENCE', file, field: at('when.ngi'), message: `rule ${rule.id} names NGI unit '${ngi}', which has no file in units/`, hint: `known units: ${known(unitIds)}` });
    }
    for (const vo of [...(rule.when.vo ?? []), ...(rule.then.vo ? [rule.then.vo] : [])]) {
      if (settings.vos.length > 0 && !settings.vos.includes(vo))
        problems.push({ code: 'E_REFERENCE', file, field: at(rule.then.vo === vo ? 'then.vo' : 'when.vo'), message: `rule ${rule.id} names VO '${vo}', which is not in helpdesk.yml vos`, hint: `known VOs: ${known(settings.vos)}` });
    }
    const notify = rule.then.notifySite;
    for (const site of [...(rule.when.site ?? []), ...(typeof notify === 'string' ? [notify] : [])]) {
      if (!sites.has(site.toLowerCase()))
        problems.push({
          code: 'E_REFERENCE',
          file,
          field: at(typeof notify === 'string' && notify === site ? 'then.notifySite' : 'when.site'),
          message: `rule ${rule.id} names site '${site}', which is not in helpdesk.yml sites`,
          hint: 'Add the site and its NGI unit under sites: in helpdesk.yml, or correct the name.',
        });
    }
  });
  return problems;
}

/** The NGI unit of a site (helpdesk.yml `sites`), matching the site name without regard to case. */
function ngiOfSite(site: string | undefined, sites: Readonly<Record<string, string>>): string | undefined {
  if (site === undefined) return undefined;
  if (sites[site] !== undefined) return sites[site];
  const lower = site.toLowerCase();
  const entry = Object.entries(sites).find(([name]) => name.toLowerCase() === lower);
  return entry?.[1];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A whole-word, case-insensitive pattern for a keyword or phrase (`proxy expired` matches `Proxy  expired`). */
export function keywordPattern(keyword: string): RegExp {
  const words = keyword.trim().split(/\s+/).map(escapeRegExp).join('\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}_])${words}(?![\\p{L}\\p{N}_])`, 'iu');
}

function matchesIntake(pattern: string, address: string | undefined): boolean {
  if (address === undefined) return false;
  const lower = address.toLowerCase();
  return pattern.endsWith('@') ? lower.startsWith(pattern) : lower === pattern;
}

function sameSite(a: string, b: string | undefined): boolean {
  return b !== undefined && a.toLowerCase() === b.toLowerCase();
}

interface Facts {
  ticket: RoutableTicket;
  body: string;
  ngis: string[];
}

/** Checks one rule's conditions in a fixed order; returns what held, or the first failure. */
function checkConditions(when: RoutingConditions, facts: Facts): { matched: boolean; reasons: string[] } {
  const { ticket } = facts;
  const held: string[] = [];
  const fail = (reason: string) => ({ matched: false, reasons: [...held.map((h) => `${h} ✓`), reason] });
  if (when.intake) {
    const hit = when.intake.find((pattern) => matchesIntake(pattern, ticket.source?.address));
    if (!hit) return fail(`came to ${ticket.source?.address ?? 'no intake address'}, rule wants ${when.intake.join(' or ')}`);
    held.push(`came to ${ticket.source?.address ?? ''}`);
  }
  if (when.type) {
    if (!when.type.includes(ticket.type)) return fail(`type is ${ticket.type}, rule wants ${when.type.join(' or ')}`);
    held.push(`type ${ticket.type}`);
  }
  if (when.priority) {
    if (!when.priority.includes(ticket.priority)) return fail(`priority is ${ticket.priority}, rule wants ${when.priority.join(' or ')}`);
    held.push(`priority ${ticket.priority}`);
  }
  if (when.vo) {
    if (ticket.vo === undefined || !when.vo.includes(ticket.vo)) return fail(`VO is ${ticket.vo ?? 'not set'}, rule wants ${when.vo.join(' or ')}`);
    held.push(`VO ${ticket.vo}`);
  }
  if (when.hasNotifySite !== undefined) {
    const has = ticket.notifySite !== undefined;
    if (has !== when.hasNotifySite) return fail(has ? `notifies ${ticket.notifySite ?? ''}, rule wants no notify site` : 'names no site to notify');
    held.push(has ? `notifies ${ticket.notifySite ?? ''}` : 'no notify site');
  }
  if (when.site) {
    const hit = when.site.find((site) => sameSite(site, ticket.site) || sameSite(site, ticket.notifySite));
    if (!hit) return fail(`site is ${[ticket.site, ticket.notifySite].filter(Boolean).join(' / ') || 'not set'}, rule wants ${when.site.join(' or ')}`);
    held.push(`site ${hit}`);
  }
  if (when.ngi) {
    const hit = when.ngi.find((ngi) => facts.ngis.includes(ngi));
    if (!hit) return fail(`the site's NGI is ${facts.ngis.join(' / ') || 'unknown'}, rule wants ${when.ngi.join(' or ')}`);
    held.push(`NGI ${hit}`);
  }
  if (when.keywords) {
    let found: string | undefined;
    for (const keyword of when.keywords) {
      const pattern = keywordPattern(keyword);
      if (pattern.test(ticket.title)) found = `keyword '${keyword}' in the title`;
      else if (pattern.test(facts.body)) found = `keyword '${keyword}' in the request`;
      if (found) break;
    }
    if (!found) return fail(`none of the keywords ${when.keywords.map((k) => `'${k}'`).join(', ')} in the title or request`);
    held.push(found);
  }
  return { matched: true, reasons: held.length > 0 ? held : ['no conditions: always'] };
}

/** The unit an action names, or why it names none for this ticket. */
function actionUnit(then: RoutingActions, ticket: RoutableTicket, settings: RoutingContext['settings']): { unit?: string; why: string } {
  if (then.unit !== undefined) return { unit: then.unit, why: `unit ${then.unit}` };
  const site = then.ngiOf === 'notifySite' ? ticket.notifySite : ticket.site;
  if (site === undefined) return { why: `the ticket has no ${then.ngiOf === 'notifySite' ? 'notify site' : 'affected site'}` };
  const ngi = ngiOfSite(site, settings.sites);
  return ngi === undefined ? { why: `site ${site} has no NGI in helpdesk.yml sites` } : { unit: ngi, why: `${site}'s NGI ${ngi}` };
}

function builtInDefaults(context: RoutingContext): RoutingRule[] {
  const tpm = context.units.find((unit) => unit.family === 'tpm')?.id ?? 'tpm';
  return [
    { id: DEFAULT_RULES.teamAlarm, description: 'GGUS: TEAM and ALARM tickets go straight to the NGI of the notified site', when: { type: ['TEAM', 'ALARM'], hasNotifySite: true }, then: { ngiOf: 'notifySite' } },
    { id: DEFAULT_RULES.teamAlarmAffectedSite, description: 'GGUS: TEAM and ALARM tickets without a notify site go to the NGI of the affected site', when: { type: ['TEAM', 'ALARM'] }, then: { ngiOf: 'site' } },
    { id: DEFAULT_RULES.notifySite, description: 'GGUS: "notify site" assigns the ticket to the site\'s NGI', when: { hasNotifySite: true }, then: { ngiOf: 'notifySite' } },
    ...context.settings.intake.map((entry) => ({
      id: DEFAULT_RULES.intake,
      description: `GGUS: mail to ${entry.address} goes to ${entry.unit}`,
      when: { intake: [entry.address] },
      then: { unit: entry.unit },
    })),
    { id: DEFAULT_RULES.tpm, description: 'GGUS: no rule matched, so TPM directs the ticket', when: {}, then: { unit: tpm } },
  ];
}

function uniq<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/**
 * Routes a ticket: the first rule of `context.rules` whose conditions hold, then GGUS's defaults.
 * The decision's `changes` are the fields to write; `status` becomes `assigned` when the unit changes to one
 * that is not first line (TPM, TPM VO), as "assigning to a unit sets assigned".
 *
 * @example
 * const decision = routeTicket({ ticket, body }, { rules, settings, units });
 * decision.unit; // 'ngi-de'
 * decision.rule; // 'ggus-notify-site-ngi'
 */
export function routeTicket(input: { ticket: RoutableTicket; body: string }, context: RoutingContext): RoutingDecision {
  const { ticket, body } = input;
  const ngis = uniq([ngiOfSite(ticket.notifySite, context.settings.sites), ngiOfSite(ticket.site, context.settings.sites)].filter((ngi): ngi is string => ngi !== undefined));
  const facts: Facts = { ticket, body, ngis };
  const trace: RuleTrace[] = [];
  for (const rule of [...context.rules, ...builtInDefaults(context)]) {
    const checked = checkConditions(rule.when, facts);
    const entry: RuleTrace = { rule: rule.id, matched: false, reasons: checked.reasons, ...(rule.description ? { description: rule.description } : {}) };
    trace.push(entry);
    if (!checked.matched) continue;
    const target = actionUnit(rule.then, ticket, context.settings);
    if (target.unit === undefined) {
      entry.reasons = [...checked.reasons.map((reason) => `${reason} ✓`), `but ${target.why}`];
      continue;
    }
    entry.matched = true;
    entry.reasons = [...checked.reasons, `→ ${target.why}`];
    return decide(rule, target.unit, input, context, entry, trace);
  }
  // Unreachable: the last default has no conditions and names a unit.
  throw new ValidationError([{ code: 'E_NO_TPM', file: ROUTING_FILE, message: 'no routing rule applies and the helpdesk has no TPM unit', hint: 'Add units/tpm.md with family: tpm.' }]);
}

function decide(rule: RoutingRule, unit: string, input: { ticket: RoutableTicket }, context: RoutingContext, entry: RuleTrace, trace: RuleTrace[]): RoutingDecision {
  const { ticket } = input;
  const { then } = rule;
  const changes: RoutingChanges = { unit };
  const firstLine = FIRST_LINE_FAMILIES.has(context.units.find((u) => u.id === unit)?.family ?? '');
  const unitChanges = unit !== ticket.unit;
  if (ticket.status === 'new' ? !firstLine : unitChanges) changes.status = 'assigned';
  if (changes.status === ticket.status) delete changes.status;
  if (then.priority !== undefined && then.priority !== ticket.priority) changes.priority = then.priority;
  if (then.vo !== undefined && then.vo !== ticket.vo) changes.vo = then.vo;
  const notifySite = then.notifySite === true ? ticket.site : then.notifySite;
  if (notifySite !== undefined && notifySite !== ticket.notifySite) changes.notifySite = notifySite;
  if (then.involve) {
    const involve = uniq([...(ticket.involve ?? []), ...then.involve]);
    if (involve.length !== (ticket.involve ?? []).length) changes.involve = involve;
  }
  const reason = `routing rule ${rule.id}${rule.description ? ` (${rule.description})` : ''}: ${entry.reasons.join('; ')}`;
  return { rule: rule.id, unit, changes, reason, trace };
}

/** The fields of a ticket being drafted (intake) that routing reads; schema defaults apply to absent ones. */
type TicketDraft = Pick<RoutableTicket, 'title'> & Partial<Omit<RoutableTicket, 'title'>>;

/**
 * Routing for a ticket intake is creating: the unit, the other fields the rule sets (status `assigned` for
 * a unit that is not first line, priority, VO, notify site, involve), the reason, and the rule for the
 * `Rule:` trailer.
 */
export function routeDraft(draft: TicketDraft, body: string, context: RoutingContext): { unit: string; fields: Omit<RoutingChanges, 'unit'>; reason: string; rule: string } {
  const ticket: RoutableTicket = { type: 'USER', priority: 'less urgent', status: 'new', unit: '', ...draft };
  const decision = routeTicket({ ticket, body }, context);
  const { unit, ...fields } = decision.changes;
  return { unit, fields, reason: decision.reason, rule: decision.rule };
}

/** True when routing would change nothing on the ticket. */
export function routingChangesNothing(decision: RoutingDecision, ticket: Pick<Ticket, 'unit'>): boolean {
  return decision.unit === ticket.unit && Object.keys(decision.changes).length === 1;
}

/** `--explain`: every rule tried, why it did or did not match, and the decision. */
export function explainRouting(decision: RoutingDecision): string {
  const lines: string[] = [];
  decision.trace.forEach((entry, index) => {
    lines.push(`${String(index + 1).padStart(2)}. ${entry.matched ? '✔' : '✘'} ${entry.rule}${entry.description ? ` — ${entry.description}` : ''}`);
    for (const reason of entry.reasons) lines.push(`      ${reason}`);
  });
  const { unit: _unit, ...rest } = decision.changes;
  const extra = Object.entries(rest).map(([field, value]) => `${field}: ${Array.isArray(value) ? value.join(', ') : String(value)}`);
  lines.push('', `→ unit ${decision.unit} by rule ${decision.rule}${extra.length > 0 ? `; also sets ${extra.join('; ')}` : ''}`);
  return `${lines.join('\n')}\n`;
}
