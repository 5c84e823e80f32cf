#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Vivid Studio needs (headless EGL through Mesa,
# espeak-ng for the voice, PortAudio for the microphone, a CJK-capable font for subtitles, Xvfb and Qt's runtime
# libraries for the desktop studio). Only what is missing is installed.
set -euo pipefail

PACKAGES=(
  libegl1 libegl-mesa0 libgl1-mesa-dri libgl1 libgles2
  espeak-ng libespeak-ng1 libsndfile1 libportaudio2
  fonts-wqy-microhei fonts-dejavu-core
  xvfb xauth libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
  libxcb-render-util0 libxcb-image0
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; else
  echo "Vivid Studio needs these system packages, which are not installed:" >&2
  echo "    ${missing[*]}" >&2
  echo "Install them as root, then run make again:" >&2
  echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "apt-get not found: install the equivalents of these Debian packages with your package manager: ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
