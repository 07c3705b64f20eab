/**
 * Front-matter documents: `---\n<YAML>---\n<Markdown body>`. This file is the one owner of the format:
 * `splitFrontMatter` finds the fences, `parseFrontMatter` reads the whole document, and two fast readers
 * (`frontMatterField`, `frontMatterBlocks` + `blockValue`) read parts of it without a YAML parse.
 *
 * Only YAML front-matter is read: a fence naming another language (`---js`, `---coffee`, `---toml`…) is
 * refused, because front-matter engines that evaluate code would let a mail or a pull request run it.
 *
 * YAML is read with js-yaml 5 and written with `yaml`. Measured on 17,886 files of the 10,000-ticket bench
 * helpdesk (index.md + messages, 2 shared cores): js-yaml reads a file's front-matter in 11 µs, `yaml`'s
 * parse takes 134 µs (12×); reading is the hot path (a site build or a full check reads every file of every
 * ticket). `yaml` stays the writer: js-yaml's dump is faster (43 vs 77 µs) but writes other bytes for every
 * one of those files, and the committed files are `yaml`'s output. Both implement the YAML 1.2 core schema
 * and pass the YAML test suite; test/yaml-engines.test.ts pins that they read every committed file and the
 * schema's edge cases (1_000, 0o17, .inf, dates, `<<`) to the same values, and that what `yaml` writes
 * js-yaml reads back unchanged.
 */
import { load as loadYaml } from 'js-yaml';
import { parseDocument, stringify as stringifyYaml } from 'yaml';
import { FrontMatterLanguageError, ValidationError } from '../errors.ts';

interface FrontMatterDoc {
  data: Record<string, unknown>;
  body: string;
}

const YAML_PARSE_OPTIONS = { schema: 'core', strict: true, uniqueKeys: true, prettyErrors: true } as const;
const YAML_STRINGIFY_OPTIONS = { lineWidth: 0, minContentWidth: 0, indent: 2, schema: 'core', aliasDuplicateObjects: false } as const;

/** `yaml`'s reading of a text that js-yaml refused: its messages are the friendlier ones. */
function yamlProblem(text: string): string | undefined {
  const doc = parseDocument(text, YAML_PARSE_OPTIONS);
  const trouble = [...doc.errors, ...doc.warnings][0];
  if (trouble) return trouble.message.split('\n')[0] ?? trouble.message;
  try {
    doc.toJS({ maxAliasCount: 0 });
  } catch (cause) {
    return cause instanceof Error ? cause.message : String(cause);
  }
  return undefined;
}

/**
 * Reads YAML data: the YAML 1.2 core schema, no aliases, no custom tags (js-yaml refuses unknown tags,
 * duplicate keys and complex keys by itself). Empty text is null, as a document with no fields.
 */
export function readYaml(text: string): unknown {
  if (text.trim() === '') return null;
  return loadYaml(text, { maxAliases: 0 });
}

/** Parses YAML with the helpdesk's reader; a refusal names the file, the cause and the fix. */
export function parseYamlText(text: string, file: string): unknown {
  try {
    return readYaml(text);
  } catch (cause) {
    const own = cause instanceof Error ? (cause.message.split('\n')[0] ?? cause.message) : String(cause);
    const detail = yamlProblem(text) ?? own;
    const hint = /alias/i.test(detail) ? 'Aliases (*name) are not allowed; write the values out.' : 'Check indentation and quote values that contain ": " or start with a special character.';
    throw new ValidationError([{ code: 'E_YAML', file, message: `is not valid YAML: ${detail}`, hint }]);
  }
}

export function stringifyYamlValue(value: unknown): string {
  return stringifyYaml(value, YAML_STRINGIFY_OPTIONS);
}

/** A document cut at its fences; the YAML and the body are not read yet. */
interface FrontMatterSplit {
  /** What follows the opening `---` on its line, lower-cased ('' or 'yaml' for YAML). */
  language: string;
  /** The text between the fence lines (the opening line excluded); undefined when no closing line is found. */
  yaml: string | undefined;
  /** The text after the closing fence line; '' when it is not closed. */
  body: string;
}

const OPENING_FENCE = /^---([^\n]*)\r?\n/;

/**
 * The one fence rule: a document opens with a line `---` (optionally naming its language) and the first
 * later line that is `---` (trailing blanks allowed) closes the front-matter. Undefined without an opening line.
 */
export function splitFrontMatter(text: string): FrontMatterSplit | undefined {
  const opening = OPENING_FENCE.exec(text);
  if (!opening) return undefined;
  const language = (opening[1] ?? '').trim().toLowerCase();
  const rest = text.slice(opening[0].length);
  for (let fence = rest.startsWith('---') ? 0 : nextLine(rest, 0); fence >= 0; fence = nextLine(rest, fence)) {
    let after = fence + 3;
    while (rest[after] === ' ' || rest[after] === '\t') after += 1;
    if (rest[after] === '\r') after += 1;
    if (after === rest.length) return { language, yaml: rest.slice(0, fence), body: '' };
    if (rest[after] === '\n') return { language, yaml: rest.slice(0, fence), body: rest.slice(after + 1) };
  }
  return { language, yaml: undefined, body: '' };
}

