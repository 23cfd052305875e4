#!/usr/bin/env bash
# Checks a built bundle: renders the main window offscreen to a PNG on one of the bundled
# examples and checks the PNG; then (unless --no-kernels) compiles every numba kernel with an
# empty cache, which proves numba, llvmlite and the kernel sources made it into the bundle.
# Usage: packaging/smoke_test.sh [dist/strata/strata] [--no-kernels]
set -euo pipefail
app=dist/strata/strata
kernels=1
for arg in "$@"; do
  case "$arg" in
    --no-kernels) kernels=0 ;;
    *) app=$arg ;;
  esac
done
[ -x "$app" ] || { echo "smoke test: no bundle at $app (run make package)" >&2; exit 1; }
bundle=$(cd "$(dirname "$app")" && pwd)
examples=""
for candidate in "$bundle"/_internal/resources/examples "$bundle"/resources/examples; do
  [ -d "$candidate" ] && { examples=$candidate; break; }
done
example=$(find "$examples" -maxdepth 1 -name '*.strata' | sort | head -n1)
[ -n "$example" ] || { echo "smoke test: no example project in the bundle" >&2; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
out=$scratch/smoke.png
# HOME and the XDG folders point at scratch: the smoke test never touches the user's settings,
# data or kernel cache (the app honours XDG_CONFIG_HOME, XDG_DATA_HOME and XDG_CACHE_HOME).
export HOME=$scratch XDG_CONFIG_HOME=$scratch/config XDG_DATA_HOME=$scratch/data XDG_CACHE_HOME=$scratch/cache
QT_QPA_PLATFORM=offscreen "$app" --screenshot "$out" "$example"
python3 - "$out" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
width, height = struct.unpack(">II", data[16:24])
assert width >= 640 and height >= 400, (width, height)
print(f"smoke test: {width}x{height} screenshot of {sys.argv[1]}")
PY
if [ "$kernels" = 1 ]; then
  NUMBA_CACHE_DIR=$scratch/numba "$app" warmup
  ls "$scratch"/numba | grep -q . || { echo "smoke test: numba wrote no cache" >&2; exit 1; }
fi
echo "smoke test passed"
