#!/usr/bin/env bash
# Debian packages the project needs: fonts and Pango for PDF (WeasyPrint),
# Chromium and Redis for the tests, poppler-utils to look at PDFs, wrk for the page bench. Installs what is missing when it can,
# otherwise stops with the exact command to run.
set -euo pipefail
mode=${1:-test}
need=()
fc-list 2>/dev/null | grep -q "Noto Sans CJK TC" || need+=(fonts-noto-cjk)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0" || need+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ "$mode" = "test" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  # tests/core/test_two_processes.py starts its own Redis when REDIS_URL is unset.
  command -v redis-server >/dev/null || need+=(redis-server)
  # Developers look at every PDF the product writes as PNG pages (pdftoppm).
  command -v pdftoppm >/dev/null || need+=(poppler-utils)
fi
# bench/pages.py loads the server from wrk (C) so the clients leave the 2 cores to it.
if [ "$mode" = "bench" ]; then
  command -v wrk >/dev/null || need+=(wrk)
fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${need[*]}"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "Please run: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
