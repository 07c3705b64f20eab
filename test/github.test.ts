/**
 * GitHub issue intake against a local server that answers like GitHub's REST API, driven by the published
 * webhook example payloads (@octokit/webhooks-examples). Asserts the exact REST calls, the tickets and
 * messages committed (read back with the git CLI), idempotency, and the answers posted on the issue.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { issueForm, issueFormConfig, parseIssueForm } from '../lib/core/github/form.ts';
import { isOwnOrBotComment, marksIn } from '../lib/core/github/issue.ts';
import { createGitHubClient, type GitHubApi } from '../lib/github/client.ts';
import { loadSettings, loadTicket } from '../lib/store/load.ts';
import { addReply } from '../scripts/commands/reply.ts';
import { github } from '../scripts/commands/github.ts';
import type { GitHubRunResult } from '../lib/github/run.ts';
import type { PublishResult } from '../lib/github/publish.ts';
import { cleanupTemps, git, makeSmallHelpdesk, PROJECT_ROOT, runGitgus, tempDir, withRemote } from './helpers.ts';
import { ACTIONS_BOT, examplePayload, GitHubApiServer, restCommentFromWebhook, restIssueFromWebhook, type WebhookPayload } from './fixtures/github/api-server.ts';

/** The example's settings and units with one ticket, numbered from 1001: an issue becomes ticket #1002. */
function smallHelpdesk(): string {
  return makeSmallHelpdesk([{ status: 'assigned' }], { numberingStart: 1001 }).dir;
}

const FORM_BODY = readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/github/form-body.md'), 'utf8');
/** The repository of the published example payloads. */
const REPO = 'Codertocat/Hello-World';
const NOW = new Date('2026-11-27T10:00:00Z');

/** The published `issues.opened` payload, with the body GitHub renders for a submission of our form. */
function openedThroughForm(): WebhookPayload {
  const payload = examplePayload('issues', 'opened');
  payload.issue.body = FORM_BODY;
  return payload;
}

function setIssueRepository(root: string, repository: string): void {
  const file = path.join(root, 'helpdesk.yml');
  writeFileSync(file, `${readFileSync(file, 'utf8')}issueRepository: ${repository}\n`);
  git(root, ['commit', '-q', '-am', 'take issues from the example payloads repository']);
}

function writeEvent(payload: unknown): string {
  const file = path.join(tempDir('gitgus-event-'), 'event.json');
  writeFileSync(file, JSON.stringify(payload));
  return file;
}

function asRun(result: GitHubRunResult | PublishResult): GitHubRunResult {
  if (!('results' in result)) throw new Error('expected an intake run');
  return result;
}

let server: GitHubApiServer;
let api: GitHubApi;

beforeEach(async () => {
  server = await new GitHubApiServer().start();
  server.now = () => NOW;
  api = createGitHubClient({ token: server.token, baseUrl: server.url });
});
afterEach(async () => {
  await server.close();
});
afterAll(cleanupTemps);

