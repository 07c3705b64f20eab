import path from 'node:path';
import { defineCommand } from 'citty';
import { GitgusError } from '../../lib/errors.ts';
import { loadSettings } from '../../lib/store/load.ts';
import { buildSite, partBuildReason, type BuildOptions } from '../../lib/site/build.ts';
import { isoSeconds } from '../../lib/core/time.ts';
import { commonArgs, helpdeskRoot, parseNow, printJson } from '../_shared.ts';

export default defineCommand({
  meta: {
    name: 'build',
    description:
      "Build a helpdesk's static support site: queue, units, ticket pages, reports, feeds, exports and the search index.\n\nExamples:\n  gitgus build\n  gitgus build --root ../helpdesk --out /srv/www/helpdesk\n  gitgus build --no-search --now 2026-12-01T09:00:00Z\n  gitgus build --part archive-1 --out dist-archive-1",
  },
  args: {
    ...commonArgs,
    out: { type: 'string', description: "Output folder (default: the helpdesk's dist/)", valueHint: 'DIR' },
    now: { type: 'string', description: "Time priority colours and ages are computed at (default: the helpdesk's last data commit)", valueHint: 'ISO-TIME' },
    base: { type: 'string', description: 'Path the site is served under (default: the path of siteUrl in helpdesk.yml)', valueHint: 'PATH' },
    search: { type: 'boolean', description: 'Build the Pagefind search index (--no-search skips it)', default: true },
    verbose: { type: 'boolean', description: "Show Astro's progress", default: false },
    part: { type: 'string', description: 'Build this site part of helpdesk.yml siteParts (its ticket pages and search) instead of the main site (default out: dist-NAME/)', valueHint: 'NAME' },
    'if-changed-since': { type: 'string', description: "With --part: build only when the part's pages changed since the build this text names (its Commit: and Code: lines)", valueHint: 'TEXT' },
    'list-parts': { type: 'boolean', description: 'Print the site parts of helpdesk.yml, one "NAME OWNER/REPOSITORY" a line, and build nothing', default: false },
    full: { type: 'boolean', description: 'Render every page, even when the kept output and its manifest could be reused', default: false },
  },
  async run({ args }) {
    const now = parseNow(args.now);
    if (args['list-parts']) {
      const parts = loadSettings(helpdeskRoot(args.root)).siteParts ?? [];
      if (args.json) printJson(parts);
      else for (const part of parts) process.stdout.write(`${part.name} ${part.repository}\n`);
      return;
    }
    const options: BuildOptions = { root: helpdeskRoot(args.root), search: args.search, full: args.full, say: (line) => process.stderr.write(`${line}\n`) };
    if (args.out !== undefined) options.out = path.resolve(args.out);
    if (now !== undefined) options.now = isoSeconds(now);
    if (args.base !== undefined) options.base = args.base;
    if (args.part !== undefined) options.part = args.part;
    const since = args['if-changed-since'];
    if (since !== undefined) {
      if (options.part === undefined) throw new GitgusError('E_ARGUMENT', '--if-changed-since needs --part', { hint: 'Give the part: gitgus build --part archive-1 --if-changed-since "$(git log -1 --format=%B FETCH_HEAD)"' });
      const reason = partBuildReason({ ...options, part: options.part }, since);
      if (reason === undefined) {
        if (args.json) printJson({ part: options.part, skipped: 'unchanged since it was published' });
        else process.stderr.write(`part ${options.part}: unchanged since it was published; not built\n`);
        return;
      }
      process.stderr.write(`part ${options.part}: ${reason}\n`);
    }
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
