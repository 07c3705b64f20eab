/**
 * Crash safety of IMAP intake (issue 12): `gitgus intake --imap` against a real dovecot on 127.0.0.1,
 * SIGKILLed at random phases — after fetching a message (parse), around its commit (objects written, before
 * and after the branch's compare-and-swap, half-way through the work tree), around the push to origin, and
 * before or half-way through flagging the chunk processed at the server — and run again on the same mailbox.
 *
 * After EVERY run the test checks the promise at the server: a message flagged processed is stored in
 * origin's main (a flag never runs ahead of a durable commit; a mail whose commit was not durable stays
 * unflagged and is fetched again). At the end every mail is stored exactly once, replies on their ticket,
 * numbers gap-free, every message flagged, the checkout clean. The seed is printed;
 * GITGUS_FAULT_SEED=<seed> replays it.
 */
import { describe, expect, it } from 'vitest';
import { ACKNOWLEDGED_PHASE, FAULT_PHASES, type FaultPhase } from '../lib/fault.ts';
import { PROCESSED_KEYWORD } from '../lib/mail/imap.ts';
import { PASSWORD, USER, useDovecot, withImapClient } from './dovecot.ts';
import { checkExactlyOnce, checkoutDefects, countKind, extendStream, faultSeed, intakeRecords, kept, promised, runIntakeProcess, storedMessageIds, workerCheckout, type MailKind, type PlannedMail, type StreamMix } from './fault-helpers.ts';

const MAILS = 24;
const KILLS = 12;
const MAILBOX = 'Crash';
/** Every IMAP intake phase; how often one run (chunks of 4) meets each, to pick which occurrence dies. */
const PHASES: FaultPhase[] = [...FAULT_PHASES, ACKNOWLEDGED_PHASE];
const OCCURRENCES: Partial<Record<FaultPhase, number>> = { start: 1, parse: 8, push: 2, [ACKNOWLEDGED_PHASE]: 8 };

const dovecot = useDovecot();
/** New tickets, replies to earlier ones and auto-replies (IMAP intake flags unusable mail like any other). */
const MIX: StreamMix = { prefix: 'imapcrash', subject: 'IMAP crash test problem', newBelow: 0.5, replyBelow: 0.9, autoReplyBelow: 1 };

/** Each message in the mailbox: its Message-ID and whether intake flagged it processed. */
async function mailbox(port: number): Promise<{ id: string; processed: boolean }[]> {
  return withImapClient(port, async (client) => {
    const lock = await client.getMailboxLock(MAILBOX);
    try {
      const out: { id: string; processed: boolean }[] = [];
      for await (const message of client.fetch('1:*', { flags: true, envelope: true })) {
        out.push({ id: (message.envelope?.messageId ?? '').replace(/^<|>$/g, ''), processed: message.flags?.has(PROCESSED_KEYWORD) ?? false });
      }
      return out;
    } finally {
      lock.release();
    }
  });
}

describe('IMAP intake killed with SIGKILL around fetch, commit, push and flagging, then run again', () => {
  it('stores every mail once, and flags a mail only once its commit is in origin', async () => {
    const { port } = dovecot();
    const { seed, random } = faultSeed('IMAP crash test', 'test/fault-imap.test.ts');
    const checkout = workerCheckout('gitgus-imap');
    const { before, origin, clone } = checkout;
    await withImapClient(port, (client) => client.mailboxCreate(MAILBOX));
    const mails: PlannedMail[] = [];
    const deliver = (batch: PlannedMail[]) =>
      withImapClient(port, async (client) => {
        for (const mail of batch) await client.append(MAILBOX, Buffer.from(mail.raw));
      });
    await deliver(extendStream(mails, random, MAILS, MIX));
    // Mails that become a ticket or a message (auto-replies are recorded as ignored instead).
    const storable = () => new Set(mails.filter((mail) => mail.kind !== 'auto-reply').map((mail) => mail.id));

    const env = { GITGUS_IMAP_PASSWORD: PASSWORD };
    const args = ['--imap', `imap://${USER}@127.0.0.1:${port}/${MAILBOX}`, '--push', '--json', '--chunk-size', '4', '--root', clone];
    const kills: Record<string, number> = {};
    let total = 0;
    let runs = 0;
    let flaggedAhead = 0;
    let unflaggedButStored = 0;
    for (;;) {
      const pending = (await mailbox(port)).filter((message) => !message.processed).length;
      if (pending === 0 && total >= KILLS) break;
      expect(runs, `seed ${seed}: too many runs`).toBeLessThan(KILLS * 4);
      if (pending === 0) await deliver(extendStream(mails, random, 6, MIX));
      const phase = PHASES[Math.floor(random() * PHASES.length)] as FaultPhase;
      const nth = 1 + Math.floor(random() * (OCCURRENCES[phase] ?? 2));
      const wantKill = total < KILLS;
      runs += 1;
      const result = await runIntakeProcess(args, { ...env, ...(wantKill ? { GITGUS_FAULT_PHASE: `${phase}:${nth}` } : {}) });
      if (result.signal === 'SIGKILL') {
        kills[phase] = (kills[phase] ?? 0) + 1;
        total += 1;
      } else {
        expect(result.status, `seed ${seed}, run ${runs} (${phase}:${nth}): ${result.stderr}`).toBe(0);
        expect(result.stderr).not.toMatch(/\n\s+at /);
      }
      // The promise at the server, after every run: a processed flag only on a mail origin's main holds.
      const durable = storedMessageIds(origin, 'main');
      const stored = storable();
      for (const message of await mailbox(port)) {
        if (!stored.has(message.id)) continue;
        if (message.processed && !durable.has(message.id)) flaggedAhead += 1;
        if (!message.processed && durable.has(message.id)) unflaggedButStored += 1;
      }
      expect(flaggedAhead, `seed ${seed}, run ${runs} (${phase}:${nth}): a mail was flagged before its commit was in origin`).toBe(0);
    }
    const last = await runIntakeProcess(args, env);
    expect(last.status, last.stderr).toBe(0);
    expect(last.stdout.trim()).toBe('');

    const report = checkExactlyOnce(origin, mails, before, 'main');
    const kinds = (kind: MailKind) => countKind(mails, kind);
    const repeats = intakeRecords(origin, 'duplicates', 'main').length;
    process.stdout.write(
      `imap crash: seed ${seed}, ${mails.length} mails (${kinds('new')} new, ${kinds('reply')} replies, ${kinds('auto-reply')} auto-replies), ${runs + 1} runs, ${total} SIGKILLs by phase ${JSON.stringify(kills)}; ` +
        `outcome: ${storable().size - report.lost.length} of ${storable().size} stored, ${intakeRecords(origin, 'ignored', 'main').length} ignored, ${repeats} repeats recorded as duplicates (fetched again after a kill before the flag); ` +
        `stored-but-unflagged after a kill ${unflaggedButStored} times, flagged before durable 0; duplicates ${report.duplicates.length}, lost ${report.lost.length}, misthreaded ${report.misthreaded.length}, gaps ${report.numbers.gaps.length}\n`,
    );
    expect(total).toBeGreaterThanOrEqual(KILLS);
    expect(kept(report), `seed ${seed}`).toEqual(promised(mails));
    expect(intakeRecords(origin, 'ignored', 'main').length).toBe(kinds('auto-reply'));
    expect((await mailbox(port)).every((message) => message.processed)).toBe(true);
    expect(checkoutDefects(checkout), `seed ${seed}`).toEqual([]);
  }, 300_000);
});
