#!/usr/bin/env bash
# A second swarm node for the local cluster: a worker with its own dockerd, sshd and agent in a
# network namespace on this machine, so that what crosses nodes (app:exec into a task on
# another node, through the node channel) is tested for real.
#
#   bash scripts/local-node.sh up       start the node and join it to the swarm (idempotent)
#   bash scripts/local-node.sh down     leave the swarm, stop its daemons, remove the namespace
#   bash scripts/local-node.sh status
#
# Needs the local cluster (scripts/local-cluster.sh up): the swarm, the installed agent and the
# node key. The node is meant to live only while a test needs it: the manager advertises
# itself on 127.0.0.1, so overlay traffic between the two nodes does not flow (the proxy
# cannot reach tasks on this node), and tasks of other apps must not land here.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
SSH_PORT=${FUTUSWARM_SSH_PORT:-2222}
NS=fsnode1
NAME=futuswarm-node1
HOST_IF=fsn1-h
NODE_IF=fsn1-n
NET=10.231.0
HOST_ADDR=$NET.1
BRIDGE=futuswarm0
NODE_ADDR=$NET.2
RUN=/run/fsnode1
DATA=/var/lib/fsnode1
SOCK=$RUN/docker.sock
ETC=/etc/futuswarm
NODE_ETC=$ETC/node1
PREFIX=/opt/futuswarm
NODE_AGENT=$PREFIX/node1/bin/futuswarm-agent
ACCOUNT=futuswarm
DOCKERD_LOG=/var/log/fsnode1-dockerd.log
SSHD_LOG=/var/log/fsnode1-sshd.log
SSHD_PID=$RUN/sshd.pid
NODE=$ROOT/node_modules/node/bin/node
CLUSTER_FILE=${XDG_CONFIG_HOME:-$HOME/.config}/futuswarm/local/cluster.yaml
# The cluster registry's image is the node's own, as on AWS where every node pulls it from its
# public registry; app images come only from the cluster registry.
IMAGES=(localhost/hello:1 localhost/hello:2 localhost/hello:3 "localhost/registry:${REGISTRY_VERSION:-v3.1.2}")

