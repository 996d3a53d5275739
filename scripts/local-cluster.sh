#!/usr/bin/env bash
# Turns this machine into a one-node futuswarm cluster: Docker in swarm mode, the agent
# installed as on a real manager, a private sshd on loopback for the shared `futuswarm`
# account, moto as the AWS endpoint, a few sample images made offline, and the proxy and the
# image registry (Traefik and Distribution built from source, as imported images) deployed
# through the CLI.
#
# Long because it installs and starts every real part the tests talk to, each as an idempotent
# ensure_* step; what can be TypeScript and tested as data belongs in TypeScript instead.
#
#   bash scripts/local-cluster.sh up [--workers N] [--managers M]
#                                          install / start what is missing (idempotent); with
#                                          --workers / --managers, exactly N more workers and M
#                                          managers in all (this machine is the first), each a
#                                          network namespace (scripts/local-node.sh)
#   bash scripts/local-cluster.sh down     remove those nodes, stop our sshd and moto, remove futuswarm app services, the proxy and the registry
#   bash scripts/local-cluster.sh status   show what runs
#   bash scripts/local-cluster.sh daemon   start the resident agent, or hand over to the agent installed
#   bash scripts/local-cluster.sh settings AGENT LDAP_URL
#                                          the local agent settings for a manager in a namespace
#
# Environment:
#   FUTUSWARM_SSH_PORT   port of the private sshd on 127.0.0.1 (default 2222)
#   FUTUSWARM_MOTO_PORT  port of moto on 127.0.0.1 (default 5055)
#   FUTUSWARM_CACHE      cache for the moto virtualenv (default ~/.cache/futuswarm)
#   FUTUSWARM_MOTO_MAX_MB a moto using more memory than this is started afresh (default 4096; 0: never)
#   FUTUSWARM_LDAP_PORT  port of the LDAP rig (scripts/ldap-rig.sh) on 127.0.0.1 (default 3890)
#   FUTUSWARM_PROXY_PORT host port the proxy publishes for HTTP (default 8080)
#   FUTUSWARM_PG_PORT    port of the PostgreSQL standing in for the shared RDS instance (default 5433)
#   FUTUSWARM_REDIS_PORT port of the Redis standing in for ElastiCache (default 6380)
#   FUTUSWARM_SERVICES_ADDR where tasks reach PostgreSQL and Redis: this machine's address on
#                        the bridge futuswarm0, which every node reaches (default 10.231.0.1)
#   TRAEFIK_VERSION      Traefik to build and run (default v3.6.12; see scripts/build-traefik.sh)
#   REGISTRY_VERSION     CNCF Distribution to build and run (default v3.1.2; scripts/build-registry.sh)
#   FUTUSWARM_REGISTRY_PORT  loopback port of the cluster registry on every node (default 5000)
#
# Must run as root. Needs no terminal: CI runs it on fresh Debian 12 machines.
# `down` leaves dockerd and the swarm running; they are shared with everything else here.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
SSH_PORT=${FUTUSWARM_SSH_PORT:-2222}
MOTO_PORT=${FUTUSWARM_MOTO_PORT:-5055}
CACHE=${FUTUSWARM_CACHE:-$HOME/.cache/futuswarm}
CLIENT_DIR=${XDG_CONFIG_HOME:-$HOME/.config}/futuswarm/local
PROXY_PORT=${FUTUSWARM_PROXY_PORT:-8080}
TRAEFIK_VERSION=${TRAEFIK_VERSION:-v3.6.12}
PROXY_IMAGE=localhost/traefik:$TRAEFIK_VERSION
REGISTRY_VERSION=${REGISTRY_VERSION:-v3.1.2}
REGISTRY_IMAGE=localhost/registry:$REGISTRY_VERSION
REGISTRY_PORT=${FUTUSWARM_REGISTRY_PORT:-5000}
REGISTRY_SERVICE=futuswarm-registry
REGISTRY_LABEL=futuswarm.registry
PG_PORT=${FUTUSWARM_PG_PORT:-5433}
REDIS_PORT=${FUTUSWARM_REDIS_PORT:-6380}
SERVICES_ADDR=${FUTUSWARM_SERVICES_ADDR:-10.231.0.1}
SERVICES_BRIDGE=futuswarm0

# zsh and fish: the tests of `futuswarm completion` run the scripts in each shell. procps: the
# resident agent's tests find its processes with pgrep.
PACKAGES=(docker.io openssh-server busybox-static python3-venv slapd ldap-utils redis-server postgresql cloud-init jq socat zsh fish procps sudo)
ACCOUNT=futuswarm
ACCOUNT_HOME=/var/lib/futuswarm
PREFIX=/opt/futuswarm
AGENT_CMD=$PREFIX/bin/futuswarm-agent
ETC=/etc/futuswarm
SSHD_DIR=$ETC/sshd
SSHD_CONFIG=$SSHD_DIR/sshd_config
SSHD_HOST_KEY=$SSHD_DIR/ssh_host_ed25519_key
SSHD_PID=/run/futuswarm-sshd.pid
SSHD_LOG=/var/log/futuswarm-sshd.log
DOCKERD_LOG=/var/log/futuswarm-dockerd.log
MOTO_PID=/run/futuswarm-moto.pid
MOTO_FORWARD_PID=/run/futuswarm-moto-forward.pid
LDAP_FORWARD_PID=/run/futuswarm-ldap-forward.pid
MOTO_LOG=/var/log/futuswarm-moto.log
VENV=$CACHE/venv
LOCK=/run/lock/futuswarm-local-cluster.lock
LDAP_PORT=${FUTUSWARM_LDAP_PORT:-3890}
LDAP_SUFFIX=dc=futuswarm,dc=test
KEY_CACHE=/var/cache/futuswarm/keys
# The resident agent (futuswarm-agent supervise/daemon), as futuswarm-agent.service runs it on a manager.
DAEMON_DIR=/run/futuswarm
DAEMON_SOCKET=$DAEMON_DIR/agent.sock
DAEMON_PID=$DAEMON_DIR/supervise.pid
AGENT_LOG_DIR=/var/log/futuswarm
AGENT_LOG=$AGENT_LOG_DIR/agent.log
# The AWS side of the cluster, bootstrapped in moto; PostgreSQL and Redis play RDS and ElastiCache.
CLUSTER_FILE=$CLIENT_DIR/cluster.yaml
AWS_STAMP=/run/futuswarm-local-aws.stamp
PG_DIR=/var/lib/futuswarm-postgres
PG_PASSWORD=$PG_DIR/superuser-password
REDIS_DIR=/var/lib/futuswarm-redis
REDIS_PASSWORD=$ETC/redis-admin-password
KEYS_LOG=/var/log/futuswarm/authorized-keys.log
IMAGE_LABEL=futuswarm.sample
APP_LABEL=futuswarm.app
PROXY_LABEL=futuswarm.proxy
PROXY_SERVICE=futuswarm-proxy
NODE=$ROOT/node_modules/node/bin/node
CLI=$ROOT/bin/futuswarm.cjs

