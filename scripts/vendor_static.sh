#!/usr/bin/env bash
# Vendor the front-end assets Coalition HQ serves itself (no CDN at run time).
#
# Each package is fetched with `npm pack <pkg>@<version>` into a temporary
# directory and only the distribution files the app needs (plus the licence)
# are copied into static/vendor/<pkg>-<version>/.  The script is idempotent:
# every run deletes and rewrites exactly those directories, so running it twice
# gives byte-identical results.
#
# `//# sourceMappingURL=` / `/*# sourceMappingURL= */` comments are stripped
# because the .map files are not vendored; Django's ManifestStaticFilesStorage
# (and WhiteNoise's CompressedManifestStaticFilesStorage) would otherwise fail
# in collectstatic with "The file '...map' could not be found".
#
# Usage: scripts/vendor_static.sh        (from anywhere; needs node/npm)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR_DIR="$REPO_ROOT/static/vendor"

BOOTSTRAP_VERSION=5.3.8
BOOTSTRAP_ICONS_VERSION=1.13.2
CHARTJS_VERSION=4.6.1
AXE_CORE_VERSION=4.14.1
IDB_KEYVAL_VERSION=6.3.0

command -v npm >/dev/null 2>&1 || { echo "error: npm is required" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/vendor_static.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# fetch <pkg> <version>: npm pack + unpack; prints the unpacked package dir.
fetch() {
    local pkg="$1" version="$2" dest="$WORK/$1-$2" tarball
    mkdir -p "$dest"
    tarball="$(cd "$WORK" && npm pack --silent --ignore-scripts "$pkg@$version" | tail -n 1)"
    tar -xzf "$WORK/$tarball" -C "$dest"
    [[ -f "$dest/package/package.json" ]] || { echo "error: bad tarball for $pkg@$version" >&2; exit 1; }
    echo "$dest/package"
}

# put <src> <dst>: copy one file, failing loudly if the package lacks it.
put() {
    local src="$1" dst="$2"
    [[ -f "$src" ]] || { echo "error: missing in package: $src" >&2; exit 1; }
    mkdir -p "$(dirname "$dst")"
    cp "$src" "$dst"
    chmod 0644 "$dst"
}

# strip_sourcemap <file>: drop sourceMappingURL comments (maps are not vendored).
strip_sourcemap() {
    sed -i -E \
        -e '/^\/\/# sourceMappingURL=.*$/d' \
        -e 's#/\*\# sourceMappingURL=[^*]*\*/##g' \
        "$1"
    # Remove a now-empty trailing line left behind by the CSS form.
    sed -i -e '${/^$/d;}' "$1"
}

# fresh <name>: (re)create static/vendor/<name>/ empty.
fresh() {
    rm -rf "${VENDOR_DIR:?}/$1"
    mkdir -p "$VENDOR_DIR/$1"
    echo "$VENDOR_DIR/$1"
}

# --- bootstrap ---------------------------------------------------------------
src="$(fetch bootstrap "$BOOTSTRAP_VERSION")"
out="$(fresh "bootstrap-$BOOTSTRAP_VERSION")"
put "$src/dist/css/bootstrap.min.css"      "$out/css/bootstrap.min.css"
put "$src/dist/js/bootstrap.bundle.min.js" "$out/js/bootstrap.bundle.min.js"
put "$src/LICENSE"                          "$out/LICENSE"
strip_sourcemap "$out/css/bootstrap.min.css"
strip_sourcemap "$out/js/bootstrap.bundle.min.js"

# --- bootstrap-icons (CSS refers to url("fonts/bootstrap-icons.woff2?...")) ---
src="$(fetch bootstrap-icons "$BOOTSTRAP_ICONS_VERSION")"
out="$(fresh "bootstrap-icons-$BOOTSTRAP_ICONS_VERSION")"
put "$src/font/bootstrap-icons.min.css"       "$out/font/bootstrap-icons.min.css"
put "$src/font/fonts/bootstrap-icons.woff2"   "$out/font/fonts/bootstrap-icons.woff2"
put "$src/font/fonts/bootstrap-icons.woff"    "$out/font/fonts/bootstrap-icons.woff"
put "$src/LICENSE"                            "$out/LICENSE"
strip_sourcemap "$out/font/bootstrap-icons.min.css"

# --- chart.js (4.x ships dist/chart.umd.min.js, already minified) -------------
src="$(fetch chart.js "$CHARTJS_VERSION")"
out="$(fresh "chart.js-$CHARTJS_VERSION")"
put "$src/dist/chart.umd.min.js" "$out/chart.umd.min.js"
put "$src/LICENSE.md"            "$out/LICENSE.md"
strip_sourcemap "$out/chart.umd.min.js"

# --- axe-core (browser accessibility tests only) ------------------------------
src="$(fetch axe-core "$AXE_CORE_VERSION")"
out="$(fresh "axe-core-$AXE_CORE_VERSION")"
put "$src/axe.min.js"            "$out/axe.min.js"
put "$src/LICENSE"               "$out/LICENSE"
put "$src/LICENSE-3RD-PARTY.txt" "$out/LICENSE-3RD-PARTY.txt"
strip_sourcemap "$out/axe.min.js"

# --- idb-keyval (the observer's offline app: IndexedDB key-value store, UMD build sets window.idbKeyval) ------
src="$(fetch idb-keyval "$IDB_KEYVAL_VERSION")"
out="$(fresh "idb-keyval-$IDB_KEYVAL_VERSION")"
put "$src/dist/umd.js" "$out/umd.js"
put "$src/LICENCE"     "$out/LICENCE"
strip_sourcemap "$out/umd.js"

# --- sanity checks -------------------------------------------------------------
if grep -rl 'sourceMappingURL=' "$VENDOR_DIR"/*/ --include='*.js' --include='*.css' >/dev/null 2>&1; then
    echo "error: sourceMappingURL comment left in a vendored file" >&2
    exit 1
fi

echo "Vendored into ${VENDOR_DIR#"$REPO_ROOT"/}:"
(cd "$REPO_ROOT" && find static/vendor -type f ! -name README.md | LC_ALL=C sort | xargs du -b)
echo "total: $(cd "$REPO_ROOT" && find static/vendor -type f ! -name README.md -print0 | xargs -0 cat | wc -c) bytes"
