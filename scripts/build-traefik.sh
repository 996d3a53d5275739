#!/usr/bin/env bash
# Builds Traefik from the Go module proxy once and caches the static binary outside the repo.
# No registry serves images here, so the proxy image is made from this binary (see local-cluster).
set -euo pipefail
VERSION="${TRAEFIK_VERSION:-v3.6.12}"
CACHE="${FUTUSWARM_CACHE:-$HOME/.cache/futuswarm}"
OUT="$CACHE/traefik-$VERSION"
if [ -x "$OUT" ]; then echo "$OUT"; exit 0; fi
# Go's official tarball installs under /usr/local/go, which is not always on PATH.
command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"; }
command -v go >/dev/null || { echo "Go is required to build Traefik: install Go 1.25 or newer (https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$CACHE"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
# The module's own go.mod keeps its replace/exclude lines, which `go install pkg@version` refuses.
dir=$(GOFLAGS=-mod=mod go mod download -json "github.com/traefik/traefik/v3@$VERSION" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
cp -r "$dir/." "$work/src"
chmod -R u+w "$work/src"
start=$(date +%s)
(cd "$work/src" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=${VERSION#v}" -o "$OUT.tmp" ./cmd/traefik)
mv "$OUT.tmp" "$OUT"
echo "built Traefik $VERSION in $(( $(date +%s) - start ))s" >&2
echo "$OUT"
