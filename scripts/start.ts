/**
 * `npm start`: the main job on the bundled example helpdesk. Until the site lands it prints the
 * example's open queue in the terminal after checking the tree.
 */
import { runCli } from './gitgus.ts';

const root = process.cwd();
let code = await runCli(['check', '--root', root]);
if (code === 0) code = await runCli(['list', '--root', root, '--status', 'open']);
process.exitCode = code;
