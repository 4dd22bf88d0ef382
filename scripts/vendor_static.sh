#!/usr/bin/env bash
# Refresh the vendored front-end files from the npm registry. Their output is committed under
# static/vendor/ so that the app needs no CDN and no npm at run time (bureau intranets).
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX=2.0.11
PICO=2.1.1
CHARTJS=4.5.1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@$HTMX" "@picocss/pico@$PICO" "chart.js@$CHARTJS" >/dev/null)
mkdir -p static/vendor/htmx static/vendor/pico static/vendor/chartjs
tar -xzf "$work/htmx.org-$HTMX.tgz" -C "$work"
cp "$work/package/dist/htmx.min.js" static/vendor/htmx/htmx.min.js
cp "$work/package/LICENSE" static/vendor/htmx/LICENSE
rm -rf "$work/package"
tar -xzf "$work/picocss-pico-$PICO.tgz" -C "$work"
cp "$work/package/css/pico.min.css" static/vendor/pico/pico.min.css
cp "$work/package/LICENSE.md" static/vendor/pico/LICENSE.md
rm -rf "$work/package"
tar -xzf "$work/chart.js-$CHARTJS.tgz" -C "$work"
# The source map is not shipped, so its reference goes too (collectstatic would fail on it).
sed '/^\/\/# sourceMappingURL=/d' "$work/package/dist/chart.umd.min.js" \
  > static/vendor/chartjs/chart.umd.min.js
cp "$work/package/LICENSE.md" static/vendor/chartjs/LICENSE.md
printf 'htmx.org %s\n@picocss/pico %s\nchart.js %s\n' "$HTMX" "$PICO" "$CHARTJS" \
  > static/vendor/VERSIONS
echo "vendored: htmx $HTMX, pico $PICO, chart.js $CHARTJS"
