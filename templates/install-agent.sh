#!/bin/sh
# Installs the agent bundle (uploaded by `admin cluster:bootstrap`: bin/futuswarm-agent,
# bin/node, lib/agent.js) from the state bucket under /opt/futuswarm, root-owned with 755
# directories: sshd refuses an AuthorizedKeysCommand in a directory others can write.
# Every node runs it at first boot; run it again by hand to install a newer bundle on a
# running node.
set -eu
. /etc/futuswarm/node.env
export AWS_DEFAULT_REGION="$FUTUSWARM_REGION"
bundle=/run/futuswarm-agent.tar.gz
i=0
until aws s3 cp "s3://$FUTUSWARM_BUCKET/$FUTUSWARM_AGENT_BUNDLE" "$bundle" --only-show-errors; do
  i=$((i + 1))
  if [ "$i" -ge 60 ]; then echo "futuswarm: no agent bundle at s3://$FUTUSWARM_BUCKET/$FUTUSWARM_AGENT_BUNDLE" >&2; exit 1; fi
  sleep 10
done
install -d -m 0755 -o root -g root /opt/futuswarm
tar -xzf "$bundle" -C /opt/futuswarm --no-same-owner
rm -f "$bundle"
chown -R root:root /opt/futuswarm
chmod -R go-w /opt/futuswarm
find /opt/futuswarm -type d -exec chmod 0755 {} +
test -x /opt/futuswarm/bin/futuswarm-agent
# A Node that cannot run here (another architecture, another C library) stops the boot, loudly.
if ! version=$(/opt/futuswarm/bin/futuswarm-agent --version 2>&1); then
  echo "futuswarm: the agent installed in /opt/futuswarm does not start: $version" >&2
  echo 'futuswarm: its Node.js must be linux-x64 for glibc, version 22 or later (agent.nodeBinary in the cluster file)' >&2
  exit 1
fi
echo "futuswarm: agent $version installed in /opt/futuswarm"
