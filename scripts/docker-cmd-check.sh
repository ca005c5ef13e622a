#!/usr/bin/env bash
# Runs what Dockerfile.edge and Dockerfile.cloud build and run, without Docker: the committed
# source of a git ref is unpacked into a temp dir (the build context, filtered by .dockerignore's
# main rules), then each Dockerfile is played stage by stage, each stage's /app a directory of
# its own: WORKDIR, COPY (from the context or `--from=<stage>`), RUN (BuildKit's `--mount`
# flags stripped; `apt-get` and `/data` lines, the system's part, are skipped and listed), ENV.
# Stages whose instructions are the same in both Dockerfiles are played once (like Docker's
# layer cache). The runtime stage's directory then holds exactly what the image would carry in
# /app: the script checks it has no TypeScript sources, no esbuild and no tsx, starts the
# Dockerfile's CMD there with the image's ENV, and it must answer 200 on GET /readyz; the
# HEALTHCHECK command must exit 0.
#
#   scripts/docker-cmd-check.sh [REF]        (REF defaults to HEAD)
#
# The application source comes from REF; Dockerfile.edge/Dockerfile.cloud always come from this
# checkout (so the Dockerfiles under review can be tried against main's code).
# Environment: STORE_EDGE_MYSQL_URL for the cloud (default: a fresh database on the local
# MariaDB/MySQL at 127.0.0.1:3306, root without password), READY_TIMEOUT seconds (default 90),
# KEEP=1 keeps the temp dir. As root, the commands run as uid/gid 65534 (like the image's
# non-root user, the tree not writable by them). The image's ENTRYPOINT (tini) is left out: it
# only forwards signals and reaps children.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
ref=${1:-HEAD}
timeout=${READY_TIMEOUT:-90}
work=$(mktemp -d "${TMPDIR:-/tmp}/store-edge-docker-cmd.XXXXXX")
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "== source: $(git -C "$repo" rev-parse --short "$ref") ($ref) into $work/context"
mkdir -p "$work/context"
git -C "$repo" archive "$ref" | tar -x -C "$work/context"
cp "$repo/Dockerfile.edge" "$repo/Dockerfile.cloud" "$work/context/"
# .dockerignore: drop what it names (plain paths and `**/name` patterns; `!` exceptions kept).
(
  cd "$work/context"
  while IFS= read -r pat; do
    case "$pat" in '' | '#'* | '!'*) continue ;; esac
    if [[ $pat == '**/'* ]]; then
      find . -path "./${pat#'**/'}" -prune -exec rm -rf {} + 2>/dev/null || true
      find . -path "*/${pat#'**/'}" -prune -exec rm -rf {} + 2>/dev/null || true
    else
      # shellcheck disable=SC2086 # globs in the pattern are meant
      rm -rf ./$pat
    fi
  done <.dockerignore
)

# A Dockerfile as one instruction per line: KEYWORD<TAB>rest (continuations joined, comments
# and the parser directive dropped).
instructions() {
  awk '
    /^[[:space:]]*#/ && line == "" { next }
    { line = (line == "" ? $0 : line " " $0) }
    /\\$/ { sub(/\\$/, "", line); next }
    { if (line ~ /[^[:space:]]/) { kw = line; sub(/[[:space:]].*/, "", kw); rest = line; sub(/^[^[:space:]]+[[:space:]]+/, "", rest); print toupper(kw) "\t" rest } line = "" }
  ' "$1"
}

json_args() { node -e "process.stdout.write(JSON.parse(require('fs').readFileSync(0,'utf8')).join('\n'))"; }

