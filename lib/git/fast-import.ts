/**
 * Building commits through one `git fast-import` process: the object half of gitgus's one native write
 * path (lib/git/commit.ts is the other half, which moves the branch). Each commit is streamed into the
 * process (no waiting per commit); Git builds the trees from the parent in C, and writes loose objects
 * for a small import (below transfer.unpackLimit) or one pack for a batch. It replaced isomorphic-git's
 * tree-by-tree commits, which at 10,000 tickets under load spent most of each message waiting on ~20
 * asynchronous object reads and writes.
 *
 * fast-import moves NO ref: the commits go to a scratch ref name that is reset before the stream ends, so
 * fast-import never writes it. `close()` only hands back the commit ids; the branch moves afterwards by
 * one `git update-ref <ref> <new> <old>` (publishCommits in lib/git/commit.ts), a real compare-and-swap.
 * A writer killed mid-stream leaves objects nothing points at (pruned by `git gc`) and perhaps a
 * `tmp_pack_*` file, which lib/git/guard.ts removes on the next run.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { formatCommitMessage, type CommitMessage } from '../core/commit-message.ts';
import { GitgusError } from '../errors.ts';
import { resolveInside } from '../fs/paths.ts';
import type { FileChange } from './commit.ts';
import { runGit } from './native.ts';

/** The name fast-import builds on; reset before the stream ends, so it is never written. */
const SCRATCH_REF = 'refs/gitgus/fast-import';

interface StreamedCommit {
  changes: FileChange[];
  message: CommitMessage;
  author: { name: string; email: string };
  date: Date;
}

/** fast-import reads a path to the end of the line; one with a quote, backslash or control character is C-quoted. */
function quotePath(path: string): string {
  if (!/["\\\u0000-\u001f]/.test(path)) return path;
  return `"${path.replace(/[\\"]/g, (char) => `\\${char}`).replace(/[\u0000-\u001f]/g, (char) => `\\${char.charCodeAt(0).toString(8).padStart(3, '0')}`)}"`;
}

function person(who: { name: string; email: string }, date: Date): string {
  const name = who.name.replace(/[<>\n]/g, ' ').trim() || 'gitgus';
  const email = who.email.replace(/[<>\s]/g, '');
  return `${name} <${email}> ${Math.floor(date.getTime() / 1000)} +0000`;
}

function data(content: string | Uint8Array): Buffer[] {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  return [Buffer.from(`data ${bytes.length}\n`), bytes, Buffer.from('\n')];
}

export class FastImportWriter {
  readonly ref: string;
  /** The branch tip the writer started from (undefined: the branch has no commit yet). */
  readonly parent: string | undefined;
  private readonly dir: string;
  private readonly process: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<{ code: number | null; stderr: string }>;
  private stdout = '';
  private readonly waiting: ((line: string) => void)[] = [];
  private marks = 0;

  private constructor(dir: string, ref: string, parent: string | undefined) {
    this.dir = dir;
    this.ref = ref;
    this.parent = parent;
    // --done: a stream cut short (the writer killed) makes fast-import fail instead of committing half.
    this.process = spawn('git', ['fast-import', '--quiet', '--done', '--date-format=raw'], { cwd: dir, env: { ...process.env, LC_ALL: 'C' } });
    let stderr = '';
    this.process.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    this.process.stdout.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString('utf8');
      for (let newline = this.stdout.indexOf('\n'); newline >= 0; newline = this.stdout.indexOf('\n')) {
        const line = this.stdout.slice(0, newline);
        this.stdout = this.stdout.slice(newline + 1);
        this.waiting.shift()?.(line);
      }
    });
    this.exited = new Promise((resolve, reject) => {
      this.process.once('error', (error) => reject(new GitgusError('E_GIT', `git fast-import could not start: ${error.message}`, { cause: error })));
      this.process.once('close', (code) => resolve({ code, stderr }));
    });
    // A dead process must not leave a later write hanging; its exit status is reported by finish().
    this.process.stdin.on('error', () => undefined);
  }

  /** Starts a writer on the current branch of `dir`. */
  static start(dir: string): FastImportWriter {
    const ref = runGit(dir, ['symbolic-ref', '--quiet', 'HEAD'], { allowFailure: true }).stdout.trim();
    if (ref === '') throw new GitgusError('E_GIT_DETACHED', 'HEAD is detached: gitgus commits only onto a branch.', { hint: 'Run `git switch main` first.' });
    const tip = runGit(dir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { allowFailure: true }).stdout.trim();
    return new FastImportWriter(dir, ref, tip === '' ? undefined : tip);
  }

  /** Streams one commit; returns its mark (`:1`, `:2`, …), resolved to an id by `finish()`. */
  commit(commit: StreamedCommit): number {
    if (commit.changes.length === 0) throw new GitgusError('E_NOTHING_TO_COMMIT', 'nothing to commit: the change set is empty');
    for (const change of commit.changes) resolveInside(this.dir, change.path);
    this.marks += 1;
    const who = person(commit.author, commit.date);
    const parts: Buffer[] = [Buffer.from(`commit ${SCRATCH_REF}\nmark :${this.marks}\nauthor ${who}\ncommitter ${who}\n`), ...data(formatCommitMessage(commit.message))];
    if (this.marks === 1 && this.parent) parts.push(Buffer.from(`from ${this.parent}\n`));
    for (const change of commit.changes) {
      if (change.content === null) parts.push(Buffer.from(`D ${quotePath(change.path)}\n`));
      else parts.push(Buffer.from(`M 100644 inline ${quotePath(change.path)}\n`), ...data(change.content));
    }
    parts.push(Buffer.from('\n'));
    this.process.stdin.write(Buffer.concat(parts));
    return this.marks;
  }

  get commits(): number {
    return this.marks;
  }

  private nextLine(): Promise<string> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /**
   * Ends the stream and returns the new commit ids in order (one per mark). Moves no ref: the caller
   * publishes the last id with a compare-and-swap of the branch (lib/git/commit.ts publishCommits).
   */
  async close(): Promise<string[]> {
    if (this.marks === 0) {
      this.process.stdin.end('done\n');
      await this.exited;
      return [];
    }
    const answer = this.nextLine();
    this.process.stdin.write(`get-mark :${this.marks}\n`);
    const tip = (await Promise.race([answer, this.exited.then(() => '')])).trim();
    this.process.stdin.end(`reset ${SCRATCH_REF}\n\ndone\n`);
    const { code, stderr } = await this.exited;
    if (code !== 0 || !/^[0-9a-f]{40}$/.test(tip)) throw new GitgusError('E_GIT', `git fast-import failed (${code}): ${stderr.trim().slice(0, 2000)}`);
    const range = this.parent ? `${this.parent}..${tip}` : tip;
    const ids = this.marks === 1 ? [tip] : runGit(this.dir, ['rev-list', '--reverse', '--first-parent', range]).stdout.split('\n').filter(Boolean);
    if (ids.length !== this.marks) throw new GitgusError('E_GIT', `git fast-import wrote ${ids.length} commits, expected ${this.marks}`);
    return ids;
  }

  /** Stops the stream without using it (an error before close): fast-import exits, writing nothing that matters. */
  abort(): void {
    this.process.kill('SIGTERM');
  }
}
