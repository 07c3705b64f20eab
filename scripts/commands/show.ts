import { defineCommand } from 'citty';
import { ticketDir } from '../../lib/core/paths.ts';
import { ticketHistory, type CommitRecord } from '../../lib/git/history.ts';
import { loadTicket, type LoadedTicket } from '../../lib/store/load.ts';
import { commonArgs, helpdeskRoot, parseTicketNumber, printJson } from '../_shared.ts';

interface ShownTicket {
  ticket: LoadedTicket;
  history: CommitRecord[];
}

function showTicket(root: string, number: number): ShownTicket {
  const ticket = loadTicket(root, number, { messages: true });
  return { ticket, history: ticketHistory(root, number) };
}

function person(p: { name: string; email?: string | undefined; github?: string | undefined }): string {
  const contact = p.email ?? (p.github ? `@${p.github}` : undefined);
  return contact ? `${p.name} <${contact}>` : p.name;
}

function renderTicketText({ ticket: doc, history }: ShownTicket): string {
  const t = doc.ticket;
  const lines = [
    `#${t.number}  ${t.title}`,
    '',
    `  status:    ${t.status}`,
    `  priority:  ${t.priority}${t.originalPriority && t.originalPriority !== t.priority ? ` (submitted as ${t.originalPriority})` : ''}`,
    `  type:      ${t.type} · ${t.category} · ${t.issue}`,
    `  unit:      ${t.unit}${t.assignee ? ` (assigned to ${t.assignee})` : ''}`,
  ];
  if (t.vo) lines.push(`  vo:        ${t.vo}`);
  if (t.site) lines.push(`  site:      ${t.site}`);
  if (t.notifySite) lines.push(`  notify:    ${t.notifySite}`);
  lines.push(`  submitter: ${person(t.submitter)} (notified ${t.notify})`);
  if (t.cc?.length) lines.push(`  cc:        ${t.cc.join(', ')}`);
  lines.push(`  created:   ${t.created} via ${t.source.kind}${t.source.address ? ` to ${t.source.address}` : ''}`);
  const relations = t.relations ?? {};
  const relationText = [
    relations.master !== undefined ? `duplicate of #${relations.master}` : '',
    relations.slaves?.length ? `duplicates: ${relations.slaves.map((n) => `#${n}`).join(' ')}` : '',
    relations.parent !== undefined ? `child of #${relations.parent}` : '',
    relations.children?.length ? `children: ${relations.children.map((n) => `#${n}`).join(' ')}` : '',
    relations.related?.length ? `related: ${relations.related.map((n) => `#${n}`).join(' ')}` : '',
  ].filter(Boolean);
  if (relationText.length > 0) lines.push(`  relations: ${relationText.join('; ')}`);
  if (t.solution) lines.push(`  solution:  [${t.solution.qualifier}] ${t.solution.text}`);
  lines.push('', '── request ──', doc.body.trimEnd() || '(no text)');
  for (const entry of doc.messages ?? []) {
    const m = entry.message;
    const tag = m.visibility === 'internal' ? ' [INTERNAL NOTE]' : '';
    lines.push('', `── ${m.date} · ${person(m.author)} · ${m.author.role}${m.author.unit ? ` (${m.author.unit})` : ''} · via ${m.source}${tag} ──`);
    lines.push(entry.body.trimEnd() || '(no text)');
    for (const attachment of m.attachments ?? []) lines.push(`  📎 ${ticketDir(t.number)}/files/${attachment.file} (${attachment.size} bytes, ${attachment.type})`);
  }
  if (history.length > 0) {
    lines.push('', '── history (git) ──');
    for (const commit of [...history].reverse()) lines.push(`  ${commit.date}  ${commit.subject}  (${commit.trailers.Actor ?? commit.author.name})`);
  }
  return `${lines.join('\n')}\n`;
}

export default defineCommand({
  meta: {
    name: 'show',
    description: 'Show a ticket, its conversation (internal notes marked) and its Git history.\n\nExamples:\n  gitgus show 165048\n  gitgus show "#165048" --json',
  },
  args: {
    number: { type: 'positional', description: 'Ticket number', required: true },
    ...commonArgs,
  },
  run({ args }) {
    const shown = showTicket(helpdeskRoot(args.root), parseTicketNumber(args.number));
    if (args.json) printJson(shown);
    else process.stdout.write(renderTicketText(shown));
  },
});
