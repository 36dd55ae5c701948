#!/usr/bin/env bash
# apt-need.sh <executable> <debian-package>: installs the package from Debian when the
# executable is missing, and fails loudly when it cannot (tests never skip for want of it).
set -euo pipefail
exe=$1 pkg=$2
command -v "$exe" >/dev/null 2>&1 && exit 0
echo "installing $pkg from Debian (for $exe)"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo -n"
if ! ($sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$pkg") >/dev/null; then
  echo "FATAL: cannot install $pkg (apt-get install -y $pkg)" >&2
  exit 1
fi
command -v "$exe" >/dev/null 2>&1 || { echo "FATAL: $pkg installed but $exe is not on PATH" >&2; exit 1; }
