/**
 * The Astro integration behind incremental builds. Astro still renders every page it renders with the
 * same components; this only decides WHICH pages: a `setPrerenderer` wrapper asks Astro's own prerenderer
 * for every path (each page's `getStaticPaths` gives its key as `cacheKey`, site/lib/page-keys.ts) and
 * hands back only the paths whose key differs from the manifest's, or that have no key. The output folder
 * is kept (`vite.build.emptyOutDir: false` in astro.config.mjs); after the build the files of pages that
 * no longer exist are removed and the manifest is written.
 *
 * `gitgus build` (lib/site/build.ts) decides beforehand whether the manifest can be trusted and
 * passes GITGUS_INCREMENTAL=1 only then; otherwise it empties the output folder and every page renders.
 */
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration, AstroPrerenderer } from 'astro';
import { ENV_PART } from './env.ts';
import { MANIFEST_VERSION, outputFile, readManifest, writeManifest, type ManifestPage, type SiteManifest } from './manifest.ts';

export const ENV_INCREMENTAL = 'GITGUS_INCREMENTAL';
export const ENV_CODE_HASH = 'GITGUS_CODE_HASH';
export const ENV_COMMIT = 'GITGUS_COMMIT';

/** Removes a file and the folders it leaves empty, up to the output folder. */
function removeOutput(outDir: string, file: string): void {
  rmSync(path.join(outDir, file), { force: true });
  let folder = path.dirname(path.join(outDir, file));
  while (folder.startsWith(outDir) && folder !== outDir && existsSync(folder) && readdirSync(folder).length === 0) {
    rmdirSync(folder);
    folder = path.dirname(folder);
  }
}

export function incrementalBuild(env: Record<string, string | undefined> = process.env): AstroIntegration {
  let outDir = '';
  let previous: SiteManifest | undefined;
  let pages: Record<string, ManifestPage> = {};
  let rendered = 0;
  return {
    name: 'gitgus-incremental',
    hooks: {
      'astro:config:done': ({ config }) => {
        outDir = fileURLToPath(config.outDir);
      },
      'astro:build:start': ({ setPrerenderer, logger }) => {
        previous = env[ENV_INCREMENTAL] === '1' ? readManifest(outDir) : undefined;
        setPrerenderer((astro): AstroPrerenderer => ({
          name: 'gitgus-incremental',
          ...(astro.setup ? { setup: () => (astro.setup as () => Promise<void>)() } : {}),
          ...(astro.teardown ? { teardown: () => (astro.teardown as () => Promise<void>)() } : {}),
          render: (request, options) => astro.render(request, options),
          getStaticPaths: async () => {
            // A site part (GITGUS_PART) is its ticket pages (their getStaticPaths keep only its range) and its
            // home; every other page belongs to the main site.
            const all = (await astro.getStaticPaths()).filter((entry) => !env[ENV_PART] || entry.pathname === '/' || entry.pathname.startsWith('/tickets/'));
            pages = {};
            const dirty = all.filter((entry) => {
              const page: ManifestPage = { file: outputFile(entry.pathname, entry.route.type === 'endpoint') };
              if (entry.cacheKey !== undefined) page.key = entry.cacheKey;
              pages[entry.pathname] = page;
              const before = previous?.pages[entry.pathname];
              return page.key === undefined || before?.key !== page.key || before.file !== page.file;
            });
            rendered = dirty.length;
            if (previous) logger.info(`incremental: rendering ${dirty.length} of ${all.length} pages (${all.length - dirty.length} unchanged)`);
            return dirty;
          },
        }));
      },
      'astro:build:done': ({ logger }) => {
        let removed = 0;
        const current = new Set(Object.values(pages).map((page) => page.file));
        for (const page of Object.values(previous?.pages ?? {})) {
          if (current.has(page.file)) continue;
          removeOutput(outDir, page.file);
          removed += 1;
        }
        if (removed > 0) logger.info(`removed ${removed} pages that no longer exist`);
        const manifest: SiteManifest = {
          version: MANIFEST_VERSION,
          codeHash: env[ENV_CODE_HASH] ?? '',
          pages,
          last: { mode: previous ? 'incremental' : 'full', rendered, removed },
        };
        if (env[ENV_COMMIT]) manifest.commit = env[ENV_COMMIT];
        // The search index is written after Astro (lib/site/build.ts) and keeps its ranges.
        if (previous?.search) manifest.search = previous.search;
        writeManifest(outDir, manifest);
      },
    },
  };
}
