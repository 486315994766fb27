#!/usr/bin/env bash
# Machine setup; every step does nothing when its result is already there.
# 1. TorchSharp 0.107 (libtorch 2.10) needs libstdc++ with GLIBCXX_3.4.32 (GCC 13+). On Debian 12 (GCC 12) this
#    installs libstdc++6 from Debian 13 (trixie) behind a low apt pin; the Debian 13 packages it pulls along (libc6,
#    libgcc-s1, base-files, ...) come with it.
# 2. A C compiler: the library's build compiles its small native library (MKL's fast path on AMD) with gcc on Linux.
# 3. Fashion-MNIST, for the FashionMnistImages example and its test: the Debian package dataset-fashion-mnist
#    (in trixie), which puts the IDX .gz files under /usr/share/datasets/fashion-mnist/.
set -euo pipefail

need=GLIBCXX_3.4.32
fashion=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz

find_libstdcxx() {
  ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}'
}

has_symbol() {
  local lib
  lib=$(find_libstdcxx)
  [ -n "$lib" ] && grep -qa "$need" "$lib"
}

is_debian() {
  [ -f /etc/debian_version ] && command -v apt-get >/dev/null
}

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

# Adds Debian 13 (trixie) as a package source with a low pin (priority 100: never an upgrade, only on request).
add_trixie() {
  echo 'deb http://deb.debian.org/debian trixie main' | $sudo tee /etc/apt/sources.list.d/trixie.list >/dev/null
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' | $sudo tee /etc/apt/preferences.d/trixie-low >/dev/null
  $sudo apt-get update -qq -o Dir::Etc::sourcelist=sources.list.d/trixie.list -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0
}

if has_symbol; then
  echo "setup: libstdc++ already provides $need; nothing to do."
elif ! is_debian; then
  echo "setup: libstdc++ lacks $need, which TorchSharp 0.107 (libtorch 2.10) needs." >&2
  echo "setup: install libstdc++ from GCC 13 or newer with your system's package manager, then run this again." >&2
  exit 1
else
  echo "setup: libstdc++ lacks $need; installing libstdc++6 from Debian 13 (trixie) with a low apt pin."
  add_trixie
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -t trixie libstdc++6 >/dev/null
  if has_symbol; then
    echo "setup: done; libstdc++ now provides $need."
  else
    echo "setup: libstdc++6 from trixie was installed but $need is still missing." >&2
    exit 1
  fi
fi

if command -v gcc >/dev/null; then
  echo "setup: gcc is present; nothing to do."
elif ! is_debian; then
  echo "setup: gcc is missing; the library's build compiles src/Microsoft.ML.Gan/Native/*.c with it. Install gcc, then run this again." >&2
  exit 1
else
  echo "setup: installing gcc (the library's build compiles a small native library with it)."
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq gcc libc6-dev >/dev/null
  echo "setup: done; $(gcc --version | head -1)."
fi

if [ -f "$fashion" ]; then
  echo "setup: Fashion-MNIST already in $(dirname "$fashion"); nothing to do."
elif ! is_debian; then
  echo "setup: Fashion-MNIST is missing; on Debian it is the package dataset-fashion-mnist. Elsewhere, put the four IDX .gz files" >&2
  echo "setup: (github.com/zalandoresearch/fashion-mnist) in a folder and pass it to the example with --data." >&2
else
  echo "setup: installing Fashion-MNIST (Debian package dataset-fashion-mnist, about 30 MB)."
  if ! apt-cache show dataset-fashion-mnist >/dev/null 2>&1; then
    add_trixie
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null
  echo "setup: done; Fashion-MNIST is in $(dirname "$fashion")."
fi
