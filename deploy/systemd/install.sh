#!/usr/bin/env bash
# Installs (or upgrades) snyk-siem-forwarder from this checkout as a systemd service: application, configuration, unit.
# Usage: sudo deploy/systemd/install.sh [--dry-run]
#
# Run `npm ci` in the checkout first, as your own user: its `prepare` step compiles dist/. This script then puts
#   /opt/snyk-siem-forwarder                   the application: dist/, package.json and production node_modules
#                                              (owned by root, so the service can read but not change it)
#   /opt/snyk-siem-forwarder.previous          the release it replaced, for a rollback (docs/deployment.md)
#   /etc/snyk-siem-forwarder/forwarder.yaml    the configuration, 0644, only when there is none yet
#   /etc/snyk-siem-forwarder/env               secrets, 0600 and owned by root, only when there is none yet
#   /etc/systemd/system/snyk-siem-forwarder.service, and a drop-in with node's directory on PATH when node is not
#   on systemd's default PATH
# and restarts the service when it runs (an upgrade). No user is created: the unit runs with DynamicUser=yes, and
# systemd creates /var/lib/snyk-siem-forwarder (StateDirectory=) for that user at the first start.
#
# Options:
#   --dry-run   print the commands that would change the system, run none of them
# Environment:
#   DESTDIR     install below this directory instead of / (a staging root for packaging or tests); systemctl is not run
#   NPM         the npm command (default: npm)
set -euo pipefail
script="$(readlink -f "$0")"
cd "$(dirname "$script")/../.."

NAME=snyk-siem-forwarder
DESTDIR="${DESTDIR:-}"
NPM="${NPM:-npm}"
# systemd's PATH for services (systemd.exec(5), "Environment variables in spawned processes"), as
# `systemd-path search-binaries-default` prints it on a merged-/usr system.
SYSTEMD_DEFAULT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin

dry_run=0
for argument in "$@"; do
  case "$argument" in
    --dry-run) dry_run=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$script" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "install.sh: unknown argument \"$argument\" (see --help)" >&2
      exit 2
      ;;
  esac
done

die() {
  echo "install.sh: $*" >&2
  exit 1
}

# Prints a command, then runs it unless this is a dry run.
run() {
  printf '+'
  printf ' %q' "$@"
  printf '\n'
  if [ "$dry_run" -eq 0 ]; then "$@"; fi
}

# Prints a file's new content and where it goes, then writes it unless this is a dry run.
write_file() {
  local path="$1" mode="$2" content="$3"
  printf '+ write %s (mode %s):\n%s\n' "$path" "$mode" "$content"
  if [ "$dry_run" -eq 0 ]; then
    install -m "$mode" /dev/null "$path"
    printf '%s\n' "$content" >"$path"
  fi
}

# What must hold before anything changes.
[ -f dist/src/cli/main.js ] ||
  die "dist/ is not built: run \`npm ci\` in this checkout first (its prepare step compiles), then this script"
if [ -z "$DESTDIR" ] && [ "$dry_run" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
  die "run as root (sudo), or with --dry-run to see what it would do, or with DESTDIR=DIR to stage the files"
fi
node_path="$(command -v node || true)"
[ -n "$node_path" ] || die "node is not on PATH: install Node.js (the version package.json's engines names) first"
# shellcheck disable=SC2016 # a JavaScript template literal, not a shell expansion
node -e '
  const wanted = /(\d+)\.(\d+)/.exec(require("./package.json").engines.node);
  const [major, minor] = process.versions.node.split(".").map(Number);
  const [needMajor, needMinor] = [Number(wanted[1]), Number(wanted[2])];
  if (major < needMajor || (major === needMajor && minor < needMinor)) {
    console.error(`install.sh: node ${process.versions.node} is too old: package.json needs ${wanted[0]} or newer`);
    process.exit(1);
  }
' || exit 1
node_real="$(readlink -f "$node_path")"
node_dir="$(dirname "$node_path")"
for candidate in "$node_path" "$node_real"; do
  case "$candidate" in
    /home/* | /root/* | /run/user/*)
      die "node is under a home directory ($candidate), which the unit hides from the service (ProtectHome=yes): install Node.js system-wide, e.g. Debian's nodejs package or nodejs.org's tarball in /usr/local"
      ;;
  esac
done

root="${DESTDIR%/}"
app="$root/opt/$NAME"
staging="$root/opt/.$NAME.new"
previous="$root/opt/$NAME.previous"
etc="$root/etc/$NAME"
units="$root/etc/systemd/system"

echo "install.sh: installing $(node -p 'require("./package.json").version') into ${DESTDIR:-/} with node $node_real"

# The release is assembled beside the running one and swapped in with two renames, so that a failed npm ci leaves the
# installed release as it was.
run rm -rf "$staging"
run install -d -m 0755 "$staging"
run cp -R dist package.json package-lock.json README.md "$staging/"
# --ignore-scripts: the package's `prepare` would compile with tsc, a development dependency --omit=dev leaves out.
run env -C "$staging" "$NPM" ci --omit=dev --ignore-scripts --no-audit --no-fund
run chmod 0755 "$staging/dist/src/cli/main.js"
if [ -e "$app" ]; then
  run rm -rf "$previous"
  run mv "$app" "$previous"
fi
run mv "$staging" "$app"

# Configuration and secrets: installed once, never overwritten (an upgrade keeps them).
run install -d -m 0755 "$etc"
if [ ! -e "$etc/forwarder.yaml" ]; then
  run install -m 0644 deploy/systemd/forwarder.yaml "$etc/forwarder.yaml"
fi
if [ ! -e "$etc/env" ]; then
  run install -m 0600 deploy/systemd/env.example "$etc/env"
fi

run install -d -m 0755 "$units"
run install -m 0644 "deploy/systemd/$NAME.service" "$units/$NAME.service"
# The unit runs `/usr/bin/env node`: name node's directory on PATH when systemd's default PATH does not hold it.
dropin="$units/$NAME.service.d/node-path.conf"
case ":$SYSTEMD_DEFAULT_PATH:" in
  *":$node_dir:"*)
    if [ -e "$dropin" ]; then run rm -f "$dropin"; fi
    ;;
  *)
    run install -d -m 0755 "$units/$NAME.service.d"
    write_file "$dropin" 0644 "# Written by deploy/systemd/install.sh: node is in $node_dir.
[Service]
Environment=PATH=$node_dir:$SYSTEMD_DEFAULT_PATH"
    ;;
esac

if [ -n "$DESTDIR" ]; then
  echo "install.sh: staged below $DESTDIR; systemctl was not run"
  exit 0
fi
run systemctl daemon-reload
# An upgrade: the running service restarts on the new release (a clean stop first, within TimeoutStopSec=).
run systemctl try-restart "$NAME.service"
cat <<EOF
install.sh: done. Next:
  1. put the secrets in $etc/env (SNYK_WEBHOOK_SECRET, REDIS_URL, ADMIN_TOKEN, target tokens) and the targets in
     $etc/forwarder.yaml (docs/configuration.md);
  2. systemctl enable --now $NAME
  3. journalctl -u $NAME -f, and curl -s http://127.0.0.1:9464/readyz
EOF
