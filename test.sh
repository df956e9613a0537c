#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what is missing (Chromium for the browser
# tests), builds, runs every test project and ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || {
        echo "could not install ${missing[*]}"; echo "0 passed, 1 failed"; exit 1; }
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if ! dotnet build ChangeDesk.slnx -c Release -nologo -v quiet; then
    echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi

log=$(mktemp)
dotnet test --solution ChangeDesk.slnx -c Release --no-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

sum() { grep -E "^\s+$1: [0-9]+" "$log" | awk '{ s += $2 } END { print s + 0 }'; }
passed=$(sum succeeded)
failed=$(sum failed)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1 # the run itself failed (crash, no tests found): never report it as green
fi
rm -f "$log"
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
