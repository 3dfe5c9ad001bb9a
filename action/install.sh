#!/usr/bin/env bash
# Installs git-exp for the action: an existing one on PATH, else a release binary, else a build
# of the action's own commit into a directory the action caches (~/.git-exp-action).
#
# Environment: EXP_VERSION (a release tag, or empty), EXP_ACTION_REPOSITORY (owner/name),
# EXP_ACTION_REF (the action's ref), GITHUB_PATH (where directories for PATH are added).
set -euo pipefail

dir="${EXP_INSTALL_DIR:-$HOME/.git-exp-action}"
add_to_path() { echo "$1" >> "${GITHUB_PATH:-/dev/null}"; export PATH="$1:$PATH"; }

if [ -x "$dir/bin/git-exp" ]; then
    add_to_path "$dir/bin"
elif command -v git-exp >/dev/null && [ -z "${EXP_VERSION:-}" ]; then
    echo "Using $(command -v git-exp)" >&2
    exit 0
else
    repo="${EXP_ACTION_REPOSITORY:?EXP_ACTION_REPOSITORY is not set}"
    tag="${EXP_VERSION:-${EXP_ACTION_REF:-}}"
    target="$(uname -m)-unknown-linux-gnu"
    mkdir -p "$dir/bin"
    url="https://github.com/$repo/releases/download/$tag/git-exp-$target.tar.gz"
    if [ -n "$tag" ] && curl -fsSL "$url" -o "$dir/git-exp.tar.gz" 2>/dev/null; then
        tar -xzf "$dir/git-exp.tar.gz" -C "$dir/bin" --strip-components=1 --wildcards '*/git-exp'
        echo "Installed git-exp $tag from $url" >&2
    else
        # No release for this ref (a branch or commit): build it once; the cache keeps it.
        echo "No release binary at $url: building $repo@${tag:-HEAD} (cached afterwards)" >&2
        install() { cargo install --locked --quiet --root "$dir" --git "https://github.com/$repo" "$@" git-exp; }
        if [[ "$tag" =~ ^[0-9a-f]{40}$ ]]; then install --rev "$tag"
        elif [ -n "$tag" ]; then install --tag "$tag" || install --branch "$tag"
        else install
        fi
    fi
    add_to_path "$dir/bin"
fi
git exp --version >&2
