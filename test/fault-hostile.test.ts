/**
 * Fault test 3 of 3 (issue 12): hostile volume. 2,000 inputs mutated from the vendored MIME corpus
 * (test/fixtures/corpus/mail) — bit flips, truncation, duplicated headers, damaged MIME boundaries, NUL
 * bytes, giant header lines, wrong charset labels — go through the intake core in-process (one
 * IntakeSession, as a batch of single mails: the MTA-pipe rules, so refusals are possible), plus a
 * sample through the real CLI. Each input ends created, appended, ignored, quarantined or refused with a
 * clear message (a duplicate only when another copy of the same mail came before); none crashes, none takes over
 * 2 s, no stack trace reaches the user, Git stays valid and the work tree clean.
 *
 * The seed is printed; GITGUS_FAULT_SEED=<seed> replays the same inputs.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NoSenderError, NotAnEmailError } from '../lib/errors.ts';
import { MailIntakeSession } from '../lib/mail/intake-mail.ts';
import { PROJECT_ROOT, cleanupTemps, git, makeHelpdesk, runGitgus } from './helpers.ts';
import { seeded, uncleanPaths } from './fault-helpers.ts';

const CORPUS = path.join(PROJECT_ROOT, 'test', 'fixtures', 'corpus', 'mail');
const INPUTS = 2000;
const STACK = /\n\s+at \S+ \(|\n\s+at file:|node:internal/;

afterAll(cleanupTemps);

type Mutation = (raw: Buffer, random: () => number) => Buffer;

function headerEnd(text: string): number {
  const end = text.search(/\r?\n\r?\n/);
  return end < 0 ? text.length : end;
}

const MUTATIONS: Record<string, Mutation> = {
  'bit flips': (raw, random) => {
    const out = Buffer.from(raw);
    const flips = 1 + Math.floor(random() * 12);
    for (let i = 0; i < flips && out.length > 0; i += 1) {
      const at = Math.floor(random() * out.length);
      out[at] = (out[at] as number) ^ (1 << Math.floor(random() * 8));
    }
    return out;
  },
  truncation: (raw, random) => raw.subarray(0, Math.floor(random() * raw.length)),
  'duplicated headers': (raw, random) => {
    const text = raw.toString('latin1');
    const end = headerEnd(text);
    const lines = text.slice(0, end).split(/\r?\n/);
    const picked = lines.filter((line) => /^(from|to|cc|subject|message-id|content-type|in-reply-to|date|mime-version):/i.test(line));
    const extra = Array.from({ length: 1 + Math.floor(random() * 4) }, () => picked[Math.floor(random() * picked.length)] ?? 'Subject: twice');
    return Buffer.from(`${extra.join('\r\n')}\r\n${text}`, 'latin1');
  },
  'damaged boundaries': (raw, random) => {
    const text = raw.toString('latin1');
    const boundary = /boundary="?([^";\r\n]+)"?/i.exec(text)?.[1];
    if (!boundary) return Buffer.from(text.replace(/\r?\n\r?\n/, '\r\nContent-Type: multipart/mixed; boundary="gone"\r\n\r\n--gone\r\n'), 'latin1');
    const choice = random();
    if (choice < 0.33) return Buffer.from(text.split(`--${boundary}--`).join(''), 'latin1');
    if (choice < 0.66) return Buffer.from(text.split(`--${boundary}`).join(`--${boundary.slice(0, -1)}X`), 'latin1');
    return Buffer.from(text.replace(`--${boundary}`, `--${boundary}\r\n--${boundary}\r\nContent-Type: multipart/alternative; boundary="${boundary}"`), 'latin1');
  },
  'NUL bytes': (raw, random) => {
    const parts: Buffer[] = [];
    let at = 0;
    for (let n = 0; n < 1 + Math.floor(random() * 20); n += 1) {
      const next = Math.min(raw.length, at + Math.floor(random() * (raw.length / 4 + 1)));
      parts.push(raw.subarray(at, next), Buffer.from([0]));
      at = next;
    }
    parts.push(raw.subarray(at));
    return Buffer.concat(parts);
  },
  'giant header line': (raw, random) => {
    const size = 50_000 + Math.floor(random() * 200_000);
    const name = random() < 0.5 ? 'Subject' : random() < 0.5 ? 'X-Giant' : 'References';
    const value = name === 'References' ? Array.from({ length: Math.floor(size / 30) }, (_, i) => `<ref${i}@giant.example>`).join(' ') : 'A'.repeat(size);
    return Buffer.concat([Buffer.from(`${name}: ${value}\r\n`), raw]);
  },
  'wrong charset labels': (raw, random) => {
    const labels = ['x-no-such-charset', 'utf-7', 'iso-2022-jp', 'utf-16', 'gb18030', 'ebcdic-cp-us', '"; evil="'];
    const label = labels[Math.floor(random() * labels.length)] as string;
    const text = raw.toString('latin1');
    const replaced = text.replace(/charset="?[^";\s]+"?/gi, `charset=${label}`);
    return Buffer.from(replaced === text ? text.replace(/\r?\n\r?\n/, `\r\nContent-Type: text/plain; charset=${label}\r\n\r\n`) : replaced, 'latin1');
  },
};

describe('hostile volume: mutated corpus mail through the intake core', () => {
  it('ends every one of 2,000 inputs in a clear outcome, none over 2 s, no crash, no stack trace', async () => {
    const seed = Number(process.env.GITGUS_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
    process.stdout.write(`hostile volume seed ${seed} (replay: GITGUS_FAULT_SEED=${seed} npx vitest run test/fault-hostile.test.ts)\n`);
    const random = seeded(seed);
    const files = readFileSync(path.join(CORPUS, 'MANIFEST.tsv'), 'utf8')
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((line) => line.split('\t')[0] as string);
    expect(files.length).toBeGreaterThan(100);
    const corpus = files.map((file) => ({ file, raw: readFileSync(path.join(CORPUS, file)) }));
    const names = Object.keys(MUTATIONS);
    const root = makeHelpdesk();
    const session = MailIntakeSession.open(root, { mode: 'single', now: () => new Date('2026-11-28T08:00:00Z') });
    const outcomes: Record<string, number> = {};
    const byMutation: Record<string, Record<string, number>> = {};
    const seen = new Set<string>();
    const slow: string[] = [];
    const unclear: string[] = [];
    const samples: Buffer[] = [];
    let slowest = 0;
    try {
      for (let n = 0; n < INPUTS; n += 1) {
        const source = corpus[Math.floor(random() * corpus.length)] as { file: string; raw: Buffer };
        const mutation = names[n % names.length] as string;
        const raw = (MUTATIONS[mutation] as Mutation)(source.raw, random);
        const digest = createHash('sha256').update(raw).digest('hex');
        // A duplicate is right only for another copy of a mail already taken in: the same corpus mail, or the same bytes.
        // …or one with the same Message-ID, or without one (its key then comes from the content, and two
        // truncations of different mails can leave the same content).
        const messageId = /^message-id:[ \t]*(\S+)/im.exec(raw.toString('latin1'))?.[1];
        const repeat = seen.has(digest) || seen.has(source.file) || messageId === undefined || seen.has(`id:${messageId}`);
        seen.add(digest);
        seen.add(source.file);
        if (messageId !== undefined) seen.add(`id:${messageId}`);
        if (n % 250 === 7) samples.push(raw);
        const label = `${mutation} of ${source.file} (#${n})`;
        const started = performance.now();
        let outcome: string;
        let message: string;
        try {
          const result = await session.process({ raw, source: label });
          outcome = result.action;
          message = result.reason;
        } catch (error) {
          // Only the two clear refusals may escape; anything else is a crash and fails here with its stack.
          if (!(error instanceof NotAnEmailError || error instanceof NoSenderError)) throw error;
          outcome = 'refused';
          message = error.message;
        }
        const seconds = (performance.now() - started) / 1000;
        slowest = Math.max(slowest, seconds);
        if (seconds > 2) slow.push(`${label}: ${seconds.toFixed(2)} s`);
        if (outcome === 'duplicate' && !repeat) unclear.push(`${label}: duplicate, but no copy of this mail came before`);
        if (message.trim() === '' || STACK.test(message)) unclear.push(`${label}: ${outcome} with message ${JSON.stringify(message.slice(0, 200))}`);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        const row = (byMutation[mutation] ??= {});
        row[outcome] = (row[outcome] ?? 0) + 1;
      }
      await session.finish();
    } finally {
      session.close();
    }
    process.stdout.write(`hostile volume: ${INPUTS} inputs, outcomes ${JSON.stringify(outcomes)}, slowest ${slowest.toFixed(2)} s\n`);
    for (const [mutation, row] of Object.entries(byMutation)) process.stdout.write(`  ${mutation}: ${JSON.stringify(row)}\n`);
    expect(slow).toEqual([]);
    expect(unclear).toEqual([]);
    expect(Object.keys(outcomes).every((outcome) => ['created', 'appended', 'ignored', 'quarantined', 'refused', 'duplicate'].includes(outcome))).toBe(true);
    expect(Object.values(outcomes).reduce((sum, count) => sum + count, 0)).toBe(INPUTS);
    expect(git(root, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
    expect(uncleanPaths(root)).toEqual([]);

    // The same kind of input through the real command line: a clear line on stderr, never a stack trace.
    for (const raw of samples) {
      const run = runGitgus(['intake', '--root', root], { input: raw });
      expect([0, 1], run.stderr).toContain(run.status);
      expect(run.stderr).not.toMatch(STACK);
      expect(run.stderr.trim()).not.toBe('');
    }
    expect(uncleanPaths(root)).toEqual([]);
  }, 240_000);
});