describe('the issue form', () => {
  it('reads every field GitHub renders, keeping a heading the user typed inside the description', () => {
    expect(parseIssueForm(FORM_BODY)).toEqual({
      fromForm: true,
      description: 'Since Monday all CMS pilot jobs at FZK-LCG2 fail with "proxy expired".\n\n### Site\n\nI first thought the site was at fault, but the SAM tests are green.\n\nJob id: https://cms-jobs.example/1234',
      vo: 'cms',
      site: 'FZK-LCG2',
      priority: 'urgent',
      issue: 'Workload Management',
      notes: [],
    });
  });

  it('treats _No response_ as empty, keeps values it cannot use as notes, and reads a free-text body as the description', () => {
    const body = '### Description\r\n\r\nIt broke.\r\n\r\n### VO\r\n\r\n_No response_\r\n\r\n### Site\r\n\r\nsite with spaces\r\n\r\n### Priority\r\n\r\nasap\r\n\r\n### Type of issue\r\n\r\nOther';
    expect(parseIssueForm(body)).toEqual({ fromForm: true, description: 'It broke.', issue: 'Other', notes: ['Site given in the form: site with spaces', 'Priority given in the form: asap'] });
    expect(parseIssueForm("It looks like you accidently spelled 'commit' with two 't's.")).toEqual({ fromForm: false, description: "It looks like you accidently spelled 'commit' with two 't's.", notes: [] });
    expect(parseIssueForm(null)).toEqual({ fromForm: false, description: '', notes: [] });
  });

  it('is checked in exactly as gitgus init writes it for this helpdesk', () => {
    const settings = loadSettings(PROJECT_ROOT);
    const form: unknown = parseYaml(readFileSync(path.join(PROJECT_ROOT, '.github/ISSUE_TEMPLATE/ticket.yml'), 'utf8'));
    expect(form).toEqual(issueForm({ helpdeskName: settings.name, siteUrl: settings.siteUrl }));
    const config: unknown = parseYaml(readFileSync(path.join(PROJECT_ROOT, '.github/ISSUE_TEMPLATE/config.yml'), 'utf8'));
    expect(config).toEqual(issueFormConfig({ helpdeskName: settings.name, siteUrl: settings.siteUrl, intakeAddress: settings.intake[0]?.address ?? '' }));
    // Every field id the form asks for is one the parser reads back by its label.
    const labels = (issueForm({ helpdeskName: 'x', siteUrl: 'https://x.example/' }).body as { attributes: { label?: string } }[]).flatMap((item) => item.attributes.label ?? []);
    const rendered = labels.map((label) => `### ${label}\n\nvalue-${label.length}`).join('\n\n');
    expect(parseIssueForm(rendered).fromForm).toBe(true);
    expect(parseIssueForm(rendered).notes).toEqual(['Priority given in the form: value-8', 'Type of issue given in the form: value-13']);
  });

  it('tells the helpdesk’s own and bots’ comments from people’s', () => {
    const comment = restCommentFromWebhook(examplePayload('issue_comment', 'created').comment as NonNullable<WebhookPayload['comment']>);
    const own = { id: ACTIONS_BOT.id };
    expect(isOwnOrBotComment(comment, own)).toBe(false);
    expect(isOwnOrBotComment({ ...comment, user: { login: ACTIONS_BOT.login, id: ACTIONS_BOT.id, type: 'Bot' }, body: 'Thanks\n<!-- gitgus:ticket 1002 -->' }, own)).toBe(true);
    expect(isOwnOrBotComment({ ...comment, user: { login: 'stale[bot]', type: 'Bot' } }, own)).toBe(true);
    // Issue 15: a person's comment with a copied mark is still a person's comment.
    expect(isOwnOrBotComment({ ...comment, body: 'Thanks\n<!-- gitgus:ticket 1002 -->' }, own)).toBe(false);
  });
});

