#!/usr/bin/env bash
# Install the Debian packages the test suite needs, when they are missing.
# Idempotent: does nothing (and needs no network) when everything is installed.
# Called by `make setup`; safe to run by hand.
set -euo pipefail

# The Debian packages the tests need. Add more here.
# chromium: the headless browser the web-widget test drives through Playwright;
# fonts-wqy-microhei: a small Chinese font, so its screenshots show text, not boxes;
# redis-server, nginx: the production profile (ops/profile/) runs its Redis lock store
# and its load balancer from these binaries (tests/system/test_production_profile.py).
PACKAGES=(
  postgresql
  chromium
  fonts-wqy-microhei
  redis-server
  nginx
)

is_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = "installed" ]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  is_installed "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "System packages present: ${PACKAGES[*]}"
  exit 0
fi

fail() {
  echo "ERROR: could not install system packages: ${missing[*]}" >&2
  echo "  $1" >&2
  echo "  Install them by hand (Debian/Ubuntu): sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
}

if ! command -v apt-get >/dev/null 2>&1; then
  fail "apt-get not found: this script supports Debian-based systems only."
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  fail "not running as root and sudo is not available."
fi

echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q \
  || fail "apt-get update failed."
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
  || fail "apt-get install failed."

for pkg in "${missing[@]}"; do
  is_installed "$pkg" || fail "$pkg still not installed after apt-get install."
done
echo "Installed: ${missing[*]}"