# Plays the stages of Dockerfile $1; sets runtime_dir (the last stage's /app) and runtime_env
# (its ENV as NAME=value words) and cmd_json/healthcheck_json.
declare -A stage_dir=()
play() {
  local dockerfile=$1 name="" dir="" key="" args from
  local -a srcs
  runtime_env=()
  cmd_json="" healthcheck_json=""
  local n=0
  while IFS=$'\t' read -r kw rest; do
    case "$kw" in
      FROM)
        n=$((n + 1))
        local base=${rest%% *}
        name=$(sed -nE 's/.* [Aa][Ss] +([^ ]+)$/\1/p' <<<"$rest")
        [ -n "$name" ] || name="runtime"
        # The stage's identity: its base and every instruction so far (Docker's cache key).
        if [ -n "${stage_dir[$dockerfile:$base]:-}" ]; then key="${stage_key[$dockerfile:$base]}"; else key="base"; fi
        dir="$work/stage-$$-$n-$(basename "$dockerfile")-$name"
        mkdir -p "$dir"
        if [ -n "${stage_dir[$dockerfile:$base]:-}" ]; then cp -a "${stage_dir[$dockerfile:$base]}/." "$dir/"; fi
        stage_dir[$dockerfile:$name]=$dir
        stage_key[$dockerfile:$name]=$key
        runtime_env=()
        echo "   stage $name"
        ;;
      WORKDIR) [ "$rest" = /app ] || { echo "docker-cmd-check: WORKDIR $rest (only /app is played)" >&2; exit 1; } ;;
      ENV)
        # NAME=value pairs (values without spaces, as these Dockerfiles write them).
        # shellcheck disable=SC2206
        local -a pairs=($rest)
        runtime_env+=("${pairs[@]}")
        ;;
      COPY)
        from=""
        if [[ $rest == --from=* ]]; then from=${rest%% *}; from=${from#--from=}; rest=${rest#* }; fi
        # shellcheck disable=SC2206
        local -a words=($rest)
        local dst=${words[-1]}
        srcs=("${words[@]:0:${#words[@]}-1}")
        local srcroot="$work/context"
        if [ -n "$from" ]; then
          srcroot=${stage_dir[$dockerfile:$from]:?unknown stage $from}
          key="$key|COPY-from-${stage_key[$dockerfile:$from]}"
        fi
        key="$key|COPY $rest"
        local target="$dir/${dst#/app}"
        [[ $dst == /* ]] || target="$dir/$dst"
        for s in "${srcs[@]}"; do
          local src="$srcroot/${s#/app/}"
          [[ $s == /app ]] && src="$srcroot"
          if [ -d "$src" ]; then mkdir -p "$target"; cp -a "$src/." "$target/"
          elif [[ $dst == */ ]]; then mkdir -p "$target"; cp -a "$src" "$target/"
          else mkdir -p "$(dirname "$target")"; cp -a "$src" "$target"; fi
        done
        ;;
      RUN)
        args=$(sed -E 's/^(--[^ ]+ +)*//' <<<"$rest")
        if [[ $args == *apt-get* || $args == *' /data'* ]]; then
          echo "     skipped (system): ${args:0:90}"
          continue
        fi
        key="$key|RUN $args"
        local cached=${run_cache[$key]:-}
        if [ -n "$cached" ]; then
          echo "     RUN (same as in an earlier Dockerfile, reused): ${args:0:90}"
          rm -rf "$dir" && mkdir -p "$dir" && cp -a "$cached/." "$dir/"
        else
          echo "     RUN ${args:0:100}"
          local t=$SECONDS
          if ! (cd "$dir" && sh -ec "$args") >"$work/run.log" 2>&1; then
            tail -n 25 "$work/run.log"
            exit 1
          fi
          echo "       ($((SECONDS - t)) s)"
          run_cache[$key]=$dir
        fi
        stage_key[$dockerfile:$name]=$key
        ;;
      CMD) cmd_json=$rest ;;
      HEALTHCHECK) healthcheck_json=$(sed 's/^.* CMD \[/[/' <<<"$rest") ;;
    esac
    stage_key[$dockerfile:$name]=$key
  done < <(instructions "$dockerfile")
  runtime_dir=$dir
}
declare -A stage_key=() run_cache=()

as_user=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  echo "== running as uid 65534 (non-root, the /app tree read-only for it)"
fi

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

