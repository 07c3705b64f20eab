/**
 * Synthetic GGUS-like data: a seeded generator (same seed, same bytes) used for the example helpdesk
 * and for the GGUS-scale benchmark helpdesk. Content is plausible grid-support text, not lorem ipsum,
 * so search and rendering see realistic words.
 */
import { serializeTicket } from '../../lib/core/documents.ts';
import { messageFile } from '../../lib/core/edit.ts';
import { ticketIndexPath } from '../../lib/core/paths.ts';
import type { MessageInput } from '../../lib/core/schema/message.ts';
import { ISSUE_TYPES, PRIORITIES, type Status, type Ticket, type TicketInput } from '../../lib/core/schema/ticket.ts';
import { isoSeconds } from '../../lib/core/time.ts';

/** mulberry32: tiny, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** Picks by weight: `[[value, weight], …]`. */
export function weighted<T>(random: () => number, table: readonly (readonly [T, number])[]): T {
  const total = table.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [value, weight] of table) {
    r -= weight;
    if (r <= 0) return value;
  }
  return (table[table.length - 1] as readonly [T, number])[0];
}

export const SITES: Record<string, string> = {
  'FZK-LCG2': 'ngi-de',
  'DESY-HH': 'ngi-de',
  'GSI-LCG2': 'ngi-de',
  'INFN-T1': 'ngi-it',
  'INFN-NAPOLI': 'ngi-it',
  'INFN-PISA': 'ngi-it',
  'IN2P3-CC': 'ngi-fr',
  GRIF: 'ngi-fr',
  'IN2P3-CPPM': 'ngi-fr',
  'RAL-LCG2': 'ngi-uk',
  'UKI-LT2-QMUL': 'ngi-uk',
  'UKI-NORTHGRID-MAN-HEP': 'ngi-uk',
  praguelcg2: 'ngi-cz',
  'CESNET-MCC': 'ngi-cz',
  'NDGF-T1': 'ngi-ndgf',
  SiGNET: 'ngi-si',
};

export const VOS = ['atlas', 'cms', 'lhcb', 'alice', 'biomed', 'belle', 'ops'] as const;

interface Scenario {
  title: string;
  issue: (typeof ISSUE_TYPES)[number];
  unit: string;
  request: string;
  replies: string[];
  solution: string;
}

