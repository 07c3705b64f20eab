/**
 * lib/core/frontmatter.ts owns the front-matter format. Its fast readers (frontMatterField for the
 * Message-ID index build and doctor, frontMatterBlocks + blockValue for the history walk) skip the YAML
 * parse for the shapes the serializer writes: these tests feed them every writer's output, with values
 * chosen to need quoting, and compare each answer with the full parse.
 */
import { describe, expect, it } from 'vitest';
import { parseMessage, parseTicket, serializeMessage, serializeTicket } from '../lib/core/documents.ts';
import { FrontMatter } from '../lib/core/events.ts';
import { frontMatterField, parseFrontMatter, splitFrontMatter } from '../lib/core/frontmatter.ts';
import { MESSAGE_EXAMPLE } from '../lib/core/schema/message.ts';
import { TICKET_EXAMPLE } from '../lib/core/schema/ticket.ts';

/** Values that are plain, that YAML would read as another type, or that need quotes or escapes. */
const AWKWARD = [
  '<CAF+abc.123@mail.gmail.com>',
  '<<merge@x.example>',
  'plain-id@host.example',
  '165048',
  '165003.1@mail.uni.example',
  '2026-11-27T10:00:00Z@x.example',
  '1e3@x',
  '0o17',
  '1e3',
  'true',
  'null',
  'yes',
  '~',
  '2026-11-27',
  "it's",
  '"quoted"',
  'a: b',
  'a #b',
  '#hash',
  '- dash',
  '> folded',
  '| literal',
  '&anchor',
  '*alias',
  '!tag',
  '%directive',
  '@at',
  '`tick',
  '[flow]',
  '{flow}',
  'trailing ',
  ' leading',
  'ünïcödé ✓',
  'emoji 😀',
  '---',
  'ends:',
];

function ticketWith(messageId: string, title: string): string {
  const doc = parseTicket(TICKET_EXAMPLE, 'index.md');
  return serializeTicket({ ...doc, ticket: { ...doc.ticket, title, source: { ...doc.ticket.source, messageId } } });
}

function messageWith(messageId: string): string {
  const doc = parseMessage(MESSAGE_EXAMPLE, 'message.md');
  return serializeMessage({ ...doc, message: { ...doc.message, source: 'mail', messageId } });
}

describe('the fast front-matter readers give the full parse’s values on every writer’s output', () => {
  for (const value of AWKWARD) {
    it(`for ${JSON.stringify(value)}`, () => {
      const ticket = ticketWith(value, value);
      const full = parseFrontMatter(ticket, 'index.md').data as { number: number; title: string; source: { messageId: string } };
      expect(full.source.messageId).toBe(value);
      expect(frontMatterField(ticket, 'source.messageId')).toBe(full.source.messageId);
      expect(frontMatterField(ticket, 'title')).toBe(full.title);
      expect(frontMatterField(ticket, 'number')).toBe(full.number);

      const message = messageWith(value);
      expect(frontMatterField(message, 'messageId')).toBe(value);
      expect(frontMatterField(message, 'messageId')).toBe(parseFrontMatter(message, 'm.md').data.messageId);

      // The history walk's block reader: every field, nested ones included.
      for (const text of [ticket, message]) {
        const data = parseFrontMatter(text, 'f.md').data;
        const view = new FrontMatter(text);
        expect(view.keys().sort()).toEqual(Object.keys(data).sort());
        for (const key of Object.keys(data)) expect(view.get(key), key).toEqual(data[key]);
      }
    });
  }

  it('a field that is absent, nested elsewhere or not a scalar is undefined', () => {
    const ticket = ticketWith('<a@b.example>', 'Title');
    expect(frontMatterField(ticket, 'messageId')).toBeUndefined();
    expect(frontMatterField(ticket, 'submitter.messageId')).toBeUndefined();
    expect(frontMatterField(ticket, 'submitter')).toBeUndefined();
    expect(frontMatterField(ticket, 'submitter.email')).toBe('jane.doe@uni.example');
    // Only the front-matter is read, not a body that looks like fields.
    expect(frontMatterField(`---\ntitle: x\n---\nmessageId: <body@x>\n`, 'messageId')).toBeUndefined();
    expect(frontMatterField(`messageId: <no-fence@x>\n`, 'messageId')).toBeUndefined();
    expect(() => frontMatterField(ticket, 'a.b.c')).toThrow(TypeError);
  });
});

describe('splitFrontMatter is the one fence rule', () => {
  it('cuts at the first line that is only ---, keeping the body as written', () => {
    expect(splitFrontMatter('---\na: 1\n---\nbody\n---\nmore\n')).toEqual({ language: '', yaml: 'a: 1\n', body: 'body\n---\nmore\n' });
    expect(splitFrontMatter('---\r\na: 1\r\n---\r\nbody\r\n')).toEqual({ language: '', yaml: 'a: 1\r\n', body: 'body\r\n' });
    expect(splitFrontMatter('---\n---\n')).toEqual({ language: '', yaml: '', body: '' });
    expect(splitFrontMatter('---\na: 1\n---')).toEqual({ language: '', yaml: 'a: 1\n', body: '' });
    expect(splitFrontMatter('---\na: |\n  ---x\n---  \nbody')).toEqual({ language: '', yaml: 'a: |\n  ---x\n', body: 'body' });
    expect(splitFrontMatter('---JS\nx\n---\n')?.language).toBe('js');
    expect(splitFrontMatter('---\na: 1\n')).toEqual({ language: '', yaml: undefined, body: '' });
    expect(splitFrontMatter('a: 1\n---\n')).toBeUndefined();
  });

  it('a front-matter of comments only is a document with no fields', () => {
    expect(parseFrontMatter('---\n# nothing yet\n---\nbody\n', 'f.md')).toEqual({ data: {}, body: 'body\n' });
  });

  it('YAML errors name the line of the file, not of the front-matter', () => {
    expect(() => parseFrontMatter('---\na: 1\na: 2\n---\n', 'f.md')).toThrow(/line 3/);
  });
});