say() { printf '› %s\n' "$*"; }
die() { printf 'local-cluster: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- helpers

# write_file DEST MODE OWNER:GROUP < content — replaces DEST only when the content differs.
# Returns 0 when the file was written, 1 when it was already up to date.
write_file() {
  local dest=$1 mode=$2 owner=$3 tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    chmod "$mode" "$dest"; chown "$owner" "$dest"
    return 1
  fi
  install -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$tmp" "$dest" || die "cannot write $dest"
  rm -f "$tmp"
  return 0
}

# copy_file SRC DEST MODE — copies (root-owned) only when the content differs.
copy_file() {
  local src=$1 dest=$2 mode=$3
  if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
    chmod "$mode" "$dest"; chown root:root "$dest"
    return 1
  fi
  install -m "$mode" -o root -g root "$src" "$dest.new" && mv -f "$dest.new" "$dest" ||
    die "cannot install $dest"
  return 0
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# pid_is FILE WORD — the process in FILE is alive and its command line contains WORD.
pid_is() {
  local cmdline
  pid_alive "$1" && cmdline=$(tr '\0' ' ' <"/proc/$(cat "$1")/cmdline" 2>/dev/null) &&
    [[ $cmdline == *"$2"* ]]
}

docker_up() { docker info >/dev/null 2>&1; }

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

# apt-get update, waiting for another apt run (an unattended upgrade, a parallel install).
apt_update() {
  local out tries=0
  out=$(mktemp)
  until apt-get -o DPkg::Lock::Timeout=600 update -q >"$out" 2>&1; do
    if grep -q 'Could not get lock' "$out" && [ $((tries += 1)) -lt 120 ]; then
      sleep 5
      continue
    fi
    cat "$out" >&2; rm -f "$out"
    die "apt-get update failed"
  done
  rm -f "$out"
}

stop_pidfile() { # stop_pidfile FILE WORD NAME
  local file=$1 word=$2 name=$3 pid i
  if ! pid_is "$file" "$word"; then
    say "$name not running"
    rm -f "$file"
    return
  fi
  pid=$(cat "$file")
  say "stopping $name (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
  rm -f "$file"
}

# ---------------------------------------------------------------- steps of `up`

preflight() {
  [ "$(id -u)" = 0 ] || die "must run as root"
  [ -f "$ROOT/dist/agent/agent.js" ] || die "$ROOT/dist/agent/agent.js not found: run 'npm run build' first"
  [ -x "$ROOT/node_modules/node/bin/node" ] ||
    die "$ROOT/node_modules/node/bin/node not found: run 'npm ci' first (the agent needs Node 24)"
  [ -f "$ROOT/templates/sshd_config.futuswarm" ] || die "templates/sshd_config.futuswarm missing"
  [ -f "$ROOT/dist/cli/cli.cjs" ] || die "$ROOT/dist/cli/cli.cjs not found: run 'npm run build' first"
}

ensure_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
  if [ ${#missing[@]} -eq 0 ]; then
    say "packages already installed"
    return
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_update
  apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}" >/dev/null
}

ensure_dockerd() {
  if docker_up; then
    say "dockerd already running"
    return
  fi
  local pid i
  if pid_is /var/run/docker.pid dockerd; then
    pid=$(cat /var/run/docker.pid)
    say "dockerd (pid $pid) is starting, waiting"
  else
    say "starting dockerd"
    setsid dockerd >"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
    pid=$!
  fi
  for i in $(seq 60); do
    docker_up && return
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  cat "$DOCKERD_LOG" >&2 || true
  die "dockerd did not start (log: $DOCKERD_LOG)"
}

# The manager advertises its address on the bridge futuswarm0, which every node in a network
# namespace reaches (scripts/local-node.sh): Swarm's control traffic and the VXLAN of overlay
# networks flow between nodes only through an address they all reach, never 127.0.0.1.
ensure_swarm() {
  local state addr
  state=$(docker info --format '{{.Swarm.LocalNodeState}}')
  addr=$(docker info --format '{{.Swarm.NodeAddr}}')
  if [ "$state" = active ] && [ "$addr" = "$SERVICES_ADDR" ]; then
    say "swarm already active, advertised on $SERVICES_ADDR"
  else
    if [ "$state" = active ]; then
      # A swarm of an older local cluster, advertised where no other node reaches it. Its
      # services are made again below; apps come back from the state bucket with app:deploy.
      say "the swarm advertises $addr, which other nodes cannot reach: making it again on $SERVICES_ADDR"
      docker swarm leave --force >/dev/null
    fi
    say "initialising swarm on $SERVICES_ADDR"
    docker swarm init --advertise-addr "$SERVICES_ADDR" >/dev/null
  fi
  ensure_raft_snapshots
}

# A manager that joins replays the Raft log since the last snapshot, one entry after another,
# and on this machine's disk that takes about 30 ms an entry. Swarm snapshots every 10000
# entries by default, so a swarm that has lived through a few test runs made a new manager
# replay thousands: it took minutes, Docker's join gave up, and the swarm lost its quorum
# waiting for the new member. Snapshots every 200 entries bound that replay to a few seconds.
RAFT_SNAPSHOT_INTERVAL=200
ensure_raft_snapshots() {
  [ "$(docker info --format '{{.Swarm.Cluster.Spec.Raft.SnapshotInterval}}')" = "$RAFT_SNAPSHOT_INTERVAL" ] && return
  docker swarm update --snapshot-interval "$RAFT_SNAPSHOT_INTERVAL" >/dev/null
  say "swarm snapshots its Raft log every $RAFT_SNAPSHOT_INTERVAL entries, so a new manager joins in seconds"
}

ensure_account() {
  if getent passwd "$ACCOUNT" >/dev/null; then
    say "user $ACCOUNT exists"
  else
    say "creating user $ACCOUNT"
    useradd --system --user-group --home-dir "$ACCOUNT_HOME" --create-home --shell /bin/sh "$ACCOUNT"
  fi
  # Without PAM, sshd treats a "!" password as a locked account and refuses key logins too.
  case "$(getent shadow "$ACCOUNT" | cut -d: -f2)" in
    '!'*) usermod -p '*' "$ACCOUNT" ;;
  esac
  [[ " $(id -nG "$ACCOUNT") " == *" docker "* ]] || usermod -aG docker "$ACCOUNT"
}

# The agent bundle's files, as `cluster:bootstrap` packs them for a real node
# (scripts/local-install.ts, src/core/agent-bundle.ts).
install_agent() {
  local out
  install -d -m 755 -o root -g root "$PREFIX"
  out=$("$NODE" "$ROOT/scripts/local-install.ts" agent "$PREFIX" "$CLUSTER_FILE" 2>&1 9>&-) || die "could not install the agent: $out"
  say "$out"
  install -d -m 755 /var/cache/futuswarm
  install -d -m 700 -o "$ACCOUNT" -g "$ACCOUNT" /var/cache/futuswarm/node-compile-cache
}

# agent.yaml as cloud-init writes it on a real manager (buildAgentConfig), with what is local
# laid over it: moto, the LDAP rig, PostgreSQL and Redis on the bridge, short test timings.
# (jq comments: moto plays RDS and ElastiCache but its endpoints do not resolve, so the agent
# and the apps reach PostgreSQL and Redis on the bridge, which tasks reach; a short key-cache
# TTL lets tests see a key removed from LDAP stop working within seconds.)
#
# local_settings [AGENT_COMMAND LDAP_HOST_URL]: for this machine, or for a manager in a network
# namespace (scripts/local-node.sh), which runs its own agent wrapper and reaches the LDAP rig
# on the bridge. This machine runs the resident agent; a manager in a namespace serves each
# request with an agent process of its own (no daemon: section).
local_settings() {
  local pub='' agent=${1:-$AGENT_CMD} ldap=${2:-ldap://127.0.0.1} daemon
  [ -s "$ETC/node-key.pub" ] && pub=$(cat "$ETC/node-key.pub")
  if [ $# -eq 0 ]; then
    daemon=$(jq -n --arg socket "$DAEMON_SOCKET" --arg relay "$PREFIX/bin/futuswarm-relay" --arg log "$AGENT_LOG" '{socket: $socket, relayCommand: $relay, logFile: $log}')
  else
    daemon=null
  fi
  jq -n --argjson daemon "$daemon" \
    --arg bucket futuswarm-local-state --arg pub "$pub" --arg agent "$agent" --arg etc "$ETC" \
    --arg proxyImage "$PROXY_IMAGE" --argjson proxyPort "$PROXY_PORT" \
    --arg registryImage "$REGISTRY_IMAGE" --argjson registryPort "$REGISTRY_PORT" \
    --arg moto "http://$SERVICES_ADDR:$MOTO_PORT" --arg ldap "$ldap:$LDAP_PORT" --arg suffix "$LDAP_SUFFIX" \
    --arg nodeNet "$NODE_NET.0/24" --argjson sshPort "$SSH_PORT" --arg keyCache "$KEY_CACHE" --arg keysLog "$KEYS_LOG" \
    --arg services "$SERVICES_ADDR" --argjson pgPort "$PG_PORT" --argjson redisPort "$REDIS_PORT" --arg redisPassword "$REDIS_PASSWORD" '
  {
    bucket: $bucket,
    overrides: {
      scheme: "http",
      agentCommand: $agent,
      usersFile: ($etc + "/users.yaml"),
      deploy: { monitorSeconds: 3, stopGraceSeconds: 5 },
      daemon: $daemon,
      proxy: { image: $proxyImage, httpPort: $proxyPort, refreshSeconds: 1, trustedProxies: null },
      registry: { image: $registryImage, port: $registryPort, storage: { endpoint: $moto, credentials: "agent-env" } },
      ldap: {
        url: $ldap, bindDn: ("cn=futuswarm-agent," + $suffix), baseDn: ("ou=people," + $suffix),
        groupBaseDn: ("ou=groups," + $suffix), adminGroup: "futuswarm-admins", connectTimeoutMs: 1000, timeoutMs: 2000
      },
      keyCache: { dir: $keyCache, ttlSeconds: 2, maxStaleSeconds: 86400, logFile: $keysLog },
      databases: {
        tls: "disable", caFile: null,
        sharedEndpointOverride: { host: $services, port: $pgPort },
        dedicatedEndpointOverride: { host: $services, port: $pgPort }
      },
      caches: { endpointOverride: { host: $services, port: $redisPort, tls: false, adminPasswordFile: $redisPassword } }
    }
  }
  | if $pub == "" then . else .nodePublicKey = $pub | .overrides.nodeChannel = { from: [$nodeNet], port: $sshPort } end'
}

write_agent_config() {
  local changed=() config
  install -d -m 750 -o root -g "$ACCOUNT" "$ETC"
  config=$("$NODE" "$ROOT/scripts/local-install.ts" config "$CLUSTER_FILE" "$(local_settings)" 2>&1 9>&-) || die "could not write the agent config: $config"
  printf '%s\n' "$config" | write_file "$ETC/agent.yaml" 640 "root:$ACCOUNT" && changed+=(agent.yaml)
  write_file "$ETC/agent.env" 640 "root:$ACCOUNT" <<EOF && changed+=(agent.env)
AWS_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT
AWS_REGION=eu-north-1
AWS_ACCESS_KEY_ID=testing
AWS_SECRET_ACCESS_KEY=testing
EOF
  if [ ${#changed[@]} -eq 0 ]; then say "$ETC up to date"; else say "wrote ${changed[*]} in $ETC"; fi
}

# What `admin agent:upgrade` needs on a node, as cloud-init writes it on a real one: the install
# script (templates/install-agent.sh), the sudo rule that lets the agent's account run exactly
# it, and node.env, here naming moto and the venv's AWS CLI.
ensure_upgrade_path() {
  local changed=() bundle_key rule
  bundle_key=$("$NODE" -e 'import("'"$ROOT"'/src/config/cluster-file.ts").then(async (m) => process.stdout.write((await m.loadClusterFile(process.argv[1])).agent.bundleKey))' "$CLUSTER_FILE" 2>&1 9>&-) ||
    die "could not read the agent bundle key of $CLUSTER_FILE: $bundle_key"
  copy_file "$ROOT/templates/install-agent.sh" /usr/local/sbin/futuswarm-install-agent 755 && changed+=(futuswarm-install-agent)
  write_file "$ETC/node.env" 644 root:root <<ENV && changed+=(node.env)
FUTUSWARM_CLUSTER=local
FUTUSWARM_REGION=eu-north-1
FUTUSWARM_BUCKET=futuswarm-local-state
FUTUSWARM_AGENT_BUNDLE=$bundle_key
export AWS_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export PATH=$VENV/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV
  rule=$(mktemp)
  printf '%s ALL=(root) NOPASSWD: /usr/local/sbin/futuswarm-install-agent\n' "$ACCOUNT" >"$rule"
  visudo -cqf "$rule" || die "sudo refuses the rule in $rule"
  write_file /etc/sudoers.d/futuswarm 440 root:root <"$rule" && changed+=(sudoers.d/futuswarm)
  rm -f "$rule"
  if [ ${#changed[@]} -eq 0 ]; then say "agent upgrade path up to date"; else say "wrote ${changed[*]}"; fi
}

# The resident agent, supervised as systemd supervises futuswarm-agent.service on a manager:
# started when missing; when running, SIGHUP hands over to the agent just installed (a new
# daemon takes the socket, the old one finishes its requests), so nothing is dropped.
ensure_daemon() {
  local i before
  install -d -m 700 -o "$ACCOUNT" -g "$ACCOUNT" "$DAEMON_DIR"
  install -d -m 750 -o "$ACCOUNT" -g "$ACCOUNT" "$AGENT_LOG_DIR"
  before=$(stat -c %i "$DAEMON_SOCKET" 2>/dev/null || true)
  if pid_is "$DAEMON_PID" supervise; then
    kill -HUP "$(cat "$DAEMON_PID")"
  else
    rm -f "$DAEMON_PID"
    setsid runuser -u "$ACCOUNT" -- sh -c 'echo $$ >"$1" && exec "$2" supervise' sh "$DAEMON_PID" "$AGENT_CMD" \
      </dev/null >>"$AGENT_LOG_DIR/supervise.log" 2>&1 9>&- &
  fi
  for i in $(seq 200); do
    [ -S "$DAEMON_SOCKET" ] && [ "$(stat -c %i "$DAEMON_SOCKET" 2>/dev/null)" != "$before" ] && break
    sleep 0.1
  done
  [ -S "$DAEMON_SOCKET" ] && [ "$(stat -c %i "$DAEMON_SOCKET")" != "$before" ] ||
    die "the agent daemon did not take $DAEMON_SOCKET; see $AGENT_LOG_DIR/supervise.log and $AGENT_LOG"
  say "agent daemon (pid $(cat "$DAEMON_PID")) serves $DAEMON_SOCKET; log $AGENT_LOG"
}

# The private slapd the agent's ldap: section points at. Its bind password file must be
# readable by sshd's AuthorizedKeysCommandUser ($ACCOUNT), so the account must exist first.
ensure_ldap() {
  local out
  out=$(FUTUSWARM_LDAP_PORT=$LDAP_PORT bash "$ROOT/scripts/ldap-rig.sh" up 2>&1 9>&-) || {
    printf '%s\n' "$out" >&2
    die "the LDAP rig did not start"
  }
  say "$(printf '%s\n' "$out" | grep -m1 '^LDAP rig running' || echo "LDAP rig up on 127.0.0.1:$LDAP_PORT")"
  chown "root:$ACCOUNT" "$ETC/ldap-bind-password"
  chmod 640 "$ETC/ldap-bind-password"
}

# authorized-keys runs as $ACCOUNT and caches LDAP answers here; it trusts the directory only
# when that account owns it and nobody else can write to it.
ensure_key_cache() {
  install -d -m 755 -o root -g root "$(dirname "$KEY_CACHE")"
  install -d -m 700 -o "$ACCOUNT" -g "$ACCOUNT" "$KEY_CACHE"
  # sshd discards the command's stderr; what it reports (stale answers, LDAP errors) goes here.
  install -d -m 750 -o "$ACCOUNT" -g "$ACCOUNT" "$(dirname "$KEYS_LOG")"
  # Made here, so that running the command by hand as root cannot leave a file $ACCOUNT can't append to.
  [ -e "$KEYS_LOG" ] || install -m 640 -o "$ACCOUNT" -g "$ACCOUNT" /dev/null "$KEYS_LOG"
}

# The state bucket and KMS key in moto, as cluster:bootstrap makes them on AWS.
ensure_state() {
  say "$("$AGENT_CMD" state:ensure)"
}

# The join tokens and this manager's address in the state bucket, put there by the cluster's own
# join script (templates/swarm-join.sh), so that local nodes join the way instances do.
ensure_swarm_published() {
  bash "$ROOT/scripts/local-swarm-join.sh" manager "$SERVICES_ADDR" 9>&- ||
    die "could not publish the swarm's join tokens (templates/swarm-join.sh)"
  say "swarm join tokens and manager address $SERVICES_ADDR:2377 in the state bucket"
}

# The cluster's node key (app:exec on other nodes): made once in the state bucket; its public
# half goes into the agent config of every node. The local test node (scripts/local-node.sh)
# lives in a network namespace on NODE_NET.
NODE_NET=10.231.0
ensure_node_key() {
  local pub
  pub=$("$AGENT_CMD" node-key:ensure) || die "could not create the node key"
  printf '%s\n' "$pub" | write_file "$ETC/node-key.pub" 644 root:root && say "node key stored in the state bucket"
  write_agent_config
}

random_hex() { od -An -vtx1 -N "$1" /dev/urandom | tr -d ' \n'; }

aws_env() {
  env AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT" AWS_REGION=eu-north-1 \
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing "$@"
}

pg_bin() { find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1; }

# listener_id PORT — "pid:start time" of the process listening on 127.0.0.1:PORT: changes when
# that server is restarted, whoever started it.
listener_id() {
  local pid
  pid=$(ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
  [ -n "$pid" ] && printf '%s:%s' "$pid" "$(cut -d' ' -f22 "/proc/$pid/stat" 2>/dev/null)"
}

# Tasks cannot reach 127.0.0.1 of this machine (inside a task it is the task itself): the
# data services also listen on this machine's address on a bridge, which tasks here reach
# through docker_gwbridge and other nodes (network namespaces, scripts/local-node.sh) through
# their veth on the bridge. That address is what DATABASE_URL and REDIS_URL name.
ensure_services_bridge() {
  ip link show "$SERVICES_BRIDGE" >/dev/null 2>&1 || ip link add "$SERVICES_BRIDGE" type bridge
  ip -4 addr show dev "$SERVICES_BRIDGE" | grep -qF " $SERVICES_ADDR/" || ip addr add "$SERVICES_ADDR/24" dev "$SERVICES_BRIDGE"
  ip link set "$SERVICES_BRIDGE" up
  # Docker filters bridged traffic and drops what it does not forward itself: the nodes on this
  # bridge (Swarm's Raft, gossip and overlay VXLAN between them) must reach one another.
  iptables -C FORWARD -i "$SERVICES_BRIDGE" -o "$SERVICES_BRIDGE" -j ACCEPT 2>/dev/null ||
    iptables -I FORWARD -i "$SERVICES_BRIDGE" -o "$SERVICES_BRIDGE" -j ACCEPT
  say "bridge $SERVICES_BRIDGE: data services for tasks on $SERVICES_ADDR"
}

# moto and the LDAP rig on the bridge address too, for what runs in every node's own network:
# the registry instances keep their layers in the state bucket, and the agents of managers in
# network namespaces read the bucket and the directory; a namespace cannot reach this
# machine's 127.0.0.1. Plain TCP forwarders; moto and slapd themselves stay on loopback.
ensure_forward() { # ensure_forward NAME PORT PIDFILE
  local name=$1 port=$2 pidfile=$3 i
  if pid_is "$pidfile" socat && (exec 3<>"/dev/tcp/$SERVICES_ADDR/$port") 2>/dev/null; then
    say "$name also on $SERVICES_ADDR:$port"
    return
  fi
  setsid socat "TCP-LISTEN:$port,bind=$SERVICES_ADDR,fork,reuseaddr" "TCP:127.0.0.1:$port" </dev/null >/dev/null 2>&1 9>&- &
  echo $! >"$pidfile"
  for i in $(seq 50); do (exec 3<>"/dev/tcp/$SERVICES_ADDR/$port") 2>/dev/null && break; sleep 0.1; done
  say "$name also on $SERVICES_ADDR:$port (forwarded)"
}
ensure_forwards() {
  ensure_forward moto "$MOTO_PORT" "$MOTO_FORWARD_PID"
  ensure_forward LDAP "$LDAP_PORT" "$LDAP_FORWARD_PID"
}

# A private PostgreSQL as the `postgres` OS user, playing the cluster's shared RDS instance.
ensure_postgres() {
  local bin
  bin=$(pg_bin)
  [ -n "$bin" ] && [ -x "$bin/pg_ctl" ] || die "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl)"
  install -d -m 700 -o postgres -g postgres "$PG_DIR"
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    say "creating PostgreSQL data in $PG_DIR"
    random_hex 24 | write_file "$PG_PASSWORD" 600 postgres:postgres || true
    runuser -u postgres -- "$bin/initdb" -D "$PG_DIR/data" -U postgres --pwfile="$PG_PASSWORD" \
      --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C >/dev/null
  fi
  # Where it listens and who may log in over TCP (with a password): loopback for the agent,
  # the bridge for tasks; `samenet` is every subnet of this machine, docker_gwbridge's included.
  local changed=0
  grep -qxF "include_if_exists = 'futuswarm.conf'" "$PG_DIR/data/postgresql.conf" ||
    printf "include_if_exists = 'futuswarm.conf'\n" >>"$PG_DIR/data/postgresql.conf"
  printf "listen_addresses = '127.0.0.1,%s'\n" "$SERVICES_ADDR" |
    write_file "$PG_DIR/data/futuswarm.conf" 600 postgres:postgres && changed=1
  if ! grep -q '^host all all samenet scram-sha-256' "$PG_DIR/data/pg_hba.conf"; then
    printf 'host all all samenet scram-sha-256\n' >>"$PG_DIR/data/pg_hba.conf"
    changed=1
  fi
  if runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
    listening "$PG_PORT" || die "PostgreSQL in $PG_DIR runs on another port than $PG_PORT: run '$0 down' first"
    if [ "$changed" = 0 ]; then
      say "PostgreSQL already running on 127.0.0.1 and $SERVICES_ADDR, port $PG_PORT"
      return
    fi
    say "PostgreSQL settings changed, restarting it"
    runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null
  fi
  listening "$PG_PORT" && die "127.0.0.1:$PG_PORT is taken by another program (set FUTUSWARM_PG_PORT)"
  install -d -m 700 -o postgres -g postgres "$PG_DIR/run"
  say "starting PostgreSQL on 127.0.0.1 and $SERVICES_ADDR, port $PG_PORT"
  runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR/run -c fsync=off" start >/dev/null 9>&- ||
    { tail -n 20 "$PG_DIR/log" >&2; die "PostgreSQL did not start (log: $PG_DIR/log)"; }
}

# A private Redis as the `redis` OS user, playing ElastiCache. Its default user logs in with
# the admin password; the agent adds each app's AUTH token (ACL SETUSER, ACL SAVE).
ensure_redis() {
  local conf=$REDIS_DIR/redis.conf acl=$REDIS_DIR/users.acl pid=$REDIS_DIR/redis.pid changed=0 pw i
  getent passwd redis >/dev/null || die "user redis missing (is redis-server installed?)"
  install -d -m 750 -o redis -g redis "$REDIS_DIR"
  if [ ! -s "$REDIS_PASSWORD" ]; then
    random_hex 24 | write_file "$REDIS_PASSWORD" 640 "root:$ACCOUNT" || true
    rm -f "$acl"
  fi
  chown "root:$ACCOUNT" "$REDIS_PASSWORD"; chmod 640 "$REDIS_PASSWORD"
  pw=$(cat "$REDIS_PASSWORD")
  if [ ! -s "$acl" ]; then
    printf 'user default on #%s ~* &* +@all\n' "$(printf '%s' "$pw" | sha256sum | cut -d' ' -f1)" |
      write_file "$acl" 600 redis:redis || true
    changed=1
  fi
  write_file "$conf" 640 redis:redis <<EOF && changed=1
# Redis of the local futuswarm cluster (scripts/local-cluster.sh). Do not edit.
bind 127.0.0.1 $SERVICES_ADDR
port $REDIS_PORT
protected-mode yes
daemonize yes
pidfile $pid
logfile $REDIS_DIR/redis.log
dir $REDIS_DIR
aclfile $acl
save ""
appendonly no
EOF
  if pid_is "$pid" redis-server; then
    if [ "$changed" = 0 ]; then
      say "Redis already running on 127.0.0.1 and $SERVICES_ADDR, port $REDIS_PORT"
      return
    fi
    say "Redis settings changed, restarting it"
    stop_pidfile "$pid" redis-server Redis >/dev/null
  fi
  listening "$REDIS_PORT" && die "127.0.0.1:$REDIS_PORT is taken by another program (set FUTUSWARM_REDIS_PORT)"
  say "starting Redis on 127.0.0.1:$REDIS_PORT"
  runuser -u redis -- redis-server "$conf" 9>&-
  for i in $(seq 50); do
    [ "$(redis-cli -p "$REDIS_PORT" --no-auth-warning -a "$pw" ping 2>/dev/null)" = PONG ] && return
    sleep 0.1
  done
  tail -n 20 "$REDIS_DIR/redis.log" >&2 || true
  die "Redis did not answer on 127.0.0.1:$REDIS_PORT (log: $REDIS_DIR/redis.log)"
}

# The cluster's AWS side, made the way an admin makes it (admin cluster:bootstrap, here against
# moto), and the PostgreSQL role that bootstrap's shared instance would have. Skipped while
# moto, PostgreSQL and the cluster file are the same as at the last run.
# The local cluster's cluster file: what cluster:bootstrap builds in moto, and what the agent
# config is built from.
write_cluster_file() {
  install -d -m 700 "$CLIENT_DIR"
  write_file "$CLUSTER_FILE" 644 "$(id -un):$(id -gn)" <<EOF || true
# The local cluster's cluster file (scripts/local-cluster.sh): its AWS side lives in moto.
# People and keys come from $ETC/users.yaml and LDAP; the users entry here only satisfies the schema.
name: local
region: eu-north-1
domain: apps.local.test
network: { sshCidrs: [127.0.0.1/32] }
nodes: { managers: 1, workers: 0, image: { id: ami-760aaa0f } }
databases: { shared: true }
state: { bucket: futuswarm-local-state, requireTls: false }
access:
  admins: [admin]
  users: { admin: { keys: [] } }
  ldap: { url: "ldap://127.0.0.1:$LDAP_PORT", bindDn: "cn=futuswarm-agent,$LDAP_SUFFIX", baseDn: "ou=people,$LDAP_SUFFIX" }
EOF
}

ensure_aws_cluster() {
  local stamp out
  stamp="$(listener_id "$MOTO_PORT") $(listener_id "$PG_PORT") $(sha256sum <"$CLUSTER_FILE" | cut -c1-16)"
  if [ -f "$AWS_STAMP" ] && [ "$(cat "$AWS_STAMP")" = "$stamp" ]; then
    say "cluster local bootstrapped in moto; shared database role in place"
    return
  fi
  out=$(aws_env "$NODE" "$CLI" --no-color admin cluster:bootstrap -f "$CLUSTER_FILE" 2>&1 9>&-) || {
    printf '%s\n' "$out" >&2
    die "admin cluster:bootstrap of the local cluster failed"
  }
  say "$(printf '%s\n' "$out" | grep -m1 '^cluster local')"
  out=$(aws_env "$NODE" "$ROOT/scripts/local-shared-db.ts" "$CLUSTER_FILE" "$PG_PASSWORD" "$PG_PORT" 2>&1 9>&-) || {
    printf '%s\n' "$out" >&2
    die "could not give PostgreSQL the shared instance's master role"
  }
  say "$out"
  printf '%s' "$stamp" >"$AWS_STAMP"
}

# The agent binds to LDAP with the password the LDAP rig made; an admin stores it in the state
# bucket with the CLI, as on AWS. The agent config names no password file.
ensure_ldap_bind_password() {
  local out
  out=$(aws_env "$NODE" "$CLI" --no-color admin cluster:ldap-password -f "$CLUSTER_FILE" <"$ETC/ldap-bind-password" 2>&1 9>&-) || {
    printf '%s\n' "$out" >&2
    die "admin cluster:ldap-password failed"
  }
  say "$(printf '%s\n' "$out" | grep -m1 'LDAP bind password')"
}

ensure_client_key() {
  install -d -m 700 "$CLIENT_DIR"
  if [ -f "$CLIENT_DIR/id_ed25519" ]; then
    say "client key exists: $CLIENT_DIR/id_ed25519"
  else
    say "creating client key $CLIENT_DIR/id_ed25519"
    ssh-keygen -q -t ed25519 -N '' -C "futuswarm-local-admin" -f "$CLIENT_DIR/id_ed25519" </dev/null
  fi
  local pub
  pub=$(cut -d' ' -f1,2 "$CLIENT_DIR/id_ed25519.pub")
  # Other users may be added to the file by hand or by tests; keep it while admin's key is in it.
  if [ -f "$ETC/users.yaml" ] && grep -qF -- "$pub" "$ETC/users.yaml"; then
    chown "root:$ACCOUNT" "$ETC/users.yaml"; chmod 640 "$ETC/users.yaml"
    return
  fi
  say "writing $ETC/users.yaml (admin)"
  write_file "$ETC/users.yaml" 640 "root:$ACCOUNT" <<EOF || true
users:
  admin:
    keys:
      - $pub
EOF
}

# The cluster's own Match block (templates/sshd_config.futuswarm) behind a private listener.
sshd_config_text() {
  "$NODE" "$ROOT/scripts/local-install.ts" sshd "$(jq -n --argjson port "$SSH_PORT" --arg key "$SSHD_HOST_KEY" --arg pid "$SSHD_PID" \
    --arg agent "$AGENT_CMD" --arg account "$ACCOUNT" \
    '{port: $port, listen: "127.0.0.1", hostKey: $key, pidFile: $pid, agentCommand: $agent, account: $account, owner: "scripts/local-cluster.sh"}')" 9>&-
}

ensure_sshd() {
  local changed=0
  install -d -m 755 -o root -g root "$SSHD_DIR" /run/sshd
  if [ ! -f "$SSHD_HOST_KEY" ]; then
    ssh-keygen -q -t ed25519 -N '' -C futuswarm-local -f "$SSHD_HOST_KEY" </dev/null
    changed=1
  fi
  local new
  new=$(mktemp)
  sshd_config_text >"$new"
  /usr/sbin/sshd -t -f "$new" || { rm -f "$new"; die "generated sshd config is invalid"; }
  write_file "$SSHD_CONFIG" 644 root:root <"$new" && changed=1
  rm -f "$new"

  if pid_is "$SSHD_PID" "$SSHD_CONFIG"; then
    if [ "$changed" = 1 ]; then
      say "sshd config changed, reloading sshd on 127.0.0.1:$SSH_PORT"
      kill -HUP "$(cat "$SSHD_PID")"
      sleep 0.5
    else
      say "sshd already running on 127.0.0.1:$SSH_PORT"
      changed=keep
    fi
  else
    listening "$SSH_PORT" && die "127.0.0.1:$SSH_PORT is taken by another program (set FUTUSWARM_SSH_PORT)"
    say "starting sshd on 127.0.0.1:$SSH_PORT"
    /usr/sbin/sshd -f "$SSHD_CONFIG" -E "$SSHD_LOG" 9>&-
  fi
  if [ "$changed" != keep ]; then
    local i
    for i in $(seq 50); do listening "$SSH_PORT" && break; sleep 0.1; done
    listening "$SSH_PORT" || { tail -n 20 "$SSHD_LOG" >&2; die "sshd is not listening on $SSH_PORT"; }
  fi

  printf '[127.0.0.1]:%s %s\n' "$SSH_PORT" "$(cut -d' ' -f1,2 "$SSHD_HOST_KEY.pub")" |
    write_file "$CLIENT_DIR/known_hosts" 644 "$(id -un):$(id -gn)" || true
}

moto_answers() {
  "$VENV/bin/python" - "$MOTO_PORT" <<'EOF' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/data.json", timeout=2).read()
EOF
}

# The AWS CLI that cloud-init's scripts use on instances, for running them on local nodes.
ensure_aws_cli() {
  [ -x "$VENV/bin/aws" ] && return
  if [ ! -x "$VENV/bin/python" ]; then
    mkdir -p "$CACHE"
    /usr/bin/python3 -m venv "$VENV"
  fi
  say "installing the AWS CLI into $VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check awscli
}

# moto keeps what it is given in memory (every S3 object version up to 5 MB among it) and runs no
# lifecycle rule: one `npm test` grew it from 0.3 to 2 GB, and a rig that serves run after run
# grows until the kernel kills it mid-run. Past
# FUTUSWARM_MOTO_MAX_MB it is started afresh: the local cluster's AWS side starts empty and is
# bootstrapped again (ensure_aws_cluster), as after a reboot. The tests' own `up --workers N`
# (test/helpers/rig.ts) sets 0, for the files that ran before may still use what moto holds.
moto_too_big() {
  local rss
  [ "${FUTUSWARM_MOTO_MAX_MB:-4096}" -gt 0 ] || return 1
  pid_is "$MOTO_PID" moto_server || return 1
  rss=$(ps -o rss= -p "$(cat "$MOTO_PID")" | tr -d ' ')
  [ -n "$rss" ] && [ "$rss" -gt $((${FUTUSWARM_MOTO_MAX_MB:-4096} * 1024)) ] || return 1
  say "moto uses $((rss / 1024)) MiB, more than ${FUTUSWARM_MOTO_MAX_MB:-4096}: starting it afresh (the local cluster's state bucket starts empty)"
}

ensure_moto() {
  ensure_aws_cli
  if moto_too_big; then
    stop_pidfile "$MOTO_PID" moto_server moto
  elif listening "$MOTO_PORT"; then
    say "moto already listening on 127.0.0.1:$MOTO_PORT"
    return
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating virtualenv $VENV"
    mkdir -p "$CACHE"
    # Debian's interpreter, not whatever python3 comes first on PATH (pyenv shims and the like).
    /usr/bin/python3 -m venv "$VENV"
  fi
  if [ ! -x "$VENV/bin/moto_server" ]; then
    say "installing moto into $VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check 'moto[server]>=5.1.5'
  fi

  say "starting moto on 127.0.0.1:$MOTO_PORT"
  # scripts/moto_server.py: moto's server with S3 conditional writes made atomic, as on AWS.
  MOTO_ACM_VALIDATION_WAIT=0 setsid "$VENV/bin/python" "$ROOT/scripts/moto_server.py" -H 127.0.0.1 -p "$MOTO_PORT" \
    >"$MOTO_LOG" 2>&1 </dev/null 9>&- &
  echo $! >"$MOTO_PID"
  local i
  for i in $(seq 100); do
    moto_answers && return
    kill -0 "$(cat "$MOTO_PID")" 2>/dev/null || break
    sleep 0.2
  done
  cat "$MOTO_LOG" >&2
  die "moto did not start (log: $MOTO_LOG)"
}

# ensure_image TAG TITLE HEALTHZ(yes|no) CMD-JSON — a busybox root filesystem, imported offline
# (no registry is needed). Existing images are kept; new ones are added to BUILT.
BUILT=()
ensure_image() {
  local tag=$1 title=$2 healthz=$3 cmd=$4 dir applet
  docker image inspect "$tag" >/dev/null 2>&1 && return
  dir=$(mktemp -d)
  mkdir -p "$dir/bin" "$dir/www" "$dir/tmp" "$dir/etc"
  chmod 1777 "$dir/tmp"
  cp /bin/busybox "$dir/bin/busybox"
  # Links for every applet (sh, ls, nc …), pointing at /bin/busybox inside the image.
  /bin/busybox --list-full | while read -r applet; do
    [ -e "$dir/$applet" ] && continue
    mkdir -p "$dir/$(dirname "$applet")"
    ln -s /bin/busybox "$dir/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
  printf '<!doctype html>\n<title>%s</title>\n<h1>%s</h1>\n' "$title" "$title" >"$dir/www/index.html"
  if [ "$healthz" = yes ]; then printf 'ok\n' >"$dir/www/healthz"; fi
  tar -C "$dir" --numeric-owner --owner=0 --group=0 -cf - . |
    docker import \
      --change "CMD $cmd" \
      --change 'EXPOSE 8000' \
      --change "LABEL $IMAGE_LABEL=true" \
      --change "LABEL org.opencontainers.image.title=\"$title\"" \
      - "$tag" >/dev/null
  rm -rf "$dir"
  BUILT+=("$tag")
}

ensure_images() {
  [[ $'\n'$(/bin/busybox --list)$'\n' == *$'\nhttpd\n'* ]] || die "/bin/busybox has no httpd applet"
  local httpd='["/bin/busybox","httpd","-f","-v","-p","8000","-h","/www"]'
  local fail='["/bin/busybox","sh","-c","echo starting; echo fatal: no config >&2; exit 1"]'
  # httpd behind a shell that stops it at once on SIGTERM, as most real servers do (PID 1 busybox ignores it).
  local term='["/bin/busybox","sh","-c","/bin/busybox httpd -f -v -p 8000 -h /www & pid=$!; trap \"kill $pid; exit 0\" TERM; wait $pid"]'
  ensure_image localhost/hello:1 'hello v1' yes "$httpd"
  ensure_image localhost/hello:2 'hello v2' yes "$httpd"
  # v3 serves its page but has no /healthz: health-gated deploys of it must fail.
  ensure_image localhost/hello:3 'hello v3' no "$httpd"
  ensure_image localhost/broken:1 'broken v1' no "$fail"
  ensure_image localhost/hello-term:1 'hello-term v1' yes "$term"
  ensure_image localhost/hello-term:2 'hello-term v2' yes "$term"
  if [ ${#BUILT[@]} -eq 0 ]; then say "sample images present"; else say "built ${BUILT[*]}"; fi
}

# An image made offline from one static binary, with CA certificates for TLS outwards:
# import_binary_image IMAGE BINARY PATH-IN-IMAGE [docker import --change …]...
import_binary_image() {
  local image=$1 binary=$2 target=$3 dir
  shift 3
  dir=$(mktemp -d)
  mkdir -p "$dir$(dirname "$target")" "$dir/etc/ssl/certs" "$dir/tmp"
  chmod 1777 "$dir/tmp"
  cp "$binary" "$dir$target"
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/"; fi
  tar -C "$dir" --numeric-owner --owner=0 --group=0 -cf - . | docker import "$@" - "$image" >/dev/null
  rm -rf "$dir"
  say "imported $image"
}

# Traefik from the Go module proxy (cached after the first, long build), as an image made offline.
ensure_proxy_image() {
  if docker image inspect "$PROXY_IMAGE" >/dev/null 2>&1; then
    say "proxy image $PROXY_IMAGE present"
    return
  fi
  local binary
  say "building Traefik $TRAEFIK_VERSION (cached in $CACHE; the first build takes a while)"
  binary=$(TRAEFIK_VERSION=$TRAEFIK_VERSION FUTUSWARM_CACHE=$CACHE bash "$ROOT/scripts/build-traefik.sh") ||
    die "building Traefik failed"
  # Like the official image: flags as arguments, and `traefik healthcheck` on PATH.
  import_binary_image "$PROXY_IMAGE" "$binary" /usr/local/bin/traefik \
    --change 'ENTRYPOINT ["/usr/local/bin/traefik"]' \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'EXPOSE 80 443' \
    --change "LABEL org.opencontainers.image.title=traefik org.opencontainers.image.version=$TRAEFIK_VERSION"
}

# CNCF Distribution from the Go module proxy (cached), as an image made offline; like the
# official image, /bin/registry serves the configuration it is given.
ensure_registry_image() {
  if docker image inspect "$REGISTRY_IMAGE" >/dev/null 2>&1; then
    say "registry image $REGISTRY_IMAGE present"
    return
  fi
  local binary
  say "building the registry $REGISTRY_VERSION (cached in $CACHE)"
  binary=$(REGISTRY_VERSION=$REGISTRY_VERSION FUTUSWARM_CACHE=$CACHE bash "$ROOT/scripts/build-registry.sh") ||
    die "building the registry failed"
  import_binary_image "$REGISTRY_IMAGE" "$binary" /bin/registry \
    --change 'ENTRYPOINT ["/bin/registry"]' \
    --change 'CMD ["serve", "/etc/distribution/config.yml"]' \
    --change 'EXPOSE 5000' \
    --change "LABEL org.opencontainers.image.title=distribution org.opencontainers.image.version=$REGISTRY_VERSION"
}

# The docker CLI's BuildKit plugin (buildx), built once from the Go module proxy: `docker build`
# here then behaves as on a developer's machine with Docker 23 or newer.
ensure_buildx() {
  if docker buildx version >/dev/null 2>&1; then
    say "docker buildx present"
    return
  fi
  say "building docker buildx (cached in $CACHE; the first build takes a few minutes)"
  FUTUSWARM_CACHE=$CACHE bash "$ROOT/scripts/build-buildx.sh" >/dev/null || die "building docker buildx failed"
  say "installed docker buildx"
}

cli() { "$NODE" "$CLI" "$@"; }

# The CLI context `local` for whoever runs this script, made by the CLI itself.
ensure_context() {
  if cli context list --json | "$NODE" -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () =>
      process.exit(JSON.parse(s).contexts.some((c) => c.name === "local") ? 0 : 1));'; then
    say "CLI context local exists"
    return
  fi
  cli context add local --host 127.0.0.1 --port "$SSH_PORT" --domain apps.local.test \
    --identity-file "$CLIENT_DIR/id_ed25519" --known-hosts-file "$CLIENT_DIR/known_hosts" --use |
    while read -r line; do say "$line"; done
}

# A cluster service deployed the way an admin does it, through the CLI; an unchanged config only
# checks that it answers. deploy_component COMMAND SERVICE PORT PORT-VARIABLE
deploy_component() {
  local command=$1 service=$2 port=$3 variable=$4 out
  if listening "$port" && ! docker service inspect "$service" >/dev/null 2>&1; then
    die "127.0.0.1:$port is taken by another program (set $variable)"
  fi
  if ! out=$(cli --context local --no-color admin "$command" 2>&1); then
    printf '%s\n' "$out" >&2
    die "admin $command failed"
  fi
  printf '%s\n' "$out" | tail -n 1 | while read -r line; do say "$line"; done
}

ensure_proxy() { deploy_component proxy:deploy "$PROXY_SERVICE" "$PROXY_PORT" FUTUSWARM_PROXY_PORT; }
ensure_registry() { deploy_component registry:deploy "$REGISTRY_SERVICE" "$REGISTRY_PORT" FUTUSWARM_REGISTRY_PORT; }

summary() {
  local images
  # Images built from the samples carry their label too; the samples are the localhost/ ones.
  images=$(docker image ls --filter "label=$IMAGE_LABEL" --format '{{.Repository}}:{{.Tag}}' | grep '^localhost/' | sort | tr '\n' ' ')
  nodes=$(docker node ls --format '{{.Hostname}} ({{if .ManagerStatus}}manager{{else}}worker{{end}})' | sort | paste -sd ',' - | sed 's/,/, /g')
  cat <<EOF

local cluster ready
  ssh          futuswarm@127.0.0.1 port $SSH_PORT (you are user "admin")
  identity     $CLIENT_DIR/id_ed25519
  known_hosts  $CLIENT_DIR/known_hosts
  domain       apps.local.test (network futuswarm-proxy)
  agent        $AGENT_CMD, config $ETC/agent.yaml
  aws (moto)   http://127.0.0.1:$MOTO_PORT, region eu-north-1
  ldap         ldap://127.0.0.1:$LDAP_PORT: alice, bob, carol (admin), keys in ${XDG_CONFIG_HOME:-$HOME/.config}/futuswarm/ldap-users/<uid>/id_ed25519
  nodes        $nodes
  images       $images
  registry     $REGISTRY_IMAGE on 127.0.0.1:$REGISTRY_PORT of every node (push with futuswarm app:push / app:deploy --build)
  proxy        $PROXY_IMAGE on http://127.0.0.1:$PROXY_PORT (curl -H 'Host: <app>.apps.local.test' http://127.0.0.1:$PROXY_PORT/)
  cluster file $CLUSTER_FILE, bootstrapped in moto (admin cluster:status -f … with AWS_ENDPOINT_URL set)
  databases    PostgreSQL on 127.0.0.1:$PG_PORT as the shared RDS instance, for tasks $SERVICES_ADDR:$PG_PORT (superuser password in $PG_PASSWORD)
  caches       Redis on 127.0.0.1:$REDIS_PORT as ElastiCache, for tasks $SERVICES_ADDR:$REDIS_PORT (admin password in $REDIS_PASSWORD)
  context      local, added with
                 futuswarm context add local --host 127.0.0.1 --port $SSH_PORT --domain apps.local.test \\
                 --identity-file $CLIENT_DIR/id_ed25519 --known-hosts-file $CLIENT_DIR/known_hosts --use
EOF
}

# ---------------------------------------------------------------- commands

# Runs of up/down are serialised with a lock on fd 9; daemons started here must not inherit it.
# remove_nodes KIND FIRST COUNT: none of that kind beyond FIRST… COUNT of them.
remove_nodes() {
  local kind=$1 first=$2 want=$3 k n
  [ "$want" = '' ] && return 0
  while read -r k n; do
    if [ "$k" = "$kind" ] && [ "$n" -ge $((first + want)) ]; then
      bash "$ROOT/scripts/local-node.sh" down "$kind" "$n" 9>&- | sed 's/^› /  /'
    fi
  done < <(bash "$ROOT/scripts/local-node.sh" list)
}

# Swarm entries of nodes that never came up: a join that failed half way leaves one, with no host
# name, and it holds a task of every global service that never starts.
remove_ghost_nodes() {
  local id role
  while read -r id role; do
    say "removing swarm node $id ($role), which never came up"
    if [ "$role" = manager ]; then docker node demote "$id" >/dev/null 2>&1 || true; fi
    docker node rm --force "$id" >/dev/null 2>&1 || true
  done < <(docker node inspect $(docker node ls -q) --format '{{if and (eq .Description.Hostname "") (ne .Status.State "ready")}}{{.ID}} {{.Spec.Role}}{{end}}' | grep .)
}

# ensure_nodes KIND FIRST COUNT: nodes FIRST… of that kind up to COUNT of them, none beyond.
ensure_nodes() {
  local kind=$1 first=$2 want=$3 n
  [ "$want" = '' ] && return 0
  for ((n = first; n < first + want; n++)); do
    FUTUSWARM_SSH_PORT=$SSH_PORT bash "$ROOT/scripts/local-node.sh" up "$kind" "$n" 9>&- | sed 's/^› /  /' || die "the $kind $n did not come up"
  done
  remove_nodes "$kind" "$first" "$want"
  say "$want $kind node(s) in network namespaces"
}

cmd_up() {
  local workers='' managers=''
  while [ $# -gt 0 ]; do
    case "$1" in
      --workers) [[ "${2:-}" =~ ^[0-9]+$ ]] && [ "$2" -le 50 ] || { echo "local-cluster: --workers takes a number from 0 to 50" >&2; exit 2; }; workers=$2; shift 2 ;;
      --managers) [[ "${2:-}" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le 9 ] || { echo "local-cluster: --managers takes a number from 1 to 9 (this machine is the first)" >&2; exit 2; }; managers=$2; shift 2 ;;
      *) echo "local-cluster: unknown option $1 (up takes --workers N and --managers M)" >&2; exit 2 ;;
    esac
  done
  preflight
  mkdir -p "$(dirname "$LOCK")"
  exec 9>"$LOCK"
  flock 9
  ensure_packages
  ensure_dockerd
  ensure_services_bridge
  ensure_swarm
  ensure_account
  ensure_ldap
  ensure_key_cache
  write_cluster_file
  install_agent
  write_agent_config
  ensure_daemon
  ensure_client_key
  ensure_sshd
  ensure_moto
  ensure_upgrade_path
  ensure_state
  ensure_node_key
  ensure_forwards
  ensure_swarm_published
  ensure_postgres
  ensure_redis
  ensure_aws_cluster
  ensure_ldap_bind_password
  ensure_images
  ensure_proxy_image
  ensure_registry_image
  ensure_buildx
  ensure_context
  # Nodes going away go first: a manager that is down (a test lost it) or never came up still
  # holds a task of the proxy and the registry, and their deploys would wait for it to run.
  remove_ghost_nodes
  remove_nodes worker 1 "$workers"
  remove_nodes manager 2 "${managers:+$((managers - 1))}"
  ensure_proxy
  ensure_registry
  ensure_nodes worker 1 "$workers"
  ensure_nodes manager 2 "${managers:+$((managers - 1))}"
  summary
}

cmd_down() {
  [ "$(id -u)" = 0 ] || die "must run as root"
  mkdir -p "$(dirname "$LOCK")"
  exec 9>"$LOCK"
  flock 9
  local k n
  while read -r k n; do
    bash "$ROOT/scripts/local-node.sh" down "$k" "$n" 9>&- | sed 's/^› /  /'
  done < <(bash "$ROOT/scripts/local-node.sh" list)
  stop_pidfile "$SSHD_PID" "$SSHD_CONFIG" sshd
  stop_pidfile "$DAEMON_PID" supervise "the agent daemon"
  stop_pidfile "$MOTO_FORWARD_PID" socat "moto's forwarder"
  stop_pidfile "$LDAP_FORWARD_PID" socat "LDAP's forwarder"
  stop_pidfile "$MOTO_PID" moto_server moto
  rm -f "$AWS_STAMP"
  stop_pidfile "$REDIS_DIR/redis.pid" redis-server Redis
  local pg
  pg=$(pg_bin)
  if [ -n "$pg" ] && [ -f "$PG_DIR/data/PG_VERSION" ] && runuser -u postgres -- "$pg/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
    say "stopping PostgreSQL"
    runuser -u postgres -- "$pg/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null
  else
    say "PostgreSQL not running"
  fi
  if docker_up; then
    local ids
    ids=$(docker service ls -q --filter "label=$APP_LABEL")
    if [ -n "$ids" ]; then
      say "removing $(wc -w <<<"$ids") app service(s)"
      # shellcheck disable=SC2086
      docker service rm $ids >/dev/null
    else
      say "no app services"
    fi
    if [ -n "$(docker service ls -q --filter "label=$PROXY_LABEL")" ]; then
      say "removing the proxy ($PROXY_SERVICE)"
      docker service rm "$PROXY_SERVICE" >/dev/null
    fi
    if [ -n "$(docker service ls -q --filter "label=$REGISTRY_LABEL")" ]; then
      say "removing the registry ($REGISTRY_SERVICE); its images stay in the state bucket"
      docker service rm "$REGISTRY_SERVICE" >/dev/null
    fi
  fi
  say "dockerd and the swarm keep running"
}

cmd_status() {
  if docker_up; then
    say "dockerd running ($(docker version --format '{{.Server.Version}}')), swarm $(docker info --format '{{.Swarm.LocalNodeState}}')"
    say "app services: $(docker service ls -q --filter "label=$APP_LABEL" | wc -l)"
    say "sample images: $(docker image ls --filter "label=$IMAGE_LABEL" --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' ')"
    proxy_status
  else
    say "dockerd not running"
  fi
  if pid_is "$SSHD_PID" "$SSHD_CONFIG"; then
    say "sshd running (pid $(cat "$SSHD_PID")) on 127.0.0.1:$SSH_PORT"
  else
    say "sshd not running"
  fi
  if pid_is "$MOTO_PID" moto_server; then
    say "moto running (pid $(cat "$MOTO_PID")) on 127.0.0.1:$MOTO_PORT"
  elif listening "$MOTO_PORT"; then
    say "something else listens on 127.0.0.1:$MOTO_PORT (used as moto)"
  else
    say "moto not running"
  fi
  if [ -x "$AGENT_CMD" ]; then say "agent installed: $AGENT_CMD"; else say "agent not installed"; fi
  if pid_is "$DAEMON_PID" supervise; then say "agent daemon running (supervisor pid $(cat "$DAEMON_PID")) on $DAEMON_SOCKET"; else say "agent daemon not running"; fi
  local k n
  while read -r k n; do
    say "$(bash "$ROOT/scripts/local-node.sh" status "$k" "$n" | sed 's/^› //')"
  done < <(bash "$ROOT/scripts/local-node.sh" list)
  if listening "$PG_PORT"; then say "PostgreSQL on 127.0.0.1:$PG_PORT"; else say "PostgreSQL not running"; fi
  if pid_is "$REDIS_DIR/redis.pid" redis-server; then say "Redis running on 127.0.0.1:$REDIS_PORT"; else say "Redis not running"; fi
  if FUTUSWARM_LDAP_PORT=$LDAP_PORT bash "$ROOT/scripts/ldap-rig.sh" status >/dev/null 2>&1; then
    say "LDAP rig running on 127.0.0.1:$LDAP_PORT"
  else
    say "LDAP rig not running"
  fi
}

proxy_status() {
  local image tasks ping='/ping does not answer' cid ip=''
  if ! image=$(docker service inspect "$PROXY_SERVICE" --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}' 2>/dev/null); then
    if docker image inspect "$PROXY_IMAGE" >/dev/null 2>&1; then
      say "proxy not deployed (image $PROXY_IMAGE present)"
    else
      say "proxy not deployed (image $PROXY_IMAGE not built)"
    fi
    return
  fi
  tasks=$(docker service ps "$PROXY_SERVICE" --filter desired-state=running --format '{{.CurrentState}}' | paste -sd ';' -)
  # /ping is on Traefik's unpublished entrypoint; this node reaches the task through docker_gwbridge.
  cid=$(docker ps -q --no-trunc --filter "label=com.docker.swarm.service.name=$PROXY_SERVICE" | head -n 1)
  if [ -n "$cid" ]; then
    ip=$(docker network inspect docker_gwbridge --format "{{with index .Containers \"$cid\"}}{{.IPv4Address}}{{end}}" 2>/dev/null || true)
    ip=${ip%/*}
  fi
  if [ -n "$ip" ] && [ "$(curl -s -m 2 "http://$ip:8082/ping" 2>/dev/null)" = OK ]; then ping="/ping OK at $ip:8082"; fi
  say "proxy $image: ${tasks:-no task}; $ping; HTTP on 127.0.0.1:$PROXY_PORT"
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  settings) local_settings "${2:?agent command}" "${3:?LDAP URL without port}" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  daemon) [ "$(id -u)" = 0 ] || die "must run as root"; ensure_daemon ;;
  *) echo "usage: $0 up|down|status|daemon" >&2; exit 2 ;;
esac
