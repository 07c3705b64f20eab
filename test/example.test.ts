import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeExample } from '../scripts/generate-example.ts';
import { listFiles } from '../bench/_harness.ts';
import { PROJECT_ROOT, cleanupTemps, tempDir } from './helpers.ts';

afterAll(cleanupTemps);

function snapshot(root: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const base of ['tickets', 'units']) {
    for (const file of listFiles(path.join(root, base))) {
      const rel = path.relative(root, file).split(path.sep).join('/');
      if (/README\.md$|routing\.yml$/.test(rel)) continue;
      files.set(rel, readFileSync(file, 'utf8'));
    }
  }
  files.set('helpdesk.yml', readFileSync(path.join(root, 'helpdesk.yml'), 'utf8'));
  return files;
}

describe('the bundled example helpdesk', () => {
  it('is exactly what the generator writes (deterministic output, no hand edits drifting)', () => {
    const dir = tempDir();
    writeExample(dir);
    const generated = snapshot(dir);
    const committed = snapshot(PROJECT_ROOT);
    expect([...generated.keys()].sort()).toEqual([...committed.keys()].sort());
    for (const [file, content] of generated) expect(committed.get(file), file).toBe(content);
  });

  it('covers every status, priority, type and unit, with an internal note, attachments and relations', () => {
    const indexes = [...snapshot(PROJECT_ROOT)].filter(([file]) => file.endsWith('/index.md')).map(([, text]) => text);
    const values = (key: string) => new Set(indexes.map((text) => new RegExp(`^${key}: (.*)$`, 'm').exec(text)?.[1]));
    expect(values('status').size).toBe(10);
    expect(values('priority').size).toBe(4);
    expect(values('type').size).toBe(3);
    expect(values('unit').size).toBe(listFiles(path.join(PROJECT_ROOT, 'units')).filter((f) => f.endsWith('.md') && !f.endsWith('README.md')).length);
    const all = [...snapshot(PROJECT_ROOT).values()].join('\n');
    expect(all).toContain('visibility: internal');
    expect(all).toContain('attachments:');
    expect(all).toMatch(/relations:\n {2}master:/);
    expect(all).toMatch(/relations:\n {2}parent:/);
  });
});
