#!/usr/bin/env bash
# Starts the built bundle offscreen, renders the main window to a PNG and checks the PNG.
# Usage: packaging/smoke_test.sh [dist/strata/strata]
set -euo pipefail
app=${1:-dist/strata/strata}
out=$(mktemp -d)/smoke.png
QT_QPA_PLATFORM=offscreen "$app" --screenshot "$out" resources/examples/mlp_block.strata
python3 - "$out" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
width, height = struct.unpack(">II", data[16:24])
assert width >= 640 and height >= 400, (width, height)
print(f"smoke test passed: {width}x{height} screenshot")
PY
