#!/usr/bin/env bash
# More swarm nodes for the local cluster: each a network namespace on this machine with its own
# dockerd, sshd and agent, joined to the swarm by the cluster's own join script
# (templates/swarm-join.sh), as an instance joins on AWS.
#
#   bash scripts/local-node.sh up [worker N | manager N]     start the node and join it (idempotent)
#   bash scripts/local-node.sh down [worker N | manager N]   leave the swarm, stop its daemons, remove the namespace
#   bash scripts/local-node.sh status [worker N | manager N]
#   bash scripts/local-node.sh kill [worker N | manager N]   lose the node abruptly, as a machine that dies:
#                                                            its link goes down and every process of it
#                                                            (dockerd, containerd, its containers) gets SIGKILL
#   bash scripts/local-node.sh list                          the nodes whose namespace exists, one per line
#
# Without a node, `worker 1`. Worker N is futuswarm-nodeN on 10.231.0.(N+1); manager N (N ≥ 2: the
# first manager is this machine) is futuswarm-managerN on 10.231.0.(N+100). Each namespace hangs
# on the bridge futuswarm0, where this machine (the first manager) advertises the swarm and
# offers moto, LDAP, PostgreSQL and Redis: overlay networks span every node, so the proxy on
# any manager reaches a task on any node.
#
# Images reach a node only through the cluster registry, as on AWS; the node starts with the
# proxy's and the registry's images, which real nodes pull from their public registries.
# Needs the local cluster (scripts/local-cluster.sh up): the swarm, the agent and the node key.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
SSH_PORT=${FUTUSWARM_SSH_PORT:-2222}
MOTO_PORT=${FUTUSWARM_MOTO_PORT:-5055}
NET=10.231.0
HOST_ADDR=$NET.1
BRIDGE=futuswarm0
ETC=/etc/futuswarm
PREFIX=/opt/futuswarm
ACCOUNT=futuswarm
NODE=$ROOT/node_modules/node/bin/node
CLUSTER_FILE=${XDG_CONFIG_HOME:-$HOME/.config}/futuswarm/local/cluster.yaml
IMAGES=("localhost/traefik:${TRAEFIK_VERSION:-v3.6.12}" "localhost/registry:${REGISTRY_VERSION:-v3.1.2}")

say() { printf '› %s\n' "$*"; }
die() { printf 'local-node: %s\n' "$*" >&2; exit 1; }

