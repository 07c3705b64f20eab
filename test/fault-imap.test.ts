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
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACKNOWLEDGED_PHASE, FAULT_PHASES, type FaultPhase } from '../lib/fault.ts';
import { PROCESSED_KEYWORD } from '../lib/mail/imap.ts';
import { INSTALL_HINT, PASSWORD, USER, startDovecot, withImapClient, type Dovecot } from './dovecot.ts';
import { autoReplyMail, checkExactlyOnce, highestTicket, intakeRecords, leftovers, newTicketMail, replyMail, runIntakeProcess, seeded, storedMessageIds, uncleanPaths, type PlannedMail } from './fault-helpers.ts';
import { cleanupTemps, git, makeHelpdesk, runGitgus, tempDir } from './helpers.ts';

const MAILS = 24;
const KILLS = 12;
const MAILBOX = 'Crash';
/** Every IMAP intake phase; how often one run (chunks of 4) meets each, to pick which occurrence dies. */
const PHASES: FaultPhase[] = [...FAULT_PHASES, ACKNOWLEDGED_PHASE];
const OCCURRENCES: Partial<Record<FaultPhase, number>> = { start: 1, parse: 8, push: 2, [ACKNOWLEDGED_PHASE]: 8 };

let dovecot: Dovecot | undefined;
beforeAll(async () => {
  dovecot = await startDovecot();
});
afterAll(() => {
  dovecot?.stop();
  cleanupTemps();
});

function extendStream(mails: PlannedMail[], random: () => number, count: number): PlannedMail[] {
  const tickets = mails.filter((mail) => mail.kind === 'new');
  const added: PlannedMail[] = [];
  for (let i = mails.length; i < mails.length + count; i += 1) {
    const roll = random();
    let mail: PlannedMail;
    if (tickets.length === 0 || roll < 0.5) {
      mail = newTicketMail(`imapcrash.${i}@fault.example`, `IMAP crash test problem ${i}`);
      tickets.push(mail);
    } else if (roll < 0.9) {
      mail = replyMail(`imapcrash.${i}@fault.example`, tickets[Math.floor(random() * tickets.length)] as PlannedMail);
    } else {
      mail = autoReplyMail(`imapcrash.${i}@fault.example`);
    }
    added.push(mail);
  }
  mails.push(...added);
  return added;
}

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
    expect(dovecot, INSTALL_HINT).toBeDefined();
    const port = (dovecot as Dovecot).port;
    const seed = Number(process.env.GITGUS_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
    process.stdout.write(`IMAP crash test seed ${seed} (replay: GITGUS_FAULT_SEED=${seed} npx vitest run test/fault-imap.test.ts)\n`);
    const random = seeded(seed);
    const helpdesk = makeHelpdesk();
    expect(runGitgus(['intake', '--reindex', '--root', helpdesk]).status).toBe(0);
    const before = highestTicket(helpdesk);
    const origin = path.join(tempDir('gitgus-imap-origin-'), 'helpdesk.git');
    git(helpdesk, ['clone', '-q', '--bare', helpdesk, origin]);
    const clone = path.join(tempDir('gitgus-imap-worker-'), 'helpdesk');
    git(origin, ['clone', '-q', origin, clone]);
    await withImapClient(port, (client) => client.mailboxCreate(MAILBOX));
    const mails: PlannedMail[] = [];
    const deliver = (batch: PlannedMail[]) =>
      withImapClient(port, async (client) => {
        for (const mail of batch) await client.append(MAILBOX, Buffer.from(mail.raw));
      });
    await deliver(extendStream(mails, random, MAILS));
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
      if (pending === 0) await deliver(extendStream(mails, random, 6));
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
    const kinds = (kind: string) => mails.filter((mail) => mail.kind === kind).length;
    const repeats = intakeRecords(origin, 'duplicates', 'main').length;
    process.stdout.write(
      `imap crash: seed ${seed}, ${mails.length} mails (${kinds('new')} new, ${kinds('reply')} replies, ${kinds('auto-reply')} auto-replies), ${runs + 1} runs, ${total} SIGKILLs by phase ${JSON.stringify(kills)}; ` +
        `outcome: ${storable().size - report.lost.length} of ${storable().size} stored, ${intakeRecords(origin, 'ignored', 'main').length} ignored, ${repeats} repeats recorded as duplicates (fetched again after a kill before the flag); ` +
        `stored-but-unflagged after a kill ${unflaggedButStored} times, flagged before durable 0; duplicates ${report.duplicates.length}, lost ${report.lost.length}, misthreaded ${report.misthreaded.length}, gaps ${report.numbers.gaps.length}\n`,
    );
    expect(total).toBeGreaterThanOrEqual(KILLS);
    expect(report.lost, `seed ${seed}`).toEqual([]);
    expect(report.duplicates, `seed ${seed}`).toEqual([]);
    expect(report.misthreaded, `seed ${seed}`).toEqual([]);
    expect(report.numbers.gaps, `seed ${seed}`).toEqual([]);
    expect(report.numbers.repeated, `seed ${seed}`).toEqual([]);
    expect(report.numbers.count).toBe(kinds('new'));
    expect(intakeRecords(origin, 'ignored', 'main').length).toBe(kinds('auto-reply'));
    expect((await mailbox(port)).every((message) => message.processed)).toBe(true);
    expect(git(clone, ['rev-parse', 'HEAD']).trim()).toBe(git(origin, ['rev-parse', 'main']).trim());
    expect(git(origin, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
    expect(uncleanPaths(clone)).toEqual([]);
    expect(git(clone, ['status', '--porcelain']).trim()).toBe('');
    expect(leftovers(clone)).toEqual([]);
  }, 300_000);
});