/** Realistic support cases; `{site}` and `{vo}` are filled in per ticket. */
const SCENARIOS: Scenario[] = [
  {
    title: '{vo} jobs fail at {site} with "proxy expired"',
    issue: 'Workload Management',
    unit: 'ngi',
    request:
      'Since this morning all {vo} pilot jobs landing at {site} fail after a few minutes with\n\n```\nglobus_gsi_callback_module: Could not verify credential: proxy expired\n```\n\nOur proxies are renewed by MyProxy every 6 hours and work at other sites. Could you check the VOBOX and the CE configuration?',
    replies: [
      'We see the problem on two of our CEs; the CRL update cron had stopped. We are restarting it now.',
      'The CRLs are current again. Could you resubmit a few test jobs and tell us whether they run?',
      'Test jobs run fine now, thanks a lot.',
    ],
    solution: 'The fetch-crl cron job on the CEs had stopped after an OS update; it was re-enabled and the CRLs refreshed.',
  },
  {
    title: 'SRM transfers to {site} time out',
    issue: 'File Transfer',
    unit: 'ngi',
    request:
      'FTS transfers from CERN to {site} have been timing out since yesterday evening (about 40% failures). Error:\n\n```\nTRANSFER globus_ftp_client: the server responded with an error 421 Timeout (900 sec): closing control connection.\n```\n\nThe {vo} data management team needs the datasets for a reprocessing campaign.',
    replies: ['One of the gridftp doors was overloaded after a network card failure. We moved the door to a spare node.', 'Failure rate went down to under 1% over the last 6 hours.'],
    solution: 'A failed network card on a gridftp door node caused the timeouts; the door was moved to a spare node.',
  },
  {
    title: 'Cannot register a new {vo} member in VOMS',
    issue: 'Authorization/Authentication',
    unit: 'vo',
    request: 'I applied for membership of the {vo} VO two weeks ago and the request is still pending. My certificate was issued by GridKa CA last month. Whom should I ask to approve it?',
    replies: ['The VO manager was on leave; the request has now been approved. Please try `voms-proxy-init --voms {vo}` again.', 'It works, thank you!'],
    solution: 'The membership request was approved by the VO manager.',
  },
  {
    title: 'Wrong number of slots published by {site} in the BDII',
    issue: 'Information System',
    unit: 'ngi',
    request: 'The top-level BDII shows 0 free slots and 999999 waiting jobs for all queues of {site}, so the {vo} workload system stopped sending work there. The site itself seems healthy.',
    replies: ['The info provider of the batch system crashed after an upgrade. Fixed and restarted, the values should propagate within 30 minutes.'],
    solution: 'The batch system info provider was restarted after an upgrade broke it.',
  },
  {
    title: 'dCache pool at {site} returns checksum mismatches',
    issue: 'Storage Systems',
    unit: 'dcache',
    request: 'Reading files written last week to {site} returns adler32 checksum mismatches for about 200 files of {vo}. The files were fine on write according to FTS. Is there a known dCache bug?',
    replies: ['This looks like the known issue with the pool RAID controller firmware. Could you send the list of affected PNFS ids?', 'List attached; all files are on pool p-042.', 'We restored the files from the tape copy; please re-check them.'],
    solution: 'The affected files were restored from tape; the pool firmware was upgraded.',
  },
  {
    title: 'CVMFS repository {vo}.cern.ch stale at {site}',
    issue: 'VO Specific Software',
    unit: 'ngi',
    request: 'Worker nodes at {site} still see revision 4711 of /cvmfs/{vo}.cern.ch while the Stratum-1 serves 4720. Jobs needing the new software release fail.',
    replies: ['The local squid had a stale cache entry for .cvmfspublished. We flushed it.', 'All worker nodes now see the current revision.'],
    solution: 'A stale squid cache entry was flushed.',
  },
  {
    title: 'Request: enable IPv6 on the {site} storage endpoints',
    issue: 'Network problem',
    unit: 'network',
    request: 'As agreed in the WLCG IPv6 task force, could {site} enable dual-stack on its storage endpoints? The perfSONAR boxes already run dual-stack.',
    replies: ['Planned for the next maintenance window; we will put the ticket on hold until then.'],
    solution: 'Dual-stack was enabled on all storage endpoints during the maintenance window.',
  },
  {
    title: 'ARC CE at {site} rejects jobs with "authorization failed"',
    issue: 'Computing Services',
    unit: 'arc',
    request: 'Since the ARC upgrade to 7.x, all {vo} submissions to the ARC CE of {site} are refused with "authorization failed". The same proxy works at other ARC sites.',
    replies: ['The new ARC version needs the VOMS LSC files in a different folder. We copied them; please retry.', 'Jobs are accepted again.'],
    solution: 'The VOMS .lsc files were installed in the folder expected by ARC 7.',
  },
  {
    title: 'Accounting records missing for {site} in the portal',
    issue: 'Accounting',
    unit: 'cic',
    request: 'The accounting portal shows no {vo} usage for {site} since the start of the month, although the site ran jobs all month.',
    replies: ['The APEL client lost its connection to the broker after a certificate renewal. The backlog is being published now.'],
    solution: 'APEL was reconfigured with the renewed host certificate and the backlog republished.',
  },
  {
    title: 'Question about the monthly downtime procedure',
    issue: 'Operations',
    unit: 'tpm',
    request: 'How far in advance must a site declare a scheduled downtime in GOCDB so that the VOs are notified? Our site admins disagree whether it is 24 hours or 5 working days.',
    replies: ['Scheduled downtimes must be declared at least 24 hours in advance; the VOs recommend a week for longer interventions. See the operations manual, section on downtimes.'],
    solution: 'Answered: 24 hours minimum, a week recommended for long interventions.',
  },
  {
    title: 'OSG site {site} not visible to {vo} workload management',
    issue: 'Information System',
    unit: 'other-grids',
    request: 'The {vo} workload manager cannot find the OSG-side resources mapped to {site}; the topology feed seems to omit them.',
    replies: ['Forwarded to the OSG GOC; they found a typo in the resource group name.'],
    solution: 'The OSG topology entry was corrected.',
  },
  {
    title: 'Storage space token full at {site}',
    issue: 'Storage Systems',
    unit: 'ngi',
    request: 'The {vo}DATADISK space token at {site} reports 100% usage and writes fail. Can the site add capacity or should we clean up?',
    replies: ['We can add 200 TB next week. Meanwhile could {vo} delete the obsolete datasets listed in the attached dump?', 'Deletion campaign started on our side.', 'Capacity added; the token is at 71% now.'],
    solution: '200 TB were added and obsolete datasets deleted.',
  },
  {
    title: 'GGUS notifications arrive twice',
    issue: 'GGUS',
    unit: 'ggus',
    request: 'Every update on my tickets reaches me twice, once directly and once through our unit mailing list. Is this expected?',
    replies: ['You are both the submitter and on the unit list; remove yourself from CC to get one copy.'],
    solution: 'Explained; the user removed the duplicate CC address.',
  },
  {
    title: 'Batch jobs of {vo} killed for exceeding memory at {site}',
    issue: 'Local Batch System',
    unit: 'ngi',
    request: 'Since Tuesday {vo} multicore jobs at {site} are killed by the batch system for exceeding 2 GB/core, while the VO card requests 2.5 GB/core.',
    replies: ['The memory limit was wrongly applied per core instead of per job after a HTCondor configuration change. Fixed.'],
    solution: 'The HTCondor memory limit was corrected to follow the VO card.',
  },
  {
    title: 'Security: outdated kernel on worker nodes at {site}',
    issue: 'Security',
    unit: 'cic',
    request: 'The security monitoring reports that worker nodes at {site} run a kernel vulnerable to a critical privilege escalation. Please patch and reboot within the deadline of the advisory.',
    replies: ['Rolling reboot started; half of the nodes are patched.', 'All nodes patched and rebooted.'],
    solution: 'All worker nodes were patched and rebooted.',
  },
  {
    title: 'Documentation: VOMS client examples are outdated',
    issue: 'Documentation',
    unit: 'voms',
    request: 'The user guide still shows `voms-proxy-init -voms` options removed in the current client. Please update the examples.',
    replies: ['Thanks, the page was updated.'],
    solution: 'The documentation page was updated.',
  },
];

