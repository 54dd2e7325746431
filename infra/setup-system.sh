#!/usr/bin/env bash
# Debian packages the project needs, installed non-interactively only when missing.
#   chromium: the headless browser the dashboard tests drive (never `playwright install`);
#   fonts-noto-cjk: the catalogue has Japanese, Korean and Chinese names, which chromium draws as boxes without it;
#   chromium-driver: Superset's Alerts & Reports take their screenshots through Selenium with it;
#   redis-server: the Celery broker of those reports (started by PID on 127.0.0.1 by the tests, never as a service).
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
