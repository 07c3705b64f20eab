import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outdent } from 'outdent';
import { checkRoutingRules, DEFAULT_RULES, explainRouting, keywordPattern, parseRoutingRules, routeTicket, type RoutableTicket, type RoutingContext } from '../lib/core/routing.ts';
import type { RoutingRule } from '../lib/core/schema/routing.ts';
import { ValidationError } from '../lib/errors.ts';
import { parseTicket } from '../lib/core/documents.ts';
import { readTicketEvents } from '../lib/git/history-index.ts';
import { loadSettings, loadUnits } from '../lib/store/load.ts';
import { cleanupTemps, git, makeSmallHelpdesk, PROJECT_ROOT, runGitgus } from './helpers.ts';

const settings = {
  intake: [
    { address: 'helpdesk@ggus.example', unit: 'tpm' },
    { address: 'vo-user-support@ggus.example', unit: 'tpm-vo' },
  ],
  sites: { 'FZK-LCG2': 'ngi-de', 'INFN-T1': 'ngi-it', 'IN2P3-CC': 'ngi-fr' } as Record<string, string>,
};
const units = [
  { id: 'tpm', family: 'tpm' as const },
  { id: 'tpm-vo', family: 'tpm-vo' as const },
  { id: 'ngi-de', family: 'ngi' as const },
  { id: 'ngi-it', family: 'ngi' as const },
  { id: 'ngi-fr', family: 'ngi' as const },
  { id: 'cms', family: 'vo' as const },
  { id: 'dcache', family: 'middleware' as const },
];

function ticket(extra: Partial<RoutableTicket> = {}): RoutableTicket {
  return { title: 'Jobs fail', type: 'USER', priority: 'less urgent', status: 'new', unit: 'tpm', source: { kind: 'email', address: 'helpdesk@ggus.example' }, ...extra };
}

function route(extra: Partial<RoutableTicket>, rules: RoutingRule[] = [], body = '') {
  const context: RoutingContext = { rules, settings, units };
  return routeTicket({ ticket: ticket(extra), body }, context);
}

const rules = (yaml: string) => parseRoutingRules(yaml, 'units/routing.yml');

afterAll(cleanupTemps);

describe('GGUS defaults (no rules file)', () => {
  it('no rule matches: TPM, and the ticket stays new for TPM to direct', () => {
    const decision = route({ source: { kind: 'github' } });
    expect(decision).toMatchObject({ unit: 'tpm', rule: DEFAULT_RULES.tpm, changes: { unit: 'tpm' } });
    expect(decision.changes.status).toBeUndefined();
  });

  it('mail to the general helpdesk goes to the unit configured for it (TPM)', () => {
    expect(route({})).toMatchObject({ unit: 'tpm', rule: DEFAULT_RULES.intake });
  });

  it('mail to vo-user-support@ goes to TPM VO', () => {
    const decision = route({ source: { kind: 'email', address: 'vo-user-support@ggus.example' } });
    expect(decision).toMatchObject({ unit: 'tpm-vo', rule: DEFAULT_RULES.intake, changes: { unit: 'tpm-vo' } });
    expect(decision.changes.status).toBeUndefined();
  });

  it('"notify site" assigns the ticket to the site\'s NGI', () => {
    expect(route({ notifySite: 'FZK-LCG2', site: 'INFN-T1' })).toMatchObject({ unit: 'ngi-de', rule: DEFAULT_RULES.notifySite, changes: { unit: 'ngi-de', status: 'assigned' } });
    expect(route({ notifySite: 'fzk-lcg2' }).unit).toBe('ngi-de');
  });

  it('TEAM and ALARM tickets go straight to the NGI of the notified site', () => {
    expect(route({ type: 'TEAM', notifySite: 'INFN-T1', source: { kind: 'email', address: 'vo-user-support@ggus.example' } })).toMatchObject({ unit: 'ngi-it', rule: DEFAULT_RULES.teamAlarm });
    expect(route({ type: 'ALARM', notifySite: 'IN2P3-CC' })).toMatchObject({ unit: 'ngi-fr', rule: DEFAULT_RULES.teamAlarm });
    expect(route({ type: 'TEAM', site: 'IN2P3-CC' })).toMatchObject({ unit: 'ngi-fr', rule: DEFAULT_RULES.teamAlarmAffectedSite });
  });

  it('a notified site without an NGI falls through, and the trace says why', () => {
    const decision = route({ notifySite: 'UNKNOWN-SITE' });
    expect(decision).toMatchObject({ unit: 'tpm', rule: DEFAULT_RULES.intake });
    const notify = decision.trace.find((entry) => entry.rule === DEFAULT_RULES.notifySite);
    expect(notify).toMatchObject({ matched: false });
    expect(notify?.reasons.at(-1)).toBe('but site UNKNOWN-SITE has no NGI in helpdesk.yml sites');
  });
});

