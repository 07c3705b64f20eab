/** The example helpdesk's support units: the seed's model (TPM, TPM VO, VO, ROC/NGI, CIC, middleware, other grids, network, service). */
import type { UnitInput } from '../../lib/core/schema/unit.ts';

type UnitSeed = Omit<UnitInput, 'mailingList' | 'members'> & { members: [string, string][]; description: string };

export const EXAMPLE_UNITS: UnitSeed[] = [
  {
    id: 'tpm',
    name: 'TPM — Ticket Process Management',
    family: 'tpm',
    qos: 'advanced',
    timezone: 'Europe/Berlin',
    members: [['Tom Processor', 'tpm-shifter']],
    description:
      'Grid experts on shift. TPM monitors ticket assignments, directs each ticket to the correct support unit and notifies users of specific actions and ticket status.\n\n## FAQ\n\n- **A ticket matches no unit?** Keep it, answer it, or route it to the closest unit with a public note saying why.\n- **A site problem?** Assign it to the NGI of the site (see `helpdesk.yml` → `sites`).',
  },
  {
    id: 'tpm-vo',
    name: 'TPM VO support',
    family: 'tpm-vo',
    qos: 'medium',
    timezone: 'Europe/Zurich',
    members: [['Vera Organiser', 'vera-vo']],
    description: 'People from the VOs. They receive VO-related tickets, solve or forward VO-specific problems, recognise grid problems and assign them to a support unit or back to TPM.',
  },
  {
    id: 'atlas',
    name: 'ATLAS VO support',
    family: 'vo',
    vo: 'atlas',
    qos: 'medium',
    timezone: 'Europe/Zurich',
    members: [['Alan Atlas', 'alan-atlas']],
    description: 'ATLAS computing operations: data management, production system, ATLAS software on CVMFS.',
  },
  { id: 'cms', name: 'CMS VO support', family: 'vo', vo: 'cms', qos: 'medium', timezone: 'Europe/Zurich', members: [['Carla Cms', 'carla-cms']], description: 'CMS computing operations: CRAB, glideinWMS pilots, Rucio for CMS.' },
  { id: 'lhcb', name: 'LHCb VO support', family: 'vo', vo: 'lhcb', qos: 'base', timezone: 'Europe/Zurich', members: [['Luca Lhcb', 'luca-lhcb']], description: 'LHCb computing: DIRAC, LHCbDirac, software distribution.' },
  { id: 'alice', name: 'ALICE VO support', family: 'vo', vo: 'alice', qos: 'base', timezone: 'Europe/Zurich', members: [['Alice Alice', 'alice-vo']], description: 'ALICE computing: AliEn/JAliEn, VOBOXes at sites.' },
  {
    id: 'ngi-de',
    name: 'NGI Germany',
    family: 'ngi',
    qos: 'medium',
    timezone: 'Europe/Berlin',
    members: [
      ['Dieter Grid', 'dieter-de'],
      ['Anna Kit', 'anna-kit'],
    ],
    description: 'German grid sites (GridKa/FZK-LCG2, DESY, GSI).',
  },
  { id: 'ngi-it', name: 'NGI Italy', family: 'ngi', qos: 'medium', timezone: 'Europe/Rome', members: [['Giulia Infn', 'giulia-infn']], description: 'Italian grid sites (INFN-T1 and the INFN Tier-2s).' },
  { id: 'ngi-fr', name: 'NGI France', family: 'ngi', qos: 'medium', timezone: 'Europe/Paris', members: [['François Grille', 'francois-fr']], description: 'French grid sites (IN2P3-CC, GRIF, CPPM).' },
  { id: 'ngi-uk', name: 'NGI United Kingdom', family: 'ngi', qos: 'medium', timezone: 'Europe/London', members: [['Harry Gridpp', 'harry-gridpp']], description: 'GridPP sites (RAL-LCG2 and the UK Tier-2s).' },
  {
    id: 'ngi-cz',
    name: 'NGI Czech Republic',
    family: 'ngi',
    qos: 'base',
    timezone: 'Europe/Prague',
    members: [['Petr Cesnet', 'petr-cz']],
    description: 'Czech grid sites (praguelcg2, CESNET). The NGI works in its own Request Tracker: tickets assigned here are opened there by mail, and its answers come back (docs/ggus.md §4, NGI_CZ).',
    // The NGI_CZ mapping of docs/ggus.md §4; GGUS's guards are the defaults.
    interface: {
      system: 'rt',
      name: 'NGI_CZ Request Tracker',
      address: 'ggus@rt.cesnet.example',
      from: ['ggus@rt.cesnet.example', 'ggus-comment@rt.cesnet.example'],
      internalFrom: ['ggus-comment@rt.cesnet.example'],
      ticketTag: '[rt.cesnet.example #{id}]',
      ticketUrl: 'https://rt.cesnet.example/Ticket/Display.html?id={id}',
      originatorHeader: 'X-RT-Originator',
      subjectStatus: [{ pattern: '^\\s*\\[[^\\]]*#\\d+\\]\\s*Resolved:', status: 'resolved' }],
      status: {
        out: { new: 'new', assigned: 'open', 'in progress': 'open', reopened: 'open', 'waiting for reply': 'stalled', 'on hold': 'stalled', solved: 'resolved', unsolved: 'resolved', verified: 'resolved', closed: 'resolved' },
        in: { new: 'new', open: 'in progress', stalled: 'on hold', resolved: 'solved', rejected: 'unsolved' },
      },
    },
  },
  { id: 'ngi-ndgf', name: 'NGI Nordic (NDGF)', family: 'ngi', qos: 'base', timezone: 'Europe/Oslo', members: [['Sven Nordic', 'sven-ndgf']], description: 'The distributed Nordic Tier-1 and its sites.' },
  { id: 'ngi-si', name: 'NGI Slovenia', family: 'ngi', qos: 'base', timezone: 'Europe/Ljubljana', members: [['Mojca Arnes', 'mojca-si']], description: 'Slovenian grid sites (SiGNET).' },
  { id: 'cic', name: 'CIC operations', family: 'cic', qos: 'medium', timezone: 'Europe/Paris', members: [['Claire Cic', 'claire-cic']], description: 'Core infrastructure centre: operations portal, accounting, security monitoring.' },
  { id: 'dcache', name: 'dCache support', family: 'middleware', qos: 'advanced', timezone: 'Europe/Berlin', members: [['Dora Cache', 'dora-dcache']], description: 'The dCache storage system product team.' },
  { id: 'arc', name: 'ARC support', family: 'middleware', qos: 'medium', timezone: 'Europe/Oslo', members: [['Arne Arc', 'arne-arc']], description: 'NorduGrid ARC middleware: ARC CE and clients.' },
  { id: 'voms', name: 'VOMS support', family: 'middleware', qos: 'medium', timezone: 'Europe/Rome', members: [['Valerio Voms', 'valerio-voms']], description: 'VOMS server, clients and the VOMS admin interface.' },
  { id: 'osg', name: 'Open Science Grid', family: 'other-grids', qos: 'base', timezone: 'America/Chicago', members: [['Oscar Osg', 'oscar-osg']], description: 'Tickets for OSG resources are exchanged with the OSG GOC.' },
  { id: 'network', name: 'Network support', family: 'network', qos: 'base', timezone: 'Europe/Zurich', members: [['Nina Net', 'nina-net']], description: 'LHCOPN/LHCONE, perfSONAR, IPv6 deployment.' },
  { id: 'ggus', name: 'Helpdesk (GGUS) service', family: 'service', qos: 'base', timezone: 'Europe/Berlin', members: [['Gus Service', 'gus-service']], description: 'The helpdesk itself: notifications, accounts, this site.' },
];

export function unitInput(seed: UnitSeed, domain = 'lists.example.org'): { unit: UnitInput; body: string } {
  const { members, description, ...rest } = seed;
  return {
    unit: { ...rest, mailingList: `${seed.id}-support@${domain}`, members: members.map(([name, github]) => ({ name, email: `${github}@grid.example`, github })) },
    body: `${description}\n`,
  };
}
