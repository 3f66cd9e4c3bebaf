#!/usr/bin/env bash
# Back up the locker database named in a locker.toml: SQLite with its online
# backup API (safe while the service runs), PostgreSQL with pg_dump. Keeps 30 days.
# Usage: backup.sh /etc/dossier-locker/locker.toml /var/backups/dossier-locker
set -euo pipefail
config=${1:?config file}
dest=${2:?backup directory}
mkdir -p "$dest"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
url=${LOCKER_DATABASE_URL:-$(python3 -c 'import sys,tomllib; print(tomllib.load(open(sys.argv[1],"rb"))["database"]["url"])' "$config")}
case "$url" in
  sqlite:///*)
    db=${url#sqlite:///}
    python3 -c 'import sqlite3,sys; s=sqlite3.connect(sys.argv[1]); d=sqlite3.connect(sys.argv[2]); s.backup(d); d.close()' "$db" "$dest/locker-$stamp.db"
    gzip "$dest/locker-$stamp.db"
    ;;
  postgresql*)
    pg_dump --format=custom --file="$dest/locker-$stamp.pgdump" "${url/+psycopg/}"
    ;;
  *) echo "unsupported database URL: $url" >&2; exit 2 ;;
esac
find "$dest" -name 'locker-*' -mtime +30 -delete
echo "backup written to $dest (locker-$stamp)"