describe('rules from units/routing.yml', () => {
  const file = rules(outdent`
    rules:
      - id: cms-crab
        when: { vo: cms, keywords: [crab, glideinwms] }
        then: { unit: cms, priority: urgent }
      - id: dcache
        when: { keywords: [dcache, "dcache pool"] }
        then: { unit: dcache, involve: [dcache-experts@desy.example] }
      - id: cms-anything
        when: { vo: cms }
        then: { unit: tpm-vo }
  `);

  it('the first matching rule wins, in file order', () => {
    expect(route({ vo: 'cms', title: 'CRAB jobs stuck' }, file)).toMatchObject({ rule: 'cms-crab', unit: 'cms', changes: { priority: 'urgent', status: 'assigned' } });
    expect(route({ vo: 'cms', title: 'Something else' }, file)).toMatchObject({ rule: 'cms-anything', unit: 'tpm-vo' });
    const reversed = [...file].reverse();
    expect(route({ vo: 'cms', title: 'CRAB jobs stuck' }, reversed)).toMatchObject({ rule: 'cms-anything' });
  });

  it('file rules come before the defaults', () => {
    expect(route({ vo: 'cms', notifySite: 'FZK-LCG2' }, file).rule).toBe('cms-anything');
    expect(route({ notifySite: 'FZK-LCG2' }, file).rule).toBe(DEFAULT_RULES.notifySite);
  });

  it('keywords match whole words, ignore case, and search the title and the request', () => {
    expect(route({ title: 'Checksum errors on the DCACHE  pool' }, file).rule).toBe('dcache');
    expect(route({ title: 'dcache-pool restart' }, file).rule).toBe('dcache');
    expect(route({ title: 'mydcache is slow' }, file).rule).not.toBe('dcache');
    expect(route({ title: 'Storage' }, file, 'The dCache pool returns errors').rule).toBe('dcache');
    expect(keywordPattern('c++ (legacy)').test('uses C++ (legacy) code')).toBe(true);
    expect(keywordPattern('ngi').test('Ångström ngi')).toBe(true);
    expect(keywordPattern('ngi').test('ngiß')).toBe(false);
  });

  it('conditions on intake address, site, NGI, type and priority', () => {
    const conditions = rules(outdent`
      rules:
        - { id: by-intake, when: { intake: vo-user-support@ }, then: { unit: cms } }
        - { id: by-ngi, when: { ngi: ngi-it, type: [TEAM, USER], priority: [urgent, very urgent] }, then: { unit: ngi-it } }
        - { id: by-site, when: { site: in2p3-cc }, then: { unit: ngi-fr, notifySite: true } }
        - { id: no-notify, when: { hasNotifySite: false, type: ALARM }, then: { unit: tpm } }
    `);
    expect(route({ source: { kind: 'email', address: 'VO-User-Support@other.example' } }, conditions).rule).toBe('by-intake');
    expect(route({ site: 'INFN-T1', priority: 'urgent' }, conditions).rule).toBe('by-ngi');
    expect(route({ site: 'INFN-T1', priority: 'less urgent' }, conditions).rule).not.toBe('by-ngi');
    expect(route({ site: 'IN2P3-CC' }, conditions)).toMatchObject({ rule: 'by-site', changes: { notifySite: 'IN2P3-CC' } });
    expect(route({ type: 'ALARM' }, conditions).rule).toBe('no-notify');
  });

  it('actions set priority, VO, notify site and involve only where they change something', () => {
    const actions = rules(outdent`
      rules:
        - id: all
          then: { unit: ngi-de, priority: very urgent, vo: cms, notifySite: FZK-LCG2, involve: [a@b.example, c@d.example] }
    `);
    const decision = route({ involve: ['a@b.example'], vo: 'cms' }, actions);
    expect(decision.changes).toEqual({ unit: 'ngi-de', status: 'assigned', priority: 'very urgent', notifySite: 'FZK-LCG2', involve: ['a@b.example', 'c@d.example'] });
  });

  it('re-routing an open ticket to another unit sets assigned; routing to the same unit changes nothing', () => {
    expect(route({ status: 'in progress', unit: 'tpm', vo: 'cms', title: 'crab' }, file).changes).toEqual({ unit: 'cms', status: 'assigned', priority: 'urgent' });
    expect(route({ status: 'in progress', unit: 'tpm-vo', vo: 'cms' }, file).changes).toEqual({ unit: 'tpm-vo' });
  });

  it('--explain lists every rule tried and why, then the decision', () => {
    const text = explainRouting(route({ vo: 'atlas', title: 'dCache pool full' }, file));
    expect(text.split('\n')).toEqual([
      ' 1. ✘ cms-crab',
      '      VO is atlas, rule wants cms',
      ' 2. ✔ dcache',
      "      keyword 'dcache' in the title",
      '      → unit dcache',
      '',
      '→ unit dcache by rule dcache; also sets status: assigned; involve: dcache-experts@desy.example',
      '',
    ]);
  });
});