describe('gitgus github', () => {
  it('makes an issue opened through the form a ticket, once, and answers on the issue after committing', async () => {
    const root = smallHelpdesk();
    setIssueRepository(root, REPO);
    const payload = openedThroughForm();
    server.addIssue(REPO, restIssueFromWebhook(payload.issue));
    const before = git(root, ['rev-parse', 'HEAD']).trim();

    const run = asRun(await github({ root, event: writeEvent(payload), api, now: () => NOW }));
    expect(run.results[0]).toMatchObject({ kind: 'issue', action: 'created', issue: 1, ticket: 1002 });
    const doc = loadTicket(root, 1002);
    expect(doc.ticket).toMatchObject({
      number: 1002,
      title: 'Spelling error in the README file',
      status: 'new',
      priority: 'urgent',
      originalPriority: 'urgent',
      issue: 'Workload Management',
      unit: 'tpm',
      vo: 'cms',
      site: 'FZK-LCG2',
      submitter: { name: 'Codertocat', github: 'Codertocat' },
      created: '2019-05-15T15:20:18Z',
      source: { kind: 'github' },
      origin: { system: 'github', id: 'Codertocat/Hello-World#1' },
    });
    expect(doc.body).toContain('### Site\n\nI first thought the site was at fault');
    // Numbered, indexed and committed by mail intake's session: the same state file and identity.
    expect(readFileSync(path.join(root, 'intake/state.yml'), 'utf8')).toContain('lastNumber: 1002');
    const log = git(root, ['log', '--format=%an <%ae>|%s', `${before}..HEAD`])
      .trim()
      .split('\n');
    expect(log).toContain('gitgus intake <noreply@ggus.example>|#1002 new ticket from GitHub issue github:Codertocat/Hello-World#1 by Codertocat: Spelling error in the README file');
    expect(git(root, ['log', '-1', '--format=%B', '--grep', 'new ticket from GitHub'])).toMatch(/Ticket: 1002\nUnit: tpm\nActor: Codertocat \(GitHub\)\nEvent: created\nIntake: github:Codertocat\/Hello-World#1/);
    git(root, ['fsck', '--strict']);
    expect(git(root, ['status', '--porcelain'])).toBe('');

    // Exactly these calls: catch-up sync (issues since the first-sync look-back, then the issue's comments), then the answer.
    expect(server.requests.map((r) => [r.method, r.path, r.query, r.body])).toEqual([
      ['GET', '/repos/Codertocat/Hello-World/issues', { state: 'all', sort: 'updated', direction: 'asc', per_page: '100', since: '2026-11-26T10:00:00Z' }, undefined],
      ['GET', '/repos/Codertocat/Hello-World/issues/1/comments', { per_page: '100' }, undefined],
      ['POST', '/repos/Codertocat/Hello-World/issues/1/comments', {}, { body: expect.stringContaining('ticket **#1002** of Example Grid Helpdesk') as unknown }],
    ]);
    expect(server.requests.every((r) => r.authorization === `token ${server.token}`)).toBe(true);
    const ack = server.comments(REPO, 1)[0]?.body ?? '';
    expect(ack).toContain('https://helpdesk.example.org/tickets/1002/');
    expect(ack).toContain('[GGUS #1002]');
    expect(marksIn(ack)).toEqual(['ticket 1002']);

    // The same event again (a re-delivered webhook, a re-run job): no second ticket, no second answer.
    server.requests.length = 0;
    const again = asRun(await github({ root, event: writeEvent(payload), api, now: () => NOW }));
    expect(again.results.find((r) => r.kind === 'issue')).toMatchObject({ action: 'duplicate', ticket: 1002 });
    expect(server.writes()).toEqual([]);
    expect(server.comments(REPO, 1)).toHaveLength(1);
    expect(readFileSync(path.join(root, 'intake/state.yml'), 'utf8')).toContain('lastNumber: 1002');
  });

  it('makes later comments messages, skips its own and bots’ comments, and mirrors public messages back', async () => {
    const root = smallHelpdesk();
    setIssueRepository(root, REPO);
    const opened = openedThroughForm();
    server.addIssue(REPO, restIssueFromWebhook(opened.issue));
    await github({ root, event: writeEvent(opened), api, now: () => NOW });

    const commented = examplePayload('issue_comment', 'created');
    const comment = restCommentFromWebhook(commented.comment as NonNullable<WebhookPayload['comment']>);
    server.addComment(REPO, 1, comment);
    server.addComment(REPO, 1, { ...comment, id: 492700401, body: 'This issue is stale.', user: { ...comment.user!, login: 'stale[bot]', type: 'Bot' }, created_at: '2026-11-27T09:59:00Z', updated_at: '2026-11-27T09:59:00Z' });
    server.requests.length = 0;
    const run = asRun(await github({ root, event: writeEvent(commented), api, now: () => NOW }));
    expect(run.results.filter((r) => r.action !== 'duplicate').map((r) => [r.kind, r.action, r.comment, r.reason.split(':')[0]])).toEqual([
      ['comment', 'appended', '492700400', 'comment https'],
      ['comment', 'skipped', '492700401', 'written by the bot stale[bot]'],
      ['comment', 'skipped', '2000000001', 'written by the helpdesk (its acknowledgement)'],
    ]);
    const doc = loadTicket(root, 1002, { messages: true });
    expect(doc.messages).toHaveLength(1);
    expect(doc.messages?.[0]?.message).toMatchObject({
      date: '2019-05-15T15:20:21Z',
      author: { name: 'Codertocat', github: 'Codertocat', role: 'submitter' },
      visibility: 'public',
      source: 'github',
      messageId: 'Codertocat/Hello-World/issues/1/492700400@github.com',
      inReplyTo: 'Codertocat/Hello-World/issues/1@github.com',
    });
    expect(doc.messages?.[0]?.body).toBe("You are totally right! I'll get this fixed right away.\n");
    // The comment came from the issue: nothing to mirror, the acknowledgement is already there.
    expect(server.writes()).toEqual([]);

    // A supporter answers from the terminal (public) and leaves an internal note: only the public one goes out.
    await addReply({ root, number: 1002, text: 'Could you resubmit a test job? Mail me at tom.processor@grid.example or ping @someone-else.', actor: 'tpm-shifter', now: new Date('2026-11-27T11:00:00Z') });
    await addReply({ root, number: 1002, text: 'Internal: the VOBOX proxy expired.', internal: true, actor: 'tpm-shifter', now: new Date('2026-11-27T11:05:00Z') });
    server.requests.length = 0;
    const published = await github({ root, action: 'publish', since: 'HEAD~2', api });
    expect(published).toMatchObject({ checked: 1, failures: [] });
    const posted = server.writes();
    expect(posted.map((r) => [r.method, r.path])).toEqual([['POST', '/repos/Codertocat/Hello-World/issues/1/comments']]);
    const mirrored = (posted[0]?.body as { body: string }).body;
    expect(mirrored).toContain('**tpm-shifter** (tpm, TPM — Ticket Process Management) on [#1002](https://helpdesk.example.org/tickets/1002/):');
    expect(mirrored).toContain('Could you resubmit a test job? Mail me at t…@grid.example or ping @\u200bsomeone-else.');
    expect(mirrored).not.toContain('Internal');
    expect(marksIn(mirrored)[0]).toMatch(/^message 20261127T110000Z-[a-z0-9]+\.md$/);

    // Published comments are ours: a sync never imports them, and a second publish posts nothing.
    server.requests.length = 0;
    await github({ root, action: 'sync', api, now: () => NOW });
    await github({ root, action: 'publish', since: 'HEAD~4', api });
    expect(server.writes()).toEqual([]);
    expect(loadTicket(root, 1002, { messages: true }).messages).toHaveLength(3);
  });

  it('posts the solution and closes the issue when the ticket is closed; reports a GitHub failure and catches up next run', async () => {
    const root = smallHelpdesk();
    setIssueRepository(root, REPO);
    const opened = openedThroughForm();
    server.addIssue(REPO, restIssueFromWebhook(opened.issue));
    server.failNext('POST', '/repos/Codertocat/Hello-World/issues/1/comments', 502);
    const first = asRun(await github({ root, event: writeEvent(opened), api, now: () => NOW }));
    expect(first.results[0]).toMatchObject({ action: 'created', ticket: 1002 });
    expect(first.published?.failures).toEqual([{ ticket: 1002, issue: 'Codertocat/Hello-World#1', message: expect.stringContaining('issues.createComment on Codertocat/Hello-World failed (HTTP 502)') as unknown }]);
    expect(server.comments(REPO, 1)).toHaveLength(0);

    const base = git(root, ['rev-parse', 'HEAD']).trim();
    const index = path.join(root, 'tickets/1/1002/index.md');
    writeFileSync(index, readFileSync(index, 'utf8').replace('status: new', 'status: closed\nsolution:\n  qualifier: fixed\n  text: The proxy on the VOBOX was renewed.'));
    git(root, ['commit', '-q', '-am', 'close #1002']);
    server.requests.length = 0;
    const result = await github({ root, action: 'publish', since: base, api });
    expect(result).toMatchObject({ failures: [] });
    expect(server.writes().map((r) => [r.method, r.path, r.body])).toEqual([
      ['POST', '/repos/Codertocat/Hello-World/issues/1/comments', { body: expect.stringContaining('ticket **#1002**') as unknown }],
      ['POST', '/repos/Codertocat/Hello-World/issues/1/comments', { body: expect.stringContaining('is solved (fixed):\n\nThe proxy on the VOBOX was renewed.') as unknown }],
      ['PATCH', '/repos/Codertocat/Hello-World/issues/1', { state: 'closed', state_reason: 'completed' }],
    ]);
    expect(server.issue(REPO, 1)?.state).toBe('closed');
  });

  it('routes a new ticket by the routing rules, like every other new ticket', async () => {
    const root = smallHelpdesk();
    setIssueRepository(root, REPO);
    const payload = examplePayload('issues', 'opened');
    payload.issue.body = 'Our dCache pool at DESY-HH refuses writes since the upgrade.';
    server.addIssue(REPO, restIssueFromWebhook(payload.issue));
    const run = asRun(await github({ root, event: writeEvent(payload), api, now: () => NOW }));
    expect(run.results[0]).toMatchObject({ action: 'created', ticket: 1002 });
    expect(loadTicket(root, 1002).ticket).toMatchObject({ unit: 'dcache', status: 'assigned', site: 'DESY-HH' });
    expect(git(root, ['log', '-1', '--format=%B', '--grep', 'new ticket from GitHub'])).toContain('Rule: dcache');
  });

  it('through the CLI: refuses an event from another repository and exits non-zero, writing nothing', () => {
    const root = smallHelpdesk();
    setIssueRepository(root, 'example-grid/helpdesk-issues');
    const head = git(root, ['rev-parse', 'HEAD']);
    const result = runGitgus(['github', '--event', writeEvent(openedThroughForm()), '--root', root], { env: { GITHUB_TOKEN: server.token, GITHUB_API_URL: server.url } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the event is about Codertocat/Hello-World, but this helpdesk takes issues from example-grid/helpdesk-issues');
    expect(git(root, ['rev-parse', 'HEAD'])).toBe(head);
    const noToken = runGitgus(['github', 'sync', '--root', root], { env: { GITHUB_TOKEN: '', GITGUS_GITHUB_TOKEN: '' } });
    expect(noToken.status).toBe(1);
    expect(noToken.stderr).toContain('no GitHub token');
  });

  it('pages through the issue list and leaves pull requests alone', async () => {
    const root = smallHelpdesk();
    setIssueRepository(root, REPO);
    const opened = openedThroughForm();
    server.addIssue(REPO, restIssueFromWebhook(opened.issue));
    for (let n = 2; n <= 102; n += 1) {
      server.addIssue(REPO, { ...restIssueFromWebhook(opened.issue), number: n, id: 1000 + n, updated_at: '2019-05-15T15:20:19Z', pull_request: { url: null, html_url: null, diff_url: null, patch_url: null } });
    }
    const run = asRun(await github({ root, action: 'sync', since: '2019-01-01T00:00:00Z', api, now: () => NOW }));
    expect(server.requests.filter((r) => r.path === '/repos/Codertocat/Hello-World/issues').map((r) => r.query.page ?? '1')).toEqual(['1', '2']);
    expect(run.results.filter((r) => r.action === 'created').map((r) => r.issue)).toEqual([1]);
    // The cursor in the repository moved to the newest issue update seen (15:20:18), less the overlap.
    expect(readFileSync(path.join(root, 'intake/github.yml'), 'utf8')).toBe('repositories:\n  Codertocat/Hello-World:\n    since: 2019-05-15T15:15:18Z\n');
  });
});

describe('a refused push', () => {
  it('drops the run’s commits and imports again on the new tip, never rebasing the commit that minted a number', async () => {
    const root = smallHelpdesk();
    setIssueRepository(root, REPO);
    const { remote, other } = withRemote(root);

    // While this run talks to GitHub, mail intake in another checkout mints the next number and pushes.
    server.onRequest = () => {
      server.onRequest = undefined;
      const mail = 'From: Jane Doe <jane.doe@uni.example>\nTo: helpdesk@ggus.example\nSubject: Jobs fail at DESY-HH\nMessage-ID: <race.1@uni.example>\nDate: Fri, 27 Nov 2026 09:59:00 +0000\n\nAll jobs fail.\n';
      const intake = runGitgus(['intake', '--root', other, '--push'], { input: mail });
      if (intake.status !== 0) throw new Error(`mail intake in the other checkout failed: ${intake.stderr}`);
    };
    const payload = openedThroughForm();
    server.addIssue(REPO, restIssueFromWebhook(payload.issue));
    const run = asRun(await github({ root, event: writeEvent(payload), api, now: () => NOW }));

    expect(run).toMatchObject({ pushed: true, reruns: 1 });
    expect(run.results[0]).toMatchObject({ action: 'created', ticket: 1003 });
    git(remote, ['fsck', '--strict']);
    const subjects = git(remote, ['log', '--format=%s', 'main']).split('\n');
    const minted = subjects.map((subject) => /^#(\d+) new ticket/.exec(subject)?.[1]).filter((n) => n !== undefined);
    expect(minted).toEqual(['1003', '1002']);
    expect(git(remote, ['show', 'main:tickets/1/1002/index.md'])).toContain('title: Jobs fail at DESY-HH');
    expect(git(remote, ['show', 'main:tickets/1/1003/index.md'])).toContain('id: Codertocat/Hello-World#1');
    // The other writer's commit is an ancestor of ours, unchanged: nothing of it was rewritten.
    const mailCommit = git(other, ['rev-parse', 'HEAD']).trim();
    expect(git(remote, ['merge-base', '--is-ancestor', mailCommit, 'main'])).toBe('');
    expect(git(remote, ['show', 'main:intake/state.yml'])).toContain('lastNumber: 1003');
    // The issue is told the number that was pushed, once.
    expect(server.comments(REPO, 1).map((comment) => marksIn(comment.body))).toEqual([['ticket 1003']]);
  });
});

// Issue 15 point 8: the hidden "already posted" marks count only in comments by the token's own account.
describe('GitHub marks count only from our own identity', () => {
  const forged = (body: string) => ({ ...restCommentFromWebhook(examplePayload('issue_comment', 'created').comment as NonNullable<WebhookPayload['comment']>), id: 77, body, created_at: '2026-11-27T10:00:00Z', updated_at: '2026-11-27T10:00:00Z' });

  it('a person’s comment copying the acknowledgement’s mark suppresses nothing, and is a message of the ticket', async () => {
    const root = smallHelpdesk();
    setIssueRepository(root, REPO);
    const opened = openedThroughForm();
    server.addIssue(REPO, restIssueFromWebhook(opened.issue));
    // Written by the issue's author (a User), as GitHub would show it: the mark and a fake link.
    server.addComment(REPO, 1, forged('Registered as ticket #1002: https://helpdesk.example.org/tickets/1002/\n<!-- gitgus:ticket 1002 -->'));
    const run = asRun(await github({ root, event: writeEvent(opened), api, now: () => NOW }));
    expect(run.results[0]).toMatchObject({ action: 'created', ticket: 1002 });
    const acknowledgement = server.writes().filter((r) => r.method === 'POST' && String((r.body as { body?: string }).body).includes('<!-- gitgus:ticket 1002 -->'));
    expect(acknowledgement).toHaveLength(1);
    // The Actions token cannot read GET /user (403): it is github-actions[bot], whose comments now carry the mark.
    expect(server.requests.some((r) => r.method === 'GET' && r.path === '/user')).toBe(true);
    expect(server.comments(REPO, 1).map((c) => c.user?.login)).toEqual(['Codertocat', 'github-actions[bot]']);
    // A rerun sees the real mark in our own comment and posts nothing again; the copied mark was imported as text.
    server.requests.length = 0;
    await github({ root, action: 'sync', api, now: () => NOW });
    await github({ root, action: 'publish', since: 'HEAD~3', api });
    expect(server.writes()).toEqual([]);
    const messages = loadTicket(root, 1002, { messages: true }).messages ?? [];
    expect(messages.map((m) => m.body.split('\n')[0])).toEqual(['Registered as ticket #1002: https://helpdesk.example.org/tickets/1002/']);
  });

  it('with a personal token, the identity is GET /user, and only that user’s marks count', async () => {
    server.actor = { ...ACTIONS_BOT, login: 'helpdesk-bot', id: 5_000_001, type: 'User' };
    api = createGitHubClient({ token: server.token, baseUrl: server.url });
    expect(await api.identity()).toEqual({ login: 'helpdesk-bot', id: 5_000_001 });
    const stranger = forged('<!-- gitgus:ticket 1002 -->');
    expect(isOwnOrBotComment(stranger, await api.identity())).toBe(false);
    expect(isOwnOrBotComment({ ...stranger, user: { login: 'helpdesk-bot', id: 5_000_001, type: 'User' } }, await api.identity())).toBe(true);
    expect(server.requests.filter((r) => r.path === '/user')).toHaveLength(1); // asked once per client
  });
});
