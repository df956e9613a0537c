#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what is missing (Chromium for the browser tests,
# PostgreSQL for the second database lane), checks the house style, builds, runs every test on SQLite and then
# on a throwaway PostgreSQL cluster on 127.0.0.1, and ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || {
        echo "could not install ${missing[*]}"; echo "0 passed, 1 failed"; exit 1; }
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# The house style (.editorconfig: whitespace, imports, code style, analyzers) before anything is built.
style_log=$(mktemp)
if ! dotnet format ChangeDesk.slnx --verify-no-changes -v q >"$style_log" 2>&1; then
    echo "style check failed (run: dotnet format ChangeDesk.slnx); files:"
    grep -oE "[^ ]+\.cs\([0-9]+,[0-9]+\)" "$style_log" | sed -E "s#^$PWD/##; s#\(.*##" | sort -u
    grep -vE "\.cs\([0-9]+,[0-9]+\)" "$style_log" | head -20
    rm -f "$style_log"; echo "0 passed, 1 failed"; exit 1
fi
rm -f "$style_log"
if ! dotnet build ChangeDesk.slnx -c Release -nologo -v quiet; then
    echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi

# A throwaway PostgreSQL cluster, owned by the postgres user, listening on 127.0.0.1 only.
pg_dir=$(mktemp -d)
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pg_port=""
for p in $(shuf -i 20000-60000 -n 50); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then pg_port=$p; break; fi
done
as_root chown postgres: "$pg_dir" && chmod 700 "$pg_dir"
stop_postgres() { as_root runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1; rm -rf "$pg_dir"; }
trap stop_postgres EXIT
pg_ok=1
as_root runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null \
  && as_root runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/pg.log" -w \
       -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $pg_dir -c fsync=off -c max_connections=300" start >/dev/null || pg_ok=0

passed=0
failed=0
status=0
failures=$(mktemp)
run_lane() { # name, then environment assignments
    local name=$1; shift
    local log; log=$(mktemp)
    echo "=== $name ==="
    env "$@" dotnet test --solution ChangeDesk.slnx -c Release --no-build 2>&1 | tee "$log"
    local code=${PIPESTATUS[0]}
    local p f
    p=$(grep -E "^\s+succeeded: [0-9]+" "$log" | awk '{ s += $2 } END { print s + 0 }')
    f=$(grep -E "^\s+failed: [0-9]+" "$log" | awk '{ s += $2 } END { print s + 0 }')
    if [ "$code" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # the run itself failed: never report it as green
    # The failures again, with the first lines of their messages, so that the end of the output names them.
    grep -E -A4 "^failed [A-Z]" "$log" | grep -v -E "^\s+from " | sed "s/^failed /failed [$name] /" | cut -c1-400 >>"$failures"
    echo "$name: $p passed, $f failed"
    passed=$((passed + p)); failed=$((failed + f))
    [ "$code" -eq 0 ] || status=1
    rm -f "$log"
}

run_lane SQLite CHANGEDESK_TEST_POSTGRES=
if [ "$pg_ok" -eq 1 ]; then
    run_lane PostgreSQL "CHANGEDESK_TEST_POSTGRES=Host=127.0.0.1;Port=$pg_port;Username=postgres;Maximum Pool Size=20"
else
    echo "PostgreSQL could not be started:"; cat "$pg_dir/pg.log" 2>/dev/null; failed=$((failed + 1)); status=1
fi

if [ -s "$failures" ]; then echo "=== failed tests ==="; cat "$failures"; fi
rm -f "$failures"
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
