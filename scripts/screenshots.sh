#!/usr/bin/env bash
# Screenshots of graphrun studio for the README, taken by its browser test in headless
# Chromium (tests/studio.rs) into docs/studio/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p docs/studio
GRAPHRUN_SCREENSHOTS="$PWD/docs/studio" cargo test --locked --test studio -- the_studio_runs
ls docs/studio/*.png
