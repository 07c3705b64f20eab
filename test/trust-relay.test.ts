/**
 * Issue 15 point 6: the helpdesk is no relay. One mail with 15 Cc addresses of the sender's choice, through
 * real intake and real notify into a real SMTP server: the sender's text goes back to the sender alone; the
 * Cc addresses get a notice with the number and link only; a sender's daily cap bounds how often the
 * helpdesk writes in their name; an oversized mail or one with too many attachments becomes no ticket and
 * sends nothing, and waits in quarantine with the reason.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { notify } from '../scripts/commands/notify.ts';
import { intake } from '../scripts/commands/intake.ts';
import { buildMail, dmarcPass } from './fixtures/mail/build.ts';
import { git, makeSmallHelpdesk, tempDir } from './helpers.ts';
import { useSmtpSink } from './notify-helpers.ts';

const sink = useSmtpSink();

const SPAM = 'Cheap watches at https://spam.example/buy — tell your friends!';
const cc = Array.from({ length: 15 }, (_, i) => `victim${i}@elsewhere.example`);

async function feed(root: string, raws: Buffer[]) {
  const dir = tempDir('gitgus-mail-');
  const files = raws.map((raw, i) => {
    const file = path.join(dir, `${i}.eml`);
    writeFileSync(file, raw);
    return file;
  });
  return (await intake({ root, files, now: () => new Date('2026-12-01T08:00:00Z'), push: false })).results;
}

function eve(index: number, extra: Partial<Parameters<typeof buildMail>[0]> = {}): Buffer {
  return buildMail({ from: 'Eve <eve@spammer.example>', cc, subject: `Offer ${index}: ${SPAM}`, messageId: `offer.${index}@spammer.example`, headers: [dmarcPass('spammer.example')], text: `${SPAM}\r\n`, ...extra });
}

describe('the helpdesk is no relay', () => {
  it('acknowledges to the sender alone, sends Cc a notice without their text, and caps mail per sender', async () => {
    const { dir: root } = makeSmallHelpdesk();
    const settings = path.join(root, 'helpdesk.yml');
    writeFileSync(settings, `${readFileSync(settings, 'utf8')}notify:\n  senderDailyCap: 4\n`);
    git(root, ['commit', '-q', '-am', 'test: a small sender cap']);
    const base = git(root, ['rev-parse', 'HEAD']).trim();
    const results = await feed(root, [eve(1), eve(2), eve(3)]);
    expect(results.map((r) => r.action)).toEqual(['created', 'created', 'created']);
    const before = sink().received.length;
    const run = await notify({ root, since: base, env: sink().env });
    const mails = await Promise.all(
      sink()
        .received.slice(before)
        .map(async (r) => ({ to: r.to, mail: await simpleParser(r.raw) })),
    );
    const toOutside = mails.filter((m) => m.to.some((address) => !address.endsWith('@lists.example.org') && !address.includes('grid.example')));
    // Two tickets within the cap: an acknowledgement to Eve and one notice to the 15 Cc addresses each; the third is capped.
    expect(toOutside.map((m) => [...m.to].sort().join(' '))).toEqual(['eve@spammer.example', [...cc].sort().join(' '), 'eve@spammer.example', [...cc].sort().join(' ')]);
    const [ack, notice] = toOutside;
    expect(ack?.mail.text).toContain(SPAM);
    expect(`${notice?.mail.subject ?? ''}\n${notice?.mail.text ?? ''}\n${String(notice?.mail.html)}`).not.toMatch(/watches|spam\.example|Eve/);
    expect(notice?.mail.text).toContain(`https://helpdesk.example.org/tickets/${results[0]?.ticket}/`);
    expect(run.capped.map((entry) => entry.addresses)).toEqual([['sender:eve@spammer.example'], ['sender:eve@spammer.example']]);
  });

  it('a mail larger than mail.maxMailBytes, or with more than mail.maxAttachments, is quarantined with the reason and sends nothing', async () => {
    const { dir: root } = makeSmallHelpdesk();
    const settings = path.join(root, 'helpdesk.yml');
    writeFileSync(settings, readFileSync(settings, 'utf8').replace('  ccLimit: 20\n', '  ccLimit: 20\n  maxMailBytes: 200000\n  maxAttachments: 3\n'));
    git(root, ['commit', '-q', '-am', 'test: small mail limits']);
    const base = git(root, ['rev-parse', 'HEAD']).trim();
    const big = eve(1, { attachments: [{ filename: 'big.bin', content: Buffer.alloc(300_000, 7) }] });
    const many = eve(2, { attachments: Array.from({ length: 4 }, (_, i) => ({ filename: `f${i}.txt`, content: Buffer.from(`file ${i}\n`) })) });
    const results = await feed(root, [big, many, eve(3, { attachments: [{ filename: 'ok.txt', content: Buffer.from('ok\n') }] })]);
    expect(results.map((r) => r.action)).toEqual(['quarantined', 'quarantined', 'created']);
    expect(results[0]?.reason).toMatch(/^the mail is 4\d\d\.\d KB, more than the 195\.3 KB a mail may have \(settings\.mail\.maxMailBytes\)$/);
    expect(results[1]?.reason).toBe('the mail has 4 attachments, more than the 3 a mail may carry (settings.mail.maxAttachments)');
    // Nothing lost: the records and the raw bytes are in intake/quarantine/.
    const kept = git(root, ['ls-files', 'intake/quarantine']).trim().split('\n');
    expect(kept.filter((file) => file.endsWith('.eml'))).toHaveLength(2);
    const records = kept.filter((file) => file.endsWith('.md')).map((file) => readFileSync(path.join(root, file), 'utf8'));
    expect(records.map((text) => /^category: (.*)$/m.exec(text)?.[1]).sort()).toEqual(['too-large', 'too-many-attachments']);
    const before = sink().received.length;
    await notify({ root, since: base, env: sink().env });
    const sent = sink()
      .received.slice(before)
      .flatMap((r) => r.to);
    expect(sent.filter((address) => address === 'eve@spammer.example')).toHaveLength(1); // the third mail's acknowledgement only
  });
});
