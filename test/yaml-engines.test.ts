/**
 * The helpdesk reads YAML with js-yaml 5 and writes it with `yaml` (lib/core/frontmatter.ts). These tests
 * pin that the two agree: on every committed file, on the YAML 1.2 core schema's edge cases, and on
 * reading back what `yaml` writes — so the switch of reader changed no value anywhere.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { listFiles } from '../bench/_harness.ts';
import { FrontMatter } from '../lib/core/events.ts';
import { frontMatterField, frontMatterText, parseFrontMatter, parseYamlText, readYaml, stringifyYamlValue } from '../lib/core/frontmatter.ts';
import { ValidationError } from '../lib/errors.ts';
import { PROJECT_ROOT } from './helpers.ts';

/** `yaml`'s reading with the options the helpdesk used before js-yaml; 'refused' when it refuses. */
function readWithYaml(text: string): unknown {
  const doc = parseDocument(text, { schema: 'core', strict: true, uniqueKeys: true });
  if (doc.errors.length > 0 || doc.warnings.length > 0) return 'refused';
  try {
    return doc.toJS({ maxAliasCount: 0 });
  } catch {
    return 'refused';
  }
}

function readWithJsYaml(text: string): unknown {
  try {
    return readYaml(text);
  } catch {
    return 'refused';
  }
}

describe('js-yaml and yaml read the same values', () => {
  it('for every committed YAML file and front-matter block', () => {
    const files = [...listFiles(path.join(PROJECT_ROOT, 'tickets')), ...listFiles(path.join(PROJECT_ROOT, 'units')), path.join(PROJECT_ROOT, 'helpdesk.yml')].filter((file) => /\.(md|ya?ml)$/.test(file) && !file.endsWith('README.md'));
    expect(files.length).toBeGreaterThan(200);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const yaml = file.endsWith('.md') ? frontMatterText(text) : text;
      expect(yaml, file).toBeDefined();
      const value = readWithJsYaml(yaml as string);
      expect(value, file).not.toBe('refused');
      expect(value, file).toEqual(readWithYaml(yaml as string));
    }
  });

  it('the fast front-matter readers agree with the full parse on every committed ticket and message', () => {
    const files = listFiles(path.join(PROJECT_ROOT, 'tickets')).filter((file) => file.endsWith('.md') && !file.endsWith('README.md'));
    expect(files.length).toBeGreaterThan(150);
    let ids = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const data = parseFrontMatter(text, file).data as { number?: unknown; messageId?: unknown; source?: { messageId?: unknown } };
      const isIndex = file.endsWith('index.md');
      const id = isIndex ? data.source?.messageId : data.messageId;
      if (id !== undefined) ids += 1;
      expect(frontMatterField(text, isIndex ? 'source.messageId' : 'messageId'), file).toBe(id);
      if (isIndex) expect(frontMatterField(text, 'number'), file).toBe(data.number);
      const view = new FrontMatter(text);
      for (const [key, value] of Object.entries(data)) expect(view.get(key), `${file} ${key}`).toEqual(value);
    }
    expect(ids).toBeGreaterThan(50);
  });

  it('for the core schema edge cases, and both refuse the same unsafe or broken input', () => {
    const cases = [
      'a: 1_000',
      'a: 0o17',
      'a: 0x1F',
      'a: 012',
      'a: +12',
      'a: 1e3',
      'a: -.5',
      'a: 1.0',
      'a: 0b101',
      'a: .inf',
      'a: -.Inf',
      'a: .NaN',
      'a: NaN',
      'a: ~',
      'a: null',
      'a: Null',
      'a:',
      'a: yes',
      'a: no',
      'a: on',
      'a: True',
      'a: FALSE',
      'a: 2024-01-01T00:00:00Z',
      'a: 2024-01-01',
      'a: 12:30',
      '<<: {b: 1}',
      "a: 'it''s'",
      'a: "\\u00e9\\n"',
      'a: "x" # comment',
      'a: |\n  x\n  y\n',
      'a: >-\n  x\n  y\n',
      'a: |+\n  x\n\n',
      'a:\n  - 1\n  - b: 2',
      '{a: 1, b: [x, "y"]}',
      '%YAML 1.2\n---\na: yes',
      'a: &x 1\nb: *x',
      'a: !!js/function "x"',
      'a: !foo 1',
      'a: 1\na: 2',
      'a: [1, 2',
      'a: b: c',
      '- a\nb: 1',
    ];
    for (const text of cases) {
      const ours = readWithJsYaml(text);
      const theirs = readWithYaml(text);
      expect(ours, text).toEqual(theirs);
    }
    // Stricter than before, never looser: binary data and collection keys have no place in a ticket.
    for (const text of ['a: !!binary aGk=', '? [1]\n: 2']) expect(readWithJsYaml(text), text).toBe('refused');
  });

  it('reads back every value yaml writes, for strings that look like other types', () => {
    // A seeded mix of YAML's special characters, so the round trip meets quoting decisions of every kind.
    const alphabet = [...'abz019 :#-?&*!|>\'"%@`{}[],.~\\\t\n\r\u00e9\u2028\ud83d\ude00<=_+'];
    let seed = 20261128;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const special = [
      '',
      ' ',
      'yes',
      'no',
      'null',
      '~',
      'true',
      'False',
      '1_000',
      '0o17',
      '0x1F',
      '.inf',
      '-.5',
      '1e3',
      '2024-01-01',
      '12:30',
      '<<',
      '- x',
      '? x',
      '*x',
      '&x',
      '!x',
      '%x',
      '@x',
      '`x',
      '#x',
      'a: b',
      'a #b',
      ' lead',
      'trail ',
      'multi\nline\n',
      'crlf\r\nline',
    ];
    const strings = [...special];
    for (let i = 0; i < 2000; i += 1) {
      const length = 1 + Math.floor(random() * 12);
      strings.push(Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
    }
    for (const value of strings) {
      const document = { title: value, list: [value, 1, true, null], nested: { [`k${value.length}`]: value } };
      const written = stringifyYamlValue(document);
      expect(readYaml(written), JSON.stringify(value)).toEqual(document);
    }
  });
});

describe('refusals keep their clear messages', () => {
  it('names the file and says aliases are not allowed', () => {
    try {
      parseYamlText('cc: &a [x@y.example]\ninvolve: *a\n', 'tickets/165/165001/index.md');
      expect.unreachable('an alias was accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      const problem = (error as ValidationError).problems[0];
      expect(problem?.file).toBe('tickets/165/165001/index.md');
      expect(problem?.message).toMatch(/^is not valid YAML: .*alias/i);
      expect(problem?.hint).toMatch(/Aliases/);
    }
  });

  it('refuses a custom tag and a duplicate key with the line they are on', () => {
    expect(() => parseYamlText('a: !!js/function "x"\n', 'f.yml')).toThrow(/not valid YAML: .*tag/i);
    expect(() => parseYamlText('a: 1\na: 2\n', 'f.yml')).toThrow(/not valid YAML: .*(unique|duplicate).*line 2/i);
  });
});
