/**
 * Reading many Git objects through ONE long-lived `git cat-file --batch` process: a process per file
 * costs milliseconds each, this costs microseconds. Used by the history index and the pull-request check.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { GitgusError, MissingDependencyError } from '../errors.ts';
import { GIT_INSTALL_HINT } from './native.ts';

/** Spawns native git with piped stdio; arguments as an array, never through a shell. */
export function spawnGit(dir: string, args: string[]): ChildProcess {
  return spawn('git', args, { cwd: dir, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' }, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A promise that rejects when the process cannot start or exits non-zero; it never resolves. */
export function gitFailure(child: ChildProcess, what: string): Promise<never> {
  return new Promise((_resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new MissingDependencyError('git', GIT_INSTALL_HINT) : new GitgusError('E_GIT', `${what} failed: ${error.message}`, { cause: error }));
    });
    child.on('close', (code) => {
      if (code !== 0 && code !== null) reject(new GitgusError('E_GIT', `${what} failed: ${stderr.trim()}`, { data: { status: code } }));
    });
  });
}

interface Waiter {
  resolve: (text: string | undefined) => void;
  reject: (error: unknown) => void;
  optional: boolean;
}

/**
 * A long-lived `git cat-file --batch`: requests are queued, sent in one write per `flush`, and answered in
 * order. A request is an object id or `<rev>:<path>`.
 */
export class BlobReader {
  private readonly child: ChildProcess;
  private readonly waiting: Waiter[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private outgoing = '';
  readonly failed: Promise<never>;

  /**
   * @param options.stream for long one-way streams of requests (the history walk): `--buffer` makes Git
   *   write answers in large blocks instead of flushing each one, and only closing flushes the rest — so a
   *   caller that waits for an answer before sending more must leave it off.
   */
  constructor(dir: string, options: { stream?: boolean } = {}) {
    this.child = spawnGit(dir, ['cat-file', '--batch', ...(options.stream ? ['--buffer'] : [])]);
    this.failed = gitFailure(this.child, 'git cat-file --batch');
    this.failed.catch((error: unknown) => {
      for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  private request(spec: string, optional: boolean): Promise<string | undefined> {
    if (/[\n\r]/.test(spec)) return Promise.reject(new GitgusError('E_GIT', `cannot read ${JSON.stringify(spec)}: a line break in a path`));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject, optional });
      this.outgoing += `${spec}\n`;
    });
  }

  /** The object's content as UTF-8; rejects when it does not exist. */
  read(spec: string): Promise<string> {
    return this.request(spec, false) as Promise<string>;
  }

  /** The object's content, or undefined when there is no such object (a path missing at that commit). */
  readIfPresent(spec: string): Promise<string | undefined> {
    return this.request(spec, true);
  }

  /** Sends the queued requests (a write per object costs more than reading it). */
  flush(): void {
    if (this.outgoing === '') return;
    this.child.stdin?.write(this.outgoing);
    this.outgoing = '';
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let at = 0;
    for (;;) {
      const newline = this.buffer.indexOf(10, at);
      if (newline < 0) break;
      const header = this.buffer.toString('latin1', at, newline);
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        at = newline + 1;
        const waiter = this.waiting.shift();
        if (waiter?.optional) waiter.resolve(undefined);
        else waiter?.reject(new GitgusError('E_GIT', `git object ${header}`));
        continue;
      }
      const size = Number(header.slice(header.lastIndexOf(' ') + 1));
      if (this.buffer.length < newline + 1 + size + 1) break;
      const text = this.buffer.toString('utf8', newline + 1, newline + 1 + size);
      at = newline + 1 + size + 1;
      this.waiting.shift()?.resolve(text);
    }
    this.buffer = this.buffer.subarray(at);
  }

  /** Flushes and ends the input; the process exits once it has answered everything. */
  close(): void {
    this.flush();
    this.child.stdin?.end();
  }
}

/** Reads many objects in one process; missing ones come back undefined. */
export async function readObjects(dir: string, specs: readonly string[]): Promise<(string | undefined)[]> {
  if (specs.length === 0) return [];
  const reader = new BlobReader(dir, { stream: true });
  const answers = Promise.all(specs.map((spec) => reader.readIfPresent(spec)));
  reader.close();
  return Promise.race([answers, reader.failed]);
}
