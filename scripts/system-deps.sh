#!/usr/bin/env bash
# Installs Debian's chromium (browser tests) and fonts-noto-cjk (Chinese in PDFs and screenshots) when missing.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
{ dpkg -s fonts-noto-cjk >/dev/null 2>&1 || fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; } || need+=(fonts-noto-cjk)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "Missing: ${need[*]}. Install them (Debian: sudo apt-get install ${need[*]}) or run make test as root." >&2
  exit 1
fi
echo "Installing ${need[*]} with apt-get ..."
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
