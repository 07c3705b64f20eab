/**
 * The Pages workflow's own commands (.github/workflows/pages.yml: its `run` steps, in order) run twice on a
 * helpdesk with a change between the runs, each on a fresh checkout as on a fresh runner, with what the
 * workflow's cache step keeps carried from the first run to the second. The second run must take the
 * incremental path and produce the bytes of a cold build of the same commit.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { cleanupTemps, git, makeHelpdesk, PROJECT_ROOT, tempDir } from './helpers.ts';

afterAll(cleanupTemps);

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

const workflow = parseYaml(readFileSync(path.join(PROJECT_ROOT, '.github/workflows/pages.yml'), 'utf8')) as { jobs: { build: { steps: Step[] } } };
const steps = workflow.jobs.build.steps;
/** The script lines of the build job, in order. */
const runLines = steps.filter((step) => step.run !== undefined).map((step) => step.run as string);
/** What the workflow's cache step keeps between runs. */
const cached = ((steps.find((step) => step.uses?.startsWith('actions/cache@'))?.with?.path as string | undefined) ?? '')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '');
/** The folder the workflow uploads to Pages. */
const uploaded = (steps.find((step) => step.uses?.startsWith('actions/upload-pages-artifact@'))?.with?.path as string | undefined) ?? '';

function snapshot(dir: string, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) for (const [file, hash] of snapshot(dir, relative)) out.set(file, hash);
    else
      out.set(
        relative,
        createHash('sha256')
          .update(readFileSync(path.join(dir, relative)))
          .digest('hex'),
      );
  }
  return out;
}

/**
 * A fresh runner: a clone of the helpdesk at its HEAD (actions/checkout), gitgus installed in it as the
 * setup action does (here: the project's own bin), and the cache step's folders restored from `cache`.
 */
function runner(helpdesk: string, cache: string | undefined): string {
  const checkout = path.join(tempDir('gitgus-runner-'), 'helpdesk');
  git(path.dirname(checkout), ['clone', '-q', helpdesk, checkout]);
  mkdirSync(path.join(checkout, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(path.join(PROJECT_ROOT, 'bin', 'gitgus.js'), path.join(checkout, 'node_modules', '.bin', 'gitgus'));
  writeFileSync(path.join(checkout, '.git', 'info', 'exclude'), 'node_modules/\n');
  if (cache) for (const entry of cached) if (existsSync(path.join(cache, entry))) cpSync(path.join(cache, entry), path.join(checkout, entry), { recursive: true });
  return checkout;
}

/** Runs the workflow's script lines in order, as the runner's bash does; returns what they printed. */
function runWorkflow(checkout: string): string {
  let output = '';
  for (const line of runLines) {
    const result = spawnSync('bash', ['-e', '-c', line], { cwd: checkout, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    output += result.stdout + result.stderr;
    expect(result.status, `${line}\n${result.stderr}`).toBe(0);
  }
  return output;
}

/** What actions/cache saves at the end of a run. */
function saveCache(checkout: string): string {
  const cache = tempDir('gitgus-cache-');
  for (const entry of cached) if (existsSync(path.join(checkout, entry))) cpSync(path.join(checkout, entry), path.join(cache, entry), { recursive: true });
  return cache;
}

describe('the Pages workflow', () => {
  it('keeps the output between runs: the run after a change is incremental and equals a cold build', () => {
    expect(runLines.length).toBeGreaterThan(0);
    expect(cached).toEqual(expect.arrayContaining(['.astro', uploaded, `${uploaded}.gitgus.json`]));
    const helpdesk = makeHelpdesk();

    const first = runner(helpdesk, undefined);
    expect(runWorkflow(first)).toContain('full build: no manifest of an earlier build');
    const cache = saveCache(first);

    const messages = path.join(helpdesk, 'tickets/165/165003/messages');
    const name = readdirSync(messages)
      .filter((file) => file.endsWith('.md'))
      .sort()[0] as string;
    writeFileSync(path.join(messages, '20991231T235959Z-0000cafe.md'), readFileSync(path.join(messages, name), 'utf8').replace(/\n---\n[\s\S]*$/, '\n---\nAn answer between two runs of the workflow.\n'));
    git(helpdesk, ['add', '-A']);
    git(helpdesk, ['commit', '-q', '-m', 'a message between two runs']);

    const second = runner(helpdesk, cache);
    const printed = runWorkflow(second);
    expect(printed).toMatch(/rendered \d+ of \d+ pages \(incremental/);
    expect(printed).not.toContain('full build:');
    expect(printed).toMatch(/\(1 indexed again\)/);

    const cold = runner(helpdesk, undefined);
    expect(runWorkflow(cold)).toContain('full build:');
    const incremental = snapshot(path.join(second, uploaded));
    const reference = snapshot(path.join(cold, uploaded));
    const differing = [...new Set([...incremental.keys(), ...reference.keys()])].filter((file) => incremental.get(file) !== reference.get(file));
    expect(differing).toEqual([]);
    expect(readFileSync(path.join(second, uploaded, 'tickets/165003/index.html'), 'utf8')).toContain('An answer between two runs of the workflow.');
  }, 400_000);
});
