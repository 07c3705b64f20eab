import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { outdent } from 'outdent';
import { describe, expect, it } from 'vitest';
import { parseMessage, parseSettings, parseTicket, parseUnit, serializeMessage, serializeSettings, serializeTicket, serializeUnit } from '../lib/core/documents.ts';
import { FrontMatterLanguageError, ValidationError, formatProblems } from '../lib/errors.ts';
import { MAILED_TICKET_FIELDS, PROJECT_ROOT } from './helpers.ts';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

const rel = (file: string) => path.relative(PROJECT_ROOT, file).split(path.sep).join('/');

function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return formatProblems(error.problems);
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('round trips of every example file', () => {
  const files = walk(path.join(PROJECT_ROOT, 'tickets')).filter((f) => f.endsWith('.md') && path.basename(f) !== 'README.md');

  it('covers the whole example', () => {
    expect(files.filter((f) => f.endsWith('index.md')).length).toBeGreaterThanOrEqual(30);
    expect(files.filter((f) => f.includes('/messages/')).length).toBeGreaterThan(60);
  });

  it('tickets and messages serialize back byte for byte', () => {
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const again = file.endsWith('index.md') ? serializeTicket(parseTicket(text, rel(file))) : serializeMessage(parseMessage(text, rel(file)));
      expect(again, rel(file)).toBe(text);
    }
  });

  it('units and settings serialize back byte for byte', () => {
    for (const file of walk(path.join(PROJECT_ROOT, 'units')).filter((f) => f.endsWith('.md') && !f.endsWith('README.md'))) {
      const text = readFileSync(file, 'utf8');
      expect(serializeUnit(parseUnit(text, rel(file))), rel(file)).toBe(text);
    }
    const settings = readFileSync(path.join(PROJECT_ROOT, 'helpdesk.yml'), 'utf8');
    expect(serializeSettings(parseSettings(settings, 'helpdesk.yml'))).toBe(settings);
  });
});

const ticketText = (fields: string, body = 'Jobs fail.\n') => `---\n${fields}\n---\n${body}`;
const validFields = outdent`
  number: 165048
  title: CMS jobs fail
  status: new
  unit: tpm
  ${MAILED_TICKET_FIELDS}
`;

describe('ticket schema', () => {
  it('fills GGUS defaults and writes them in a stable key order', () => {
    const doc = parseTicket(ticketText(validFields), 'index.md');
    expect(doc.ticket.priority).toBe('less urgent');
    expect(doc.ticket.type).toBe('USER');
    expect(doc.ticket.notify).toBe('on solution');
    const text = serializeTicket(doc);
    expect(text.split('\n').slice(1, 6)).toEqual(['number: 165048', 'title: CMS jobs fail', 'status: new', 'priority: less urgent', 'type: USER']);
    expect(serializeTicket(parseTicket(text, 'x'))).toBe(text);
  });

  it('refuses an unknown status, naming file, field, the allowed values and an example', () => {
    const text = problemsOf(() => parseTicket(ticketText(validFields.replace('status: new', 'status: done')), 'tickets/165/165048/index.md'));
    expect(text).toContain("tickets/165/165048/index.md: status: expected one of 'new' | 'assigned' | 'in progress'");
    expect(text).toContain("received 'done'");
    expect(text).toContain('example:\n    status: in progress');
  });

  it('refuses a missing title and a bad address in one go', () => {
    const fields = validFields.replace('title: CMS jobs fail\n', '').replace('jane.doe@uni.example', 'not-an-address');
    const text = problemsOf(() => parseTicket(ticketText(fields), 'index.md'));
    expect(text).toContain('index.md: title: is required');
    expect(text).toContain("index.md: submitter.email: expected a mail address like jane.doe@uni.example, received 'not-an-address'");
  });

  it('refuses unknown fields and lists the known ones', () => {
    const text = problemsOf(() => parseTicket(ticketText(`${validFields}\nstatsu: new`), 'index.md'));
    expect(text).toContain("unknown field 'statsu'");
    expect(text).toMatch(/known fields: number, title, status/);
  });

  it('refuses a priority, type or time that GGUS does not have', () => {
    const text = problemsOf(() => parseTicket(ticketText(validFields.replace('status: new', 'status: new\npriority: whenever\ntype: VIP').replace('2026-11-27T09:14:03Z', '27.11.2026')), 'index.md'));
    expect(text).toContain("priority: expected one of 'less urgent' | 'urgent' | 'very urgent' | 'top priority', received 'whenever'");
    expect(text).toContain("type: expected one of 'USER' | 'TEAM' | 'ALARM'");
    expect(text).toContain("created: expected an ISO time like 2026-11-27T09:14:03Z, received '27.11.2026'");
  });

  it('refuses a title with a line break (it would break mail headers and commit subjects)', () => {
    const text = problemsOf(() => parseTicket(ticketText(validFields.replace('title: CMS jobs fail', 'title: "CMS\\nBcc: evil@x.example"')), 'index.md'));
    expect(text).toContain('title: must be one line without control characters');
  });

  it('keeps YAML and template syntax in a title literally', () => {
    const doc = parseTicket(ticketText(validFields), 'index.md');
    const nasty = `---\nstatus: closed\n--- {{ 7*7 }} <script>alert(1)</script> : # & * !tag`.replace(/\n/g, ' ');
    const text = serializeTicket({ ...doc, ticket: { ...doc.ticket, title: nasty } });
    expect(parseTicket(text, 'x').ticket.title).toBe(nasty);
    expect(parseTicket(text, 'x').ticket.status).toBe('new');
  });

  it('keeps a body that itself looks like front-matter as text', () => {
    const doc = parseTicket(ticketText(validFields, '---\nstatus: closed\n---\nhi\n'), 'index.md');
    expect(doc.ticket.status).toBe('new');
    expect(doc.body).toBe('---\nstatus: closed\n---\nhi\n');
  });

  it('refuses YAML aliases and custom tags (no billion laughs, no type tricks)', () => {
    expect(problemsOf(() => parseTicket(ticketText(`${validFields}\ncc: &a [x@y.example]\ninvolve: *a`), 'index.md'))).toMatch(/not valid YAML|alias/i);
    expect(() => parseTicket(ticketText(`${validFields}\nsite: !!js/function "function(){}"`), 'index.md')).toThrow(ValidationError);
  });
});

