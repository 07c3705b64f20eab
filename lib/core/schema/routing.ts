/**
 * The routing rules file format: `units/routing.yml`, an ordered list of rules next to the units.
 * The first rule whose conditions all hold decides a new ticket's unit (lib/core/routing.ts).
 */
import { z } from 'zod';
import { EmailSchema, SlugSchema, singleLine } from './common.ts';
import { PRIORITIES, TICKET_TYPES } from './ticket.ts';

/** One value or a list of them, as humans write YAML; code always gets a list. */
function oneOrMany<T extends z.ZodType>(item: T) {
  // A preprocess rather than a union, so a bad value gets the item's own message, not "invalid input".
  return z.preprocess((value) => (value === undefined || Array.isArray(value) ? value : [value]), z.array(item).min(1, { error: 'must list at least one value' }));
}

/** `vo-user-support@ggus.example`, or `vo-user-support@` for that mailbox at any domain. */
const IntakePatternSchema = z
  .string()
  .regex(/^[^@\s]+@(?:[^@\s]+)?$/, { error: (issue) => `expected an intake address like vo-user-support@ggus.example or vo-user-support@, received '${String(issue.input)}'` })
  .transform((pattern) => pattern.toLowerCase());

const SiteNameSchema = z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: (issue) => `expected a GOCDB site name like FZK-LCG2, received '${String(issue.input)}'` });

/** Every condition given must hold; within one condition's list, any value may match. No conditions: always. */
const RoutingConditionsSchema = z
  .object({
    /** The address the mail came to (the ticket's `source.address`). */
    intake: oneOrMany(IntakePatternSchema).optional(),
    /** The ticket's concerned VO. */
    vo: oneOrMany(SlugSchema).optional(),
    /** The affected site or the notify site. */
    site: oneOrMany(SiteNameSchema).optional(),
    /** The NGI unit of the affected or notified site (helpdesk.yml `sites`). */
    ngi: oneOrMany(SlugSchema).optional(),
    type: oneOrMany(z.enum(TICKET_TYPES)).optional(),
    priority: oneOrMany(z.enum(PRIORITIES)).optional(),
    /** Words or phrases in the title or the request, case-insensitive, whole words only. */
    keywords: oneOrMany(singleLine(100)).optional(),
    /** Whether the ticket names a site to notify. */
    hasNotifySite: z.boolean().optional(),
  })
  .strict();

const RoutingActionsSchema = z
  .object({
    /** The unit the ticket goes to (a file in `units/`). */
    unit: SlugSchema.optional(),
    /** Instead of `unit`: the NGI unit of the ticket's notify site or affected site (helpdesk.yml `sites`). */
    ngiOf: z.enum(['notifySite', 'site']).optional(),
    priority: z.enum(PRIORITIES).optional(),
    vo: SlugSchema.optional(),
    /** Notify a site: `true` for the affected site, or a site name. */
    notifySite: z.union([z.literal(true), SiteNameSchema]).optional(),
    /** People involved: notified like the unit, internal notes included. */
    involve: oneOrMany(EmailSchema).optional(),
  })
  .strict()
  .refine((then) => (then.unit === undefined) !== (then.ngiOf === undefined), { error: 'needs exactly one of unit (a unit id) or ngiOf (notifySite or site)' });

const RoutingRuleSchema = z
  .object({
    /** Recorded in the routing commit (`Rule: <id>`) and shown by `gitgus route --explain`. */
    id: SlugSchema,
    /** Why the rule exists, for TPM. */
    description: singleLine(300).optional(),
    when: RoutingConditionsSchema.default({}),
    then: RoutingActionsSchema,
  })
  .strict();

export const RoutingRulesSchema = z
  .object({
    rules: z.array(RoutingRuleSchema).default([]),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.rules.forEach((rule, index) => {
      if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', index, 'id'], message: `'${rule.id}' is used by an earlier rule: rule ids must be unique` });
      seen.add(rule.id);
    });
  });

export type RoutingConditions = z.output<typeof RoutingConditionsSchema>;
export type RoutingActions = z.output<typeof RoutingActionsSchema>;
export type RoutingRule = z.output<typeof RoutingRuleSchema>;
export type RoutingRulesInput = z.input<typeof RoutingRulesSchema>;
export type RoutingRules = z.output<typeof RoutingRulesSchema>;

export const ROUTING_EXAMPLE = `rules:
  - id: cms-crab
    description: CRAB problems go straight to CMS VO support.
    when:
      vo: cms
      keywords: [crab, glideinwms]
    then:
      unit: cms
      priority: urgent
`;
