#!/usr/bin/env bash
# Nightly backup: a custom-format pg_dump (restorable table by table) and the media folder. Keep 30 days.
# Usage: deploy/backup.sh [target-dir]   (reads DATABASE_URL and MEDIA_ROOT from /etc/qingdan/qingdan.env)
set -euo pipefail
set -a; . /etc/qingdan/qingdan.env; set +a
target=${1:-/var/backups/qingdan}
stamp=$(date +%Y%m%d-%H%M%S)
mkdir -p "$target"
pg_dump --format=custom --no-owner --file "$target/qingdan-$stamp.dump" "$DATABASE_URL"
tar -C "$(dirname "$MEDIA_ROOT")" -czf "$target/media-$stamp.tar.gz" "$(basename "$MEDIA_ROOT")"
pg_restore --list "$target/qingdan-$stamp.dump" >/dev/null   # the dump is readable
find "$target" -name 'qingdan-*.dump' -mtime +30 -delete
find "$target" -name 'media-*.tar.gz' -mtime +30 -delete
echo "backup written: $target/qingdan-$stamp.dump"
