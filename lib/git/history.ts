/**
 * Reading ticket history from Git. One ticket: native `git log -- <folder>` (isomorphic-git's
 * `log({ filepath })` took 12–200 s per file on a 30k-commit repository; native 0.4–1.8 s, less with
 * a commit-graph). Many tickets: one pass over `git log --name-only`, never one log per ticket.
 */
import { parseCommitMessage, type Trailers } from '../core/commit-message.ts';
import { ticketDir } from '../core/paths.ts';
import { runGit } from './native.ts';
import { isoSecondsOf } from '../core/time.ts';

export interface CommitRecord {
  oid: string;
  author: { name: string; email: string };
  /** ISO time of the author date. */
  date: string;
  subject: string;
  body?: string;
  trailers: Trailers;
}

const FIELD = '\x1f';
const RECORD = '\x1e';
const FORMAT = ['%H', '%an', '%ae', '%aI', '%B'].join('%x1f') + '%x1e';

/** Git prints the author's zone; the helpdesk speaks UTC everywhere. */
function utc(iso: string): string {
  return isoSecondsOf(iso) ?? iso;
}

function parseLog(stdout: string): CommitRecord[] {
  return stdout
    .split(RECORD)
    .map((chunk) => chunk.replace(/^\n/, ''))
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => {
      const [oid = '', name = '', email = '', date = '', message = ''] = chunk.split(FIELD);
      const parsed = parseCommitMessage(message);
      const record: CommitRecord = { oid, author: { name, email }, date: utc(date), subject: parsed.subject, trailers: parsed.trailers };
      if (parsed.body !== undefined) record.body = parsed.body;
      return record;
    });
}

/** The commits that touched one ticket's folder, newest first. */
export function ticketHistory(dir: string, number: number, ref = 'HEAD'): CommitRecord[] {
  const { stdout, status } = runGit(dir, ['log', `--format=${FORMAT}`, '--no-renames', ref, '--', ticketDir(number)], { allowFailure: true });
  // A repository without commits has no history, which is not an error.
  if (status !== 0) return [];
  return parseLog(stdout);
}