const PEOPLE = [
  ['Jane Doe', 'jane.doe@uni.example'],
  ['Marco Rossi', 'marco.rossi@infn.example'],
  ['Aiko Tanaka', 'aiko.tanaka@kek.example'],
  ['Pierre Martin', 'pierre.martin@in2p3.example'],
  ['Sarah Connor', 's.connor@ral.example'],
  ['Jan Novák', 'jan.novak@cesnet.example'],
  ['Olga Petrova', 'olga.petrova@jinr.example'],
  ['Lars Nilsson', 'lars.nilsson@ndgf.example'],
  ['Ana García', 'ana.garcia@pic.example'],
  ['Ravi Kumar', 'ravi.kumar@tifr.example'],
  ['Chen Wei', 'chen.wei@ihep.example'],
  ['Emma Schmidt', 'emma.schmidt@desy.example'],
] as const;

const FILLER = [
  'The problem started after the last intervention and affects production.',
  'We checked the site status page and the downtime calendar; nothing was announced.',
  'Logs from the affected worker nodes are available on request.',
  'Other sites do not show the same behaviour with the same configuration.',
  'The monitoring dashboard shows the failures as red since the morning.',
  'We would appreciate an estimate of when this can be looked at.',
  'This blocks part of the current reprocessing campaign.',
  'The error is reproducible with a simple test job submitted by hand.',
  'We have not changed anything on the VO side recently.',
  'Please tell us if more information is needed from our side.',
];

function fill(template: string, vars: { site: string; vo: string }): string {
  return template.replaceAll('{site}', vars.site).replaceAll('{vo}', vars.vo);
}

/** About `words` words of plausible text. */
function paragraph(random: () => number, words: number): string {
  const out: string[] = [];
  let count = 0;
  while (count < words) {
    const sentence = pick(random, FILLER);
    out.push(sentence);
    count += sentence.split(' ').length;
  }
  return out.join(' ');
}

export interface GeneratedTicket {
  ticket: Ticket;
  body: string;
  messages: { message: MessageInput; body: string }[];
  /** Files in files/ (name → content). */
  files?: Record<string, string>;
}

export interface TicketPlan {
  number: number;
  created: Date;
  status: Status;
  random: () => number;
  intake: { helpdesk: string; vo: string };
  messageCount: number;
  /** Words of filler per message (≈150 for the benchmark). */
  extraWords: number;
  /** Fixed choices instead of random ones (the random numbers are still drawn, so later tickets stay the same). */
  choose?: { scenario?: number; site?: string; vo?: (typeof VOS)[number] };
}

