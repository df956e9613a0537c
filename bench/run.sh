#!/usr/bin/env bash
# The benchmark suite in one command (see bench/README.md). Builds in Release, starts a throwaway PostgreSQL cluster
# on 127.0.0.1 (installs PostgreSQL from Debian when absent), runs every scenario on SQLite and PostgreSQL with a
# same-run baseline each, stops the cluster and writes bench/results/<date>-<label>.md.
#
#   bench/run.sh                 the issue's sizes (about 10-12 minutes on 2 cores)
#   bench/run.sh --quick         a tenth of the sizes, short load runs (about 3 minutes); results go to /tmp
#   options: --label <name>  --out <file>  --only fanout,email,read,micro,scale  --no-postgres  --limit-seconds <n>
#            --service <ChangeDesk.dll>  (read and scale measure this published service instead of publishing src/)
set -uo pipefail
cd "$(dirname "$0")/.."

invocation="bench/run.sh $*"
quick=0
label=""
out=""
only="fanout,email,read,micro,scale"
service=""
postgres=1
limit=600
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=1 ;;
        --label) label=$2; shift ;;
        --out) out=$2; shift ;;
        --only) only=$2; shift ;;
        --no-postgres) postgres=0 ;;
        --limit-seconds) limit=$2; shift ;;
        --service) service=$2; shift ;;
        *) echo "unknown option: $1 (see bench/README.md)"; exit 2 ;;
    esac
    shift
done
wants() { [[ ",$only," == *",$1,"* ]]; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ $quick -eq 1 ]; then
    fanout_size=(--tenants 1000 --users 3)
    email_size=(--emails 3000)
    read_size=(--tenants 100 --messages 10000 --per-message 10 --seconds 5 --rounds 1 --starts 3)
    micro_size=(--quick)
    scale_size=(--tenants 32 --clients 8,32 --seconds 3 --warmup 1 --rounds 1 --announce-tenants 1000)
    out=${out:-$(mktemp -d)/quick-results.md}
else
    fanout_size=(--tenants 10000 --users 3)
    email_size=(--emails 30000)
    read_size=(--tenants 1000 --messages 100000 --per-message 10 --seconds 10 --rounds 2 --starts 5)
    micro_size=()
    scale_size=(--tenants 128 --clients 8,32 --seconds 10 --warmup 2 --rounds 3 --announce-tenants 10000)
    out=${out:-bench/results/$(date -u +%Y-%m-%d)-${label:-$(git rev-parse --short HEAD)}.md}
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
suite_start=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo ' (with uncommitted changes)')"
echo "Building (Release)..."
dotnet build bench/ChangeDesk.Bench/ChangeDesk.Bench.csproj -c Release -nologo -v quiet -clp:ErrorsOnly || { echo "build failed"; exit 1; }
bench_dll=bench/ChangeDesk.Bench/bin/Release/net10.0/ChangeDesk.Bench.dll
# The read path, start-up and scale-out measure the service as it is deployed: published, ReadyToRun (docs/operations.md).
# --service names another publish (e.g. of an older commit) to measure instead.
service_dll=${service:-src/ChangeDesk/bin/Release/net10.0/linux-x64/publish/ChangeDesk.dll}
if [ -z "$service" ] && { wants read || wants scale; }; then
    echo "Publishing the service (Release, linux-x64, ReadyToRun)..."
    dotnet publish src/ChangeDesk/ChangeDesk.csproj -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
        -nologo -v quiet -clp:ErrorsOnly >/dev/null || { echo "publish failed"; exit 1; }
fi

pg_server=""
if [ $postgres -eq 1 ]; then
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        echo "Installing PostgreSQL from Debian..."
        as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || { echo "could not install postgresql"; exit 1; }
    fi
    # A throwaway cluster owned by the postgres user, on 127.0.0.1 only, with PostgreSQL's durable defaults
    # (fsync on), as SQLite runs with its own.
    pg_dir=$(mktemp -d)
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    pg_port=""
    for p in $(shuf -i 20000-60000 -n 50); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then pg_port=$p; break; fi
    done
    as_root chown postgres: "$pg_dir" && chmod 700 "$pg_dir"
    stop_postgres() { as_root runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1; rm -rf "$pg_dir"; }
    trap stop_postgres EXIT
    as_root runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null \
      && as_root runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/pg.log" -w \
           -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $pg_dir -c max_connections=200 -c shared_buffers=256MB" start >/dev/null \
      || { echo "PostgreSQL could not be started"; cat "$pg_dir/pg.log"; exit 1; }
    pg_server="Host=127.0.0.1;Port=$pg_port;Username=postgres;Maximum Pool Size=50"
    pg_version=$("$pg_bin/postgres" --version)
