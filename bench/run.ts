/**
 * `npm run bench [-- --quick] [-- --only NAME]`: every performance figure of the project in one run,
 * each next to its anchor from the same run. Not part of `npm test`.
 *
 * A bench module is bench/<area>.ts with a default export `(ctx: BenchContext) => Promise<BenchFigure[]>`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatFigures, makeContext, type BenchContext, type BenchFigure } from './_harness.ts';

type BenchModule = { default: (ctx: BenchContext) => Promise<BenchFigure[]> };

/** Run order: cheap figures first. */
const MODULES = ['foundation', 'intake', 'contention', 'review', 'site', 'scale'] as const;

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, workdir: { type: 'string' } } });
const sizes = values.quick ? { small: 1_000, large: 10_000 } : { small: 10_000, large: 165_000 };
const ctx = makeContext(path.resolve(values.workdir ?? '.bench'), sizes);
// Compile caches grow by hundreds of MB per content change (docs/design.md §7); keep them out of the way.
process.env.NODE_COMPILE_CACHE = path.join(ctx.workdir, 'compile-cache');

const all: BenchFigure[] = [];
for (const name of MODULES) {
  if (values.only && values.only !== name) continue;
  let module: BenchModule;
  try {
    module = (await import(`./${name}.ts`)) as BenchModule;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') continue;
    throw error;
  }
  process.stderr.write(`bench ${name}\n`);
  const figures = await module.default(ctx);
  all.push(...figures);
  process.stdout.write(`\n${formatFigures(figures)}\n`);
}
ctx.emptyTrash();
process.stdout.write(`\nall figures (sizes ${sizes.small.toLocaleString('en')} / ${sizes.large.toLocaleString('en')} tickets):\n${formatFigures(all)}\n`);