/** The start of the next line after `from` that begins with `---`, or -1. */
function nextLine(text: string, from: number): number {
  const at = text.indexOf('\n---', from);
  return at < 0 ? -1 : at + 1;
}

/** The YAML between the fences, or undefined without (closed) front-matter. Other languages are not read. */
export function frontMatterText(text: string): string | undefined {
  const split = splitFrontMatter(text);
  return split && (split.language === '' || split.language === 'yaml') ? split.yaml : undefined;
}

/** Whether YAML holds nothing but comments and blank lines (a document with no fields, not a null value). */
function onlyComments(yaml: string): boolean {
  return yaml.replace(/^\s*#[^\n]*/gm, '').trim() === '';
}

export function parseFrontMatter(text: string, file: string): FrontMatterDoc {
  const split = splitFrontMatter(text);
  if (!split) {
    throw new ValidationError([{ code: 'E_FRONTMATTER', file, message: 'has no front-matter: the file must start with a line "---"', hint: 'Start the file with ---, the YAML fields, then --- and the text.' }]);
  }
  if (split.language !== '' && split.language !== 'yaml') throw new FrontMatterLanguageError(file, split.language);
  if (split.yaml === undefined) {
    throw new ValidationError([{ code: 'E_FRONTMATTER', file, message: 'front-matter is not closed: add a line "---" after the fields' }]);
  }
  // The leading line break stands for the opening fence, so the YAML reader's line numbers are the file's.
  const data = onlyComments(split.yaml) ? {} : parseYamlText(`\n${split.yaml}`, file);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ValidationError([{ code: 'E_FRONTMATTER', file, message: 'front-matter must be a mapping of fields (key: value lines)' }]);
  }
  return { data: data as Record<string, unknown>, body: split.body };
}

// ---------------------------------------------------------------------------------------------------
// Fast readers. Both read only what the helpdesk's own writer produces in the common shapes and hand
// everything else to the YAML reader, so they give the full parse's values (test/frontmatter.test.ts
// compares them on every writer's output and on every committed file). Measured on the 10,000-ticket bench
// helpdesk: cutting the fences takes 1.5 µs a file, a js-yaml parse of the front-matter 11 µs, a field
// scan 0.5 µs. A history walk decodes every version of every ticket (docs/spike.md §3: a full parse of
// each costs more than Git's whole walk), and the Message-ID index build reads every file of every ticket.

const KEY_LINE = /^([A-Za-z_][\w-]*):(?:[ \t]|$)/;

/**
 * Splits front-matter into `key → block text`. Returns undefined when a column-0 line is neither a plain
 * key, a list item, a comment nor blank (a quoted key, a document marker): the caller then parses fully.
 */
export function frontMatterBlocks(yaml: string): Map<string, string> | undefined {
  const blocks = new Map<string, string>();
  let key: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (key !== undefined) blocks.set(key, lines.join('\n'));
  };
  for (const line of yaml.replace(/\r\n?/g, '\n').split('\n')) {
    const match = KEY_LINE.exec(line);
    if (match) {
      flush();
      const found = match[1] as string;
      if (blocks.has(found)) return undefined;
      key = found;
      lines = [line];
    } else if (line === '' || /^[ \t#-]/.test(line)) {
      if (key !== undefined) lines.push(line);
      else if (line.trim() !== '' && !line.startsWith('#')) return undefined;
    } else {
      return undefined;
    }
  }
  flush();
  return blocks;
}

const YAML_WORDS = new Set(['true', 'false', 'null', 'yes', 'no', 'on', 'off', 'y', 'n']);
const NESTED_LINE = /^ {2}([A-Za-z_][\w-]*):(?: (.*))?$/;
const LIST_LINE = /^ {0,2}- (.*)$/;

/**
 * The value of a plain YAML scalar that means the same string or integer in every YAML reading, or
 * undefined when only the YAML parser can tell (quotes, indicators, comments, special words).
 */
function simpleScalar(text: string): string | number | undefined {
  if (/^-?[1-9]\d{0,14}$/.test(text)) return Number(text);
  // A text starting with a digit is a string for sure only with an `@` (a Message-ID): no number or date has one.
  if (!/^(?:[A-Za-z]|<(?!<)|\d[^@]*@)[^\t]*$/.test(text) || /[ \t]$/.test(text) || text.includes(': ') || text.includes(' #') || text.endsWith(':')) return undefined;
  return YAML_WORDS.has(text.toLowerCase()) ? undefined : text;
}