fi

fragments=$(mktemp -d)
commands=()
failures=()
step() { # name, file, then the arguments of ChangeDesk.Bench
    local name=$1 file=$2; shift 2
    local started; started=$(date +%s)
    echo "=== $name"
    commands+=("dotnet $bench_dll $*")
    if ! dotnet "$bench_dll" "$@" --out "$fragments/$file"; then
        failures+=("$name")
        printf '### %s\n\nFAILED: see the console output of the run.\n\n' "$name" > "$fragments/$file"
    fi
    echo "    ($name took $(( $(date +%s) - started )) s)"
}

providers=(sqlite)
[ $postgres -eq 1 ] && providers+=(postgres)
for i in "${!providers[@]}"; do
    provider=${providers[$i]}
    pg_args=()
    [ "$provider" = postgres ] && pg_args=(--postgres "$pg_server")
    wants fanout && step "fan-out $provider" "1-fanout-$i-$provider.md" fanout --provider "$provider" "${pg_args[@]}" "${fanout_size[@]}" --limit-seconds "$limit"
    wants email && step "email $provider" "2-email-$i-$provider.md" email --provider "$provider" "${pg_args[@]}" "${email_size[@]}" --limit-seconds "$limit"
    wants read && step "read path, memory, start-up $provider" "3-read-$i-$provider.md" read --provider "$provider" "${pg_args[@]}" --service "$service_dll" "${read_size[@]}"
    # Several instances on one database: PostgreSQL only. The server log is where lock waits are counted.
    [ "$provider" = postgres ] && wants scale && step "scale-out $provider" "6-scale.md" scale "${pg_args[@]}" --service "$service_dll" \
        --pg-log "$pg_dir/pg.log" "${scale_size[@]}"
done
wants micro && step "micro" "5-micro.md" micro "${micro_size[@]}"

fsync_ms=$(python3 -c "
import os, time, tempfile
fd, path = tempfile.mkstemp(dir='.')
t = time.perf_counter()
for _ in range(20):
    os.write(fd, b'x' * 4096); os.fsync(fd)
print(f'{(time.perf_counter() - t) / 20 * 1000:.1f}')
os.close(fd); os.remove(path)" 2>/dev/null || echo "?")
mkdir -p "$(dirname "$out")"
{
    echo "# ChangeDesk benchmarks — $(date -u '+%Y-%m-%d %H:%M UTC')${label:+ — $label}"
    echo
    [ -n "$service" ] && echo "The service measured by read and scale: \`$service\` (not published from this commit)." && echo
    echo "Commit \`$commit\`, $( [ $quick -eq 1 ] && echo 'quick sizes (not the issue'"'"'s)' || echo "the issue's sizes"). Every ratio is against a baseline measured in the same run."
    echo
    echo "## Machine"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| CPU | $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), $(nproc) cores (nproc) |"
    echo "| memory | $(free -m | awk '/^Mem:/ { printf "%.1f GB", $2 / 1024 }') |"
    echo "| load average at the start | $load_start |"
    echo "| load average at the end | $(cut -d' ' -f1-3 /proc/loadavg) |"
    echo "| disk | 4 KB write + fsync: $fsync_ms ms (20 in a row, in the repository's file system) |"
    echo "| OS | $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r) |"
    echo "| .NET | SDK $(dotnet --version), runtime $(dotnet --list-runtimes | awk '/Microsoft.NETCore.App/ { v = $2 } END { print v }') |"
    echo "| databases | SQLite (Microsoft.Data.Sqlite, WAL as EF Core creates it)${pg_version:+; $pg_version, throwaway cluster, fsync on} |"
    echo
    echo "## Commands"
    echo
    echo '```sh'
    echo "$invocation # $(( $(date +%s) - suite_start )) s in all, which ran:"
    for c in "${commands[@]}"; do echo "$c"; done
    echo '```'
    [ -n "$pg_server" ] && echo && echo "(\`--postgres\` is \`${pg_server}\` on the cluster the script started.)"
    echo
    echo "## Results"
    echo
    cat "$fragments"/*.md
} > "$out"
rm -rf "$fragments"
echo
echo "Results: $out ($(( $(date +%s) - suite_start )) s)"
if [ ${#failures[@]} -gt 0 ]; then
    echo "Failed: ${failures[*]}"
    exit 1
fi
