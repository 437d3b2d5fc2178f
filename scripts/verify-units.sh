#!/usr/bin/env bash
# Verifies every systemd unit under deploy/ with `systemd-analyze verify`, and fails on any line it prints.
# Usage: scripts/verify-units.sh [UNIT-FILE...]
#
# `systemd-analyze verify` reports unknown keys, keys in the wrong section and missing dependencies, and checks that
# each Exec*= command exists and is executable on this machine (systemd-analyze(1), "verify"). It exits 0 after some
# of those warnings (an unknown key is "ignoring"), so any output at all is a failure here.
#
# The units run node through `/usr/bin/env node`, so that they work wherever node is installed: a unit that names a
# node binary by its path (/usr/bin/node, /usr/local/bin/node, …) is refused. The files the units run from
# /opt/snyk-siem-forwarder are checked against this checkout: each must exist here, or be the build output (dist/*.js)
# of a source file that does.
set -euo pipefail
cd "$(dirname "$0")/.."

INSTALL_ROOT=/opt/snyk-siem-forwarder

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "verify-units: systemd-analyze not found: install it (Debian/Ubuntu: apt-get install systemd)" >&2
  exit 1
fi

# Every unit under deploy/, or the unit files named as arguments (paths relative to the repository root).
units=("$@")
if [ "${#units[@]}" -eq 0 ]; then
  while IFS= read -r unit; do units+=("$unit"); done < <(
    find deploy -type f \( -name '*.service' -o -name '*.socket' -o -name '*.timer' -o -name '*.path' \
      -o -name '*.mount' -o -name '*.target' -o -name '*.slice' \) | sort
  )
fi
if [ "${#units[@]}" -eq 0 ]; then
  echo "verify-units: no systemd unit found under deploy/" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# All copies in one directory, so that units which name each other still find each other.
for unit in "${units[@]}"; do
  cp "$unit" "$work/$(basename "$unit")"
done

failed=0
echo "verify-units: $(systemd-analyze --version | head -n 1)"
for unit in "${units[@]}"; do
  copy="$work/$(basename "$unit")"
  # SYSTEMD_COLORS=0: plain text, so that the output can be compared and read in a CI log.
  output="$(SYSTEMD_COLORS=0 systemd-analyze verify "$copy" 2>&1)" && status=0 || status=$?
  if [ "$status" -ne 0 ] || [ -n "$output" ]; then
    echo "verify-units: $unit: systemd-analyze verify exited $status and printed:" >&2
    printf '%s\n' "${output//$copy/$unit}" >&2
    failed=1
  else
    echo "verify-units: $unit: systemd-analyze verify printed nothing (OK)"
  fi

  # node by its path: right on one distribution, missing on the next (Exec*= lines, systemd.service(5)).
  while IFS= read -r line; do
    echo "verify-units: $unit: runs node by its path; use /usr/bin/env node: $line" >&2
    failed=1
  done < <(grep -E '^Exec[A-Za-z]*=[-@:+!]*/[^ ]*/node( |$)' "$unit" || true)

  # Paths under the install root must exist in this checkout (dist/*.js as their src/*.ts).
  while IFS= read -r path; do
    relative="${path#"$INSTALL_ROOT"}"
    relative="${relative#/}"
    if [ -z "$relative" ] || [ -e "$relative" ]; then continue; fi
    source="${relative#dist/}"
    source="${source%.js}.ts"
    if [[ "$relative" == dist/*.js ]] && [ -e "$source" ]; then continue; fi
    echo "verify-units: $unit: $path is not in this checkout (looked for $relative, and for $source if it is dist/*.js)" >&2
    failed=1
  done < <(grep -oE "${INSTALL_ROOT}(/[A-Za-z0-9._/-]*)?" "$unit" | sort -u)
done

exit "$failed"
