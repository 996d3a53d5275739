#!/usr/bin/env bash
# Runs the cluster's own join script (templates/swarm-join.sh, what cloud-init runs on every
# instance) for a node of the local cluster, against the local state bucket in moto:
#
#   bash scripts/local-swarm-join.sh manager ADVERTISE_ADDR            publish the tokens and this manager's address
#   bash scripts/local-swarm-join.sh worker ADVERTISE_ADDR DOCKER_HOST  join that engine to the swarm
#
# What an instance learns from its metadata and node.env comes from here instead; the AWS CLI
# is the one installed beside moto (scripts/local-cluster.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
CACHE=${FUTUSWARM_CACHE:-$HOME/.cache/futuswarm}
MOTO_PORT=${FUTUSWARM_MOTO_PORT:-5055}
kind=${1:?usage: $0 manager|worker ADVERTISE_ADDR [DOCKER_HOST]}
addr=${2:?usage: $0 manager|worker ADVERTISE_ADDR [DOCKER_HOST]}
docker_host=${3:-unix:///var/run/docker.sock}
[ -x "$CACHE/venv/bin/aws" ] || { echo "local-swarm-join: no AWS CLI in $CACHE/venv: run scripts/local-cluster.sh up first" >&2; exit 1; }

run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
{
  echo "FUTUSWARM_REGION=eu-north-1"
  echo "FUTUSWARM_BUCKET=futuswarm-local-state"
  echo "FUTUSWARM_KMS_KEY=alias/futuswarm-local"
  echo "FUTUSWARM_NODE_KIND=$kind"
  echo "FUTUSWARM_SWARM_INIT=false"
  echo "FUTUSWARM_JOIN_KEY=cluster/swarm/join-$kind.json"
  echo "FUTUSWARM_WORKER_JOIN_KEY=cluster/swarm/join-worker.json"
  echo "FUTUSWARM_MANAGERS_PREFIX=cluster/swarm/managers/"
  echo "FUTUSWARM_OVERLAY_POOL=10.128.0.0/12"
  echo "FUTUSWARM_ADVERTISE_ADDR=$addr"
  # A local node that cannot join within a minute will not join at all.
  echo "FUTUSWARM_JOIN_TIMEOUT=60"
  echo "FUTUSWARM_JOIN_RETRY_SECONDS=2"
} >"$run/node.env"
env PATH="$CACHE/venv/bin:$PATH" DOCKER_HOST="$docker_host" FUTUSWARM_NODE_ENV="$run/node.env" FUTUSWARM_RUN_DIR="$run" \
  AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
  sh "$ROOT/templates/swarm-join.sh"
