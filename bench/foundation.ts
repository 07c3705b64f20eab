/**
 * Foundation figures: generating the synthetic helpdesk, and `gitgus check` on it next to the floor of
 * merely reading every file (no parsing) in the same run.
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { generateHelpdesk } from './generate.ts';
import { listFiles, time, type BenchContext, type BenchFigure } from './_harness.ts';

const LAUNCHER = path.join(import.meta.dirname, '..', 'bin', 'gitgus.js');

export default async function benchFoundation(ctx: BenchContext): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const n = ctx.sizes.small;

  // Generation: plain files, next to copying the same bytes with cp -r (the file-system floor).
  const out = path.join(ctx.workdir, `generate-${n}`);
  spawnSync('rm', ['-rf', out]);
  const generated = await time(() => generateHelpdesk({ tickets: n, out }));
  const copy = await time(() => spawnSync('cp', ['-r', out, `${out}-copy`]));
  spawnSync('rm', ['-rf', out, `${out}-copy`]);
  figures.push({ name: `bench:generate, ${n.toLocaleString('en')} tickets`, figure: { label: 'generate', seconds: generated.seconds }, anchor: { label: 'cp -r of the result', seconds: copy.seconds } });

  for (const size of [ctx.sizes.small, ctx.sizes.large]) {
    const dir = await ctx.helpdesk(size, { history: true });
    const read = await time(() => {
      let bytes = 0;
      for (const file of listFiles(path.join(dir, 'tickets'))) bytes += readFileSync(file).length;
      return bytes;
    });
    const check = await time(() => spawnSync(process.execPath, [LAUNCHER, 'check', '--root', dir], { encoding: 'utf8' }));
    if (check.value.status !== 0) throw new Error(`gitgus check failed on the synthetic helpdesk: ${check.value.stderr.slice(0, 2000)}`);
    figures.push({
      name: `gitgus check, ${size.toLocaleString('en')} tickets`,
      figure: { label: 'check (process)', seconds: check.seconds },
      anchor: { label: 'read every file, no parsing', seconds: read.seconds },
    });
  }
  return figures;
}
