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
import { cleanupTemps, git, makeSmallHelpdesk, PROJECT_ROOT, tempDir } from './helpers.ts';

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
    // Four tickets, #1002 with a conversation to answer between the runs.
    const { dir: helpdesk } = makeSmallHelpdesk([{ status: 'closed' }, { status: 'in progress', unit: 'cic', messages: [{ date: '2026-11-03T10:00:00Z', text: 'The pool is full again.' }] }, { status: 'new' }, { status: 'verified' }]);

    const first = runner(helpdesk, undefined);
    expect(runWorkflow(first)).toContain('full build: no manifest of an earlier build');
    const cache = saveCache(first);

    const messages = path.join(helpdesk, 'tickets/1/1002/messages');
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
    expect(readFileSync(path.join(second, uploaded, 'tickets/1002/index.html'), 'utf8')).toContain('An answer between two runs of the workflow.');
  }, 400_000);
});

describe("the Pages workflow's site parts", () => {
  const parts = (workflow as unknown as { jobs: { parts: { steps: Step[] } } }).jobs.parts.steps;
  const partLines = parts.filter((step) => step.run !== undefined).map((step) => step.run as string);
  const partCache = ((parts.find((step) => step.uses?.startsWith('actions/cache/restore@'))?.with?.path as string | undefined) ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  /** The cache step's paths in a checkout (`dist-*` is a glob). */
  const cachedIn = (dir: string) => readdirSync(dir).filter((name) => partCache.some((pattern) => (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern)));

  it('publishes each part a change reached to its repository, and leaves the others alone', () => {
    expect(partLines.length).toBeGreaterThan(0);
    // The script reads secrets through env only: these lines run as they are here.
    for (const line of partLines) expect(line).not.toContain('${{');
    const { dir: helpdesk } = makeSmallHelpdesk([{ title: 'Zeppelin archive ticket', status: 'closed' }, { title: 'Second part ticket', status: 'closed' }, { title: 'A current ticket' }]);
    const settings = readFileSync(path.join(helpdesk, 'helpdesk.yml'), 'utf8').replace(/^siteUrl: .*\n/m, '');
    const part = (name: string, n: number) => `  - name: ${name}\n    tickets: { from: ${n}, to: ${n} }\n    url: https://example.github.io/${name}/\n    repository: example/${name}\n`;
    writeFileSync(path.join(helpdesk, 'helpdesk.yml'), `${settings}siteUrl: https://example.github.io/helpdesk/\nsiteParts:\n${part('archive-1', 1001)}${part('archive-2', 1002)}`);
    writeFileSync(path.join(helpdesk, '.gitignore'), '.astro/\ndist*\n');
    git(helpdesk, ['add', '-A']);
    git(helpdesk, ['commit', '-q', '-m', 'two site parts']);
    // The part repositories "on GitHub": bare repositories the workflow's https://github.com/ URLs lead to.
    const github = tempDir('gitgus-github-');
    for (const name of ['archive-1', 'archive-2']) git(github, ['init', '-q', '--bare', `example/${name}.git`]);
    const env = { ...process.env, CI: 'true', GITGUS_PARTS_TOKEN: 'test-token', GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: `url.${github}/.insteadOf`, GIT_CONFIG_VALUE_0: 'https://github.com/' };
    const tip = (name: string) => spawnSync('git', ['--git-dir', path.join(github, `example/${name}.git`), 'rev-parse', '--verify', '--quiet', 'gh-pages'], { encoding: 'utf8' }).stdout.trim();
    const show = (name: string, file: string) => spawnSync('git', ['--git-dir', path.join(github, `example/${name}.git`), 'show', `gh-pages:${file}`], { encoding: 'utf8' }).stdout;
    let cache: string | undefined;
    const run = (): string => {
      const checkout = runner(helpdesk, undefined);
      if (cache) for (const entry of readdirSync(cache)) cpSync(path.join(cache, entry), path.join(checkout, entry), { recursive: true });
      const temp = tempDir('gitgus-runner-temp-');
      const outputs = path.join(temp, 'output');
      writeFileSync(outputs, '');
      let printed = '';
      for (const line of partLines) {
        const result = spawnSync('bash', ['-e', '-c', line], { cwd: checkout, encoding: 'utf8', env: { ...env, RUNNER_TEMP: temp, GITHUB_OUTPUT: outputs } });
        printed += result.stdout + result.stderr;
        expect(result.status, `${line}\n${result.stderr}`).toBe(0);
      }
      // actions/cache/save runs only when a part was built.
      if (readFileSync(outputs, 'utf8').includes('built=true')) {
        cache = tempDir('gitgus-cache-');
        for (const entry of cachedIn(checkout)) cpSync(path.join(checkout, entry), path.join(cache, entry), { recursive: true });
      }
      return printed;
    };

    const first = run();
    expect(first).toContain('part archive-1: published to example/archive-1');
    expect(first).toContain('part archive-2: published to example/archive-2');
    expect(show('archive-1', 'tickets/1001/index.html')).toContain('Zeppelin archive ticket');
    expect(show('archive-1', '.nojekyll')).toBe('');
    expect(show('archive-1', 'tickets/1002/index.html')).toBe('');
    const tips = { one: tip('archive-1'), two: tip('archive-2') };

    // A change in the main site's range: neither part is built or published.
    const index = path.join(helpdesk, 'tickets/1/1003/index.md');
    writeFileSync(index, readFileSync(index, 'utf8').replace('title: A current ticket', 'title: A current ticket, retitled'));
    git(helpdesk, ['commit', '-q', '-am', 'a change in the main range']);
    const second = run();
    expect(second).toContain('part archive-1: unchanged, not published');
    expect(second).toContain('part archive-2: unchanged, not published');
    expect([tip('archive-1'), tip('archive-2')]).toEqual([tips.one, tips.two]);

    // A message on the first part's ticket: that part alone is built (incrementally) and published.
    const messages = path.join(helpdesk, 'tickets/1/1001/messages');
    mkdirSync(messages, { recursive: true });
    writeFileSync(path.join(messages, '20261103T100000Z-0000cafe.md'), '---\ndate: 2026-11-03T10:00:00Z\nauthor:\n  name: A. Supporter\n  role: supporter\n  unit: tpm\nvisibility: public\nsource: cli\n---\nAn answer between two runs.\n');
    git(helpdesk, ['add', '-A']);
    git(helpdesk, ['commit', '-q', '-m', 'a message in the first part']);
    const third = run();
    expect(third).toContain('part archive-1: ticket #1001 changed');
    // From the parts' cache of the first run: incremental (a full build says why in one line).
    expect(first).toContain('full build: no manifest of an earlier build');
    expect(third).not.toContain('full build:');
    expect(third).toContain('part archive-2: unchanged, not published');
    expect(tip('archive-1')).not.toBe(tips.one);
    expect(tip('archive-2')).toBe(tips.two);
    expect(show('archive-1', 'tickets/1001/index.html')).toContain('An answer between two runs.');
    // One commit on the branch, replaced on each publish: old copies of the site do not pile up.
    expect(spawnSync('git', ['--git-dir', path.join(github, 'example/archive-1.git'), 'rev-list', '--count', 'gh-pages'], { encoding: 'utf8' }).stdout.trim()).toBe('1');
  }, 600_000);
});
