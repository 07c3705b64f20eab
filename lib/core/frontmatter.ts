/**
 * Front-matter documents: `---\n<YAML>---\n<Markdown body>`.
 *
 * Read with gray-matter, but with one YAML engine (`yaml`) for reading and writing so a parse →
 * serialize round trip is exact, and with every executable language refused: gray-matter's default
 * engines evaluate `---js` front-matter with `eval`, which would let a mail or a pull request run code.
 */
import matter from 'gray-matter';
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

/** Parses YAML with the helpdesk's one engine: YAML 1.2 core schema, no aliases, no custom tags. */
export function parseYamlText(text: string, file: string): unknown {
  const doc = parseDocument(text, YAML_PARSE_OPTIONS);
  // Warnings (unknown tags like !!js/function) are refused too: the files hold plain data only.
  const trouble = [...doc.errors, ...doc.warnings][0];
  if (trouble) {
    const detail = trouble.message.split('\n')[0] ?? trouble.message;
    throw new ValidationError([{ file, message: `is not valid YAML: ${detail}`, hint: 'Check indentation and quote values that contain ": " or start with a special character.' }]);
  }
  try {
    return doc.toJS({ maxAliasCount: 0 });
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new ValidationError([{ file, message: `is not valid YAML: ${detail}`, hint: 'Aliases (*name) are not allowed; write the values out.' }]);
  }
}

export function stringifyYamlValue(value: unknown): string {
  return stringifyYaml(value, YAML_STRINGIFY_OPTIONS);
}

const OPENING_FENCE = /^---([^\n]*)\r?\n/;

export function parseFrontMatter(text: string, file: string): FrontMatterDoc {
  const opening = OPENING_FENCE.exec(text);
  if (!opening) {
    throw new ValidationError([{ file, message: 'has no front-matter: the file must start with a line "---"', hint: 'Start the file with ---, the YAML fields, then --- and the text.' }]);
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
    throw new ValidationError([{ file, message: 'front-matter is not closed: add a line "---" after the fields' }]);
  }
  const data = parsed.data as unknown;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ValidationError([{ file, message: 'front-matter must be a mapping of fields (key: value lines)' }]);
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