say() { printf '› %s\n' "$*"; }
die() { printf 'local-node: %s\n' "$*" >&2; exit 1; }
node_docker() { docker -H "unix://$SOCK" "$@"; }
in_ns() { nsenter --net="/run/netns/$NS" "$@"; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

ensure_netns() {
  [ -e "/run/netns/$NS" ] || ip netns add "$NS"
  # This machine's end is a port of the bridge that holds $HOST_ADDR (scripts/local-cluster.sh),
  # where the data services listen too: tasks on this node reach them as on the manager.
  ip link show "$BRIDGE" >/dev/null 2>&1 || die "bridge $BRIDGE missing: run scripts/local-cluster.sh up first"
  if ! ip link show "$HOST_IF" >/dev/null 2>&1; then
    ip link add "$HOST_IF" type veth peer name "$NODE_IF"
    ip link set "$NODE_IF" netns "$NS"
    ip link set "$HOST_IF" master "$BRIDGE"
    ip link set "$HOST_IF" up
    ip -n "$NS" addr add "$NODE_ADDR/24" dev "$NODE_IF"
    ip -n "$NS" link set "$NODE_IF" up
    ip -n "$NS" link set lo up
    ip -n "$NS" route add default via "$HOST_ADDR"
  fi
  say "network namespace $NS: $NODE_ADDR, this machine $HOST_ADDR"
}

# nsenter (not `ip netns exec`, which remounts /sys and hides the cgroup mounts dockerd needs);
# its own UTS namespace, so Swarm knows the node by its own host name.
ensure_dockerd() {
  mkdir -p "$RUN" "$DATA"
  if ! node_docker info >/dev/null 2>&1; then
    say "starting dockerd for $NAME"
    in_ns unshare --uts sh -c "hostname $NAME && exec setsid dockerd --data-root $DATA/docker --exec-root $RUN/docker \
      --pidfile $RUN/docker.pid -H unix://$SOCK --cgroup-parent $NS" >"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
    local i
    for i in $(seq 100); do node_docker info >/dev/null 2>&1 && break; sleep 0.2; done
    node_docker info >/dev/null 2>&1 || { tail -n 20 "$DOCKERD_LOG" >&2; die "dockerd of $NAME did not start"; }
  fi
  local missing=()
  for image in "${IMAGES[@]}"; do node_docker image inspect "$image" >/dev/null 2>&1 || missing+=("$image"); done
  if [ ${#missing[@]} -gt 0 ]; then docker save "${missing[@]}" | node_docker load -q >/dev/null; fi
  say "dockerd of $NAME running with ${#IMAGES[@]} images: ${IMAGES[*]}"
}

ensure_joined() {
  [ "$(docker info --format '{{.Swarm.ControlAvailable}}')" = true ] || die "this machine is not a swarm manager: run scripts/local-cluster.sh up first"
  # As an instance does: the cluster's join script, with the tokens and managers from the bucket.
  bash "$ROOT/scripts/local-swarm-join.sh" worker "$NODE_ADDR" "unix://$SOCK" || die "$NAME could not join the swarm"
  [ "$(node_docker info --format '{{.Swarm.LocalNodeState}}')" = active ] || die "$NAME is not in the swarm after the join script"
  local id i
  id=$(node_docker info --format '{{.Swarm.NodeID}}')
  for i in $(seq 100); do [ "$(docker node inspect "$id" --format '{{.Status.State}}' 2>/dev/null)" = ready ] && break; sleep 0.2; done
  [ "$(docker node inspect "$id" --format '{{.Status.State}}')" = ready ] || die "$NAME joined but is not ready"
  say "$NAME is a ready swarm worker ($id)"
}

# The node's agent: the manager's install, with this node's config and Docker socket.
ensure_agent() {
  [ -s "$ETC/node-key.pub" ] || die "no node key: run scripts/local-cluster.sh up first"
  install -d -m 755 -o root -g root "$PREFIX/node1" "$PREFIX/node1/bin"
  cat >"$NODE_AGENT.tmp" <<EOF
#!/bin/sh
export FUTUSWARM_AGENT_CONFIG=$NODE_ETC/agent.yaml FUTUSWARM_DOCKER_SOCKET=$SOCK
exec $PREFIX/bin/futuswarm-agent "\$@"
EOF
  chmod 755 "$NODE_AGENT.tmp" && mv "$NODE_AGENT.tmp" "$NODE_AGENT"
  install -d -m 750 -o root -g "$ACCOUNT" "$NODE_ETC"
  # A worker's agent.yaml as cloud-init writes it on AWS (buildAgentConfig), with the local
  # wrapper, plain HTTP and the node channel on this bridge laid over it.
  local settings
  settings=$(jq -n --arg pub "$(cat "$ETC/node-key.pub")" --arg agent "$NODE_AGENT" --arg net "$NET.0/24" --argjson port "$SSH_PORT" \
    '{bucket: "futuswarm-local-state", role: "worker", nodePublicKey: $pub,
      overrides: {scheme: "http", agentCommand: $agent, nodeChannel: {from: [$net], port: $port}}}')
  "$NODE" "$ROOT/scripts/local-install.ts" config "$CLUSTER_FILE" "$settings" >"$NODE_ETC/agent.yaml.tmp" 9>&- ||
    die "could not write the node's agent config: $(cat "$NODE_ETC/agent.yaml.tmp")"
  chown "root:$ACCOUNT" "$NODE_ETC/agent.yaml.tmp" && chmod 640 "$NODE_ETC/agent.yaml.tmp" && mv "$NODE_ETC/agent.yaml.tmp" "$NODE_ETC/agent.yaml"
}

ensure_sshd() {
  [ -f "$NODE_ETC/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "$NAME" -f "$NODE_ETC/ssh_host_ed25519_key" </dev/null
  "$NODE" "$ROOT/scripts/local-install.ts" sshd "$(jq -n --argjson port "$SSH_PORT" --arg listen "$NODE_ADDR" --arg key "$NODE_ETC/ssh_host_ed25519_key" \
    --arg pid "$SSHD_PID" --arg agent "$NODE_AGENT" --arg account "$ACCOUNT" \
    '{port: $port, listen: $listen, hostKey: $key, pidFile: $pid, agentCommand: $agent, account: $account, owner: "scripts/local-node.sh"}')" \
    >"$NODE_ETC/sshd_config" 9>&- || die "could not write the node's sshd config"
  /usr/sbin/sshd -t -f "$NODE_ETC/sshd_config" || die "generated sshd config is invalid"
  if alive "$SSHD_PID"; then
    kill -HUP "$(cat "$SSHD_PID")"
  else
    mkdir -p /run/sshd
    in_ns /usr/sbin/sshd -f "$NODE_ETC/sshd_config" -E "$SSHD_LOG" 9>&-
  fi
  local i
  for i in $(seq 50); do in_ns bash -c "exec 3<>/dev/tcp/$NODE_ADDR/$SSH_PORT" 2>/dev/null && break; sleep 0.1; done
  say "sshd of $NAME on $NODE_ADDR:$SSH_PORT"
}

register() {
  say "$("$NODE_AGENT" node:register --addr "$NODE_ADDR" --hostname "$NAME" --host-key "$NODE_ETC/ssh_host_ed25519_key.pub")"
}

cmd_up() {
  [ "$(id -u)" = 0 ] || die "run as root"
  ensure_netns
  ensure_dockerd
  ensure_joined
  ensure_agent
  ensure_sshd
  register
}

cmd_down() {
  if node_docker info >/dev/null 2>&1; then
    local id
    id=$(node_docker info --format '{{.Swarm.NodeID}}')
    node_docker swarm leave --force >/dev/null 2>&1 || true
    if [ -n "$id" ]; then
      local i
      for i in $(seq 50); do [ "$(docker node inspect "$id" --format '{{.Status.State}}' 2>/dev/null)" != ready ] && break; sleep 0.2; done
      docker node rm --force "$id" >/dev/null 2>&1 || true
    fi
    kill "$(cat "$RUN/docker.pid")" 2>/dev/null || true
    for i in $(seq 100); do alive "$RUN/docker.pid" || break; sleep 0.1; done
  fi
  if alive "$SSHD_PID"; then kill "$(cat "$SSHD_PID")"; fi
  ip link del "$HOST_IF" 2>/dev/null || true
  [ -e "/run/netns/$NS" ] && ip netns del "$NS"
  say "$NAME is gone (its images stay in $DATA for next time)"
}

cmd_status() {
  if node_docker info >/dev/null 2>&1; then
    say "dockerd of $NAME running, swarm $(node_docker info --format '{{.Swarm.LocalNodeState}}')"
  else
    say "$NAME not running"
  fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
