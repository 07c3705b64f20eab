/**
 * `npm start`: the main job on the bundled example helpdesk. Checks the tree, builds the static support
 * site (with its search index) into dist/, and serves it on 127.0.0.1 until stopped (PORT picks the port).
 */
import { runCli } from './gitgus.ts';
import { siteOptions } from '../site/lib/env.ts';
import { serveStatic } from '../site/serve.ts';

const root = process.cwd();
let code = await runCli(['check', '--root', root]);
if (code === 0) code = await runCli(['build', '--root', root]);
if (code === 0) {
  const { outDir, base } = siteOptions({ GITGUS_ROOT: root });
  const server = await serveStatic(outDir, { base, port: Number(process.env.PORT ?? 4321) });
  process.stdout.write(`The example helpdesk's site is at ${server.url} (Ctrl-C stops it).\n`);
} else {
  process.exitCode = code;
}