describe('the rules file format', () => {
  it('refuses unknown keys, missing or double actions, duplicate ids and bad values, naming the field', () => {
    const bad = outdent`
      rules:
        - id: one
          when: { vo: cms, colour: red }
          then: { unit: cms }
        - id: one
          then: { unit: cms, ngiOf: site }
        - id: three
          when: { type: PLAIN }
          then: {}
    `;
    let error: unknown;
    try {
      rules(bad);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const fields = (error as ValidationError).problems.map((p) => `${p.field ?? ''}: ${p.message}`);
    expect(fields).toEqual([
      "rules.0.when: unknown field 'colour'",
      'rules.1.then: needs exactly one of unit (a unit id) or ngiOf (notifySite or site)',
      "rules.2.when.type.0: expected one of 'USER' | 'TEAM' | 'ALARM', received 'PLAIN'",
      'rules.2.then: needs exactly one of unit (a unit id) or ngiOf (notifySite or site)',
    ]);
    expect((error as ValidationError).problems.every((p) => p.file === 'units/routing.yml')).toBe(true);
    expect(() => rules('rules:\n  - { id: one, then: { unit: a } }\n  - { id: one, then: { unit: b } }\n')).toThrow("rules.1.id: 'one' is used by an earlier rule: rule ids must be unique");
  });

  it('checks rules against the units, VOs and sites the helpdesk knows', () => {
    const file = rules(outdent`
      rules:
        - { id: a, when: { vo: lsst, site: NOWHERE, ngi: ngi-xx }, then: { unit: nobody } }
    `);
    const problems = checkRoutingRules(file, { vos: ['cms'], sites: settings.sites }, new Set(units.map((u) => u.id)));
    expect(problems.map((p) => p.field)).toEqual(['rules.0.then.unit', 'rules.0.when.ngi', 'rules.0.when.vo', 'rules.0.when.site']);
  });

  it('the example units/routing.yml is valid for the example helpdesk and routes its tickets sensibly', () => {
    const example = parseRoutingRules(readFileSync(path.join(PROJECT_ROOT, 'units/routing.yml'), 'utf8'));
    const helpdesk = loadSettings(PROJECT_ROOT);
    const exampleUnits = loadUnits(PROJECT_ROOT).items.map((doc) => doc.unit);
    expect(checkRoutingRules(example, helpdesk, new Set(exampleUnits.map((u) => u.id)))).toEqual([]);
    const context = { rules: example, settings: helpdesk, units: exampleUnits };
    expect(routeTicket({ ticket: ticket({ type: 'ALARM', notifySite: 'RAL-LCG2' }), body: '' }, context)).toMatchObject({ rule: 'alarm-to-site-ngi', unit: 'ngi-uk', changes: { priority: 'top priority' } });
    expect(routeTicket({ ticket: ticket({ title: 'Enable IPv6 on storage' }), body: '' }, context)).toMatchObject({ rule: 'network', unit: 'network' });
    expect(routeTicket({ ticket: ticket({ source: { kind: 'email', address: 'vo-user-support@ggus.example' } }), body: 'Help' }, context)).toMatchObject({ rule: 'vo-user-support', unit: 'tpm-vo' });
  });
});

describe('mail intake routes new tickets by the rules', () => {
  it('a mail about a dCache pool goes to dCache support, assigned, with the rule in the commit and the history', async () => {
    const { dir } = makeSmallHelpdesk();
    const mail = [
      'From: Jane Doe <jane.doe@uni.example>',
      'To: helpdesk@ggus.example',
      'Subject: Checksum errors on a dCache pool at FZK-LCG2',
      'Message-ID: <routing.1@uni.example>',
      'Date: Fri, 27 Nov 2026 09:14:03 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Reading files from pool p-042 returns adler32 mismatches.',
      '',
    ].join('\r\n');
    const result = runGitgus(['intake', '--root', dir, '--json'], { input: mail });
    expect(result.status).toBe(0);
    const number = Number(/#(\d+)/.exec(git(dir, ['log', '-1', '--format=%s']))?.[1]);
    const file = `tickets/${Math.floor(number / 1000)}/${number}/index.md`;
    expect(parseTicket(readFileSync(path.join(dir, file), 'utf8'), file).ticket).toMatchObject({ unit: 'dcache', status: 'assigned', site: 'FZK-LCG2' });
    expect(git(dir, ['log', '-1', '--format=%(trailers:key=Rule,valueonly)']).trim()).toBe('dcache');
    const events = (await readTicketEvents(dir, { tickets: [number] })).get(number) ?? [];
    expect(events.slice(0, 2)).toMatchObject([
      { type: 'created', unit: 'dcache' },
      { type: 'routed', to: 'dcache', rule: 'dcache' },
    ]);
  });
});
