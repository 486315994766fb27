#!/usr/bin/env bash
# Makes TorchSharp's native library load on this machine.
# TorchSharp 0.107 (libtorch 2.10) needs libstdc++ with GLIBCXX_3.4.32 (GCC 13+).
# On Debian 12 (GCC 12) this installs libstdc++6 from Debian 13 (trixie) behind a low apt pin,
# so that nothing else is upgraded. Where the symbol is already present it does nothing.
set -euo pipefail

need=GLIBCXX_3.4.32

find_libstdcxx() {
  ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}'
}

has_symbol() {
  local lib
  lib=$(find_libstdcxx)
  [ -n "$lib" ] && grep -qa "$need" "$lib"
}

if has_symbol; then
  echo "setup: libstdc++ already provides $need; nothing to do."
  exit 0
fi

if [ ! -f /etc/debian_version ] || ! command -v apt-get >/dev/null; then
  echo "setup: libstdc++ lacks $need, which TorchSharp 0.107 (libtorch 2.10) needs." >&2
  echo "setup: install libstdc++ from GCC 13 or newer with your system's package manager, then run this again." >&2
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

echo "setup: libstdc++ lacks $need; installing libstdc++6 from Debian 13 (trixie) with a low apt pin."
echo 'deb http://deb.debian.org/debian trixie main' | $sudo tee /etc/apt/sources.list.d/trixie.list >/dev/null
printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' | $sudo tee /etc/apt/preferences.d/trixie-low >/dev/null
$sudo apt-get update -qq -o Dir::Etc::sourcelist=sources.list.d/trixie.list -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -t trixie libstdc++6 >/dev/null

if has_symbol; then
  echo "setup: done; libstdc++ now provides $need."
else
  echo "setup: libstdc++6 from trixie was installed but $need is still missing." >&2
  exit 1
fi
