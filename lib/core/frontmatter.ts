/**
 * Front-matter documents: `---\n<YAML>---\n<Markdown body>`.
 *
 * Split with gray-matter, with every executable language refused: gray-matter's default engines
 * evaluate `---js` front-matter with `eval`, which would let a mail or a pull request run code.
 *
 * YAML is read with js-yaml 5 and written with `yaml`. Reading is the hot path (a site build or a full
 * check reads every file of every ticket) and js-yaml 5 reads our files 8× faster than `yaml`'s document
 * API; `yaml` stays the writer because its output is what the committed files are. Both implement the
 * YAML 1.2 core schema and pass the YAML test suite; test/yaml-engines.test.ts pins that they read every
 * committed file and the schema's edge cases (1_000, 0o17, .inf, dates, `<<`) to the same values, and
 * that what `yaml` writes js-yaml reads back unchanged.
 */
import matter from 'gray-matter';
import { load as loadYaml } from 'js-yaml';
import { parseDocument, stringify as stringifyYaml } from 'yaml';
import { FrontMatterLanguageError, ValidationError } from '../errors.ts';

export interface FrontMatterDoc {
  data: Record<string, unknown>;
  body: string;
}

const YAML_PARSE_OPTIONS = { schema: 'core', strict: true, uniqueKeys: true, prettyErrors: true } as const;
const YAML_STRINGIFY_OPTIONS = { lineWidth: 0, minContentWidth: 0, indent: 2, schema: 'core', aliasDuplicateObjects: false } as const;

function refuseLanguage(file: string, language: string) {
  return () => {
    throw new FrontMatterLanguageError(file, language);
  };
}

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

const OPENING_FENCE = /^---([^\n]*)\r?\n/;

export function parseFrontMatter(text: string, file: string): FrontMatterDoc {
  const opening = OPENING_FENCE.exec(text);
  if (!opening) {
    throw new ValidationError([{ code: 'E_FRONTMATTER', file, message: 'has no front-matter: the file must start with a line "---"', hint: 'Start the file with ---, the YAML fields, then --- and the text.' }]);
  }
  const language = (opening[1] ?? '').trim().toLowerCase();
  if (language !== '' && language !== 'yaml') throw new FrontMatterLanguageError(file, language);

  const yamlEngine = { parse: (source: string) => parseYamlText(source, file) as object, stringify: stringifyYamlValue };
  // Every engine gray-matter knows, except our YAML one, is replaced by a refusal (defence in depth behind the check above).
  const engines = {
    yaml: yamlEngine,
    js: refuseLanguage(file, 'js'),
    javascript: refuseLanguage(file, 'javascript'),
    coffee: refuseLanguage(file, 'coffee'),
    coffeescript: refuseLanguage(file, 'coffeescript'),
    cson: refuseLanguage(file, 'cson'),
    json: refuseLanguage(file, 'json'),
    toml: refuseLanguage(file, 'toml'),
  };
  // Passing an options object also turns off gray-matter's module-level cache (a memory leak at scale).
  const parsed = matter(text, { language: 'yaml', engines: engines as never });
  if (!text.slice(opening[0].length).match(/^(?:[\s\S]*?\r?\n)?---[ \t]*(?:\r?\n|$)/)) {
    throw new ValidationError([{ code: 'E_FRONTMATTER', file, message: 'front-matter is not closed: add a line "---" after the fields' }]);
  }
  const data = parsed.data as unknown;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ValidationError([{ code: 'E_FRONTMATTER', file, message: 'front-matter must be a mapping of fields (key: value lines)' }]);
  }
  return { data: data as Record<string, unknown>, body: parsed.content };
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
