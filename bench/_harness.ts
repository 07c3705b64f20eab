/**
 * The benchmark harness shared by every bench module. A figure is always printed next to an anchor
 * measured in the same run on the same machine (a ratio), because absolute times drift on shared machines.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { generateHelpdesk } from './generate.ts';

export interface Measure {
  label: string;
  seconds: number;
  /** Peak memory in MB, when measured. */
  peakMb?: number;
  /** Free text, e.g. "failed: Invalid string length". */
  note?: string;
}

export interface BenchFigure {
  /** What is measured, e.g. "gitgus check, 10,000 tickets". */
  name: string;
  figure: Measure;
  anchor: Measure;
  /** The goal in words, e.g. "≤ 1.5× native". */
  goal?: string;
  /** Whether the goal is met (undefined when there is no goal). */
  met?: boolean;
}

export interface BenchContext {
  /** Scratch folder for this run (`.bench/` in the project, gitignored). */
  workdir: string;
  /** A synthetic helpdesk of `tickets` tickets, generated once per run and size; `history` makes it a Git repository. */
  helpdesk(tickets: number, options?: { history?: boolean }): Promise<string>;
  /** Sizes this run covers (`--quick` runs only the smaller). */
  sizes: { small: number; large: number };
  log(message: string): void;
  /**
   * Moves a folder out of the way now and deletes it when the run ends. Deleting many files on this
   * machine's disk (mounted with `discard`) slows file creation for seconds afterwards, so a deletion
   * right before a measurement would be measured too.
   */
  discard(target: string): void;
  /** Deletes what `discard` moved aside (after the last measurement). */
  emptyTrash(): void;
}

export async function time<T>(fn: () => Promise<T> | T): Promise<{ seconds: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - start) / 1000, value };
}

export function makeContext(workdir: string, sizes: { small: number; large: number }): BenchContext {
  mkdirSync(workdir, { recursive: true });
  const cache = new Map<string, Promise<string>>();
  const log = (message: string) => process.stderr.write(`  · ${message}\n`);
  const trash = path.join(workdir, '.trash');
  let discarded = 0;
  return {
    workdir,
    sizes,
    log,
    discard(target) {
      if (!existsSync(target)) return;
      mkdirSync(trash, { recursive: true });
      discarded += 1;
      renameSync(target, path.join(trash, `${process.pid}-${discarded}-${path.basename(target)}`));
    },
    emptyTrash() {
      rmSync(trash, { recursive: true, force: true });
    },
    helpdesk(tickets, options = {}) {
      const key = `${tickets}${options.history ? '-history' : ''}`;
      let made = cache.get(key);
      if (!made) {
        const out = path.join(workdir, `helpdesk-${key}`);
        made = (async () => {
          // Reuse a complete helpdesk from an earlier run: generating 165,000 tickets takes minutes.
          if (existsSync(path.join(out, '.complete'))) return out;
          rmSync(out, { recursive: true, force: true });
          log(`generating ${tickets} tickets${options.history ? ' with Git history' : ''} in ${out}`);
          const result = await generateHelpdesk({ tickets, out, history: options.history ?? false });
          log(`generated in ${result.seconds.toFixed(1)} s (${result.files} files${result.commits ? `, ${result.commits} commits` : ''})`);
          mkdirSync(path.join(out, '.complete'));
          return out;
        })();
        cache.set(key, made);
      }
      return made;
    },
  };
}

/** Seconds with sensible precision: 0.00312 s for a per-message cost, 47.5 s for a build. */
function seconds(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value >= 10) return `${value.toFixed(1)} s`;
  if (value >= 0.1) return `${value.toFixed(2)} s`;
  return `${value.toPrecision(3)} s`;
}

function ratio(figure: BenchFigure): string {
  if (figure.figure.note && !Number.isFinite(figure.figure.seconds)) return figure.figure.note;
  if (!Number.isFinite(figure.anchor.seconds)) return 'anchor failed';
  return `${(figure.figure.seconds / figure.anchor.seconds).toFixed(2)}×`;
}

export function formatFigures(figures: BenchFigure[]): string {
  const rows = figures.map((f) => [
    f.name,
    `${f.figure.label}: ${seconds(f.figure.seconds)}${f.figure.peakMb ? `, ${Math.round(f.figure.peakMb)} MB` : ''}${f.figure.note ? ` (${f.figure.note})` : ''}`,
    `${f.anchor.label}: ${seconds(f.anchor.seconds)}${f.anchor.peakMb ? `, ${Math.round(f.anchor.peakMb)} MB` : ''}${f.anchor.note ? ` (${f.anchor.note})` : ''}`,
    ratio(f),
    f.goal ? `${f.goal} ${f.met === undefined ? '' : f.met ? '✔ met' : '✘ missed'}` : '',
  ]);
  const header = ['figure', 'measured', 'anchor (same run)', 'ratio', 'goal'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join(' │ ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...rows.map(line)].join('\n');
}

export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}