describe('executable front-matter is refused', () => {
  for (const language of ['js', 'javascript', ' js', 'coffee']) {
    it(`---${language}`, () => {
      const marker = `__gitgus_pwned_${language.trim()}`;
      const text = `---${language}\n({ number: (globalThis.${marker} = 1) })\n---\nbody\n`;
      expect(() => parseTicket(text, 'tickets/1/1001/index.md')).toThrow(FrontMatterLanguageError);
      try {
        parseTicket(text, 'tickets/1/1001/index.md');
      } catch (error) {
        expect((error as FrontMatterLanguageError).code).toBe('E_FRONTMATTER_LANGUAGE');
        expect((error as Error).message).toContain('tickets/1/1001/index.md');
      }
      expect((globalThis as Record<string, unknown>)[marker]).toBeUndefined();
    });
  }

  it('a file without front-matter or without a closing fence gets a clear message', () => {
    expect(problemsOf(() => parseTicket('just text\n', 'index.md'))).toContain('index.md: has no front-matter');
    expect(problemsOf(() => parseTicket('---\nnumber: 1\n', 'index.md'))).toContain('front-matter is not closed');
  });
});

describe('message, unit and settings schemas', () => {
  it('message: refuses an unknown visibility and a path as attachment name', () => {
    const text = problemsOf(() =>
      parseMessage(
        outdent`
          ---
          date: 2026-11-27T10:15:00Z
          author:
            name: A
            role: supporter
          visibility: secret
          source: cli
          attachments:
            - file: ../../etc/passwd
              size: 3
          ---
          hi
        `,
        'm.md',
      ),
    );
    expect(text).toContain("visibility: expected one of 'public' | 'internal', received 'secret'");
    expect(text).toContain('attachments.0.file: must be a plain file name inside files/');
  });

  it('unit: refuses an unknown family, a bad time zone, and an id that differs from the file name', () => {
    const unit = (fields: string) => `---\nid: ngi-de\nname: NGI Germany\nmailingList: a@b.example\n${fields}\n---\n`;
    const text = problemsOf(() => parseUnit(unit('family: galaxy\ntimezone: Mars/Olympus'), 'units/ngi-de.md'));
    expect(text).toContain("family: expected one of 'tpm' | 'tpm-vo' | 'vo' | 'ngi'");
    expect(text).toContain("timezone: expected an IANA time zone like Europe/Berlin, received 'Mars/Olympus'");
    expect(problemsOf(() => parseUnit(unit('family: ngi'), 'units/ngi-fr.md'))).toContain("units/ngi-fr.md: id: is 'ngi-de' but the file is named ngi-fr.md");
  });

  it("unit: a broken interface: block is hinted with the interface example, and 'interface' is a known field", () => {
    const unit = (fields: string) => `---\nid: ngi-de\nname: NGI Germany\nfamily: ngi\nmailingList: a@b.example\n${fields}\n---\n`;
    const broken = problemsOf(() => parseUnit(unit('interface:\n  system: rt'), 'units/ngi-de.md'));
    expect(broken).toContain('units/ngi-de.md: interface.');
    expect(broken).toContain('ticketTag: "[rt.cesnet.example #{id}]"');
    expect(problemsOf(() => parseUnit(unit('interfaces: {}'), 'units/ngi-de.md'))).toMatch(/known fields: .*\binterface\b/);
  });

  it('settings: refuses a subject tag without {number} and a missing intake address', () => {
    const text = problemsOf(() => parseSettings('name: X\nsender: a@b.example\nsiteUrl: https://x.example/\nsubjectTag: "[GGUS]"\n', 'helpdesk.yml'));
    expect(text).toContain('helpdesk.yml: intake: is required');
    expect(text).toContain('helpdesk.yml: subjectTag: must contain {number}');
  });
});
