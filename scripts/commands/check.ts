import { defineCommand } from 'citty';
import { checkTree } from '../../lib/store/check-tree.ts';
import { ExitError, formatProblems, GitgusError } from '../../lib/errors.ts';
import { checkPullRequest, presentPullRequestCheck } from '../../lib/store/pull-request.ts';
import { commonArgs, helpdeskRoot, printJson } from '../_shared.ts';

export default defineCommand({
  meta: {
    name: 'check',
    description:
      'Validate the whole helpdesk: schemas, unique numbers, shards, unit references.\nWith --base, check a pull request instead: only its changes, judged for its author (lifecycle, who may change what, append-only messages, both sides of relations); annotations in GitHub Actions.\n\nExamples:\n  gitgus check\n  gitgus check --root ../our-helpdesk --json\n  gitgus check --committed        # CI: the commit as checked out\n  gitgus check --base origin/main --author alice-smith\n  gitgus check --root ../pr --base "$BASE_SHA" --head "$HEAD_SHA" --author alice-smith --author-id 583231',
  },
  args: {
    ...commonArgs,
    base: { type: 'string', description: 'Check a pull request: the branch it goes into (or any commit)', valueHint: 'REF' },
    head: { type: 'string', description: 'With --base: the pull request commit (default HEAD); only committed objects are read, never the working tree', valueHint: 'REF' },
    author: { type: 'string', description: "With --base: the pull request's author, a GitHub login (default: $GITHUB_ACTOR)", valueHint: 'LOGIN' },
    'author-id': { type: 'string', description: "With --base: the author's numeric GitHub id, matched against ids in units/ and administrators", valueHint: 'ID' },
    // Uncommitted ticket edits are not looked at; taken only when helpdesk.yml and units/ equal HEAD.
    committed: { type: 'boolean', description: 'Check the tickets as committed in HEAD, without scanning the work tree (CI)' },
  },
  async run({ args }) {
    if (args.base !== undefined) {
      const author = args.author ?? process.env.GITHUB_ACTOR;
      if (!author) throw new GitgusError('E_ARGUMENT', 'the pull request check needs to know who opened the pull request', { hint: 'Pass --author <GitHub login>; in GitHub Actions $GITHUB_ACTOR is used.' });
      const actions = process.env.GITHUB_ACTIONS === 'true';
      const idText = args['author-id'];
      if (idText !== undefined && !/^[1-9]\d{0,15}$/.test(idText)) throw new GitgusError('E_ARGUMENT', `--author-id '${idText}' is not a GitHub numeric user id`, { hint: 'Pass the number of pull_request.user.id, e.g. --author-id 583231.' });
      const review = await checkPullRequest({ root: helpdeskRoot(args.root), base: args.base, head: args.head ?? 'HEAD', author, ...(idText === undefined ? {} : { authorId: Number(idText) }) });
      const output = presentPullRequestCheck(review, { json: args.json, actions });
      process.stdout.write(output.stdout);
      process.stderr.write(output.stderr);
      if (review.problems.length > 0) throw new ExitError(1);
      return;
    }
    const result = await checkTree(helpdeskRoot(args.root), { committed: args.committed === true });
    // One line when --committed could not be taken: the whole work tree was checked instead.
    if (result.notCommittedBecause) process.stderr.write(`checked the work tree, not HEAD: ${result.notCommittedBecause}\n`);
    if (args.json) printJson({ ok: result.problems.length === 0, ...result });
    else if (result.problems.length > 0) process.stderr.write(`${formatProblems(result.problems)}\n\n${result.problems.length} problem(s) in ${result.tickets} tickets, ${result.units} units.\n`);
    else process.stderr.write(`ok: ${result.tickets} tickets, ${result.messages} messages, ${result.units} units.\n`);
    if (result.problems.length > 0) throw new ExitError(1);
  },
});
