#!/usr/bin/env bash
# Installs the Debian packages the project uses, only those missing, only where apt-get exists and we may use it.
set -euo pipefail
want=(dataset-fashion-mnist python3-onnx chromium)
missing=()
for p in "${want[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "note: no apt-get here; missing Debian packages: ${missing[*]} (tests that need them will say so)" >&2; exit 0
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
