/**
 * Issue 15, the mail side of the trust boundaries, each played as an attack on a real Git helpdesk:
 * intake/state.yml jumps intake did not make, numbers threading cannot read back, forged
 * Authentication-Results, and the site and loaders meeting symbolic links.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTicket, serializeTicket } from '../lib/core/documents.ts';
import { ticketIndexPath } from '../lib/core/paths.ts';
import type { Ticket } from '../lib/core/schema/ticket.ts';
import { loadTickets, readText } from '../lib/store/load.ts';
import { intake } from '../scripts/commands/intake.ts';
import { readBytes } from '../site/lib/files.ts';
import { buildMail, dmarcPass } from './fixtures/mail/build.ts';
import { cleanupTemps, git, makeHelpdesk, makeSmallHelpdesk, runGitgus, tempDir } from './helpers.ts';

afterAll(cleanupTemps);

const NOW = () => new Date('2026-11-28T08:00:00Z');

async function feedOne(root: string, raw: Buffer) {
  const file = path.join(tempDir('gitgus-mail-'), 'one.eml');
  writeFileSync(file, raw);
  const [result] = (await intake({ root, files: [file], now: NOW, push: false })).results;
  if (!result) throw new Error('no result');
  return result;
}

function ticket(root: string, number: number): Ticket {
  return parseTicket(readFileSync(path.join(root, ticketIndexPath(number)), 'utf8'), ticketIndexPath(number)).ticket;
}

function setTicket(root: string, number: number, change: Partial<Ticket>): void {
  const file = path.join(root, ticketIndexPath(number));
  const doc = parseTicket(readFileSync(file, 'utf8'), ticketIndexPath(number));
  writeFileSync(file, serializeTicket({ ticket: { ...doc.ticket, ...change }, body: doc.body }));
  git(root, ['commit', '-q', '-am', `test: set #${number}`]);
}

/** #1001 (with a message) and #1002, numbered from 1001: intake mints #1003 next. */
function smallHelpdesk(): string {
  return makeSmallHelpdesk([{ status: 'assigned', unit: 'cic', messages: [{ date: '2026-11-03T10:00:00Z', text: 'Any news?' }] }, { status: 'assigned' }], { numberingStart: 1001 }).dir;
}

function editSettings(root: string, change: (text: string) => string): void {
  const file = path.join(root, 'helpdesk.yml');
  writeFileSync(file, change(readFileSync(file, 'utf8')));
  git(root, ['commit', '-q', '-am', 'test: settings']);
}

describe('ticket numbers are intake’s alone', () => {
  it('intake refuses a lastNumber jump it did not make, and writes nothing', async () => {
    const root = smallHelpdesk();
    await feedOne(root, buildMail({ subject: 'First', messageId: 'n.1@uni.example', headers: [dmarcPass()] }));
    const state = path.join(root, 'intake/state.yml');
    writeFileSync(state, readFileSync(state, 'utf8').replace(/lastNumber: \d+/, 'lastNumber: 900000'));
    git(root, ['commit', '-q', '-am', 'pushed past the check: jump the numbers']);
    const before = git(root, ['rev-parse', 'HEAD']);
    const result = runGitgus(['intake', '--root', root], { input: buildMail({ subject: 'Second', messageId: 'n.2@uni.example' }) });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('intake/state.yml says the last number minted is 900000, but the highest ticket is 1003: intake did not make that jump');
    const file = path.join(tempDir('gitgus-mail-'), 'two.eml');
    writeFileSync(file, buildMail({ subject: 'Second', messageId: 'n.2@uni.example' }));
    await expect(intake({ root, files: [file], now: NOW, push: false })).rejects.toMatchObject({ code: 'E_INTAKE_STATE' });
    expect(git(root, ['rev-parse', 'HEAD'])).toBe(before);
    expect(git(root, ['status', '--porcelain'])).toBe('');
  });

  it('intake never mints a number its own threading cannot parse back', async () => {
    const root = makeHelpdesk({
      example: false,
      files: {
        'helpdesk.yml': 'name: Big\nintake:\n  - address: helpdesk@big.example\n    unit: tpm\nsender: noreply@big.example\nsiteUrl: https://big.example/\nnumberingStart: 1000000000000\nmail:\n  authservIds: [mx.big.example]\n',
        'units/tpm.md': '---\nid: tpm\nname: TPM\nfamily: tpm\nmailingList: tpm@big.example\n---\n',
      },
    });
    const result = await feedOne(root, buildMail({ to: 'helpdesk@big.example', subject: 'Hello', messageId: 'big.1@uni.example' }));
    // Nothing lost: the mail waits in quarantine with the reason, for a fix and `gitgus quarantine retry`.
    expect(result).toMatchObject({ action: 'quarantined' });
    expect(result.reason).toContain('refusing to mint ticket number 1000000000000: threading could not read it back');
    expect(git(root, ['ls-files', 'tickets'])).toBe('');
    expect(git(root, ['ls-files', 'intake/quarantine']).trim().split('\n')).toHaveLength(2);
  });
});

