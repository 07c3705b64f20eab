/**
 * Every message of the public MIME corpus (test/fixtures/corpus/mail, vendored with its README, MANIFEST and licences; 192 real-world edge cases from parser
 * test suites) goes through intake one by one, as an MTA pipe would deliver it. Each ends created,
 * appended, ignored, duplicate or quarantined — or, for the few with no sender or no header block, in
 * the clear refusal; none crashes, nothing lands outside its ticket folder or intake/, Git stays valid.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IntakeResult } from '../lib/intake/session.ts';
import { MailIntakeSession } from '../lib/mail/intake-mail.ts';
import { NoSenderError, NotAnEmailError } from '../lib/errors.ts';
import { PROJECT_ROOT, cleanupTemps, git, makeSmallHelpdesk } from './helpers.ts';

const CORPUS = path.join(PROJECT_ROOT, 'test', 'fixtures', 'corpus', 'mail');

afterAll(cleanupTemps);

/** The header block as text, for the independent checks below. */
function headerBlock(raw: Buffer): string {
  const text = raw.toString('latin1').replace(/^From [^\n]*\n/, '');
  const end = text.search(/\r?\n\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}

describe('the public MIME corpus', () => {
  it('has its 192 messages', () => {
    expect(existsSync(path.join(CORPUS, 'MANIFEST.tsv')), `corpus missing at ${CORPUS}: it is vendored in the repository (test/fixtures/corpus/mail)`).toBe(true);
  });

  it('every message ends in an action or the clear refusal; nothing escapes; git fsck stays clean', async () => {
    const files = readFileSync(path.join(CORPUS, 'MANIFEST.tsv'), 'utf8')
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((line) => line.split('\t')[0] as string);
    expect(files).toHaveLength(192);
    const root = makeSmallHelpdesk().dir;
    const start = git(root, ['rev-parse', 'HEAD']).trim();
    const session = MailIntakeSession.open(root, { mode: 'single', now: () => new Date('2026-11-28T08:00:00Z') });
    const outcomes: { file: string; result?: IntakeResult; refusal?: Error }[] = [];
    for (const file of files) {
      const raw = readFileSync(path.join(CORPUS, file));
      try {
        outcomes.push({ file, result: await session.process({ raw, source: file }) });
      } catch (error) {
        // Only the two refusals may escape; anything else is a crash and fails here with its stack.
        if (!(error instanceof NotAnEmailError || error instanceof NoSenderError)) throw error;
        outcomes.push({ file, refusal: error });
        const block = headerBlock(raw);
        if (error instanceof NoSenderError) {
          // Independent check: no From or Sender header with an address in it.
          expect(/^(from|sender):[^\n]*@/im.test(block), `${file} was refused for no sender but has one`).toBe(false);
        } else {
          expect(/^[\x21-\x39\x3b-\x7e]+:/.test(block.replace(/^\s+/, '')) && block.trim() !== '', `${file} was refused as no mail but starts with a header`).toBe(false);
        }
      }
    }
    await session.finish();

    const actions = outcomes.map((outcome) => outcome.result?.action ?? 'refused');
    const counts = Object.fromEntries([...new Set(actions)].map((action) => [action, actions.filter((a) => a === action).length]));
    expect(outcomes).toHaveLength(192);
    for (const outcome of outcomes) expect(['created', 'appended', 'ignored', 'duplicate', 'quarantined', 'refused']).toContain(outcome.result?.action ?? 'refused');
    // The corpus is mostly real mail: most of it must become tickets, bounces and reports must be ignored.
    expect(counts.created ?? 0).toBeGreaterThan(100);
    expect(counts.ignored ?? 0).toBeGreaterThan(15);
    expect(counts.refused ?? 0).toBeLessThan(40);
    for (const bounce of ['postal-mime/bounce.eml', 'postal-mime/arf.eml', 'cpython-test-email/msg_16.txt']) {
      expect(outcomes.find((outcome) => outcome.file === bounce)?.result?.action, bounce).toBe('ignored');
    }

    const changed = git(root, ['-c', 'core.quotePath=false', 'diff', '--name-only', `${start}..HEAD`])
      .split('\n')
      .filter(Boolean);
    expect(changed.filter((file) => !/^(tickets\/\d+\/\d+\/|intake\/)/.test(file))).toEqual([]);
    expect(git(root, ['fsck', '--no-progress'])).toBe('');
    expect(git(root, ['status', '--porcelain'])).toBe('');
    const commits = Number(git(root, ['rev-list', '--count', `${start}..HEAD`]).trim());
    // One commit per message that changed something (+1 for the first index build); refusals and repeat duplicates add none.
    const committed = outcomes.filter((outcome) => outcome.result && !outcome.result.reason.includes('repeat already recorded')).length;
    expect(commits).toBe(committed + 1);
  });
});
