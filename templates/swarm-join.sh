#!/bin/sh
# Makes this node part of the cluster's swarm. The first manager creates the swarm and stores
# the join tokens in the state bucket (SSE-KMS), one object per kind of node, so a worker can
# read only the workers' token; every other node waits for its object and joins.
# A replacement first manager joins the existing swarm when one still answers.
set -eu
. /etc/futuswarm/node.env
export AWS_DEFAULT_REGION="$FUTUSWARM_REGION"
join=/run/futuswarm-join.json

metadata() {
  token=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)
  curl -sf -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"
}

swarm_active() {
  docker info 2>/dev/null | grep -q '^ *Swarm: active'
}

try_join() {
  aws s3 cp "s3://$FUTUSWARM_BUCKET/$FUTUSWARM_JOIN_KEY" "$join" --only-show-errors 2>/dev/null || return 1
  manager=$(jq -r .managerAddr "$join")
  token=$(jq -r .token "$join")
  rm -f "$join"
  docker swarm join --advertise-addr "$addr" --token "$token" "$manager"
}

if swarm_active; then exit 0; fi
addr=$(metadata local-ipv4)

if [ "$FUTUSWARM_SWARM_INIT" = true ]; then
  if try_join; then exit 0; fi
  # Without a pool Swarm takes overlay subnets from 10.0.0.0/8, which may be the VPC's own range.
  docker swarm init --advertise-addr "$addr" --default-addr-pool "$FUTUSWARM_OVERLAY_POOL" --default-addr-pool-mask-length 24
  umask 077
  for kind in worker manager; do
    key=$FUTUSWARM_JOIN_KEY
    [ "$kind" = worker ] && key=$FUTUSWARM_WORKER_JOIN_KEY
    jq -n --arg addr "$addr:2377" --arg token "$(docker swarm join-token -q "$kind")" \
      '{managerAddr: $addr, token: $token}' > "$join"
    aws s3 cp "$join" "s3://$FUTUSWARM_BUCKET/$key" \
      --sse aws:kms --sse-kms-key-id "$FUTUSWARM_KMS_KEY" --only-show-errors
    rm -f "$join"
  done
  exit 0
fi

i=0
until try_join; do
  i=$((i + 1))
  if [ "$i" -ge 60 ]; then echo 'futuswarm: could not join the swarm for 10 minutes' >&2; exit 1; fi
  sleep 10
done
