/**
 * TEAM and ALARM tickets (docs/ggus.md §2.5, D-TEAM, D-ALARM): who may open them, the reduced list of
 * types of issue they offer, and the ticket-type keyword of a mail. Pure.
 *
 * - TEAM: any member of the VO's support unit (family `vo`, `vo:` the ticket's VO) or an alarmer of the VO;
 * - ALARM: the alarmers of the VO (helpdesk.yml `alarmers`), by GitHub login or by mail address — and a mail
 *   only counts when the receiving server authenticated its sender, since a From is easy to forge.
 * Someone else asking for TEAM or ALARM gets a USER ticket, flagged, with the reason: nothing is lost.
 */
import { sameIdentity, type Identity } from './people.ts';
import type { Settings } from './schema/settings.ts';
import { ISSUE_TYPE_RULES, ISSUE_TYPES, type Ticket } from './schema/ticket.ts';
import type { Unit } from './schema/unit.ts';

type TicketType = Ticket['type'];

/**
 * The types of issue a TEAM or ALARM ticket offers (the "reduced list" of D-ISSUE): the rows of
 * ISSUE_TYPE_RULES marked `teamAlarm: true`, in their order. A type without that mark is not offered,
 * so one added to the ticket schema later is not alarm-able until someone decides it there.
 */
export const TEAM_ALARM_ISSUE_TYPES: readonly (typeof ISSUE_TYPES)[number][] = ISSUE_TYPE_RULES.filter(([, rule]) => rule.teamAlarm).map(([issue]) => issue);

/** Whether `issue` is offered for a ticket of `type`. */
export function issueAllowed(type: TicketType, issue: string): boolean {
  return (type === 'USER' ? ISSUE_TYPES : TEAM_ALARM_ISSUE_TYPES).some((value) => value === issue);
}

/** Flag of a ticket whose submitter asked for TEAM or ALARM without being allowed to. */
const TYPE_REFUSED_FLAG = 'type-refused';

interface TypeGrant {
  type: TicketType;
  /** Set when the asked type was refused: why, in words for TPM. */
  refused?: string;
}

function isAlarmer(person: Identity, vo: string, settings: Pick<Settings, 'alarmers'>): boolean {
  return (settings.alarmers?.[vo] ?? []).some((entry) => (entry.includes('@') ? sameIdentity({ email: entry }, { email: person.email }) : sameIdentity({ github: entry }, { github: person.github })));
}

function inVoTeam(person: Identity, vo: string, units: readonly Pick<Unit, 'family' | 'vo' | 'members'>[]): boolean {
  return units.some((unit) => unit.family === 'vo' && unit.vo === vo && unit.members.some((member) => sameIdentity(member, person)));
}

/**
 * The type a new ticket gets when `person` asks for `asked`. `authenticated` is false for a mail whose
 * sender the receiving server did not vouch for: then a mail address proves nothing.
 */
function grantType(asked: TicketType, vo: string | undefined, person: Identity, authenticated: boolean, context: { settings: Pick<Settings, 'alarmers'>; units: readonly Pick<Unit, 'family' | 'vo' | 'members'>[] }): TypeGrant {
  if (asked === 'USER') return { type: 'USER' };
  if (vo === undefined) return { type: 'USER', refused: `a ${asked} ticket needs its VO (the VO whose team or alarmers open it)` };
  const who = person.github !== undefined ? { github: person.github } : authenticated ? { email: person.email } : {};
  if (who.github === undefined && who.email === undefined) return { type: 'USER', refused: `${asked} by mail needs an authenticated sender, and this one is not` };
  if (isAlarmer(who, vo, context.settings)) return { type: asked };
  if (asked === 'TEAM' && inVoTeam(who, vo, context.units)) return { type: 'TEAM' };
  return { type: 'USER', refused: asked === 'ALARM' ? `only the alarmers of ${vo} (helpdesk.yml alarmers) may open ALARM tickets` : `only members of ${vo}'s support unit and its alarmers may open TEAM tickets` };
}

/** `Type: ALARM` in a request (mail body or form) as a ticket type, or undefined. */
function ticketTypeOf(value: string | undefined): TicketType | undefined {
  const wanted = value?.trim().toUpperCase();
  return wanted === 'USER' || wanted === 'TEAM' || wanted === 'ALARM' ? wanted : undefined;
}

/** What a submitter asked for on a new ticket (keyword lines of a mail, fields of the issue form). */
interface RequestedFields {
  type?: string | undefined;
  vo?: string | undefined;
  notifySite?: string | undefined;
  issue?: string | undefined;
}

interface ResolvedRequest {
  type: TicketType;
  vo?: string;
  notifySite?: string;
  issue?: (typeof ISSUE_TYPES)[number];
  flags: string[];
  /** Why something asked for was not taken, for the commit body and TPM. */
  notes: string[];
}

/**
 * The ticket type, VO, notify site and type of issue a new ticket gets from what its submitter asked for:
 * only known VOs and sites, TEAM/ALARM only for those allowed (grantType), the type of issue from the
 * list of the ticket's type. `found` is what intake extracted from the text (used when nothing was asked).
 */
export function resolveRequest(
  asked: RequestedFields,
  found: { vo?: string | undefined },
  person: Identity,
  authenticated: boolean,
  context: { settings: Pick<Settings, 'alarmers' | 'vos' | 'sites'>; units: readonly Pick<Unit, 'family' | 'vo' | 'members'>[] },
): ResolvedRequest {
  const notes: string[] = [];
  const flags: string[] = [];
  const out: ResolvedRequest = { type: 'USER', flags, notes };
  const askedVo = asked.vo?.trim().toLowerCase();
  const vo = askedVo !== undefined && context.settings.vos.includes(askedVo) ? askedVo : found.vo;
  if (askedVo !== undefined && askedVo !== vo) notes.push(`VO '${asked.vo ?? ''}' is not one of helpdesk.yml vos`);
  if (vo !== undefined) out.vo = vo;
  if (asked.notifySite !== undefined) {
    const wanted = asked.notifySite.trim().toLowerCase();
    const site = Object.keys(context.settings.sites).find((name) => name.toLowerCase() === wanted);
    if (site !== undefined) out.notifySite = site;
    else notes.push(`notify site '${asked.notifySite}' is not one of helpdesk.yml sites`);
  }
  const askedType = ticketTypeOf(asked.type);
  if (asked.type !== undefined && askedType === undefined) notes.push(`ticket type '${asked.type}' is none of USER, TEAM, ALARM`);
  if (askedType !== undefined && askedType !== 'USER') {
    const grant = grantType(askedType, vo, person, authenticated, context);
    out.type = grant.type;
    if (grant.refused !== undefined) {
      flags.push(TYPE_REFUSED_FLAG);
      notes.push(`asked for ${askedType}, opened as USER: ${grant.refused}`);
    }
  }
  if (asked.issue !== undefined) {
    const wanted = asked.issue.trim().toLowerCase();
    const issue = ISSUE_TYPES.find((value) => value.toLowerCase() === wanted);
    if (issue !== undefined && issueAllowed(out.type, issue)) out.issue = issue;
    else notes.push(issue === undefined ? `type of issue '${asked.issue}' is not a GGUS type of issue` : `type of issue '${issue}' is not offered for ${out.type} tickets`);
  }
  return out;
}