/** Builds one ticket and its conversation consistent with its status. */
export function generateTicket(plan: TicketPlan): GeneratedTicket {
  const { random } = plan;
  const randomScenario = pick(random, SCENARIOS);
  const scenario = plan.choose?.scenario === undefined ? randomScenario : (SCENARIOS[plan.choose.scenario] as Scenario);
  const siteNames = Object.keys(SITES);
  const randomSite = pick(random, siteNames);
  const site = plan.choose?.site ?? randomSite;
  const randomVo = pick(random, VOS);
  const vo = plan.choose?.vo ?? randomVo;
  const vars = { site, vo };
  const [name, email] = pick(random, PEOPLE);
  const type = weighted(random, [
    ['USER', 90],
    ['TEAM', 8],
    ['ALARM', 2],
  ] as const);
  const priority =
    type === 'ALARM'
      ? 'top priority'
      : weighted(random, [
          [PRIORITIES[0], 55],
          [PRIORITIES[1], 30],
          [PRIORITIES[2], 12],
          [PRIORITIES[3], 3],
        ] as const);
  const viaVo = random() < 0.3;
  let unit: string;
  switch (scenario.unit) {
    case 'ngi':
      unit = SITES[site] as string;
      break;
    case 'vo':
      unit = vo === 'ops' || vo === 'biomed' || vo === 'belle' ? 'tpm-vo' : vo;
      break;
    case 'other-grids':
      unit = 'osg';
      break;
    default:
      unit = scenario.unit;
  }
  if (plan.status === 'new') unit = viaVo ? 'tpm-vo' : 'tpm';
  const solved = ['solved', 'unsolved', 'verified', 'closed'].includes(plan.status);
  const ticket: TicketInput = {
    number: plan.number,
    title: fill(scenario.title, vars),
    status: plan.status,
    priority,
    originalPriority: priority,
    type,
    category: scenario.issue === 'Documentation' ? 'documentation' : 'incident',
    issue: scenario.issue,
    unit,
    vo,
    site,
    ...(type !== 'USER' ? { notifySite: site } : {}),
    submitter: { name, email },
    notify: random() < 0.3 ? 'on every change' : 'on solution',
    created: isoSeconds(plan.created),
    source: { kind: 'email', address: viaVo ? plan.intake.vo : plan.intake.helpdesk },
    // A unit with its own helpdesk has its copy there: the example shows the link (no random draw, so the rest stays as it was).
    ...(unit === 'ngi-cz' ? { remote: { unit, system: 'rt', id: String(4000 + (plan.number % 1000)) } } : {}),
    ...(solved ? { solution: { qualifier: plan.status === 'unsolved' ? "won't fix" : 'fixed', text: scenario.solution } } : {}),
  };
  const body = `${fill(scenario.request, vars)}\n\n${paragraph(random, plan.extraWords)}\n\n${name}\n`;
  const messages: GeneratedTicket['messages'] = [];
  let time = plan.created.getTime();
  const supporter = { name: `${unit.toUpperCase()} supporter`, email: `support@${unit}.example`, role: 'supporter' as const, unit };
  for (let i = 0; i < plan.messageCount; i += 1) {
    time += Math.floor((1 + random() * 47) * 3600_000);
    const fromSubmitter = i % 2 === 1;
    const replyText = scenario.replies[i % scenario.replies.length] ?? 'Thanks.';
    messages.push({
      message: {
        date: isoSeconds(time),
        author: fromSubmitter ? { name, email, role: 'submitter' } : supporter,
        visibility: 'public',
        source: fromSubmitter ? 'mail' : 'pull-request',
        ...(fromSubmitter ? { messageId: `${plan.number}.${i}@mail.uni.example` } : {}),
      },
      body: `${fill(replyText, vars)}${plan.extraWords > 0 ? `\n\n${paragraph(random, plan.extraWords)}` : ''}\n`,
    });
  }
  return { ticket: ticket as Ticket, body, messages };
}

/** The files of one generated ticket: repository path → content. */
export function ticketFiles(generated: GeneratedTicket): Map<string, string> {
  const files = new Map<string, string>();
  const indexPath = ticketIndexPath(generated.ticket.number);
  files.set(indexPath, serializeTicket(generated, indexPath));
  for (const message of generated.messages) {
    const file = messageFile(generated.ticket.number, message);
    files.set(file.path, file.content);
  }
  for (const [name, content] of Object.entries(generated.files ?? {})) {
    files.set(`${indexPath.replace(/index\.md$/, 'files/')}${name}`, content);
  }
  return files;
}