# select_node worker|manager N: every name and path of that node.
select_node() {
  KIND=$1 INDEX=$2
  [[ "$INDEX" =~ ^[0-9]+$ ]] || die "node number must be a number, not '$INDEX'"
  case "$KIND" in
    worker)
      [ "$INDEX" -ge 1 ] && [ "$INDEX" -le 50 ] || die "worker numbers go from 1 to 50"
      NS=fsnode$INDEX NAME=futuswarm-node$INDEX IFP=fsn$INDEX NODE_ADDR=$NET.$((INDEX + 1)) ;;
    manager)
      [ "$INDEX" -ge 2 ] && [ "$INDEX" -le 9 ] || die "manager numbers go from 2 to 9 (manager 1 is this machine)"
      NS=fsmgr$INDEX NAME=futuswarm-manager$INDEX IFP=fsm$INDEX NODE_ADDR=$NET.$((INDEX + 100)) ;;
    *) die "a node is 'worker N' or 'manager N', not '$KIND'" ;;
  esac
  HOST_IF=$IFP-h NODE_IF=$IFP-n
  RUN=/run/$NS DATA=/var/lib/$NS SOCK=/run/$NS/docker.sock
  NODE_ETC=$ETC/${NS#fs}
  NODE_AGENT=$PREFIX/${NS#fs}/bin/futuswarm-agent
  DOCKERD_LOG=/var/log/$NS-dockerd.log SSHD_LOG=/var/log/$NS-sshd.log SSHD_PID=$RUN/sshd.pid
}
node_docker() { docker -H "unix://$SOCK" "$@"; }
in_ns() { nsenter --net="/run/netns/$NS" "$@"; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

ensure_netns() {
  [ -e "/run/netns/$NS" ] || ip netns add "$NS"
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
  # Up again after `kill`: the machine is back on the network.
  ip link set "$HOST_IF" up
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
  say "dockerd of $NAME running with the proxy's and the registry's images"
}

# A manager whose join never completed still counts in the managers' Raft group: with two
# members and one of them silent, the swarm has no quorum and answers nothing. Stop its engine,
# have the swarm forget it, and if the swarm cannot (no quorum left), make this machine's
# manager a swarm of one again, as an operator recovers a swarm (--force-new-cluster).
forget_half_joined_manager() {
  local id
  id=$(timeout 10 docker -H "unix://$SOCK" info --format '{{.Swarm.NodeID}}' 2>/dev/null || true)
  if alive "$RUN/docker.pid"; then
    kill "$(cat "$RUN/docker.pid")" 2>/dev/null || true
    local i
    for i in $(seq 100); do alive "$RUN/docker.pid" || break; sleep 0.1; done
  fi
  # Its engine would come back as the member the swarm is about to forget, and refuse every
  # join after ("already part of a swarm").
  rm -rf "$DATA/docker/swarm"
  if [ -n "$id" ]; then
    timeout 20 docker node demote "$id" >/dev/null 2>&1 || true
    timeout 20 docker node rm --force "$id" >/dev/null 2>&1 || true
  fi
  if ! timeout 20 docker node ls >/dev/null 2>&1; then
    say "the swarm lost its quorum to $NAME's join; making this machine's manager a swarm of one again"
    timeout 120 docker swarm init --force-new-cluster --advertise-addr "$HOST_ADDR" >/dev/null || say "could not: run docker swarm init --force-new-cluster --advertise-addr $HOST_ADDR"
    [ -n "$id" ] && timeout 20 docker node rm --force "$id" >/dev/null 2>&1 || true
  fi
}

ensure_joined() {
  [ "$(docker info --format '{{.Swarm.ControlAvailable}}')" = true ] || die "this machine is not a swarm manager: run scripts/local-cluster.sh up first"
  # As an instance does: the cluster's join script, with the tokens and managers from the bucket.
  if ! bash "$ROOT/scripts/local-swarm-join.sh" "$KIND" "$NODE_ADDR" "unix://$SOCK"; then
    [ "$KIND" = manager ] && forget_half_joined_manager
    die "$NAME could not join the swarm"
  fi
  [ "$(node_docker info --format '{{.Swarm.LocalNodeState}}')" = active ] || die "$NAME is not in the swarm after the join script"
  local id i
  id=$(node_docker info --format '{{.Swarm.NodeID}}')
  for i in $(seq 100); do [ "$(docker node inspect "$id" --format '{{.Status.State}}' 2>/dev/null)" = ready ] && break; sleep 0.2; done
  [ "$(docker node inspect "$id" --format '{{.Status.State}}')" = ready ] || die "$NAME joined but is not ready"
  say "$NAME is a ready swarm $KIND ($id)"
}

# The node's agent: the manager's install, with this node's config, AWS endpoint and Docker socket.
ensure_agent() {
  [ -s "$ETC/node-key.pub" ] || die "no node key: run scripts/local-cluster.sh up first"
  install -d -m 755 -o root -g root "$(dirname "$(dirname "$NODE_AGENT")")" "$(dirname "$NODE_AGENT")"
  install -d -m 750 -o root -g "$ACCOUNT" "$NODE_ETC"
  # This machine's agent.env names moto on 127.0.0.1, which a namespace does not reach.
  sed "s|^AWS_ENDPOINT_URL=.*|AWS_ENDPOINT_URL=http://$HOST_ADDR:$MOTO_PORT|" "$ETC/agent.env" >"$NODE_ETC/agent.env.tmp"
  chown "root:$ACCOUNT" "$NODE_ETC/agent.env.tmp" && chmod 640 "$NODE_ETC/agent.env.tmp" && mv "$NODE_ETC/agent.env.tmp" "$NODE_ETC/agent.env"
  cat >"$NODE_AGENT.tmp" <<WRAPPER
#!/bin/sh
set -a; . $NODE_ETC/agent.env; set +a
export FUTUSWARM_AGENT_CONFIG=$NODE_ETC/agent.yaml FUTUSWARM_DOCKER_SOCKET=$SOCK
[ -w /var/cache/futuswarm/node-compile-cache ] && export NODE_COMPILE_CACHE=/var/cache/futuswarm/node-compile-cache
exec $PREFIX/bin/node $PREFIX/lib/agent.js "\$@"
WRAPPER
  chmod 755 "$NODE_AGENT.tmp" && mv "$NODE_AGENT.tmp" "$NODE_AGENT"
  # A worker's agent.yaml as cloud-init writes it (buildAgentConfig) with the local wrapper, plain
  # HTTP and the node channel on this bridge over it; a manager's is this machine's, with the
  # LDAP rig forwarded onto the node's own loopback (ensure_ldap_forward).
  local settings
  if [ "$KIND" = manager ]; then
    settings=$(bash "$ROOT/scripts/local-cluster.sh" settings "$NODE_AGENT" "ldap://127.0.0.1")
  else
    settings=$(jq -n --arg pub "$(cat "$ETC/node-key.pub")" --arg agent "$NODE_AGENT" --arg net "$NET.0/24" --argjson port "$SSH_PORT" \
      '{bucket: "futuswarm-local-state", role: "worker", nodePublicKey: $pub,
        overrides: {scheme: "http", agentCommand: $agent, nodeChannel: {from: [$net], port: $port}}}')
  fi
  "$NODE" "$ROOT/scripts/local-install.ts" config "$CLUSTER_FILE" "$settings" >"$NODE_ETC/agent.yaml.tmp" 9>&- ||
    die "could not write the node's agent config: $(cat "$NODE_ETC/agent.yaml.tmp")"
  chown "root:$ACCOUNT" "$NODE_ETC/agent.yaml.tmp" && chmod 640 "$NODE_ETC/agent.yaml.tmp" && mv "$NODE_ETC/agent.yaml.tmp" "$NODE_ETC/agent.yaml"
}

# A manager's agent reads the directory as this machine's does, on its loopback: a plain TCP
# forwarder in the namespace to the LDAP rig on the bridge (plain ldap:// is for loopback only).
ensure_ldap_forward() {
  [ "$KIND" = manager ] || return 0
  local port=${FUTUSWARM_LDAP_PORT:-3890} i
  if alive "$RUN/ldap-forward.pid" && in_ns bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then return 0; fi
  in_ns setsid socat "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" "TCP:$HOST_ADDR:$port" </dev/null >/dev/null 2>&1 9>&- &
  echo $! >"$RUN/ldap-forward.pid"
  for i in $(seq 50); do in_ns bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null && break; sleep 0.1; done
  say "LDAP on 127.0.0.1:$port of $NAME (forwarded to $HOST_ADDR)"
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
  say "$(in_ns "$NODE_AGENT" node:register --addr "$NODE_ADDR" --hostname "$NAME" --host-key "$NODE_ETC/ssh_host_ed25519_key.pub")"
}

cmd_up() {
  [ "$(id -u)" = 0 ] || die "run as root"
  ensure_netns
  ensure_dockerd
  ensure_joined
  ensure_agent
  ensure_ldap_forward
  ensure_sshd
  register
}

# Every process of the node: those in its network namespace and its containers' cgroups.
node_pids() {
  { ip netns pids "$NS" 2>/dev/null || true; cat /sys/fs/cgroup/*/"$NS"/*/cgroup.procs 2>/dev/null || true; } | sort -u
}

cmd_kill() {
  [ -e "/run/netns/$NS" ] || die "$NAME does not run"
  ip link set "$HOST_IF" down
  local pids
  pids=$(node_pids)
  # shellcheck disable=SC2086
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
  say "$NAME is lost: link down, $(wc -w <<<"$pids") process(es) killed"
}

# A manager leaves the swarm's Raft group first (demoted), so the managers left keep their quorum.
# A node that was lost (cmd_kill) cannot leave: the manager forgets it, and so does its own data.
# Its engine is asked with a time limit: one stuck joining (swarm "pending") never answers.
cmd_down() {
  local id='' i
  if timeout 10 docker -H "unix://$SOCK" info >/dev/null 2>&1; then
    id=$(timeout 10 docker -H "unix://$SOCK" info --format '{{.Swarm.NodeID}}')
    if [ -n "$id" ] && [ "$KIND" = manager ]; then
      docker node demote "$id" >/dev/null 2>&1 || true
      for i in $(seq 50); do [ "$(timeout 10 docker -H "unix://$SOCK" info --format '{{.Swarm.ControlAvailable}}')" = false ] && break; sleep 0.2; done
    fi
    timeout 30 docker -H "unix://$SOCK" swarm leave --force >/dev/null 2>&1 || true
    if [ -n "$id" ]; then
      for i in $(seq 50); do [ "$(docker node inspect "$id" --format '{{.Status.State}}' 2>/dev/null)" != ready ] && break; sleep 0.2; done
    fi
  else
    rm -rf "$DATA/docker/swarm"
  fi
  [ -n "$id" ] || id=$(docker node ls --format '{{.ID}} {{.Hostname}}' 2>/dev/null | awk -v name="$NAME" '$2 == name { print $1 }')
  for i in $id; do
    docker node demote "$i" >/dev/null 2>&1 || true
    docker node rm --force "$i" >/dev/null 2>&1 || true
  done
  if alive "$RUN/docker.pid"; then
    kill "$(cat "$RUN/docker.pid")" 2>/dev/null || true
    for i in $(seq 100); do alive "$RUN/docker.pid" || break; sleep 0.1; done
  fi
  if alive "$SSHD_PID"; then kill "$(cat "$SSHD_PID")"; fi
  local pids
  pids=$(node_pids)
  # shellcheck disable=SC2086
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
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

cmd_list() {
  local ns
  for ns in $(ip netns list | awk '{print $1}' | sort -V); do
    case "$ns" in
      fsnode[0-9]*) echo "worker ${ns#fsnode}" ;;
      fsmgr[0-9]*) echo "manager ${ns#fsmgr}" ;;
    esac
  done
}

command=${1:-}
[ "$command" = list ] && { cmd_list; exit 0; }
select_node "${2:-worker}" "${3:-1}"
case "$command" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  kill) cmd_kill ;;
  *) echo "usage: $0 up|down|status|kill [worker N | manager N] | list" >&2; exit 2 ;;
esac
