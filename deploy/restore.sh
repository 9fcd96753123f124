#!/usr/bin/env bash
# Restore a dump made by backup.sh into an EMPTY database, then the media archive.
# Usage: deploy/restore.sh qingdan-YYYYmmdd-HHMMSS.dump [media-YYYYmmdd-HHMMSS.tar.gz]
set -euo pipefail
set -a; . /etc/qingdan/qingdan.env; set +a
dump=$1
pg_restore --exit-on-error --no-owner --single-transaction --dbname "$DATABASE_URL" "$dump"
if [ -n "${2:-}" ]; then tar -C "$(dirname "$MEDIA_ROOT")" -xzf "$2"; fi
/opt/qingdan/.venv/bin/python /opt/qingdan/manage.py migrate --noinput
echo "restored $dump"