describe('mail cannot forge authority', () => {
  const solved = { status: 'solved' as const, solution: { qualifier: 'fixed' as const, text: 'Cleaned up.' } };

  it('with no authserv-id configured, a sender-written Authentication-Results does not verify a solved ticket', async () => {
    const root = smallHelpdesk();
    editSettings(root, (text) => text.replace('  authservIds:\n    - mx.ggus.example\n', ''));
    const number = (await feedOne(root, buildMail({ subject: 'Storage full', messageId: 'f.0@uni.example' }))).ticket as number;
    setTicket(root, number, solved);
    const forged = await feedOne(root, buildMail({ subject: `[GGUS #${number}] verify`, messageId: 'f.1@uni.example', headers: [dmarcPass()] }));
    expect(forged).toMatchObject({ action: 'appended', flags: ['unauthenticated'] });
    expect(forged.reason).toContain('would set verified, but the sender is not authenticated (no authserv-id is configured (settings.mail.authservIds)');
    expect(ticket(root, number).status).toBe('solved');
    expect(git(root, ['log', '-1', '--format=%B'])).toContain('Authenticated: no (no authserv-id is configured');
  });

  it('a header from another authserv-id, or a dmarc=pass for another domain, is not believed', async () => {
    const root = smallHelpdesk();
    const number = (await feedOne(root, buildMail({ subject: 'Storage full', messageId: 'g.0@uni.example', headers: [dmarcPass()] }))).ticket as number;
    setTicket(root, number, solved);
    for (const [index, header] of [
      'Authentication-Results: mx.attacker.example; dmarc=pass header.from=uni.example',
      'Authentication-Results: mx.ggus.example; dmarc=pass header.from=attacker.example',
      'Authentication-Results: mx.ggus.example; dmarc=pass',
    ].entries()) {
      const result = await feedOne(root, buildMail({ subject: `[GGUS #${number}] verify`, messageId: `g.${index + 1}@uni.example`, headers: [header] }));
      expect(result.flags, header).toEqual(['unauthenticated']);
      expect(ticket(root, number).status).toBe('solved');
    }
    await feedOne(root, buildMail({ subject: `[GGUS #${number}] verify`, messageId: 'g.9@uni.example', headers: [dmarcPass()] }));
    expect(ticket(root, number).status).toBe('verified');
  });
});

describe('only regular files are read and published', () => {
  it('a symbolic-link attachment to a file outside the ticket is not published; loaders refuse linked files and folders', () => {
    const root = smallHelpdesk();
    const outside = path.join(tempDir('gitgus-secret-'), 'passwd');
    writeFileSync(outside, 'root:x:0:0:secret\n');
    const files = path.join(root, 'tickets/1/1001/files');
    mkdirSync(files, { recursive: true });
    symlinkSync(outside, path.join(files, 'passwd.txt'));
    writeFileSync(path.join(files, 'real.txt'), 'a real attachment\n');
    // A linked files/ folder and a linked ticket folder are no way around it either.
    symlinkSync(files, path.join(root, 'tickets/1/1002/files'));
    symlinkSync(path.join(root, 'tickets/1/1001'), path.join(root, 'tickets/1/1099'));
    expect(readBytes(root, 'tickets/1/1001/files/passwd.txt')).toBeUndefined();
    expect(readBytes(root, 'tickets/1/1002/files/real.txt')).toBeUndefined();
    expect(readBytes(root, 'tickets/1/1099/files/real.txt')).toBeUndefined();
    expect(Buffer.from(readBytes(root, 'tickets/1/1001/files/real.txt') ?? []).toString()).toBe('a real attachment\n');
    symlinkSync(outside, path.join(root, 'tickets/1/1001/messages/20261128T080000Z-evil.md'));
    expect(() => readText(root, 'tickets/1/1001/messages/20261128T080000Z-evil.md')).toThrow(/E_NOT_REGULAR_FILE|is a symbolic link/);
    const loaded = loadTickets(root, { messages: true });
    expect(loaded.items.map((t) => t.ticket.number)).not.toContain(1099);
    expect(loaded.problems.map((p) => `${p.file} ${p.message}`).join('\n')).toContain('tickets/1/1001/messages/20261128T080000Z-evil.md');
  });
});
