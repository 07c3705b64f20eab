/**
 * The whole loop a team goes through, each step the real CLI as a separate process: `gitgus init` makes a
 * helpdesk in a temp folder → a mail through `gitgus intake` → an issue event through `gitgus github`
 * (against the local GitHub API server) → `gitgus check` → `gitgus build` → both tickets are on the built
 * site. Every step asserts its exit status with the command's own error output, so a missing piece fails
 * here by name.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cleanupTemps, git, LAUNCHER, PROJECT_ROOT, tempDir, type CliResult } from './helpers.ts';
import { examplePayload, GitHubApiServer, restIssueFromWebhook } from './fixtures/github/api-server.ts';

let server: GitHubApiServer;
beforeAll(async () => {
  server = await new GitHubApiServer().start();
});
afterAll(async () => {
  await server.close();
  cleanupTemps();
});

/** The CLI as a child process without blocking this process (the GitHub API server answers from it). */
function gitgus(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAUNCHER, ...args], { cwd: PROJECT_ROOT, env: { ...process.env, NO_COLOR: '1', ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? 1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

function step(name: string, result: CliResult): void {
  expect(result.status, `${name} failed (exit ${result.status}):\n${result.stderr}${result.stdout}`).toBe(0);
}

/** Every file under a folder, as paths relative to it. */
function walk(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]));
}

it('init → mail intake → GitHub issue intake → check → build: both tickets on the site', async () => {
  const root = path.join(tempDir('gitgus-loop-'), 'helpdesk');
  const repository = 'Codertocat/Hello-World';

  step('gitgus init', await gitgus(['init', root, '--yes', '--name', 'Loop Grid Helpdesk', '--domain', 'loopgrid.eu', '--repository', repository, '--public', '--tpm', 'Codertocat-tpm']));
  git(root, ['config', 'user.name', 'Loop Test']);
  git(root, ['config', 'user.email', 'loop@loopgrid.eu']);

  const mail = [
    'From: Jane Doe <jane.doe@uni.example>',
    'To: helpdesk@loopgrid.eu',
    'Subject: CMS jobs fail at our site with proxy expired',
    'Message-ID: <loop.1@uni.example>',
    'Date: Fri, 27 Nov 2026 09:14:03 +0000',
    '',
    'Since Monday all CMS pilot jobs fail with "proxy expired".',
    '',
  ].join('\r\n');
  const intake = await gitgus(['intake', '--root', root, '--json'], { input: mail });
  step('gitgus intake', intake);
  expect(JSON.parse(intake.stdout.trim().split('\n')[0] ?? '{}')).toMatchObject({ action: 'created', ticket: 1 });

  const payload = examplePayload('issues', 'opened');
  payload.issue.body = readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/github/form-body.md'), 'utf8');
  server.addIssue(repository, restIssueFromWebhook(payload.issue));
  const event = path.join(tempDir('gitgus-event-'), 'event.json');
  writeFileSync(event, JSON.stringify(payload));
  const github = await gitgus(['github', '--event', event, '--root', root, '--json'], { env: { GITHUB_TOKEN: server.token, GITHUB_API_URL: server.url } });
  step('gitgus github', github);
  expect((JSON.parse(github.stdout) as { results: unknown[] }).results[0]).toMatchObject({ action: 'created', ticket: 2 });
  expect(server.comments(repository, 1).map((comment) => comment.body)).toEqual([expect.stringContaining('ticket **#2** of Loop Grid Helpdesk') as unknown]);

  const check = await gitgus(['check', '--root', root]);
  step('gitgus check', check);
  expect(check.stderr).toContain('ok: 2 tickets');
  expect(git(root, ['status', '--porcelain'])).toBe('');
  git(root, ['fsck', '--strict']);

  const out = path.join(tempDir('gitgus-site-'), 'site');
  step('gitgus build', await gitgus(['build', '--root', root, '--out', out, '--no-search'], { env: { NODE_COMPILE_CACHE: tempDir('gitgus-cache-') } }));
  for (const [number, title] of [
    [1, 'CMS jobs fail at our site with proxy expired'],
    [2, 'Spelling error in the README file'],
  ] as const) {
    const page = path.join(out, 'tickets', String(number), 'index.html');
    expect(existsSync(page), `the site has no page for ticket #${number}`).toBe(true);
    expect(readFileSync(page, 'utf8')).toContain(title);
  }
  // The queue lists both, and the submitter's address is nowhere in the site.
  const queue = readFileSync(path.join(out, 'index.html'), 'utf8');
  expect(queue).toContain('#1');
  expect(queue).toContain('#2');
  const leaks = walk(out).filter((file) => /\.(html|json|xml|csv|txt|js)$/.test(file) && readFileSync(path.join(out, file), 'utf8').includes('jane.doe@uni.example'));
  expect(leaks).toEqual([]);
}, 300_000);
