#!/usr/bin/env bash
# Usage: .github/scripts/on-new-tip.sh COMMAND [ARG...]
#
# Runs a gitgus command that commits to the main branch, then pushes. When the push is refused because
# another writer moved the branch, this run's unpushed commits are dropped, the checkout moves to the new
# tip and the command runs again there. Commits are never rebased: one that minted a ticket number is only
# right on the tip it was minted on. The commands are idempotent (intake per Message-ID and issue, tick per
# rule), so the rerun redoes exactly what was not pushed; mail stays unacknowledged until it is pushed.
set -euo pipefail
branch="${GITHUB_REF_NAME:-main}"
for attempt in 1 2 3; do
  if "$@" && git push --quiet origin "HEAD:refs/heads/$branch"; then
    exit 0
  fi
  echo "::warning::attempt $attempt: the command failed or the push was refused; starting again on the new tip of $branch"
  git fetch --quiet origin "$branch"
  git reset --quiet --hard FETCH_HEAD
done
echo "::error::gave up after 3 attempts; nothing is lost, the next run catches up"
exit 1
