#!/usr/bin/env bash
# Install the Debian packages Chorus needs when they are missing (as root), or print the command.
#   gettext            msgfmt, to check catalogs (and merged catalogs, in the git merge driver)
#   git                projects shared between hosts (chorus sync, chorus init --git)
#   apertium + pairs   the offline machine translation engine: English to Spanish, Catalan and
#                      Galician directly, and the pairs that reach French, Portuguese, Italian,
#                      Occitan, Asturian and Aragonese through Spanish or Catalan (apertium-es-ro
#                      ships only Romanian to Spanish: Romanian statements, not Romanian drafts)
#   apertium-apy       Apertium's HTTP server, the shared engine of a team
#   chromium           the real browser the web UI tests drive
#   nodejs, npm        npm ci installs axe-core, the accessibility checker the browser tests inject
#                      (npm comes with nodejs from some sources: it is added only when missing)
#   redis-server       the tests run the background queue on a real Redis too (Redis is optional
#                      for Chorus itself: the queue keeps to SQLite unless one is configured)
#   python3-venv       virtual environments on Debian
# With --bench, also the peers the benchmarks compare against (po4a).
set -euo pipefail

apertium_pairs=(
  apertium-eng-spa apertium-eng-cat apertium-en-gl        # from English
  apertium-fr-es apertium-es-pt apertium-spa-ita apertium-spa-cat apertium-es-gl
  apertium-es-ro apertium-oc-es apertium-spa-ast apertium-spa-arg   # through Spanish (es-ro: ro→es only)
  apertium-fra-cat apertium-cat-ita apertium-por-cat                # through Catalan
)
packages=(gettext git apertium "${apertium_pairs[@]}" apertium-apy chromium redis-server nodejs)
if ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi
if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
  packages+=(python3-venv)
fi
if [ "${1:-}" = "--bench" ]; then
  packages+=(po4a)
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "Not a Debian-like system: install these with your package manager: ${packages[*]}" >&2
  exit 0
fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
