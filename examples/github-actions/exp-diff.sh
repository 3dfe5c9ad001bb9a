#!/usr/bin/env bash
# Compares the experiment runs of a pull request with those of its base branch.
#
# Usage: exp-diff.sh BASE COMMENT_FILE [git exp diff options...]
#   BASE          the base branch as fetched, e.g. origin/main
#   COMMENT_FILE  where the markdown comment is written
#   options       passed to `git exp diff`, e.g. --fail-if 'metrics.acc:last < -0.01'
#
# Exit status: that of `git exp diff`: 0 when every --fail-if check passes, 1 when one fails
# (the comment is written either way and lists the checks), 2 for a bad option.
set -euo pipefail

base="${1:?usage: exp-diff.sh BASE COMMENT_FILE [git exp diff options...]}"
comment="${2:?usage: exp-diff.sh BASE COMMENT_FILE [git exp diff options...]}"
shift 2

# A checkout does not fetch run refs; `git exp fetch` brings them (merging runs edited on both
# sides), artifacts stay on the blob remote.
git exp -q fetch origin

# Without sides, `git exp diff` compares the change checked out here: on `pull_request` GitHub
# checks out its merge commit (refs/pull/N/merge), whose second parent is the pull request's
# head; a checkout of the head itself is compared with BASE. Each side is the newest comparable
# completed run based on that commit or its nearest ancestor with one, and the comment says
# which run was picked and why.
status=0
git exp diff --base "$base" --format md "$@" > "$comment" || status=$?
if [ ! -s "$comment" ]; then
    # No comment was written: there was nothing to compare (no runs yet) or an error.
    echo "git-exp could not compare runs for this pull request (exit status $status); see the job log." > "$comment"
fi
exit "$status"
