#!/bin/sh
# Refresh the vendored chart libraries from the npm registry at the versions
# in package.json (edit them first to upgrade), then run the browser tests.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$work/"
(cd "$work" && npm install --no-audit --no-fund --ignore-scripts)
modules="$work/node_modules"
cp "$modules/vega/build/vega.min.js" "$modules/vega-lite/build/vega-lite.min.js" \
   "$modules/vega-embed/build/vega-embed.min.js" \
   "$modules/vega-interpreter/build/vega-interpreter.min.js" "$here/"
cp "$modules/vega-lite/LICENSE" "$here/LICENSE"
