#!/bin/sh
# Publishes this node's SSH host keys in the state bucket under its private address (the
# address Swarm reports for it), where managers look them up before they open the node
# channel for app:exec into a task here: they check the host key instead of trusting it on
# first use. Runs at first boot, after the agent is installed; run it again by hand after
# changing the host keys.
set -eu
token=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)
addr=$(curl -sf -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/local-ipv4)
i=0
# As the agent's account, which reads agent.yaml and owns the agent's compile cache. Retried
# because a new instance profile can take a moment to work.
until runuser -u futuswarm -- {{agentCommand}} node:register --addr "$addr"; do
  i=$((i + 1))
  if [ "$i" -ge 6 ]; then echo "futuswarm: could not register the host keys of $addr; managers cannot exec into tasks here" >&2; exit 1; fi
  sleep 10
done
