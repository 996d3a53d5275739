#!/usr/bin/env bash
# A private OpenLDAP server with the OpenSSH-LPK schema and a small directory, for the local
# cluster and the tests. It never touches Debian's own slapd (config, data or service).
#
#   bash scripts/ldap-rig.sh up      install if missing, start, ensure the directory; idempotent
#   bash scripts/ldap-rig.sh down    stop it (the data and keys stay for the next `up`)
#   bash scripts/ldap-rig.sh status  running or not, and how to connect
#
# Environment: FUTUSWARM_LDAP_PORT (default 3890), FUTUSWARM_LDAP_DIR (config and data, default
# /var/lib/futuswarm-ldap), XDG_CONFIG_HOME (the users' key pairs live in
# ${XDG_CONFIG_HOME:-$HOME/.config}/futuswarm/ldap-users/<uid>/id_ed25519).
set -euo pipefail

PORT="${FUTUSWARM_LDAP_PORT:-3890}"
URL="ldap://127.0.0.1:$PORT"
ROOT="${FUTUSWARM_LDAP_DIR:-/var/lib/futuswarm-ldap}"
DATA="$ROOT/data"
CONF="$ROOT/slapd.conf"
SCHEMA="$ROOT/openssh-lpk.schema"
PIDFILE="$ROOT/slapd.pid"
LOG="$ROOT/slapd.log"
ADMIN_PW_FILE="$ROOT/admin-password"
BIND_PW_FILE=/etc/futuswarm/ldap-bind-password
KEYS_DIR="${XDG_CONFIG_HOME:-${HOME:-/root}/.config}/futuswarm/ldap-users"

SUFFIX="dc=futuswarm,dc=test"
ADMIN_DN="cn=admin,$SUFFIX"
AGENT_DN="cn=futuswarm-agent,$SUFFIX"
PEOPLE_OU="ou=people,$SUFFIX"
GROUPS_OU="ou=groups,$SUFFIX"
ADMINS_GROUP="futuswarm-admins"
USERS=(alice bob carol)

say() { printf 'ldap-rig: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

ensure_packages() {
  local missing=()
  [ -x /usr/sbin/slapd ] || missing+=(slapd)
  command -v ldapsearch >/dev/null || missing+=(ldap-utils)
  command -v ssh-keygen >/dev/null || missing+=(openssh-client)
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null
  apt-get install -y -qq "${missing[@]}" </dev/null >/dev/null
}

running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # A stale pid file may name an unrelated process after a reboot.
  grep -q slapd "/proc/$pid/comm" 2>/dev/null || return 1
  echo "$pid"
}

