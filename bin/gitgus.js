#!/usr/bin/env node
// Launcher for `gitgus`. An MTA pipe or cron calls this with whatever `node` is on the PATH
// (Node 20 on these machines); gitgus runs its TypeScript directly, which needs Node >= 22.18.
// So when the running Node is too old, re-run with the Node 24 that the project pins as a devDependency.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'scripts', 'gitgus.ts');
const [major, minor] = process.versions.node.split('.').map(Number);
const modern = major > 22 || (major === 22 && minor >= 18);

if (modern) {
  const { runCli } = await import(entry);
  process.exitCode = await runCli(process.argv.slice(2));
} else {
  const pinned = [join(root, 'node_modules', 'node', 'bin', 'node'), join(root, 'node_modules', '.bin', 'node')].find(existsSync);
  if (!pinned) {
    process.stderr.write(`gitgus needs Node >= 22.18 (this is ${process.version}); run \`npm install\` in ${root} to get the pinned Node 24.\n`);
    process.exit(1);
  }
  const result = spawnSync(pinned, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
