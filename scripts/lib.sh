# Shared by scripts/test, scripts/run-example and scripts/test-env: make sure the pinned pnpm and
# the workspace's dependencies are installed, and build the busybox base image. Sourced, not run.

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

# Imports the image $1 made of the host's static busybox (Debian's busybox-static, /bin/busybox)
# and nothing else: the base of the test and example images, which builds with no registry.
# The rest of the arguments are the docker client to run (e.g. `docker_cli`) and `--change`
# options for `docker import` beyond the `CMD ["/bin/sh"]` it always gets.
#   import_busybox_image condo-test/busybox:1 docker_cli --change 'LABEL condo.test=true'
import_busybox_image() {
  local image=$1 client=$2
  shift 2
  [[ -x /bin/busybox ]] || {
    echo "no /bin/busybox: install Debian's busybox-static" >&2
    return 1
  }
  local rootfs applet
  rootfs="$(mktemp -d)"
  mkdir -p "$rootfs"/{bin,etc,tmp,proc,sys,dev,root,www}
  chmod 1777 "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [[ -e "$rootfs/bin/$applet" ]] || ln -s busybox "$rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  tar -C "$rootfs" -c . | "$client" import --change 'CMD ["/bin/sh"]' "$@" - "$image" >/dev/null
  local status=$?
  rm -rf "$rootfs"
  return "$status"
}
