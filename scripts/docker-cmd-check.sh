#!/usr/bin/env bash
# Runs what Dockerfile.edge and Dockerfile.cloud run, without Docker: the committed source of a
# git ref is unpacked into a temp dir, the Dockerfiles' own `RUN npm ci ...` line builds the
# production tree there, then each Dockerfile's CMD (read from the file, not copied here) is
# started with the image's ENV and must answer 200 on GET /readyz.
#
#   scripts/docker-cmd-check.sh [REF]        (REF defaults to HEAD)
#
# The application source comes from REF; Dockerfile.edge/Dockerfile.cloud always come from this
# checkout (so the Dockerfiles under review can be tried against main's code).
# Environment: STORE_EDGE_MYSQL_URL for the cloud (default: a fresh database on the local
# MariaDB/MySQL at 127.0.0.1:3306, root without password), READY_TIMEOUT seconds (default 90),
# KEEP=1 keeps the temp dir. As root, the commands run as uid/gid 65534 (like the image's
# non-root user, the tree not writable by them), with TSX_DISABLE_CACHE as in the images.
# The image's ENTRYPOINT (tini) is left out: it only forwards signals and reaps children.
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

# The first logical line (continuations joined) of a Dockerfile that matches the regex $2.
instruction() {
  awk -v pat="$2" '
    { line = (line == "" ? $0 : line " " $0) }
    /\\$/ { sub(/\\$/, "", line); next }
    { if (line ~ pat) { print line; exit } line = "" }
  ' "$1"
}

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

echo "== source: $(git -C "$repo" rev-parse --short "$ref") ($ref) into $work/app"
mkdir -p "$work/app"
git -C "$repo" archive "$ref" | tar -x -C "$work/app"
cp "$repo/Dockerfile.edge" "$repo/Dockerfile.cloud" "$work/app/"
cd "$work/app"

install_edge=$(instruction Dockerfile.edge '^RUN .*npm ci ')
install_cloud=$(instruction Dockerfile.cloud '^RUN .*npm ci ')
[ -n "$install_edge" ] || { echo "no 'RUN npm ci' in Dockerfile.edge" >&2; exit 1; }
[ "$install_edge" = "$install_cloud" ] || { echo "Dockerfile.edge and Dockerfile.cloud install differently; this script assumes one tree" >&2; exit 1; }
# RUN's own flags (--mount=type=cache...) are BuildKit's, not part of the shell command.
install=$(sed -E 's/^RUN +(--[^ ]+ +)*//' <<<"$install_edge")
if [ "${NPM_INSTALL_INSTEAD_OF_CI:-0}" = 1 ]; then
  # Deviation, for a lockfile `npm ci` rejects: same flags, but `npm install` may fix up the lock.
  install=${install/npm ci /npm install --no-save }
  echo "== NOTE: NPM_INSTALL_INSTEAD_OF_CI=1, not the Dockerfile's exact install command"
fi
echo "== install (Dockerfile builder stage): $install"
t=$SECONDS
if ! sh -ec "$install" >"$work/install.log" 2>&1; then
  tail -n 25 "$work/install.log"
  if grep -q 'from lock file' "$work/install.log"; then
    echo "docker-cmd-check: npm ci rejects package-lock.json (entries missing); fix the lockfile, or" \
      "rerun with NPM_INSTALL_INSTEAD_OF_CI=1 to try the rest" >&2
  fi
  exit 1
fi
echo "== install took $((SECONDS - t)) s; node_modules: $(du -sh node_modules | cut -f1)"

as_user=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  echo "== running as uid 65534 (non-root, source tree read-only for it)"
fi

# CMD ["a", "b", ...] -> bash array
json_args() { node -e "process.stdout.write(JSON.parse(require('fs').readFileSync(0,'utf8')).join('\n'))"; }
cmd_of() { instruction "$1" '^CMD ' | sed 's/^CMD //' | json_args; }
healthcheck_of() { instruction "$1" '^HEALTHCHECK ' | sed 's/^.* CMD \[/[/' | json_args; }

failures=0
check() { # name dockerfile port env...
  local name=$1 dockerfile=$2 port=$3
  shift 3
  local -a cmd
  mapfile -t cmd < <(cmd_of "$dockerfile")
  echo "== $name: ${cmd[*]}   (CMD of $dockerfile)"
  local log="$work/$name.log"
  # TMPDIR: a private, empty /tmp as the pod's emptyDir (the agent bundles worker code there).
  mkdir -p "$work/tmp-$name"
  [ ${#as_user[@]} -eq 0 ] || chown 65534:65534 "$work/tmp-$name"
  env -i PATH="$PATH" HOME=/nonexistent TMPDIR="$work/tmp-$name" NODE_ENV=production TSX_DISABLE_CACHE=1 "$@" \
    "${as_user[@]}" "${cmd[@]}" >"$log" 2>&1 &
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
    local -a hc
    mapfile -t hc < <(healthcheck_of "$dockerfile")
    if env -i PATH="$PATH" HOME=/nonexistent "$@" "${as_user[@]}" "${hc[@]}"; then
      echo "   HEALTHCHECK command of $dockerfile -> exit 0"
    else
      failures=$((failures + 1))
      echo "   FAIL: HEALTHCHECK command of $dockerfile -> exit $?"
    fi
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

if [ "$failures" -eq 0 ]; then echo "docker-cmd-check: edge and cloud serve /readyz"; else echo "docker-cmd-check: $failures of 2 failed"; fi
[ "$failures" -eq 0 ]