failures=0
check() { # name dockerfile port env...
  local name=$1 dockerfile=$2 port=$3
  shift 3
  echo "== $name: playing $dockerfile"
  play "$work/context/$dockerfile"
  local app=$runtime_dir
  # What the image carries: plain JavaScript, no compiler.
  local ts esb
  ts=$(find "$app" -path "$app/node_modules" -prune -o -path '*/node_modules' -prune -o \
    \( -name '*.ts' -o -name '*.tsx' -o -name '*.mts' \) ! -name '*.d.ts' -print | head -n 5)
  esb=$(for p in esbuild tsx @esbuild; do [ -e "$app/node_modules/$p" ] && echo "node_modules/$p"; done || true)
  if [ -n "$ts$esb" ]; then
    failures=$((failures + 1))
    echo "   FAIL: the runtime stage carries TypeScript or a compiler: $ts $esb"
  else
    echo "   runtime /app: $(du -sh "$app" | cut -f1), no .ts sources, no esbuild, no tsx;" \
      "dist/: $(find "$app/dist" -name '*.mjs' | wc -l) .mjs files"
  fi
  local -a cmd hc
  mapfile -t cmd < <(json_args <<<"$cmd_json")
  mapfile -t hc < <(json_args <<<"$healthcheck_json")
  echo "   CMD ${cmd[*]}   (in the runtime stage's /app)"
  local log="$work/$name.log"
  # TMPDIR: a private, empty /tmp as the pod's emptyDir.
  mkdir -p "$work/tmp-$name"
  [ ${#as_user[@]} -eq 0 ] || chown 65534:65534 "$work/tmp-$name"
  (cd "$app" && exec env -i PATH="$PATH" HOME=/nonexistent TMPDIR="$work/tmp-$name" "${runtime_env[@]}" "$@" \
    "${as_user[@]}" "${cmd[@]}") >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local code="" deadline=$((SECONDS + timeout))
  while [ $SECONDS -lt $deadline ]; do
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    code=$(curl -s -o "$work/$name.readyz" -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
    [ "$code" = 200 ] && break
    sleep 1
  done
  if [ "$code" = 200 ]; then
    echo "   GET /readyz -> 200 $(head -c 300 "$work/$name.readyz")"
    echo "   GET /healthz -> $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")," \
      "GET /metrics -> $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")"
    if (cd "$app" && env -i PATH="$PATH" HOME=/nonexistent "${runtime_env[@]}" "$@" "${as_user[@]}" "${hc[@]}"); then
      echo "   HEALTHCHECK command of $dockerfile -> exit 0"
    else
      failures=$((failures + 1))
      echo "   FAIL: HEALTHCHECK command of $dockerfile -> exit $?"
    fi
    local written
    written=$(find "$work/tmp-$name" -mindepth 1 | head -n 3)
    [ -z "$written" ] || echo "   note: wrote to TMPDIR: $written"
  else
    failures=$((failures + 1))
    if kill -0 "$pid" 2>/dev/null; then echo "   FAIL: no 200 from /readyz within ${timeout}s (last: ${code:-none})"
    else wait "$pid" && rc=0 || rc=$?; echo "   FAIL: exited with $rc before answering /readyz"; fi
    echo "   --- last output ---"; tail -n 20 "$log" | sed 's/^/   /'
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

data="$work/data"
mkdir -p "$data"
[ ${#as_user[@]} -eq 0 ] || chown 65534:65534 "$data"
edge_http=$(free_port)
edge_mqtt=$(free_port)
check edge Dockerfile.edge "$edge_http" \
  STORE_EDGE_DATA_DIR="$data" STORE_EDGE_HTTP_PORT="$edge_http" STORE_EDGE_MQTT_PORT="$edge_mqtt" \
  STORE_EDGE_STORE_ID=docker-cmd-check STORE_EDGE_ADMIN_PASSWORD=docker-cmd-check

mysql_url=${STORE_EDGE_MYSQL_URL:-}
if [ -z "$mysql_url" ]; then
  db="store_edge_docker_cmd_$$"
  if command -v mariadb >/dev/null && mariadb -uroot -h127.0.0.1 -e "CREATE DATABASE $db" 2>/dev/null; then
    mysql_url="mysql://root@127.0.0.1:3306/$db"
    trap 'mariadb -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS '"$db"'" 2>/dev/null || true; cleanup' EXIT
  else
    mysql_url="mysql://root@127.0.0.1:3306/store_edge"
  fi
fi
cloud_port=$(free_port)
check cloud Dockerfile.cloud "$cloud_port" \
  STORE_EDGE_MYSQL_URL="$mysql_url" STORE_EDGE_CLOUD_PORT="$cloud_port" STORE_EDGE_ADMIN_TOKEN=docker-cmd-check-admin-token

if [ "$failures" -eq 0 ]; then echo "docker-cmd-check: edge and cloud serve /readyz"; else echo "docker-cmd-check: $failures check(s) failed"; fi
[ "$failures" -eq 0 ]
