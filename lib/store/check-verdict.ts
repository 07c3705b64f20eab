/**
 * One ticket file's verdict for `gitgus check`: its problems, and what the whole-tree rules need from it
 * (lib/core/check.ts). Made once per blob and cached (lib/store/check-cache.ts); the main thread and the
 * check's worker threads both call `verdictOf`.
 */
import type { CheckedTicketFields } from '../core/check.ts';
import { parseMessage, parseTicket } from '../core/documents.ts';
import { GitgusError, ValidationError, type Problem } from '../errors.ts';
import { notRegular } from '../fs/paths.ts';
import { readText } from './load.ts';

export interface VerdictJob {
  /** Repository path. */
  path: string;
  blob: string;
  kind: 'ticket' | 'message';
  /**
   * The file as committed (`gitgus check --committed` reads Git's objects, not the work tree): its text, or
   * `link` for a symbolic link, refused as the work-tree read refuses one.
   */
  committed?: { text: string } | 'link';
}

export interface FileVerdict {
  problems: Problem[];
  /** For a valid index.md: the fields the whole-tree rules check. */
  ticket?: CheckedTicketFields;
  /** For a valid message: the files it lists as attachments. */
  attachments?: string[];
}

function problemsOf(error: unknown, file: string): Problem[] {
  if (error instanceof ValidationError) return error.problems;
  if (error instanceof GitgusError) return [{ code: error.code, file, message: error.message, ...(error.hint ? { hint: error.hint } : {}) }];
  throw error;
}

/** Reads and parses one file (the same parsers as every other command). */
export function verdictOf(root: string, job: VerdictJob): FileVerdict {
  try {
    if (job.committed === 'link') throw notRegular(job.path, 'it is a symbolic link');
    const text = job.committed ? job.committed.text : readText(root, job.path);
    if (job.kind === 'ticket') {
      const { ticket } = parseTicket(text, job.path);
      const fields: CheckedTicketFields = { number: ticket.number, unit: ticket.unit, status: ticket.status };
      if (ticket.solution) fields.solution = ticket.solution;
      if (ticket.relations) fields.relations = ticket.relations;
      if (ticket.remote) fields.remote = ticket.remote;
      return { problems: [], ticket: fields };
    }
    const { message } = parseMessage(text, job.path);
    return { problems: [], attachments: (message.attachments ?? []).map((attachment) => attachment.file) };
  } catch (error) {
    return { problems: problemsOf(error, job.path) };
  }
}
