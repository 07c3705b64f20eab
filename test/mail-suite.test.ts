/**
 * The mail regression suite: real-world mails from public mail-parser test suites that carry their own
 * expected results (test/fixtures/mail-suite/MANIFEST.md names source, commit and licence). Each mail goes
 * through gitgus's parser and sender choice; what would be stored is compared per field with the suite's
 * expectation. The table of agreement is printed and pinned in agreement.json: a change may raise the
 * figures, never lower them, and no mail may lose its body or an attachment, nor decode a charset wrongly.
 * Where a suite's own expectation is a design difference or wrong, overrides.json says so with a reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareMail, FIELDS, type Field, type MailVerdict } from './mail-suite/compare.ts';
import { readStalwart } from './mail-suite/expected.ts';
import { PROJECT_ROOT } from './helpers.ts';

const SUITE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'mail-suite');

interface Override {
  mail: string;
  field: Field;
  reason: string;
}

interface Pinned {
  mails: number;
  /** Agreement counting the reasoned design differences of overrides.json as agreement. */
  agree: Record<Field, number>;
  /** Agreement as measured, before any override. */
  exact: Record<Field, number>;
}

function suiteMails(): { file: string; expected: string }[] {
  const root = path.join(SUITE, 'stalwart-mail-parser');
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      readdirSync(path.join(root, dir.name))
        .filter((name) => name.endsWith('.eml'))
        .sort()
        .map((name) => path.join(root, dir.name, name)),
    )
    .map((file) => ({ file, expected: file.replace(/\.eml$/, '.json') }));
}

function relative(file: string): string {
  return path.relative(SUITE, file).split(path.sep).join('/');
}

describe('the mail regression suite', () => {
  it('agrees with the suites per field at least as well as pinned, and loses nothing', async () => {
    const mails = suiteMails();
    expect(mails.length).toBeGreaterThanOrEqual(100);
    const overrides = JSON.parse(readFileSync(path.join(SUITE, 'overrides.json'), 'utf8')) as Override[];
    const pinned = JSON.parse(readFileSync(path.join(SUITE, 'agreement.json'), 'utf8')) as Pinned;
    const verdicts: MailVerdict[] = [];
    const exact = Object.fromEntries(FIELDS.map((field) => [field, 0])) as Record<Field, number>;
    for (const mail of mails) {
      const verdict = await compareMail(mail.file, readStalwart(mail.expected));
      for (const field of FIELDS) if (verdict.agree[field]) exact[field] += 1;
      for (const override of overrides.filter((entry) => entry.mail === relative(mail.file))) {
        // Only an actual disagreement may be overridden: a stale override fails, so the list stays true.
        expect(verdict.agree[override.field], `${override.mail} ${override.field} is overridden but agrees`).toBe(false);
        verdict.agree[override.field] = true;
        verdict.charsetMismatches = verdict.charsetMismatches.filter((field) => field !== override.field);
        if (override.field === 'body') verdict.bodyLost = false;
        if (override.field === 'attachments') verdict.attachmentsLost = 0;
        delete verdict.detail[override.field];
      }
      verdicts.push(verdict);
    }
    const agree = Object.fromEntries(FIELDS.map((field) => [field, verdicts.filter((verdict) => verdict.agree[field]).length])) as Record<Field, number>;
    const rate = (count: number) => `${((100 * count) / verdicts.length).toFixed(1).padStart(5)}%`;
    const rows = FIELDS.map((field) => `| ${field.padEnd(11)} | ${String(exact[field]).padStart(3)} ${rate(exact[field])} | ${String(agree[field]).padStart(3)} ${rate(agree[field])} | pinned ${pinned.exact[field]} / ${pinned.agree[field]} |`);
    const notes = verdicts.flatMap((verdict) => Object.entries(verdict.detail).map(([field, why]) => `  ${relative(verdict.file)} ${field}: ${why}`));
    console.log(
      [
        `mail regression suite, per-field agreement over ${verdicts.length} mails (exact; with the ${overrides.length} reasoned design differences of overrides.json):`,
        '| field       | exact      | with design | pinned |',
        ...rows,
        `body lost: ${verdicts.filter((v) => v.bodyLost).length}, attachments lost: ${verdicts.reduce((n, v) => n + v.attachmentsLost, 0)}, charset mismatches: ${verdicts.reduce((n, v) => n + v.charsetMismatches.length, 0)}, crashed: ${verdicts.filter((v) => v.crashed).length}`,
        'differences:',
        ...notes,
      ].join('\n'),
    );

    expect(verdicts.filter((verdict) => verdict.crashed).map((verdict) => `${relative(verdict.file)}: ${verdict.crashed}`)).toEqual([]);
    expect(verdicts.filter((verdict) => verdict.bodyLost).map((verdict) => relative(verdict.file))).toEqual([]);
    expect(verdicts.filter((verdict) => verdict.attachmentsLost > 0).map((verdict) => `${relative(verdict.file)}: ${verdict.detail.attachments}`)).toEqual([]);
    expect(verdicts.flatMap((verdict) => verdict.charsetMismatches.map((field) => `${relative(verdict.file)} ${field}: ${verdict.detail[field]}`))).toEqual([]);
    expect(verdicts.length).toBe(pinned.mails);
    for (const field of FIELDS) {
      expect(exact[field], `${field} exact agreement fell below the pinned figure`).toBeGreaterThanOrEqual(pinned.exact[field]);
      expect(agree[field], `${field} agreement fell below the pinned figure`).toBeGreaterThanOrEqual(pinned.agree[field]);
    }
  });
});
