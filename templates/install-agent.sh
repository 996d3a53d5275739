#!/bin/sh
# Installs the agent bundle (uploaded by `admin cluster:bootstrap` or `admin agent:upgrade`:
# bin/futuswarm-agent, bin/node, lib/agent.js and its chunks) from the state bucket under
# /opt/futuswarm, root-owned with 755 directories: sshd refuses an AuthorizedKeysCommand in a
# directory others can write. Every node runs it at first boot; `admin agent:upgrade` runs it
# again through sudo (/etc/sudoers.d/futuswarm allows the agent's account exactly this).
# Files move into place one by one by rename, chunks first and lib/agent.js last: an agent
# running meanwhile keeps the files it opened, one starting meanwhile sees a whole old or new
# file. /opt/futuswarm/bundle-hash records the content hash of the bundle installed.
set -eu
. /etc/futuswarm/node.env
export AWS_DEFAULT_REGION="$FUTUSWARM_REGION"
prefix=/opt/futuswarm
bundle=/run/futuswarm-agent.tar.gz
install -d -m 0755 -o root -g root "$prefix"
staging=$(mktemp -d "$prefix.new.XXXXXX")
trap 'rm -rf "$staging" "$bundle"' EXIT
i=0
until hash=$(aws s3api get-object --bucket "$FUTUSWARM_BUCKET" --key "$FUTUSWARM_AGENT_BUNDLE" \
  --query 'Metadata."futuswarm-content-hash"' --output text "$bundle"); do
  i=$((i + 1))
  if [ "$i" -ge 60 ]; then echo "futuswarm: no agent bundle at s3://$FUTUSWARM_BUCKET/$FUTUSWARM_AGENT_BUNDLE" >&2; exit 1; fi
  sleep 10
done
tar -xzf "$bundle" -C "$staging" --no-same-owner
chown -R root:root "$staging"
chmod -R go-w "$staging"
find "$staging" -type d -exec chmod 0755 {} +
find "$staging" -type f -exec touch {} +
# A Node that cannot run here (another architecture, another C library) stops here, loudly.
if ! version=$("$staging/bin/node" --version 2>&1); then
  echo "futuswarm: the bundle's Node.js does not start here: $version" >&2
  echo 'futuswarm: it must be linux-x64 for glibc, version 22 or later (agent.nodeBinary in the cluster file)' >&2
  exit 1
fi
cd "$staging"
for d in $(find . -type d); do install -d -m 0755 -o root -g root "$prefix/$d"; done
for f in $(find ./lib/chunks -type f) $(find . -type f ! -path './lib/chunks/*' ! -path ./lib/agent.js) ./lib/agent.js; do
  mv -f "$f" "$prefix/$f"
done
cd /
# Chunks of earlier bundles, once no agent that drains can still load them.
find "$prefix/lib/chunks" -type f -mmin +1440 -delete
case "$hash" in
  sha256:*) printf '%s\n' "$hash" >"$prefix/bundle-hash.new" && mv -f "$prefix/bundle-hash.new" "$prefix/bundle-hash" ;;
  *) rm -f "$prefix/bundle-hash" ;;
esac
test -x "$prefix/bin/futuswarm-agent"
if ! version=$("$prefix/bin/futuswarm-agent" --version 2>&1); then
  echo "futuswarm: the agent installed in $prefix does not start: $version" >&2
  exit 1
fi
echo "futuswarm: agent $version installed in $prefix (bundle $hash)"