# A random password written once (no trailing newline: ldap tools' -y reads the file verbatim).
ensure_secret() {
  local file="$1"
  [ -s "$file" ] && return 0
  (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=\n' >"$file.tmp")
  mv "$file.tmp" "$file"
}

write_schema() {
  cat >"$SCHEMA.tmp" <<'EOF'
# OpenSSH-LPK: public keys stored on a user's entry (openssh-lpk_openldap.schema).
attributetype ( 1.3.6.1.4.1.24552.500.1.1.1.13 NAME 'sshPublicKey'
	DESC 'MANDATORY: OpenSSH Public key'
	EQUALITY octetStringMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 )

objectclass ( 1.3.6.1.4.1.24552.500.1.1.2.0 NAME 'ldapPublicKey' SUP top AUXILIARY
	DESC 'MANDATORY: OpenSSH LPK objectclass'
	MAY ( sshPublicKey $ uid ) )
EOF
  mv "$SCHEMA.tmp" "$SCHEMA"
}

write_config() {
  local admin_hash
  admin_hash=$(slappasswd -T "$ADMIN_PW_FILE")
  (umask 077 && : >"$CONF.tmp")
  cat >"$CONF.tmp" <<EOF
# Private test directory for futuswarm (scripts/ldap-rig.sh). Not Debian's slapd.
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
include $SCHEMA

pidfile $PIDFILE
argsfile $ROOT/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
loglevel stats
sizelimit 1000

# The agent's account reads everything but passwords; nobody else reads anything.
access to attrs=userPassword
	by self write
	by anonymous auth
	by * none
access to *
	by dn.exact="$AGENT_DN" read
	by self read
	by * none

database mdb
maxsize 67108864
suffix "$SUFFIX"
rootdn "$ADMIN_DN"
rootpw $admin_hash
directory $DATA
index objectClass eq
index uid,memberUid,member eq
EOF
  mv "$CONF.tmp" "$CONF"
}

ensure_keys() {
  local uid dir
  for uid in "${USERS[@]}"; do
    dir="$KEYS_DIR/$uid"
    if [ ! -f "$dir/id_ed25519" ] || [ ! -f "$dir/id_ed25519.pub" ]; then
      mkdir -p "$dir"
      chmod 700 "$dir"
      rm -f "$dir/id_ed25519" "$dir/id_ed25519.pub"
      ssh-keygen -q -t ed25519 -N '' -C "$uid@futuswarm.test" -f "$dir/id_ed25519" </dev/null
    fi
  done
}

start_slapd() {
  if running_pid >/dev/null; then
    grep -qF -- "$URL/" "$ROOT/slapd.args" 2>/dev/null ||
      die "already running with another address ($(cat "$ROOT/slapd.args" 2>/dev/null)); run 'down' first"
    return 0
  fi
  # Our port must be free: another process there would answer for us with other data.
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    die "port $PORT is taken by another process; set FUTUSWARM_LDAP_PORT"
  fi
  slaptest -Q -u -f "$CONF" || die "slapd.conf is invalid: $CONF"
  # In its own session, so it outlives the caller; -d keeps it in the foreground of that
  # session and sends its log to $LOG (there may be no syslog daemon). It must not inherit the lock.
  setsid /usr/sbin/slapd -h "$URL/" -f "$CONF" -d stats >"$LOG" 2>&1 </dev/null 9>&- &
  local i
  for i in $(seq 1 50); do
    if ldapsearch -x -LLL -H "$URL" -D "$ADMIN_DN" -y "$ADMIN_PW_FILE" -s base -b "" '(objectClass=*)' 1.1 >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  tail -n 20 "$LOG" >&2 || true
  die "slapd did not answer on $URL"
}

ldap_admin() {
  local tool="$1"
  shift
  "$tool" -x -H "$URL" -D "$ADMIN_DN" -y "$ADMIN_PW_FILE" "$@"
}

entry_exists() {
  ldap_admin ldapsearch -LLL -s base -b "$1" '(objectClass=*)' 1.1 >/dev/null 2>&1
}

# Add an entry (LDIF on stdin) unless its DN exists.
ensure_entry() {
  local dn="$1" ldif
  ldif=$(cat)
  entry_exists "$dn" && return 0
  printf 'dn: %s\n%s\n' "$dn" "$ldif" | ldap_admin ldapadd >/dev/null
}

ensure_directory() {
  local agent_hash i uid key number
  ensure_entry "$SUFFIX" <<EOF
objectClass: dcObject
objectClass: organization
dc: futuswarm
o: futuswarm test
EOF
  ensure_entry "$PEOPLE_OU" <<EOF
objectClass: organizationalUnit
ou: people
EOF
  ensure_entry "$GROUPS_OU" <<EOF
objectClass: organizationalUnit
ou: groups
EOF
  agent_hash=$(slappasswd -T "$BIND_PW_FILE")
  if entry_exists "$AGENT_DN"; then
    # The password file may have been recreated: keep the entry in step with it.
    ldapwhoami -x -H "$URL" -D "$AGENT_DN" -y "$BIND_PW_FILE" >/dev/null 2>&1 ||
      ldap_admin ldapmodify >/dev/null <<EOF
dn: $AGENT_DN
changetype: modify
replace: userPassword
userPassword: $agent_hash
EOF
  else
    ensure_entry "$AGENT_DN" <<EOF
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: futuswarm-agent
description: read-only account of futuswarm-agent (authorized-keys, groups)
userPassword: $agent_hash
EOF
  fi
  i=0
  for uid in "${USERS[@]}"; do
    i=$((i + 1))
    number=$((10000 + i))
    key=$(cat "$KEYS_DIR/$uid/id_ed25519.pub")
    ensure_entry "uid=$uid,$PEOPLE_OU" <<EOF
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: ldapPublicKey
uid: $uid
cn: ${uid^}
sn: ${uid^}
mail: $uid@futuswarm.test
uidNumber: $number
gidNumber: $number
homeDirectory: /home/$uid
loginShell: /usr/sbin/nologin
sshPublicKey: $key
EOF
    # Keys on disk are the truth: a regenerated key pair or a test's leftover edit is undone.
    ldap_admin ldapmodify >/dev/null <<EOF
dn: uid=$uid,$PEOPLE_OU
changetype: modify
replace: sshPublicKey
sshPublicKey: $key
EOF
  done
  ensure_entry "cn=$ADMINS_GROUP,$GROUPS_OU" <<EOF
objectClass: groupOfNames
cn: $ADMINS_GROUP
description: may act on every app and run admin commands
member: uid=carol,$PEOPLE_OU
EOF
  # A posixGroup too, so both membership styles (member DN, memberUid) are exercised.
  ensure_entry "cn=developers,$GROUPS_OU" <<EOF
objectClass: posixGroup
cn: developers
gidNumber: 20000
memberUid: alice
memberUid: bob
memberUid: carol
EOF
}

ensure_bind_password_file() {
  [ -d /etc/futuswarm ] || install -d -m 0755 /etc/futuswarm
  ensure_secret "$BIND_PW_FILE"
  if getent group futuswarm >/dev/null; then
    chown root:futuswarm "$BIND_PW_FILE"
  else
    say "group futuswarm does not exist yet; $BIND_PW_FILE stays root:root until the next 'up'"
    chown root:root "$BIND_PW_FILE"
  fi
  chmod 0640 "$BIND_PW_FILE"
}

print_details() {
  cat <<EOF
LDAP rig running (pid $(running_pid)) at $URL
  suffix          $SUFFIX
  admin           $ADMIN_DN  (password in $ADMIN_PW_FILE)
  agent bind      $AGENT_DN  (password in $BIND_PW_FILE)
  people          $PEOPLE_OU: ${USERS[*]}
  admins group    cn=$ADMINS_GROUP,$GROUPS_OU (groupOfNames): carol
  posix group     cn=developers,$GROUPS_OU (memberUid): ${USERS[*]}
  user keys       $KEYS_DIR/<uid>/id_ed25519
  log             $LOG
agent config:
  ldap:
    url: $URL
    bindDn: $AGENT_DN
    bindPasswordFile: $BIND_PW_FILE
    baseDn: $PEOPLE_OU
    groupBaseDn: $GROUPS_OU
    adminGroup: $ADMINS_GROUP
EOF
}

# Tests may start the rig from several processes at once: one at a time.
lock() {
  mkdir -p "$ROOT"
  chmod 700 "$ROOT"
  exec 9>"$ROOT/rig.lock"
  flock -w 60 9 || die "another ldap-rig.sh holds $ROOT/rig.lock"
}

cmd_up() {
  [ "$(id -u)" = 0 ] || die "run as root"
  lock
  ensure_packages
  mkdir -p "$DATA"
  chmod 700 "$DATA"
  ensure_secret "$ADMIN_PW_FILE"
  ensure_bind_password_file
  ensure_keys
  write_schema
  write_config
  start_slapd
  ensure_directory
  print_details
}

cmd_down() {
  local pid i
  [ -d "$ROOT" ] && lock
  if ! pid=$(running_pid); then
    say "not running"
    return 0
  fi
  kill "$pid"
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; say "stopped"; return 0; }
    sleep 0.1
  done
  die "slapd (pid $pid) did not stop"
}

cmd_status() {
  if running_pid >/dev/null; then
    print_details
  else
    echo "LDAP rig not running (start it: bash scripts/ldap-rig.sh up)"
    return 3
  fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
