# Shared by scripts/test and scripts/run-example: make sure the pinned pnpm and the workspace's
# dependencies are installed. Sourced, not run.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"

say() { printf '\n==> %s\n' "$*" >&2; }

ensure_pnpm() {
  local want
  want="$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$REPO_ROOT/package.json")"
  if [[ "$(pnpm --version 2>/dev/null || true)" != "$want" ]]; then
    say "installing pnpm $want"
    npm install -g --no-fund --no-audit "pnpm@$want" >/dev/null
  fi
}

ensure_dependencies() {
  say "installing dependencies (better-sqlite3 compiles from source the first time: ~2 min)"
  (cd "$REPO_ROOT" && pnpm install --frozen-lockfile --reporter=append-only 2>&1 | grep -vE '^\.\.\./.* install: ' | tail -15)
}
