import path from 'node:path';
import { defineCommand } from 'citty';
import { GitgusError } from '../../lib/errors.ts';
import { buildSite, type BuildOptions } from '../../lib/site/build.ts';
import { commonArgs, helpdeskRoot, printJson } from '../_shared.ts';

export default defineCommand({
  meta: {
    name: 'build',
    description:
      "Build a helpdesk's static support site: queue, units, ticket pages, reports, feeds, exports and the search index.\n\nExamples:\n  gitgus build\n  gitgus build --root ../helpdesk --out /srv/www/helpdesk\n  gitgus build --no-search --now 2026-12-01T09:00:00Z",
  },
  args: {
    ...commonArgs,
    out: { type: 'string', description: "Output folder (default: the helpdesk's dist/)", valueHint: 'DIR' },
    now: { type: 'string', description: "Time priority colours and ages are computed at (default: the helpdesk's last data commit)", valueHint: 'ISO-TIME' },
    base: { type: 'string', description: 'Path the site is served under (default: the path of siteUrl in helpdesk.yml)', valueHint: 'PATH' },
    search: { type: 'boolean', description: 'Build the Pagefind search index (--no-search skips it)', default: true },
    verbose: { type: 'boolean', description: "Show Astro's progress", default: false },
    full: { type: 'boolean', description: 'Render every page, even when the kept output and its manifest could be reused', default: false },
  },
  async run({ args }) {
    if (args.now !== undefined && Number.isNaN(Date.parse(args.now))) {
      throw new GitgusError('E_ARGUMENT', `'${args.now}' is not a time`, { hint: 'Give --now as an ISO time like 2026-12-01T09:00:00Z.' });
    }
    const options: BuildOptions = { root: helpdeskRoot(args.root), search: args.search, full: args.full, say: (line) => process.stderr.write(`${line}\n`) };
    if (args.out !== undefined) options.out = path.resolve(args.out);
    if (args.now !== undefined) options.now = args.now;
    if (args.base !== undefined) options.base = args.base;
    if (args.verbose) options.log = (line) => process.stderr.write(`${line}\n`);
    const result = await buildSite(options);
    if (args.json) printJson(result);
    else {
      const search = result.searchSeconds === undefined ? '' : `; search index of ${result.searchPages ?? 0} tickets in ${result.searchRanges ?? 0} ranges (${result.searchIndexed ?? 0} indexed again) in ${result.searchSeconds.toFixed(1)} s`;
      const what = result.mode === 'incremental' ? `rendered ${result.rendered} of ${result.pages} pages (incremental${result.removed > 0 ? `, ${result.removed} removed` : ''})` : `built ${result.pages} pages`;
      process.stderr.write(`${what} into ${result.outDir} in ${result.siteSeconds.toFixed(1)} s${search}\n`);
    }
  },
});
