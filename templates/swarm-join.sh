#!/bin/sh
# Makes this node part of the cluster's swarm, at first boot (cloud-init) or by hand.
#
# The state bucket holds one join object per kind of node ({"token": …}, SSE-KMS), so a worker
# can read only the workers' token, and one empty object per manager address under
# cluster/swarm/managers/. Every manager in the swarm writes both (run again, it refreshes them:
# a rotated token, a new manager); a joining node tries each address, newest first.
#
# Only the node marked to create the swarm ever runs `swarm init`, and only while no join
# object exists: once one does, a swarm exists somewhere in the cluster and this node joins
# it, however long that takes (a replaced first manager joins the managers that are left).
# Joins are retried every 10 s for 10 minutes, then every minute until FUTUSWARM_JOIN_TIMEOUT
# seconds (default a day) have passed.
#
# The token never reaches a command line: it goes from the downloaded object (0600) into the
# request body of Docker's API (POST /swarm/join over the socket), both read from files.
set -eu
umask 077
. "${FUTUSWARM_NODE_ENV:-/etc/futuswarm/node.env}"
export AWS_DEFAULT_REGION="$FUTUSWARM_REGION"
run=${FUTUSWARM_RUN_DIR:-/run}
join=$run/futuswarm-join.json
body=$run/futuswarm-join-request.json
# The engine this node runs (DOCKER_HOST when it is not the usual socket).
socket=${DOCKER_HOST:-unix:///var/run/docker.sock}
socket=${socket#unix://}
trap 'rm -f "$join" "$body"' EXIT

say() { echo "futuswarm-swarm-join: $*" >&2; }

metadata() {
  token=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)
  curl -sf -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"
}

swarm_active() {
  docker info 2>/dev/null | grep -q '^ *Swarm: active'
}

put_object() {
  aws s3 cp "$join" "s3://$FUTUSWARM_BUCKET/$1" --sse aws:kms --sse-kms-key-id "$FUTUSWARM_KMS_KEY" --only-show-errors
}

# A manager in the swarm keeps the cluster's copy current: both join tokens (rotated ones too)
# and its own address, which joining nodes read from the key name.
publish() {
  [ "$FUTUSWARM_NODE_KIND" = manager ] || return 0
  for kind in worker manager; do
    docker swarm join-token -q "$kind" | jq -R '{token: .}' > "$join"
    if [ "$kind" = worker ]; then put_object "$FUTUSWARM_WORKER_JOIN_KEY"; else put_object "$FUTUSWARM_JOIN_KEY"; fi
  done
  : > "$join"
  put_object "$FUTUSWARM_MANAGERS_PREFIX$addr:2377"
}

# The managers' addresses, newest first.
manager_addresses() {
  aws s3 ls "s3://$FUTUSWARM_BUCKET/$FUTUSWARM_MANAGERS_PREFIX" 2>/dev/null | sort -r | awk 'NF >= 4 { print $4 }'
}

# Docker stops waiting for a join but goes on in the background: pending for a while, then
# active. Never leave here: a manager half-joined would take the managers' quorum with it.
joined_meanwhile() {
  for _ in $(seq 120); do
    case "$(docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" in
      active) return 0 ;; pending) sleep 1 ;; *) return 1 ;;
    esac
  done
  return 1
}

# 0: joined. 1: a swarm exists but no manager let this node in. 2: no swarm exists yet.
try_join() {
  aws s3 cp "s3://$FUTUSWARM_BUCKET/$FUTUSWARM_JOIN_KEY" "$join" --only-show-errors 2>/dev/null || return 2
  # Join objects from before the address list name one manager themselves.
  for manager in $(manager_addresses) $(jq -r '.managerAddr // empty' "$join"); do
    jq --arg addr "$addr" --arg remote "$manager" \
      '{ListenAddr: "0.0.0.0:2377", AdvertiseAddr: $addr, RemoteAddrs: [$remote], JoinToken: .token}' "$join" > "$body"
    if answer=$(curl -sS --unix-socket "$socket" -H 'Content-Type: application/json' --data-binary @"$body" -w '\n%{http_code}' http://localhost/swarm/join 2>&1); then
      case "$answer" in
        *"
200") say "joined the swarm through $manager"; return 0 ;;
      esac
    fi
    if joined_meanwhile; then say "joined the swarm through $manager (in the background)"; return 0; fi
    say "could not join through $manager: $(printf '%s' "$answer" | head -n 1)"
  done
  return 1
}

addr=${FUTUSWARM_ADVERTISE_ADDR:-$(metadata local-ipv4)}
if swarm_active; then
  publish
  exit 0
fi

started=$(date +%s)
tries=0
while :; do
  status=0
  try_join || status=$?
  if [ "$status" = 0 ]; then publish; exit 0; fi
  if [ "$status" = 2 ] && [ "$FUTUSWARM_SWARM_INIT" = true ]; then
    # No swarm anywhere in the cluster: this node makes it, then stores the join tokens.
    # Without a pool Swarm takes overlay subnets from 10.0.0.0/8, which may be the VPC's own range.
    docker swarm init --advertise-addr "$addr" --default-addr-pool "$FUTUSWARM_OVERLAY_POOL" --default-addr-pool-mask-length 24 >/dev/null
    publish
    say "created the swarm"
    exit 0
  fi
  tries=$((tries + 1))
  if [ $(($(date +%s) - started)) -ge "${FUTUSWARM_JOIN_TIMEOUT:-86400}" ]; then
    say "could not join the swarm within ${FUTUSWARM_JOIN_TIMEOUT:-86400} s; run /usr/local/sbin/futuswarm-swarm-join again once a manager answers"
    exit 1
  fi
  if [ "$tries" -le 60 ]; then sleep "${FUTUSWARM_JOIN_RETRY_SECONDS:-10}"; else sleep "$((${FUTUSWARM_JOIN_RETRY_SECONDS:-10} * 6))"; fi
done