/**
 * The value of the common block shapes the serializer writes — a scalar, a one-level mapping of scalars,
 * a list of scalars — without the YAML parser (it dominates a full-history walk). Undefined for anything else.
 */
function simpleBlockValue(block: string): unknown {
  const lines = block.split('\n');
  while (lines.length > 1 && (lines[lines.length - 1] as string).trim() === '') lines.pop();
  const first = lines[0] as string;
  const inline = first.slice(first.indexOf(':') + 1).trim();
  if (lines.length === 1) return simpleScalar(inline);
  if (inline !== '') return undefined;
  const rest = lines.slice(1);
  if (rest.every((line) => LIST_LINE.test(line))) {
    const items = rest.map((line) => simpleScalar((LIST_LINE.exec(line) as RegExpExecArray)[1] as string));
    return items.every((item) => item !== undefined) ? items : undefined;
  }
  const out: Record<string, unknown> = {};
  for (const line of rest) {
    const match = NESTED_LINE.exec(line);
    if (!match || match[2] === undefined) return undefined;
    const value = simpleScalar(match[2].trim());
    if (value === undefined || (match[1] as string) in out) return undefined;
    out[match[1] as string] = value;
  }
  return out;
}

/** Parses one `key: value` block, skipping the YAML parser for the common shapes. Undefined when invalid. */
export function blockValue(block: string): unknown {
  const simple = simpleBlockValue(block);
  if (simple !== undefined) return simple;
  try {
    const parsed = readYaml(block) as Record<string, unknown> | null;
    return parsed === null || typeof parsed !== 'object' ? undefined : Object.values(parsed)[0];
  } catch {
    return undefined;
  }
}

const FIELD_NAME = /^[A-Za-z_][\w-]*$/;
const FIELD_PATTERNS = new Map<string, { parent: RegExp | undefined; line: RegExp }>();

/** The line patterns of `key` or `parent.key`, built once per field name (building them costs more than the scan). */
function fieldPatterns(field: string): { parent: RegExp | undefined; line: RegExp } {
  let patterns = FIELD_PATTERNS.get(field);
  if (!patterns) {
    const path = field.split('.');
    if (path.length > 2 || !path.every((part) => FIELD_NAME.test(part))) throw new TypeError(`frontMatterField: ${field} is not a field or parent.field name`);
    const indent = path.length === 2 ? '  ' : '';
    patterns = { parent: path.length === 2 ? new RegExp(`^${path[0]}:[ \\t]*\\r?$`, 'm') : undefined, line: new RegExp(`^${indent}${path[path.length - 1]}:(?:[ \\t]+(.*?))?[ \\t]*\\r?$`, 'm') };
    FIELD_PATTERNS.set(field, patterns);
  }
  return patterns;
}

/**
 * The value of one scalar field — `key` at the top level or `parent.key` one level down (`source.messageId`)
 * — found by a line scan, without parsing the rest of the front-matter. Plain values the serializer writes
 * are taken as they are, anything else (quoted, special words, numbers in other notations) is read by the
 * YAML reader on its own. Undefined when the field is absent, is not a scalar, or cannot be read.
 */
export function frontMatterField(text: string, field: string): unknown {
  const yaml = frontMatterText(text);
  if (yaml === undefined) return undefined;
  const { parent, line: fieldLine } = fieldPatterns(field);
  let scope = yaml;
  if (parent) {
    const found = parent.exec(yaml);
    if (!found) return undefined;
    const after = yaml.slice(found.index + found[0].length + 1);
    const end = /^[^ \t\r\n#]/m.exec(after);
    scope = end ? after.slice(0, end.index) : after;
  }
  const line = fieldLine.exec(scope);
  const value = line?.[1];
  if (value === undefined || value === '') return undefined;
  const simple = simpleScalar(value);
  if (simple !== undefined) return simple;
  try {
    // Read as the value of a key, as in the file: alone, `---` would be a document marker.
    const parsed = (readYaml(`value: ${value}`) as { value?: unknown } | null)?.value;
    return parsed === null || typeof parsed === 'object' ? undefined : parsed;
  } catch {
    return undefined;
  }
}

/** Writes a document in canonical form: LF line endings, keys in the given order, empty values left out. */
export function serializeFrontMatter(data: Record<string, unknown>, body: string): string {
  const yaml = stringifyYamlValue(compact(data));
  return `---\n${yaml}---\n${body}`;
}

/** Drops undefined values, empty lists and empty mappings, so files stay small and diffs stay quiet. */
export function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const compacted = compact(child);
      if (compacted === undefined) continue;
      if (Array.isArray(compacted) && compacted.length === 0) continue;
      if (compacted !== null && typeof compacted === 'object' && !Array.isArray(compacted) && Object.keys(compacted).length === 0) continue;
      out[key] = compacted;
    }
    return out;
  }
  return value;
}
