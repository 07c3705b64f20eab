/**
 * Reading many Git objects through ONE long-lived `git cat-file --batch` process: a process per file
 * costs milliseconds each, this costs microseconds. Used by the history index and the pull-request check.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
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
  done: (error: unknown, text?: string) => void;
  optional: boolean;
  frontMatter: boolean;
}

/** Called with the object's text, or an error (a missing object when it was not optional, or Git failing). */
type BlobCallback = (error: unknown, text?: string) => void;

interface ReadOptions {
  /**
   * Decode only a leading `---` front-matter block (through its closing `---` line), not the Markdown
   * after it: the history walk needs the fields, and decoding every body was most of its garbage.
   */
  frontMatter?: boolean;
}

const FENCE = Buffer.from('\n---');

/**
 * Where a blob's front-matter ends: after the first later line that is `---` with only blanks after it —
 * the closing rule of lib/core/frontmatter.ts `splitFrontMatter`, applied to bytes so the body is never
 * decoded. The whole blob when no line closes it (the reader then reports it as unclosed).
 */
function frontMatterEnd(buffer: Buffer, start: number, end: number): number {
  for (let fence = buffer.indexOf(FENCE, start + 3); fence >= 0 && fence < end; fence = buffer.indexOf(FENCE, fence + 1)) {
    let after = fence + 4;
    while (after < end && (buffer[after] === 32 || buffer[after] === 9)) after += 1;
    if (after < end && buffer[after] === 13) after += 1;
    if (after === end) return end;
    if (buffer[after] === 10) return after + 1;
  }
  return end;
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
      for (const waiter of this.waiting.splice(0)) waiter.done(error);
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  /**
   * Queues a request answered through a callback: no promise per object, which matters when a walk reads
   * hundreds of thousands of them.
   */
  readWith(spec: string, options: ReadOptions & { optional?: boolean }, done: BlobCallback): void {
    if (/[\n\r]/.test(spec)) {
      done(new GitgusError('E_GIT', `cannot read ${JSON.stringify(spec)}: a line break in a path`));
      return;
    }
    this.waiting.push({ done, optional: options.optional ?? false, frontMatter: options.frontMatter ?? false });
    this.outgoing += `${spec}\n`;
  }

  private request(spec: string, optional: boolean, options: ReadOptions): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      this.readWith(spec, { ...options, optional }, (error, text) => (error === undefined ? resolve(text) : reject(error instanceof Error ? error : new GitgusError('E_GIT', 'git cat-file failed', { cause: error }))));
    });
  }

  /** The object's content as UTF-8; rejects when it does not exist. */
  read(spec: string, options: ReadOptions = {}): Promise<string> {
    return this.request(spec, false, options) as Promise<string>;
  }

  /** The object's content, or undefined when there is no such object (a path missing at that commit). */
  readIfPresent(spec: string, options: ReadOptions = {}): Promise<string | undefined> {
    return this.request(spec, true, options);
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
        if (waiter?.optional) waiter.done(undefined, undefined);
        else waiter?.done(new GitgusError('E_GIT', `git object ${header}`));
        continue;
      }
      const size = Number(header.slice(header.lastIndexOf(' ') + 1));
      if (this.buffer.length < newline + 1 + size + 1) break;
      const start = newline + 1;
      const waiter = this.waiting.shift();
      let end = start + size;
      if (waiter?.frontMatter && this.buffer[start] === 45 /* - */) end = frontMatterEnd(this.buffer, start, end);
      at = start + size + 1;
      waiter?.done(undefined, this.buffer.toString('utf8', start, end));
    }
    this.buffer = this.buffer.subarray(at);
  }

  /** Flushes and ends the input; the process exits once it has answered everything. */
  close(): void {
    this.flush();
    this.child.stdin?.end();
  }
}

/** The contents of `specs` (object names, `<rev>:<path>`), in one `git cat-file --batch` call; undefined for a missing object or one that is not a blob. */
function readBatchSync(dir: string, specs: readonly string[]): (string | undefined)[] {
  if (specs.length === 0) return [];
  for (const spec of specs) {
    if (/[\n\r]/.test(spec)) throw new GitgusError('E_GIT', `cannot read ${JSON.stringify(spec)}: a line break in a path`);
  }
  const result = spawnSync('git', ['cat-file', '--batch'], { cwd: dir, input: specs.map((spec) => `${spec}\n`).join(''), maxBuffer: 1024 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } });
  if (result.error) {
    if ((result.error as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingDependencyError('git', GIT_INSTALL_HINT);
    throw new GitgusError('E_GIT', `git cat-file failed: ${result.error.message}`, { cause: result.error });
  }
  if (result.status !== 0) throw new GitgusError('E_GIT', `git cat-file failed: ${String(result.stderr).trim()}`);
  const buffer = result.stdout;
  const out: (string | undefined)[] = [];
  let at = 0;
  for (let i = 0; i < specs.length; i += 1) {
    const newline = buffer.indexOf(10, at);
    if (newline < 0) throw new GitgusError('E_GIT', 'git cat-file --batch answered short');
    const header = buffer.toString('latin1', at, newline);
    at = newline + 1;
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
      out.push(undefined);
      continue;
    }
    const [, type, size] = header.split(' ');
    const length = Number(size);
    out.push(type === 'blob' ? buffer.toString('utf8', at, at + length) : undefined);
    at += length + 1;
  }
  return out;
}

/**
 * Reads a few files as committed at `rev`, in one `git cat-file --batch` call: what intake's
 * idempotency check reads (lib/intake/session.ts), so it sees the commit, never a work tree that may lag it.
 * Missing paths map to undefined.
 */
export function readCommittedSync(dir: string, rev: string, paths: readonly string[]): Map<string, string | undefined> {
  const texts = readBatchSync(
    dir,
    paths.map((file) => `${rev}:${file}`),
  );
  return new Map(paths.map((file, index) => [file, texts[index]]));
}

/** The contents of blobs by id, in one `git cat-file --batch` call (undefined for a missing one). */
export function readBlobsSync(dir: string, ids: readonly string[]): (string | undefined)[] {
  return readBatchSync(dir, ids);
}
