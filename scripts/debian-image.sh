#!/usr/bin/env bash
# Makes the Docker image localhost/debian:12, a minimal Debian bookworm (debootstrap minbase: no
# curl, wget or netcat), offline: no registry is needed, only the Debian mirror this machine's apt
# already uses. Sample apps (examples/notes) build FROM it.
#
#   bash scripts/debian-image.sh
#
# Idempotent: does nothing when the image exists; else imports the cached root file system
# tarball; else builds that tarball with debootstrap (installed if missing; needs root, ~2 min)
# and imports it. Runs without a TTY or stdin (CI).
#
# Environment:
#   FUTUSWARM_CACHE          cache directory (default ~/.cache/futuswarm); the tarball is kept
#                            there as debian-12-minbase.tar (delete it to rebuild from scratch)
#   FUTUSWARM_DEBIAN_MIRROR  Debian mirror for debootstrap (default: the one serving "bookworm"
#                            in /etc/apt/sources.list{,.d}, else http://deb.debian.org/debian)
set -euo pipefail

IMAGE=localhost/debian:12
SUITE=bookworm
CACHE=${FUTUSWARM_CACHE:-$HOME/.cache/futuswarm}
TARBALL=$CACHE/debian-12-minbase.tar
PATH_ENV=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say() { printf '› %s\n' "$*"; }
die() { printf 'debian-image: %s\n' "$*" >&2; exit 1; }

exec </dev/null

command -v docker >/dev/null 2>&1 || die "docker is not installed"
docker info >/dev/null 2>&1 || die "cannot reach the Docker daemon (is dockerd running?)"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  say "$IMAGE present"
  exit 0
fi

import_tarball() {
  say "importing $TARBALL as $IMAGE"
  docker import \
    --change 'CMD ["/bin/bash"]' \
    --change "ENV PATH=$PATH_ENV" \
    --change 'LABEL futuswarm.sample=true' \
    --message "debootstrap --variant=minbase $SUITE" \
    "$TARBALL" "$IMAGE" >/dev/null || die "docker import of $TARBALL failed"
  say "$IMAGE ready ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
}

if [ -f "$TARBALL" ]; then
  import_tarball
  exit 0
fi

# The host's apt sources as "URI SUITE" lines (types deb, component main), from one-line .list
# files and deb822 .sources files alike; stanzas with "Enabled: no" are skipped.
apt_sources() {
  local f
  shopt -s nullglob
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
      awk '$1 == "deb" && NF >= 4 { for (i = 4; i <= NF; i++) if ($i == "main") { print $2, $3; break } }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    awk '
      function flush(  n, m, i, j, us, ss) {
        if (types ~ /(^| )deb( |$)/ && comps ~ /(^| )main( |$)/ && tolower(enabled) != "no") {
          n = split(uris, us, " "); m = split(suites, ss, " ")
          for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print us[i], ss[j]
        }
        types = uris = suites = comps = enabled = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]/ { next }
      {
        key = tolower($1); sub(/:$/, "", key); $1 = ""; val = $0; sub(/^[ \t]+/, "", val)
        if (key == "types") types = val
        else if (key == "uris") uris = val
        else if (key == "suites") suites = val
        else if (key == "components") comps = val
        else if (key == "enabled") enabled = val
      }
      END { flush() }
    ' "$f"
  done
}

SOURCES=$(apt_sources | awk -v s="$SUITE" '$2 == s || $2 == s "-updates" || $2 == s "-security"' | awk '!seen[$0]++')
MIRROR=${FUTUSWARM_DEBIAN_MIRROR:-$(printf '%s\n' "$SOURCES" | awk -v s="$SUITE" '$2 == s { print $1; exit }')}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
MIRROR=${MIRROR%/}

[ "$(id -u)" = 0 ] || die "building the root file system needs root (debootstrap); run as root or provide $TARBALL"

if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q debootstrap >/dev/null 2>&1; then
    say "apt-get update (debootstrap not installable from the current lists)"
    apt-get update -q >/dev/null || die "apt-get update failed"
    apt-get install -y -q debootstrap >/dev/null || die "cannot install debootstrap"
  fi
fi

mkdir -p "$CACHE"
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/futuswarm-debian.XXXXXX")
ROOTFS=$WORK/rootfs
PARTIAL=$(mktemp "$CACHE/.debian-12-minbase.tar.XXXXXX")

cleanup() {
  # debootstrap mounts /proc and /sys in the target; never delete through a leftover mount
  local m
  awk -v d="$ROOTFS/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$WORK"
  rm -f "$PARTIAL"
}
trap cleanup EXIT

say "debootstrap --variant=minbase $SUITE from $MIRROR"
if ! debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
  tail -n 20 "$WORK/debootstrap.log" >&2
  [ -f "$ROOTFS/debootstrap/debootstrap.log" ] && tail -n 20 "$ROOTFS/debootstrap/debootstrap.log" >&2
  die "debootstrap failed (mirror $MIRROR)"
fi

say "configuring apt and trimming the root file system"
if [ -n "$SOURCES" ] && [ -z "${FUTUSWARM_DEBIAN_MIRROR:-}" ]; then
  printf '%s\n' "$SOURCES" | awk '{ print "deb " $1 " " $2 " main" }' >"$ROOTFS/etc/apt/sources.list"
fi
# like the official image: no recommends, no downloaded .debs kept after an install
cat >"$ROOTFS/etc/apt/apt.conf.d/90futuswarm-minimal" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
EOF
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin \
  "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/cache/apt/archives/partial/* \
  "$ROOTFS"/var/log/*.log "$ROOTFS"/var/log/apt/* "$ROOTFS"/tmp/* "$ROOTFS"/var/tmp/*
mkdir -p "$ROOTFS/var/lib/apt/lists/partial"
# a container's name resolution is provided by Docker
: >"$ROOTFS/etc/resolv.conf"
: >"$ROOTFS/etc/hostname"

say "writing $TARBALL"
tar --numeric-owner --one-file-system -C "$ROOTFS" -cf "$PARTIAL" . || die "tar of the root file system failed"
chmod 0644 "$PARTIAL"
mv -f "$PARTIAL" "$TARBALL"

import_tarball
