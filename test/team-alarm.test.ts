/**
 * TEAM and ALARM tickets (issue 16 point 6), through real parts: mail from alarmers and others through
 * `gitgus intake` (the pipe an MTA runs, and in-process), the issue form through `gitgus github` against a
 * local GitHub API server, routing to the notified site's NGI, the signed ALARM mail captured by a real
 * SMTP server and verified with the public key, and the escalation by `gitgus tick`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeUnit } from '../lib/core/documents.ts';
import { ISSUE_TYPE_RULES, ISSUE_TYPES } from '../lib/core/schema/ticket.ts';
import { issueAllowed, TEAM_ALARM_ISSUE_TYPES } from '../lib/core/team-alarm.ts';
import { loadTicket } from '../lib/store/load.ts';
import { github } from '../scripts/commands/github.ts';
import { intake } from '../scripts/commands/intake.ts';
import { notify } from '../scripts/commands/notify.ts';
import { tick } from '../scripts/commands/tick.ts';
import { createGitHubClient } from '../lib/github/client.ts';
import { examplePayload, GitHubApiServer } from './fixtures/github/api-server.ts';
import { dmarcPass } from './fixtures/mail/build.ts';
import { cleanupTemps, git, runGitgus, tempDir } from './helpers.ts';
import { makeNotifyHelpdesk, startSmtpSink, type SmtpSink } from './notify-helpers.ts';

const SETTINGS = `vos: [atlas, cms]
sites:
  FZK-LCG2: ngi-de
  DESY-HH: ngi-de
siteContacts:
  FZK-LCG2: admins@gridka.test
siteEmergency:
  FZK-LCG2: alarm@gridka.test
alarmers:
  atlas: [alice@cern.test, alice-gh]
issueRepository: Codertocat/Hello-World
mail:
  authentication: aligned
  authservIds: [mx.ggus.example]
`;

let dir: string;
let smtp: SmtpSink;
let keys: { privateKey: string; publicKey: string };
let count = 0;
const NOW = '2026-12-05T02:00:00Z'; // a Saturday night: ALARMs do not wait for office hours

function mail(from: string, subject: string, body: string, options: { authenticated?: boolean; id?: string } = {}): string {
  count += 1;
  const domain = from.replace(/^.*@([^>]+)>?$/, '$1');
  return [
    ...(options.authenticated === false ? [] : [dmarcPass(domain)]),
    `From: ${from}`,
    'To: helpdesk@ggus.test',
    `Subject: ${subject}`,
    `Message-ID: <${options.id ?? `m${count}`}@${domain}>`,
    'Date: Sat, 05 Dec 2026 01:59:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n');
}

async function deliver(raw: string) {
  const file = path.join(tempDir('gitgus-alarm-mail-'), 'm.eml');
  writeFileSync(file, raw);
  const summary = await intake({ root: dir, files: [file], push: false, now: () => new Date(NOW) });
  return summary.results[0] as NonNullable<(typeof summary.results)[0]>;
}

beforeAll(async () => {
  smtp = await startSmtpSink();
  dir = makeNotifyHelpdesk(SETTINGS);
  // ATLAS VO support: its members form the ATLAS team (TEAM tickets), without being alarmers.
  writeFileSync(
    path.join(dir, 'units', 'atlas.md'),
    serializeUnit({ unit: { id: 'atlas', name: 'ATLAS support', family: 'vo', vo: 'atlas', mailingList: 'atlas@lists.ggus.test', members: [{ name: 'Bob Team', email: 'bob@cern.test', github: 'bob-gh' }] }, body: 'ATLAS.' }),
  );
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', 'atlas unit']);
  // A v4 Ed25519 key, the kind `gpg --export-secret-keys` gives today (GnuPG 2.2/2.4 do not read v6 keys).
  const generated = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'Test Grid Helpdesk', email: 'noreply@ggus.test' }], passphrase: 'alarm-pass', format: 'armored' });
  keys = { privateKey: generated.privateKey, publicKey: generated.publicKey };
}, 60_000);
afterAll(async () => {
  await smtp.close();
  cleanupTemps();
});

const ALARM_BODY = 'Type: ALARM\nVO: atlas\nNotify site: FZK-LCG2\nType of issue: Storage Systems\n\nThe SE at FZK is down, all ATLAS transfers fail.';

describe('ALARM by mail', () => {
  let since: string;

  it("from an authenticated alarmer (piped as an MTA does) becomes an ALARM routed to the site's NGI", () => {
    since = git(dir, ['rev-parse', 'HEAD']).trim();
    const run = runGitgus(['intake', '--root', dir, '--json'], { input: mail('Alice Alarm <alice@cern.test>', 'FZK SE down', ALARM_BODY, { id: 'alarm-1' }) });
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout.trim()) as { action: string; ticket: number };
    expect(result.action).toBe('created');
    const { ticket } = loadTicket(dir, result.ticket);
    expect([ticket.type, ticket.vo, ticket.notifySite, ticket.unit, ticket.status, ticket.issue]).toEqual(['ALARM', 'atlas', 'FZK-LCG2', 'ngi-de', 'assigned', 'Storage Systems']);
    expect(git(dir, ['log', '-1', '--format=%(trailers:key=Rule,valueonly)']).trim()).toBe('ggus-team-alarm-site-ngi');
  });

  it('notify refuses to send the ALARM unsigned, naming the secret to set', async () => {
    await expect(notify({ root: dir, since, env: smtp.env, now: new Date(NOW) })).rejects.toMatchObject({ code: 'E_ALARM_SIGNING_KEY' });
  });

  it("mails the site's emergency address at once, signed as PGP/MIME: the detached signature over the first part verifies with the helpdesk's public key", async () => {
    const before = smtp.received.length;
    await notify({ root: dir, since, env: { ...smtp.env, GITGUS_ALARM_SIGNING_KEY: keys.privateKey, GITGUS_ALARM_SIGNING_PASSPHRASE: 'alarm-pass' }, now: new Date(NOW) });
    const received = smtp.received.slice(before);
    const alarm = received.find((r) => r.to.includes('alarm@gridka.test'));
    expect(alarm).toBeDefined();
    const raw = alarm?.raw as Buffer;
    const parsed: ParsedMail = await simpleParser(raw);
    expect(parsed.subject).toBe('[GGUS #165001] ALARM ticket for site "FZK-LCG2" "atlas" "FZK SE down"');
    expect(parsed.html).toBe(false);
    expect(parsed.text).toContain('The SE at FZK is down');
    // RFC 3156 §5: multipart/signed with the OpenPGP protocol and the hash named.
    const contentType = parsed.headers.get('content-type') as { value: string; params: Record<string, string> };
    expect(contentType.value).toBe('multipart/signed');
    expect(contentType.params.protocol).toBe('application/pgp-signature');
    // A strict split on the declared boundary, as a verifier does: the signed part is every byte between the
    // first delimiter line and the CRLF before the next one.
    const text = raw.toString('latin1');
    const delimiter = `\r\n--${contentType.params.boundary}`;
    const bodyStart = text.indexOf('\r\n\r\n') + 2; // the body begins with its first delimiter, after the header block's blank line
    const first = text.indexOf(delimiter, bodyStart - 2) + delimiter.length + 2;
    const second = text.indexOf(delimiter, first);
    const third = text.indexOf(delimiter, second + delimiter.length);
    const signedBytes = raw.subarray(first, second);
    expect(signedBytes.toString('latin1')).toMatch(/^Content-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n/);
    expect(signedBytes.toString('latin1')).not.toMatch(/[^\r]\n/); // canonical CRLF throughout
    const signaturePart = text.slice(second + delimiter.length + 2, third);
    expect(signaturePart).toMatch(/^Content-Type: application\/pgp-signature; name=signature.asc\r\n/);
    const armoredSignature = signaturePart.slice(signaturePart.indexOf('-----BEGIN PGP SIGNATURE-----'));
    // micalg names the hash the signature really used (openpgp.js takes the key's preference, here SHA-512).
    const hash = (await openpgp.readSignature({ armoredSignature })).packets[0]?.hashAlgorithm as openpgp.enums.hash;
    expect(contentType.params.micalg).toBe(`pgp-${openpgp.enums.read(openpgp.enums.hash, hash)}`);
    expect(contentType.params.micalg).toMatch(/^pgp-sha(256|384|512)$/);
    const publicKey = await openpgp.readKey({ armoredKey: keys.publicKey });
    const verifyBytes = async (bytes: Uint8Array) => {
      const result = await openpgp.verify({ message: await openpgp.createMessage({ binary: bytes }), signature: await openpgp.readSignature({ armoredSignature }), verificationKeys: publicKey });
      return result.signatures[0]?.verified;
    };
    await expect(verifyBytes(signedBytes)).resolves.toBe(true);
    // The site's side: GnuPG checks the saved part against signature.asc (as the README tells sites to).
    const gpgHome = tempDir('gitgus-alarm-gpg-');
    const gpg = (args: string[]) => spawnSync('gpg', ['--homedir', gpgHome, '--batch', ...args], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    if (gpg(['--version']).error) throw new Error('gpg is missing: install GnuPG (apt-get install gnupg) to run the ALARM signature test');
    writeFileSync(path.join(gpgHome, 'helpdesk.asc'), keys.publicKey);
    writeFileSync(path.join(gpgHome, 'part.eml'), signedBytes);
    writeFileSync(path.join(gpgHome, 'signature.asc'), armoredSignature);
    expect(gpg(['--import', path.join(gpgHome, 'helpdesk.asc')]).status).toBe(0);
    const good = gpg(['--verify', path.join(gpgHome, 'signature.asc'), path.join(gpgHome, 'part.eml')]);
    expect([good.status, good.stderr]).toEqual([0, expect.stringContaining('Good signature from "Test Grid Helpdesk <noreply@ggus.test>"')]);
    // One byte of the signed part changed: the signature no longer verifies.
    const tampered = Buffer.from(signedBytes);
    const at = tampered.indexOf('FZK is down');
    tampered[at] = 'X'.charCodeAt(0);
    await expect(verifyBytes(tampered)).rejects.toThrow();
    writeFileSync(path.join(gpgHome, 'part.eml'), tampered);
    const bad = gpg(['--verify', path.join(gpgHome, 'signature.asc'), path.join(gpgHome, 'part.eml')]);
    expect([bad.status, bad.stderr]).toEqual([1, expect.stringContaining('BAD signature')]);
    // The NGI's list hears of it too.
    expect(received.some((r) => r.to.includes('ngi-de@lists.ggus.test'))).toBe(true);
  });

  it('is escalated to TPM by tick when nobody takes it within 30 minutes, round the clock, once', async () => {
    const at = git(dir, ['rev-parse', 'HEAD']).trim();
    // The piped intake stamped the ticket with the clock of this machine, whatever day that is.
    const created = Date.parse(loadTicket(dir, 165001).ticket.created);
    const minutes = (n: number) => new Date(created + n * 60_000);
    const early = await tick({ root: dir, now: minutes(20) });
    expect(early.changes.filter((c) => c.rule === 'alarm-escalation')).toEqual([]);
    const due = await tick({ root: dir, now: minutes(31) });
    expect(due.changes.map((c) => [c.ticket, c.rule])).toContainEqual([165001, 'alarm-escalation']);
    const again = await tick({ root: dir, now: minutes(91) });
    expect(again.changes.filter((c) => c.rule === 'alarm-escalation')).toEqual([]);
    const before = smtp.received.length;
    await notify({ root: dir, since: at, env: { ...smtp.env, GITGUS_ALARM_SIGNING_KEY: keys.privateKey, GITGUS_ALARM_SIGNING_PASSPHRASE: 'alarm-pass' }, now: minutes(92) });
    const escalation = smtp.received.slice(before).flatMap((r) => r.to);
    expect(escalation.sort()).toEqual(['ngi-de@lists.ggus.test', 'tpm@lists.ggus.test']);
  });
});

describe('who may open TEAM and ALARM tickets by mail', () => {
  it.each([
    ['an alarmer whose mail is not authenticated', 'Alice Alarm <alice@cern.test>', ALARM_BODY, false, 'USER', 'needs an authenticated sender'],
    ['a team member asking for ALARM', 'Bob Team <bob@cern.test>', ALARM_BODY, true, 'USER', 'only the alarmers of atlas'],
    ['a team member asking for TEAM', 'Bob Team <bob@cern.test>', ALARM_BODY.replace('ALARM', 'TEAM'), true, 'TEAM', undefined],
    ['a stranger asking for TEAM', 'Eve <eve@elsewhere.test>', ALARM_BODY.replace('ALARM', 'TEAM'), true, 'USER', "only members of atlas's support unit"],
  ] as const)('%s', async (_name, from, body, authenticated, type, refusal) => {
    const result = await deliver(mail(from, 'FZK SE down', body, { authenticated }));
    const { ticket } = loadTicket(dir, result.ticket as number);
    expect(ticket.type).toBe(type);
    // The submitter's chosen notify site holds either way: straight to the site's NGI.
    expect([ticket.notifySite, ticket.unit]).toEqual(['FZK-LCG2', 'ngi-de']);
    if (refusal === undefined) expect(ticket.flags ?? []).not.toContain('type-refused');
    else {
      expect(ticket.flags).toContain('type-refused');
      expect(result.reason).toContain(refusal);
    }
  });

  it('a TEAM ticket takes only the reduced type-of-issue list', async () => {
    const result = await deliver(mail('Bob Team <bob@cern.test>', 'AppDB entry', 'Type: TEAM\nVO: atlas\nNotify site: DESY-HH\nType of issue: AppDB\n\nOur AppDB entry is wrong.'));
    const { ticket } = loadTicket(dir, result.ticket as number);
    expect([ticket.type, ticket.issue, ticket.notifySite]).toEqual(['TEAM', 'Other', 'DESY-HH']);
    expect(result.reason).toContain("type of issue 'AppDB' is not offered for TEAM tickets");
  });

  it('a USER ticket may name a site to notify by keyword, which is mailed on submit', async () => {
    const since = git(dir, ['rev-parse', 'HEAD']).trim();
    const result = await deliver(mail('Jane Doe <jane@uni.test>', 'Slow transfers', 'Notify site: fzk-lcg2\n\nTransfers from FZK are slow.'));
    const { ticket } = loadTicket(dir, result.ticket as number);
    expect([ticket.type, ticket.notifySite, ticket.unit]).toEqual(['USER', 'FZK-LCG2', 'ngi-de']);
    const before = smtp.received.length;
    await notify({ root: dir, since, env: smtp.env, now: new Date(NOW) });
    expect(smtp.received.slice(before).flatMap((r) => r.to)).toContain('admins@gridka.test');
    expect(smtp.received.slice(before).flatMap((r) => r.to)).not.toContain('alarm@gridka.test');
  });
});

describe('TEAM and ALARM through the issue form', () => {
  function formBody(type: string): string {
    return [
      '### Description',
      '',
      'Tape recalls at FZK hang.',
      '',
      '### VO',
      '',
      'atlas',
      '',
      '### Site',
      '',
      'FZK-LCG2',
      '',
      '### Notify site',
      '',
      'FZK-LCG2',
      '',
      '### Ticket type',
      '',
      type,
      '',
      '### Priority',
      '',
      'very urgent',
      '',
      '### Type of issue',
      '',
      'Storage Systems',
    ].join('\n');
  }

  it.each([
    ['alice-gh', 'ALARM', 'ALARM'],
    ['bob-gh', 'TEAM', 'TEAM'],
    ['bob-gh', 'ALARM', 'USER'],
  ])('%s asking for %s gets %s', async (login, asked, type) => {
    const server = await new GitHubApiServer().start();
    try {
      const payload = examplePayload('issues', 'opened');
      payload.issue.body = formBody(asked);
      payload.issue.number = 100 + count++;
      (payload.issue.user as { login: string }).login = login;
      const file = path.join(tempDir('gitgus-alarm-event-'), 'event.json');
      writeFileSync(file, JSON.stringify(payload));
      const result = await github({ root: dir, event: file, api: createGitHubClient({ token: server.token, baseUrl: server.url }), sync: false, publish: false, push: false });
      const created = 'results' in result ? result.results.find((r) => r.action === 'created') : undefined;
      const { ticket } = loadTicket(dir, created?.ticket as number);
      expect([ticket.type, ticket.notifySite, ticket.unit, ticket.issue]).toEqual([type, 'FZK-LCG2', 'ngi-de', 'Storage Systems']);
      expect((ticket.flags ?? []).includes('type-refused')).toBe(type !== asked);
    } finally {
      await server.close();
    }
  });
});

describe('the reduced type-of-issue list in the pull-request check', () => {
  it('refuses a branch that gives an ALARM or TEAM ticket a type of issue outside the list, with E_ISSUE_TYPE, and accepts one inside it', () => {
    const pr = makeNotifyHelpdesk(SETTINGS);
    const run = runGitgus(['intake', '--root', pr, '--json'], { input: mail('Alice Alarm <alice@cern.test>', 'FZK SE down', ALARM_BODY, { id: 'alarm-pr' }) });
    expect(run.status).toBe(0);
    const number = (JSON.parse(run.stdout.trim()) as { ticket: number }).ticket;
    const file = path.join(pr, `tickets/${Math.floor(number / 1000)}/${number}/index.md`);
    const original = readFileSync(file, 'utf8');
    expect(original).toContain('issue: Storage Systems');
    // A pull request by a supporter of the ticket's unit (ngi-de): committed on its own branch, judged against main.
    const branch = (name: string, text: string) => {
      git(pr, ['switch', '-q', 'main']);
      git(pr, ['switch', '-q', '-c', name]);
      writeFileSync(file, text);
      git(pr, ['commit', '-qam', `PR ${name}`]);
      git(pr, ['switch', '-q', 'main']);
      return runGitgus(['check', '--base', 'main', '--head', name, '--author', 'anna-kit', '--json', '--root', pr], { env: { GITHUB_ACTIONS: '' } });
    };
    const problemsOf = (out: { stdout: string }) => (JSON.parse(out.stdout) as { problems: { code: string; file: string; field?: string; message: string; hint?: string }[] }).problems;

    const outside = branch('alarm-appdb', original.replace('issue: Storage Systems', 'issue: AppDB'));
    expect(outside.status).toBe(1);
    const refused = problemsOf(outside);
    expect(refused.map((p) => [p.code, p.file, p.field])).toEqual([['E_ISSUE_TYPE', path.relative(pr, file), 'issue']]);
    expect(refused[0]?.message).toContain("'AppDB', which an ALARM ticket does not offer");
    expect(refused[0]?.message).toContain('Storage Systems, Workload Management');
    expect(refused[0]?.hint).toContain("Set issue back to 'Storage Systems'");

    // Demoting the ticket is not a way around it: a TEAM ticket takes the same list (and ALARM → TEAM is refused on its own).
    const team = branch('team-appdb', original.replace('type: ALARM', 'type: TEAM').replace('issue: Storage Systems', 'issue: AppDB'));
    expect(team.status).toBe(1);
    expect(problemsOf(team).map((p) => p.code)).toContain('E_ISSUE_TYPE');

    const inside = branch('alarm-file-transfer', original.replace('issue: Storage Systems', 'issue: File Transfer'));
    expect(inside.stdout).toContain('"ok": true');
    expect(inside.status).toBe(0);
  });
});

describe('the reduced type-of-issue list itself', () => {
  it('is the types of issue marked teamAlarm in the ticket schema, in its order, and only those are offered to TEAM and ALARM', () => {
    expect(TEAM_ALARM_ISSUE_TYPES).toEqual([
      'Authorization/Authentication',
      'Computing Services',
      'Data Management - generic',
      'Databases',
      'File Access',
      'File Transfer',
      'Information System',
      'Local Batch System',
      'Monitoring',
      'Network problem',
      'Operations',
      'Other',
      'Security',
      'Storage Systems',
      'Workload Management',
    ]);
    // The rest stay USER-only: written out, so a type that changes side shows up here.
    expect(ISSUE_TYPES.filter((issue) => !TEAM_ALARM_ISSUE_TYPES.includes(issue))).toEqual([
      'Accounting',
      'AppDB',
      'COD Operations',
      'Catalogue',
      'Deployment - other',
      'Documentation',
      'GGUS',
      'IaaS Operations',
      'Installation',
      'Middleware',
      'VO Specific Software',
      'Virtual Appliance Management',
    ]);
    expect(ISSUE_TYPES).toEqual(ISSUE_TYPE_RULES.map(([issue]) => issue));
    for (const [issue, rule] of ISSUE_TYPE_RULES) {
      expect(issueAllowed('USER', issue)).toBe(true);
      expect([issueAllowed('TEAM', issue), issueAllowed('ALARM', issue)]).toEqual([rule.teamAlarm, rule.teamAlarm]);
    }
    expect(issueAllowed('ALARM', 'Not a GGUS type')).toBe(false);
  });
});
