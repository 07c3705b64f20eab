/**
 * Fault injection for the crash tests (test/fault-crash.test.ts): a writer calls `faultPoint(phase)` at
 * each moment where a kill could leave something half done, and when `GITGUS_FAULT_PHASE` names that
 * phase, the process kills itself there with SIGKILL — the same signal a cancelled CI job or the OOM
 * killer sends, so nothing (no `finally`, no exit handler) runs.
 *
 *   GITGUS_FAULT_PHASE=<phase>[:<n>]   the n-th time the phase is reached (default the first)
 *   GITGUS_FAULT_DELAY_MS=<ms>         kill that many milliseconds later instead of at once, from a
 *                                      separate process, so the kill lands in the middle of the Git
 *                                      command the writer starts next (a push, a fast-import)
 *
 * When the process leads its own process group (the test starts it detached), the whole group is
 * killed, Git children included — as a runner cancelling a job does. Without the variable this is a no-op.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Every phase mail intake reports, in the order a message meets them (the crash test picks among these). */
export const FAULT_PHASES = ['start', 'parse', 'objects-written', 'before-ref-update', 'after-ref-update', 'worktree', 'before-push', 'push', 'before-acknowledge'] as const;
/** After each message's acknowledgement at its source (IMAP flag, Maildir rename): a kill leaves a chunk half acknowledged. */
export const ACKNOWLEDGED_PHASE = 'acknowledged';
/**
 * `gitgus notify`, per mail: `sent` the SMTP server accepted it and it is not recorded yet; `state-written`
 * the state commit that records it exists and the ref has not moved; `recorded` the ref moved.
 */
export const NOTIFY_FAULT_PHASES = ['sent', 'state-written', 'recorded'] as const;
export type IntakeFaultPhase = (typeof FAULT_PHASES)[number];
export type FaultPhase = IntakeFaultPhase | typeof ACKNOWLEDGED_PHASE | (typeof NOTIFY_FAULT_PHASES)[number];

const seen = new Map<string, number>();

function processGroupLeader(): boolean {
  try {
    // /proc/self/stat: "pid (comm) state ppid pgrp …"; comm may hold spaces, so split after the last ')'.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[2]) === process.pid;
  } catch {
    return false;
  }
}

export function faultPoint(phase: FaultPhase): void {
  const wanted = process.env.GITGUS_FAULT_PHASE;
  if (wanted === undefined || wanted === '') return;
  const [name, nth] = wanted.split(':');
  if (name !== phase) return;
  const count = (seen.get(phase) ?? 0) + 1;
  seen.set(phase, count);
  if (count !== Number(nth ?? '1')) return;
  const target = processGroupLeader() ? -process.pid : process.pid;
  const delay = Number(process.env.GITGUS_FAULT_DELAY_MS ?? '0');
  if (delay > 0) {
    // The killer outlives a blocking spawnSync of this process; a negative pid reaches the Git child too.
    const killer = `setTimeout(() => { try { process.kill(${target}, 'SIGKILL'); } catch {} }, ${Math.round(delay)});`;
    spawn(process.execPath, ['-e', killer], { detached: true, stdio: 'ignore' }).unref();
    return;
  }
  process.kill(target, 'SIGKILL');
}
