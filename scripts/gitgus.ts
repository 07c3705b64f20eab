/**
 * The `gitgus` command line. Each command lives in scripts/commands/<name>.ts and is loaded lazily.
 * This file is the only place that prints errors and exits (the library returns diagnostics, the CLI presents them).
 */
import { readdirSync } from 'node:fs';
import { defineCommand, renderUsage, runCommand, type CommandDef } from 'citty';
import { EXIT_TEMPFAIL, ExitError, GitgusError, TEMPORARY_FAILURES, ValidationError, formatProblems, kindOf } from '../lib/errors.ts';

/** sysexits.h EX_SOFTWARE: an internal software error (a bug), not bad input (1) or bad usage (2). */
const EXIT_INTERNAL = 70;

type Loader = () => Promise<CommandDef<any>>;
const load =
  (name: string): Loader =>
  () =>
    import(`./commands/${name}.ts`).then((module: { default: CommandDef<any> }) => module.default);

/** Every command: one file each in scripts/commands/ (a new file is a new command; nothing to register). */
export const COMMANDS: readonly string[] = readdirSync(new URL('./commands/', import.meta.url))
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.startsWith('_'))
  .map((file) => file.slice(0, -'.ts'.length))
  .sort();

const main = defineCommand({
  meta: { name: 'gitgus', version: '0.1.0', description: 'The GGUS helpdesk workflow on a Git repository.' },
  subCommands: Object.fromEntries(COMMANDS.map((name) => [name, load(name)])),
});

async function resolveTarget(rawArgs: string[]): Promise<{ command: CommandDef<any>; parent?: CommandDef<any> }> {
  const name = rawArgs.find((arg) => !arg.startsWith('-'));
  if (name && COMMANDS.includes(name)) return { command: await load(name)(), parent: main };
  return { command: main };
}

function wantsJson(rawArgs: string[]): boolean {
  return rawArgs.includes('--json');
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it in-process. */
export async function runCli(rawArgs: string[]): Promise<number> {
  try {
    if (rawArgs.length === 0 || rawArgs.includes('--help') || rawArgs.includes('-h')) {
      const { command, parent } = await resolveTarget(rawArgs);
      process.stdout.write(`${await renderUsage(command, parent)}\n`);
      return 0;
    }
    if (rawArgs.length === 1 && (rawArgs[0] === '--version' || rawArgs[0] === '-v')) {
      process.stdout.write('0.1.0\n');
      return 0;
    }
    const name = rawArgs.find((arg) => !arg.startsWith('-'));
    if (!name || !COMMANDS.includes(name)) {
      throw new GitgusError('E_UNKNOWN_COMMAND', `unknown command '${name ?? rawArgs[0] ?? ''}'`, { hint: `commands: ${COMMANDS.join(', ')}; see gitgus --help` });
    }
    await runCommand(main, { rawArgs });
    return 0;
  } catch (error) {
    return report(
      error,
      wantsJson(rawArgs),
      rawArgs.find((arg) => !arg.startsWith('-') && COMMANDS.includes(arg)),
    );
  }
}

/** citty's own argument errors (missing positional, unknown enum value): its CLIError, known by name (not exported). */
function isCittyError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'CLIError';
}

function report(error: unknown, json: boolean, command: string | undefined): number {
  if (error instanceof ExitError) return error.exitCode;
  if (error instanceof GitgusError && kindOf(error.code) !== 'internal') {
    if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: error.toJSON() }, null, 2)}\n`);
    const text = error instanceof ValidationError ? formatProblems(error.problems) : `error: ${error.message}${error.hint ? `\n  ${error.hint}` : ''}`;
    process.stderr.write(`${text}\n`);
    return TEMPORARY_FAILURES.has(error.code) ? EXIT_TEMPFAIL : 1;
  }
  if (isCittyError(error)) {
    const help = command ? `gitgus ${command} --help` : 'gitgus --help';
    if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: { code: 'E_ARGUMENT', message: error.message, hint: `see ${help}` } }, null, 2)}\n`);
    process.stderr.write(`error: ${error.message}\n  see ${help}\n`);
    return 2;
  }
  // Anything else is unexpected (an ENOENT from deep inside, an InternalError, a TypeError): a bug to report, with its stack.
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: { code: 'E_INTERNAL', message: error instanceof Error ? error.message : String(error) } }, null, 2)}\n`);
  process.stderr.write(`internal error: this is a bug in gitgus, not in your input.\n${detail}\nPlease report it with the command you ran and \`node --version\` (${process.version}).\n`);
  return EXIT_INTERNAL;
}

// Run when executed directly (node scripts/gitgus.ts …), not when imported by tests.
if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runCli(process.argv.slice(2));
}
