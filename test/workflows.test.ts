/**
 * The Actions workflows that run the helpdesk: each one valid against SchemaStore's workflow schema
 * (@action-validator/core), each `gitgus` command they run a real command with real flags, actions pinned
 * to full commit SHAs, least privilege, no secret or event text inside a script, full history where
 * history is read — and the push-or-start-again script run for real against a refused push.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { validateAction, validateWorkflow, type ValidationState } from '@action-validator/core';
import type { ArgsDef, CommandDef } from 'citty';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { COMMANDS } from '../scripts/gitgus.ts';
import { cleanupTemps, git, PROJECT_ROOT, tempDir } from './helpers.ts';

afterAll(cleanupTemps);

const WORKFLOWS = path.join(PROJECT_ROOT, '.github/workflows');
const ACTIONS = path.join(PROJECT_ROOT, '.github/actions');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
}
interface Job {
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  steps?: Step[];
  needs?: string | string[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}

const workflowFiles = readdirSync(WORKFLOWS)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort();
const actionFiles = readdirSync(ACTIONS)
  .map((dir) => `${dir}/action.yml`)
  .sort();
const readWorkflow = (file: string) => parseYaml(readFileSync(path.join(WORKFLOWS, file), 'utf8')) as Workflow;
const readAction = (file: string) => parseYaml(readFileSync(path.join(ACTIONS, file), 'utf8')) as { runs: { steps: Step[] } };

function problems(state: ValidationState): string[] {
  return state.errors.map((error) => `${'path' in error ? error.path : ''} ${error.title}${error.detail ? `: ${error.detail}` : ''}`);
}

/** A local action's folder under .github/actions/, also when used from the base checkout (`./base/.github/actions/…`). */
function localAction(uses: string | undefined): string | undefined {
  return /^\.\/(?:[\w-]+\/)?\.github\/actions\/([\w-]+)$/.exec(uses ?? '')?.[1];
}

/** Steps a job runs, with the steps of the local composite actions it uses. */
function stepsOf(job: Job): Step[] {
  return (job.steps ?? []).flatMap((step) => {
    const local = localAction(step.uses);
    if (local) return [step, ...readAction(`${local}/action.yml`).runs.steps];
    return [step];
  });
}

/** Shell words of one command line, up to the first operator; quotes removed, variables kept as written. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  let inWord = false;
  for (const char of line) {
    if (quote) {
      if (char === quote) quote = undefined;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else if (';|&)'.includes(char)) {
      break;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

/** Every `gitgus <command> …` in a script, as the words after `gitgus`. */
function gitgusCalls(script: string): string[][] {
  const calls: string[][] = [];
  for (const line of script.split('\n')) {
    const at = line.search(/(?:^|\s)gitgus\s/);
    if (at < 0 || line.trim().startsWith('#')) continue;
    calls.push(shellWords(line.slice(line.indexOf('gitgus', at) + 'gitgus'.length)));
  }
  return calls;
}

const commandArgs = new Map<string, ArgsDef>();
async function argsOf(name: string): Promise<ArgsDef> {
  let args = commandArgs.get(name);
  if (!args) {
    const module = (await import(`../scripts/commands/${name}.ts`)) as { default: CommandDef<ArgsDef> };
    args = (module.default.args ?? {}) as ArgsDef;
    commandArgs.set(name, args);
  }
  return args;
}

/** What is wrong with one `gitgus` call: unknown command, flag, or positional value. */
async function callProblems(words: string[]): Promise<string[]> {
  const [name, ...rest] = words;
  if (name === undefined || !COMMANDS.includes(name)) return [`gitgus ${name ?? ''}: no such command (scripts/commands/${name ?? ''}.ts)`];
  const args = await argsOf(name);
  const out: string[] = [];
  const positionals = Object.entries(args).filter(([, def]) => def.type === 'positional');
  let positional = 0;
  for (let i = 0; i < rest.length; i += 1) {
    const word = rest[i] as string;
    if (word.startsWith('--')) {
      const flag = word.slice(2).split('=')[0] as string;
      const direct = args[flag];
      const negated = flag.startsWith('no-') ? args[flag.slice(3)] : undefined;
      if (direct) {
        if ((direct.type === 'string' || direct.type === 'enum') && !word.includes('=')) i += 1;
      } else if (!negated || negated.type !== 'boolean') {
        out.push(`gitgus ${name} ${word}: the command has no such flag (${Object.keys(args).join(', ')})`);
        if (!word.includes('=') && rest[i + 1] !== undefined && !(rest[i + 1] as string).startsWith('-')) i += 1;
      }
      continue;
    }
    const def = positionals[positional]?.[1];
    positional += 1;
    if (!def) {
      out.push(`gitgus ${name} ${word}: the command takes no positional argument here`);
      continue;
    }
    const choices = typeof def.valueHint === 'string' && def.valueHint.includes('|') ? def.valueHint.split('|') : undefined;
    if (choices && !choices.includes(word)) out.push(`gitgus ${name} ${word}: expected one of ${choices.join(', ')}`);
  }
  return out;
}

