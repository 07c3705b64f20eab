// The static support site (site/). It renders any helpdesk checkout: `gitgus build --root DIR` passes the
// helpdesk through GITGUS_ROOT (and the output folder through GITGUS_OUT), so the site code stays in this
// project while the data comes from the helpdesk's own repository.
import path from 'node:path';
import { defineConfig } from 'astro/config';
import { siteOptions } from './site/lib/env.ts';
import { incrementalBuild } from './site/lib/incremental.ts';

const options = siteOptions(process.env);

export default defineConfig({
  srcDir: './site',
  publicDir: './site/public',
  outDir: options.outDir,
  // The content store and Astro's caches belong to the helpdesk being built, so two helpdesks (tests,
  // benchmarks) never share a data store.
  cacheDir: path.join(options.root, '.astro', 'cache'),
  site: options.siteUrl,
  base: options.base,
  trailingSlash: 'ignore',
  // Several pages in flight at once: writing 10k files is IO the next page's rendering can overlap.
  build: { format: 'directory', inlineStylesheets: 'never', concurrency: 4 },
  devToolbar: { enabled: false },
  // Only pages whose key changed are rendered into the kept output folder (site/lib/incremental.ts).
  integrations: [incrementalBuild()],
  markdown: { syntaxHighlight: false },
  // Ticket text never goes through Astro's Markdown renderer (it passes raw HTML through); the site's
  // own pipeline (site/lib/markdown.ts) sanitizes it. Nothing else in the site is Markdown.
  security: {
    csp: {
      algorithm: 'SHA-256',
      directives: ["default-src 'none'", "img-src 'self'", "connect-src 'self'", "font-src 'self'", "manifest-src 'self'", "base-uri 'none'", "form-action 'self'", "object-src 'none'", "frame-src 'none'", "worker-src 'self'"],
      scriptDirective: { resources: ["'self'"] },
      styleDirective: { resources: ["'self'"] },
    },
  },
  vite: {
    // `gitgus build` empties the output itself when a build cannot be incremental (scripts/commands/build.ts).
    build: { assetsInlineLimit: 0, emptyOutDir: false },
    logLevel: 'warn',
  },
});
