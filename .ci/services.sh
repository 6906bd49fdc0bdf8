#!/usr/bin/env bash
# Installs what the tests need outside Python: PostgreSQL (Debian), Node.js with the Bot API emulator (npm), and
# Chromium with a CJK font for the console's browser tests (Debian; Playwright drives /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing PostgreSQL (Debian package postgresql)"
  apt_install postgresql
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "installing Node.js and npm (Debian packages)"
  apt_install nodejs npm
fi

if ! command -v chromium >/dev/null; then
  echo "installing Chromium (Debian package chromium) for the browser tests"
  apt_install chromium
fi

# (grep without -q reads all of fc-list's output: with pipefail, -q would make fc-list die of SIGPIPE)
if ! fc-list 2>/dev/null | grep -i "wenquanyi zen hei" >/dev/null; then
  echo "installing a CJK font (Debian package fonts-wqy-zenhei) so screenshots show Chinese"
  apt_install fonts-wqy-zenhei
fi

emulator=tests/bot/telegram_emulator
if [ -f "$emulator/package.json" ] && [ ! -d "$emulator/node_modules/telegram-test-api" ]; then
  echo "installing the Bot API emulator (npm ci)"
  npm ci --prefix "$emulator" --no-audit --no-fund --loglevel=error
fi