describe('the workflows', () => {
  it.each(workflowFiles)('%s is valid against the GitHub workflow schema', (file) => {
    expect(problems(validateWorkflow(readFileSync(path.join(WORKFLOWS, file), 'utf8')))).toEqual([]);
  });

  it.each(actionFiles)('.github/actions/%s is a valid action', (file) => {
    expect(problems(validateAction(readFileSync(path.join(ACTIONS, file), 'utf8')))).toEqual([]);
  });

  it('run only gitgus commands and flags the CLI has', async () => {
    const scripts = [
      ...workflowFiles.flatMap((file) => Object.values(readWorkflow(file).jobs).flatMap((job) => (job.steps ?? []).map((step) => ({ where: file, run: step.run })))),
      ...actionFiles.flatMap((file) => readAction(file).runs.steps.map((step) => ({ where: file, run: step.run }))),
    ].filter((entry): entry is { where: string; run: string } => typeof entry.run === 'string');
    const calls = scripts.flatMap((entry) => gitgusCalls(entry.run).map((words) => ({ where: entry.where, words })));
    expect(calls.map((call) => call.words[0]).sort()).toEqual(expect.arrayContaining(['build', 'check', 'github', 'intake', 'notify', 'tick']));
    const found: string[] = [];
    for (const call of calls) found.push(...(await callProblems(call.words)).map((problem) => `${call.where}: ${problem}`));
    expect(found).toEqual([]);
    // The checker itself refuses what it should.
    expect(await callProblems(['intake', '--imaps', 'x'])).toHaveLength(1);
    expect(await callProblems(['github', 'pull'])).toHaveLength(1);
    expect(await callProblems(['nosuch'])).toHaveLength(1);
  });

  it('pin every action to a full commit SHA with its version beside it', () => {
    const uses = [...workflowFiles.map((file) => path.join(WORKFLOWS, file)), ...actionFiles.map((file) => path.join(ACTIONS, file))].flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => /^\s*(?:-\s+)?uses:/.test(line))
        .map((line) => ({ file: path.basename(file), line: line.trim() })),
    );
    expect(uses.length).toBeGreaterThan(10);
    for (const { file, line } of uses) {
      const target = /uses:\s*(\S+)/.exec(line)?.[1] ?? '';
      if (target.startsWith('./')) {
        expect(statSync(path.join(ACTIONS, localAction(target) ?? target, 'action.yml')).isFile(), `${file}: ${target}`).toBe(true);
        continue;
      }
      expect(line, file).toMatch(/^(?:-\s+)?uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(?:\.\d+){0,2}$/);
    }
  });

  it('grant least privilege: nothing at the top, write only where a job commits or answers', () => {
    for (const file of workflowFiles) {
      const workflow = readWorkflow(file);
      expect(workflow.permissions, file).toEqual({});
      for (const [name, job] of Object.entries(workflow.jobs)) {
        expect(job.permissions, `${file} ${name}`).toBeDefined();
        const runs = stepsOf(job)
          .map((step) => step.run ?? '')
          .join('\n');
        const commits = /gitgus (?:intake|tick|sync-slaves|github(?! publish))|git push/.test(runs);
        expect(job.permissions?.contents === 'write', `${file} ${name}: contents: write exactly when it pushes`).toBe(commits);
        if (job.permissions?.issues === 'write') expect(runs, `${file} ${name}`).toMatch(/gitgus github/);
        if (job.permissions?.actions === 'write') expect(runs, `${file} ${name}`).toMatch(/gh workflow run/);
      }
    }
  });

  it('keep secrets and event text out of scripts, and read full history where history is read', () => {
    for (const file of workflowFiles) {
      for (const [name, job] of Object.entries(readWorkflow(file).jobs)) {
        const steps = stepsOf(job);
        for (const step of steps) {
          // Expressions inside a script are injected before the shell runs: data goes through env instead.
          expect(step.run ?? '', `${file} ${name}: ${step.name ?? step.run ?? ''}`).not.toMatch(/\$\{\{/);
          expect(step.run ?? '').not.toMatch(/set -x|echo .*(PASSWORD|TOKEN)/);
        }
        const runs = steps.map((step) => step.run ?? '').join('\n');
        if (/gitgus (?:notify|github|build|check|tick)/.test(runs)) {
          // The pull-request check reads the history of the pull request's checkout (pr/), not of the judge's.
          const checkout = steps.find((step) => step.uses?.startsWith('actions/checkout@') && step.with?.path !== 'base');
          expect(checkout?.with?.['fetch-depth'], `${file} ${name} reads history`).toBe(0);
        }
      }
    }
  });

  it('serialize every workflow that mints ticket numbers in one group that never cancels a running intake', () => {
    const minting = workflowFiles.filter((file) =>
      Object.values(readWorkflow(file).jobs).some((job) =>
        /gitgus (?:intake|github(?! publish))/.test(
          stepsOf(job)
            .map((s) => s.run ?? '')
            .join('\n'),
        ),
      ),
    );
    expect(minting).toEqual(['github-intake.yml', 'mail-intake.yml']);
    for (const file of minting) expect(readWorkflow(file).concurrency, file).toEqual({ group: 'gitgus-intake', 'cancel-in-progress': false });
    const mail = readWorkflow('mail-intake.yml').on;
    expect(Object.keys(mail).sort()).toEqual(['repository_dispatch', 'schedule', 'workflow_dispatch']);
    const github = readWorkflow('github-intake.yml').on;
    expect(Object.keys(github)).toEqual(expect.arrayContaining(['issues', 'issue_comment', 'repository_dispatch']));
  });

  it('the pull-request check runs the base branch’s gitgus on the pull request’s commits, in two folders', () => {
    const workflow = readWorkflow('check.yml');
    // pull_request_target: the workflow file is the base branch's, so a pull request cannot edit its own check.
    expect(Object.keys(workflow.on)).toEqual(['pull_request_target']);
    const job = workflow.jobs.check as Job;
    expect(job.permissions).toEqual({ contents: 'read' });
    expect(job.environment).toBeUndefined();
    const steps = job.steps ?? [];
    const checkouts = steps.filter((step) => step.uses?.startsWith('actions/checkout@'));
    expect(checkouts.map((step) => [step.with?.path, step.with?.ref, step.with?.['persist-credentials']])).toEqual([
      ['base', '${{ github.base_ref }}', false],
      ['pr', 'refs/pull/${{ github.event.pull_request.number }}/head', false],
    ]);
    // Only the base checkout is installed; nothing of the pull request runs (no npm, no script from pr/).
    const setup = steps.filter((step) => localAction(step.uses) === 'setup');
    expect(setup.map((step) => [step.uses, step.with?.path])).toEqual([['./base/.github/actions/setup', 'base']]);
    const runs = steps.filter((step) => step.run !== undefined);
    expect(runs).toHaveLength(1);
    const [run] = runs as [Step & { 'working-directory'?: string }];
    expect(run['working-directory']).toBe('base');
    const [call] = gitgusCalls(run.run ?? '');
    expect(call).toEqual(['check', '--root', '../pr', '--base', '$BASE', '--head', 'HEAD', '--author', '$AUTHOR', '--author-id', '$AUTHOR_ID']);
    expect(run.env).toEqual({ BASE: 'origin/${{ github.base_ref }}', AUTHOR: '${{ github.event.pull_request.user.login }}', AUTHOR_ID: '${{ github.event.pull_request.user.id }}' });
    expect(JSON.stringify(job)).not.toMatch(/secrets\./);
  });

  it('read IMAP, SMTP and GitHub secrets only in jobs of the environment limited to main', () => {
    const withSecrets: string[] = [];
    for (const file of workflowFiles) {
      for (const [name, job] of Object.entries(readWorkflow(file).jobs)) {
        if (!/\$\{\{\s*secrets\./.test(JSON.stringify(job))) continue;
        withSecrets.push(`${file} ${name}`);
        expect(job.environment, `${file} ${name}`).toBe('helpdesk');
      }
    }
    expect(withSecrets).toEqual(['github-intake.yml intake', 'mail-intake.yml intake', 'monitor.yml monitor', 'notify.yml notify', 'pages.yml parts', 'tick.yml tick']);
  });

  it('filter on paths that exist in the repository', () => {
    const tracked = git(PROJECT_ROOT, ['ls-files']).split('\n').filter(Boolean);
    for (const file of workflowFiles) {
      for (const trigger of Object.values(readWorkflow(file).on)) {
        for (const glob of ((trigger ?? {}) as { paths?: string[] }).paths ?? []) {
          expect(
            tracked.some((name) => path.matchesGlob(name, glob)),
            `${file}: ${glob}`,
          ).toBe(true);
        }
      }
    }
  });

  it("copy master messages to their duplicates in every writer's job, before notify mails, from the commit the job started at", () => {
    const action = readAction('after-commit/action.yml').runs.steps;
    const copy = action.find((step) => gitgusCalls(step.run ?? '').some((words) => words[0] === 'sync-slaves'));
    expect(gitgusCalls(copy?.run ?? '')).toEqual([['sync-slaves', '--since', '$BEFORE']]);
    expect(copy?.env?.BEFORE).toBe('${{ inputs.before }}');
    // Every job that commits ticket changes ends in the after-commit action, so the copy step runs after it and before notify.
    const writers = ['github-intake.yml', 'mail-intake.yml', 'notify.yml', 'tick.yml'];
    for (const file of writers) {
      for (const [name, job] of Object.entries(readWorkflow(file).jobs)) {
        const order = stepsOf(job).flatMap((step) => gitgusCalls(step.run ?? '').map((words) => words[0]));
        expect(order.indexOf('sync-slaves'), `${file} ${name}`).toBeGreaterThanOrEqual(0);
        expect(order.indexOf('sync-slaves'), `${file} ${name}`).toBeLessThan(order.indexOf('notify'));
        expect(
          order.slice(0, order.indexOf('sync-slaves')).every((command) => command !== 'notify'),
          `${file} ${name}`,
        ).toBe(true);
      }
    }
    const notify = (readWorkflow('notify.yml').jobs.notify as Job).steps?.find((step) => localAction(step.uses) === 'after-commit');
    expect(notify?.with?.before).toBe("${{ github.event.before || 'HEAD~1' }}");
    // pages.yml runs on the push itself: notify.yml starts it again only when the copies committed.
    expect(notify?.with?.pages).toBe("${{ vars.GITGUS_PAGES == 'true' && 'copies' || 'false' }}");
  });
});

describe('.github/scripts/on-new-tip.sh', () => {
  it('pushes; on a refused push drops the run’s commits, moves to the new tip and runs the command again', () => {
    const script = path.join(PROJECT_ROOT, '.github/scripts/on-new-tip.sh');
    expect(statSync(script).mode & 0o111).not.toBe(0);
    const remote = path.join(tempDir('gitgus-remote-'), 'helpdesk.git');
    const base = tempDir('gitgus-clones-');
    git(base, ['init', '-q', '--bare', '-b', 'main', remote]);
    const clone = (name: string) => {
      const dir = path.join(base, name);
      git(base, ['clone', '-q', remote, dir]);
      git(dir, ['config', 'user.name', name]);
      git(dir, ['config', 'user.email', `${name}@test.example`]);
      return dir;
    };
    const seed = clone('seed');
    writeFileSync(path.join(seed, 'counter'), '0\n');
    git(seed, ['add', 'counter']);
    git(seed, ['commit', '-q', '-m', 'start']);
    git(seed, ['push', '-q', 'origin', 'main']);
    const runner = clone('runner');
    const other = clone('other');
    // The command: on its first run another writer pushes meanwhile; every run appends its own line.
    const command = [
      'set -e',
      `if [ ! -e ${base}/raced ]; then touch ${base}/raced; (cd ${other} && echo other >> counter && git commit -qam other && git push -q origin main); fi`,
      'echo runner >> counter && git commit -qam "runner: mints a number"',
    ].join('\n');
    const result = spawnSync(script, ['bash', '-c', command], { cwd: runner, encoding: 'utf8', env: { ...process.env, GITHUB_REF_NAME: 'main' } });
    expect(result.status, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toContain('::warning::attempt 1');
    // The runner's first commit was dropped, not rebased: the remote has the other writer's commit, then one runner commit.
    expect(git(remote, ['log', '--format=%an %s', 'main']).trim().split('\n')).toEqual(['runner runner: mints a number', 'other other', 'seed start']);
    expect(git(remote, ['show', 'main:counter'])).toBe('0\nother\nrunner\n');
    git(remote, ['fsck', '--strict']);
  });
});
