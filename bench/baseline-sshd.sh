#!/usr/bin/env bash
# The baseline a user would otherwise have: the docker CLI over SSH (DOCKER_HOST=ssh://…) to
# an account that may run docker. A second private sshd on loopback, for benchmarks only.
set -euo pipefail
PORT=${FUTUSWARM_BENCH_SSH_PORT:-2223}
USER_NAME=fsbench
DIR=/etc/futuswarm/bench-sshd
KEY=${XDG_CONFIG_HOME:-$HOME/.config}/futuswarm/local/id_ed25519

id "$USER_NAME" >/dev/null 2>&1 || useradd --system --create-home --home-dir /var/lib/$USER_NAME --shell /bin/sh "$USER_NAME"
usermod -p '*' -aG docker "$USER_NAME"
install -d -m 700 -o "$USER_NAME" -g "$USER_NAME" /var/lib/$USER_NAME/.ssh
install -m 600 -o "$USER_NAME" -g "$USER_NAME" "$KEY.pub" /var/lib/$USER_NAME/.ssh/authorized_keys
install -d -m 755 "$DIR"
[ -f "$DIR/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$DIR/host_key" </dev/null
cat >"$DIR/sshd_config" <<CONF
Port $PORT
ListenAddress 127.0.0.1
HostKey $DIR/host_key
PidFile /run/futuswarm-bench-sshd.pid
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowUsers $USER_NAME
MaxSessions 50
CONF
mkdir -p /run/sshd
if ! { [ -f /run/futuswarm-bench-sshd.pid ] && kill -0 "$(cat /run/futuswarm-bench-sshd.pid)" 2>/dev/null; }; then
  /usr/sbin/sshd -f "$DIR/sshd_config" -E /var/log/futuswarm-bench-sshd.log
fi
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$DIR/host_key.pub")" >"$DIR/known_hosts"
echo "$USER_NAME@127.0.0.1:$PORT $DIR/known_hosts"
