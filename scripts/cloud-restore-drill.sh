#!/usr/bin/env bash
# Cloud database backup and restore with mariadb-backup, plus binlog point-in-time recovery
# (docs/restore-drill.md walks through a whole drill; test/e2e/restore-drill.test.ts runs one).
#
#   cloud-restore-drill.sh backup  --target-dir DIR [connection] [--datadir D]
#       Hot physical backup (mariadb-backup --backup). DIR must not exist. The binlog position
#       of the backup is in DIR/mariadb_backup_binlog_info (or xtrabackup_binlog_info).
#
#   cloud-restore-drill.sh restore --backup-dir DIR --datadir D [--owner USER]
#       The server must be stopped. Prepares the backup, moves the current datadir aside to
#       D.before-restore-<time> (kept for forensics) and copies the backup back into D.
#
#   cloud-restore-drill.sh replay-binlog --backup-dir DIR --binlog-dir B [connection]
#                                        [--stop-file F --stop-position N | --stop-datetime T]
#       The server must be running (and no cloud writing to it yet). Replays the binlogs written
#       since the backup, up to just before the failure, through the mariadb client.
#
#   connection: --host H (127.0.0.1) --port P (3306) --user U (root) [--password-file F]
#
# Binlogs must live outside the datadir (--log-bin=/var/lib/mysql-binlog/binlog, or archived
# elsewhere with `mariadb-binlog --read-from-remote-server --raw --stop-never`): a restore
# replaces the datadir, and the binlogs written after the backup are what PITR replays.
set -euo pipefail

cmd=${1:-}
shift || true
host=127.0.0.1 port=3306 user=root password_file=''
target_dir='' backup_dir='' datadir='' owner='' binlog_dir=''
stop_file='' stop_position='' stop_datetime=''
while [ $# -gt 0 ]; do
  case "$1" in
    --host) host=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    --password-file) password_file=$2; shift 2 ;;
    --target-dir) target_dir=$2; shift 2 ;;
    --backup-dir) backup_dir=$2; shift 2 ;;
    --datadir) datadir=$2; shift 2 ;;
    --owner) owner=$2; shift 2 ;;
    --binlog-dir) binlog_dir=$2; shift 2 ;;
    --stop-file) stop_file=$2; shift 2 ;;
    --stop-position) stop_position=$2; shift 2 ;;
    --stop-datetime) stop_datetime=$2; shift 2 ;;
    *) echo "cloud-restore-drill: unknown option $1" >&2; exit 2 ;;
  esac
done

die() { echo "cloud-restore-drill: $*" >&2; exit 1; }
log() { printf '{"at":"%s","step":"%s","detail":"%s"}\n' "$(date -u +%FT%T.%3NZ)" "$1" "$2"; }

# The password travels in a file, never on the command line (the process list would show it).
conn=(--host="$host" --port="$port" --user="$user")
if [ -n "$password_file" ]; then conn+=(--password="$(cat "$password_file")"); fi

binlog_start() {
  local info
  for f in mariadb_backup_binlog_info xtrabackup_binlog_info; do
    [ -f "$backup_dir/$f" ] && info="$backup_dir/$f" && break
  done
  [ -n "${info:-}" ] || die "no binlog position in $backup_dir (was the server started with --log-bin?)"
  # "<file>\t<position>[\t<gtid>]"
  read -r start_file start_pos _ <"$info"
}

case "$cmd" in
  backup)
    [ -n "$target_dir" ] || die "backup needs --target-dir"
    [ ! -e "$target_dir" ] || die "$target_dir exists; a backup goes into a new directory"
    log backup "mariadb-backup --backup into $target_dir"
    extra=()
    [ -n "$datadir" ] && extra+=(--datadir="$datadir")
    mariadb-backup --backup "${conn[@]}" "${extra[@]}" --target-dir="$target_dir" 2>"$target_dir.log" \
      || { tail -20 "$target_dir.log" >&2; die "mariadb-backup --backup failed (log: $target_dir.log)"; }
    backup_dir=$target_dir binlog_start
    log backup-done "binlog position $start_file:$start_pos"
    ;;

  restore)
    [ -n "$backup_dir" ] && [ -n "$datadir" ] || die "restore needs --backup-dir and --datadir"
    if mariadb "${conn[@]}" -e 'SELECT 1' >/dev/null 2>&1; then
      die "a server answers on $host:$port; stop it before restoring its datadir"
    fi
    log prepare "mariadb-backup --prepare $backup_dir"
    mariadb-backup --prepare --target-dir="$backup_dir" 2>"$backup_dir.prepare.log" \
      || { tail -20 "$backup_dir.prepare.log" >&2; die "prepare failed"; }
    if [ -d "$datadir" ]; then
      aside="$datadir.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
      mv "$datadir" "$aside"
      log set-aside "$datadir moved to $aside"
    fi
    mkdir -p "$datadir"
    log copy-back "into $datadir"
    mariadb-backup --copy-back --target-dir="$backup_dir" --datadir="$datadir" 2>"$backup_dir.copy-back.log" \
      || { tail -20 "$backup_dir.copy-back.log" >&2; die "copy-back failed"; }
    [ -n "$owner" ] && chown -R "$owner:$owner" "$datadir"
    log restore-done "start the server on $datadir"
    ;;

  replay-binlog)
    [ -n "$backup_dir" ] && [ -n "$binlog_dir" ] || die "replay-binlog needs --backup-dir and --binlog-dir"
    binlog_start
    index=$(ls "$binlog_dir"/*.index 2>/dev/null | head -1)
    [ -n "$index" ] || die "no binlog index in $binlog_dir"
    # The files from the backup's file on, in index order, up to --stop-file when given.
    files=()
    started=''
    while read -r f; do
      name=$(basename "$f")
      [ "$name" = "$start_file" ] && started=1
      [ -n "$started" ] && files+=("$binlog_dir/$name")
      [ -n "$stop_file" ] && [ "$name" = "$stop_file" ] && break
    done <"$index"
    [ ${#files[@]} -gt 0 ] || die "binlog $start_file is not in $index"
    opts=(--start-position="$start_pos")
    [ -n "$stop_position" ] && opts+=(--stop-position="$stop_position")
    [ -n "$stop_datetime" ] && opts+=(--stop-datetime="$stop_datetime")
    log replay "${#files[@]} binlog file(s) from $start_file:$start_pos to ${stop_file:-end}:${stop_position:-${stop_datetime:-end}}"
    mariadb-binlog "${opts[@]}" "${files[@]}" | mariadb "${conn[@]}" --binary-mode \
      || die "binlog replay failed"
    log replay-done "server is at the failure point; let the cloud in"
    ;;

  *)
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
