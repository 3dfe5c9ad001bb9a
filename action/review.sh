#!/usr/bin/env bash
# The action's review step: fetches the runs, compares the pull request's runs with its base
# branch's (`git exp diff` without sides reads how CI checked the change out), writes the
# markdown comment, posts it (editing the comment of an earlier push) and exits with the diff's
# status: 0 every check passed, 1 a check failed or nothing could be compared, 2 a bad input.
#
# Environment (all optional): EXP_FAIL_IF and EXP_WHERE (one expression per line), EXP_PICK,
# EXP_BASE, EXP_REQUIRE_RUN (true), EXP_REPORT_URL, EXP_REMOTE (origin), EXP_POST_COMMENT
# (true), EXP_PR_NUMBER and GITHUB_REPOSITORY (where to post, with `gh`), EXP_COMMENT_FILE
# (git-exp-comment.md), GITHUB_OUTPUT (the step's outputs).
set -uo pipefail

comment="${EXP_COMMENT_FILE:-git-exp-comment.md}"
# Hidden in the rendered comment; finds the comment to edit on the next push.
marker='<!-- git-exp review -->'

args=(diff --format md)
[ -n "${EXP_BASE:-}" ] && args+=(--base "$EXP_BASE")
[ "${EXP_REQUIRE_RUN:-true}" = true ] && args+=(--require-run)
[ -n "${EXP_PICK:-}" ] && args+=(--pick "$EXP_PICK")
[ -n "${EXP_REPORT_URL:-}" ] && args+=(--report-url "$EXP_REPORT_URL")
while IFS= read -r line; do
    [ -n "${line// /}" ] && args+=(--fail-if "$line")
done <<< "${EXP_FAIL_IF:-}"
while IFS= read -r line; do
    [ -n "${line// /}" ] && args+=(--where "$line")
done <<< "${EXP_WHERE:-}"

status=0
# A checkout does not fetch run refs; artifacts stay on the blob remote.
git exp -q fetch "${EXP_REMOTE:-origin}" || status=$?
if [ "$status" -eq 0 ]; then
    git exp "${args[@]}" > "$comment" || status=$?
fi
if [ ! -s "$comment" ]; then
    echo "git-exp could not compare runs for this pull request (exit status $status); see the job log." > "$comment"
fi

case "$status" in
    0) outcome=passed ;;
    1) if grep -q 'check.* failed\*\*' "$comment"; then outcome=failed; else outcome=error; fi ;;
    *) outcome=error ;;
esac
{
    echo "status=$outcome"
    echo "comment-file=$comment"
} >> "${GITHUB_OUTPUT:-/dev/null}"

post_comment() {
    local repo="${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}" pr="$1" body id
    body="$(mktemp)"
    { echo "$marker"; cat "$comment"; } > "$body"
    id="$(gh api --paginate "repos/$repo/issues/$pr/comments" \
        --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | tail -n 1)" || return 1
    if [ -n "$id" ]; then
        gh api --silent -X PATCH "repos/$repo/issues/comments/$id" -F "body=@$body"
    else
        gh api --silent -X POST "repos/$repo/issues/$pr/comments" -F "body=@$body"
    fi
}

if [ "${EXP_POST_COMMENT:-true}" = true ] && [ -n "${EXP_PR_NUMBER:-}" ]; then
    # A fork's pull request gets a read-only token: the check still decides the job.
    post_comment "$EXP_PR_NUMBER" \
        || echo "::warning::git-exp could not post the comment (a fork's read-only token?); it is in the job log"
fi
cat "$comment"
exit "$status"
