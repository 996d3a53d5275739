#!/usr/bin/env bash
# Builds Docker's buildx CLI plugin from the Go module proxy once (cached outside the repo) and
# installs it for the docker CLI of this machine: `docker build` then uses BuildKit, as on a
# developer's laptop. The test rig needs it; futuswarm itself only runs `docker build`.
set -euo pipefail
VERSION="${BUILDX_VERSION:-v0.30.1}"
CACHE="${FUTUSWARM_CACHE:-$HOME/.cache/futuswarm}"
OUT="$CACHE/docker-buildx-$VERSION"
PLUGIN_DIR="${DOCKER_CLI_PLUGIN_DIR:-/usr/local/lib/docker/cli-plugins}"
if [ ! -x "$OUT" ]; then
  command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"; }
  command -v go >/dev/null || { echo "Go is required to build buildx: install Go 1.25 or newer (https://go.dev/dl)" >&2; exit 1; }
  mkdir -p "$CACHE"
  work=$(mktemp -d)
  trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
  # The module's own go.mod keeps its replace lines, which `go install pkg@version` refuses.
  dir=$(GOFLAGS=-mod=mod go mod download -json "github.com/docker/buildx@$VERSION" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  cp -r "$dir/." "$work/src"
  chmod -R u+w "$work/src"
  start=$(date +%s)
  (cd "$work/src" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w -X github.com/docker/buildx/version.Version=$VERSION" -o "$OUT.tmp" ./cmd/buildx)
  mv "$OUT.tmp" "$OUT"
  echo "built buildx $VERSION in $(( $(date +%s) - start ))s" >&2
fi
if ! cmp -s "$OUT" "$PLUGIN_DIR/docker-buildx" 2>/dev/null; then
  install -d "$PLUGIN_DIR"
  install -m 755 "$OUT" "$PLUGIN_DIR/docker-buildx"
fi
echo "$PLUGIN_DIR/docker-buildx"
