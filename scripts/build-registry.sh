#!/usr/bin/env bash
# Builds the CNCF Distribution registry from the Go module proxy once and caches the static
# binary outside the repo, like scripts/build-traefik.sh. The cluster registry's image is made
# from it (scripts/local-cluster.sh locally, the agent bundle on AWS).
set -euo pipefail
VERSION="${REGISTRY_VERSION:-v3.1.2}"
CACHE="${FUTUSWARM_CACHE:-$HOME/.cache/futuswarm}"
OUT="$CACHE/registry-$VERSION"
if [ -x "$OUT" ]; then echo "$OUT"; exit 0; fi
command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"; }
command -v go >/dev/null || { echo "Go is required to build the registry: install Go 1.25 or newer (https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$CACHE"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
start=$(date +%s)
cd "$work"
go mod init futuswarm.local/registry-build >/dev/null 2>&1
# The command's package, not only the module root: the S3 driver's go.sum entries come with it.
GOFLAGS=-mod=mod go get "github.com/distribution/distribution/v3/cmd/registry@$VERSION" >&2
CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w -X github.com/distribution/distribution/v3/version.version=$VERSION" \
  -o "$OUT.tmp" github.com/distribution/distribution/v3/cmd/registry
mv "$OUT.tmp" "$OUT"
echo "built the registry $VERSION in $(( $(date +%s) - start ))s" >&2
echo "$OUT"
