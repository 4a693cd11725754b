# Shell functions for the clean Debian roots that ci/fresh and ci/oldest build and run
# commands in (sourced, not run). Both need root: debootstrap, mount, chroot.

# Package scripts must not start services inside the root.
no_services() {
  printf '#!/bin/sh\nexit 101\n' >"$1/usr/sbin/policy-rc.d"
  chmod 755 "$1/usr/sbin/policy-rc.d"
}

mount_system() {  # $1 = root
  mount -t proc proc "$1/proc"
  mount --rbind /sys "$1/sys" && mount --make-rslave "$1/sys"
  mount --rbind /dev "$1/dev" && mount --make-rslave "$1/dev"
  # The workplace's network setup, not the project's: its resolver, and the CA bundle
  # its TLS proxy is trusted by (SSL_CERT_FILE, PIP_CERT ... name this file).
  cp -L /etc/resolv.conf "$1/etc/resolv.conf"
  cp /etc/hosts "$1/etc/hosts"
  mkdir -p "$1/etc/ssl/certs"
  find /etc/ssl/certs -maxdepth 1 -type f -exec cp {} "$1/etc/ssl/certs/" \;
  # apt settings the machine has and no package of the root gave it: the workplace's
  # (its mirror's Release files may be past their Valid-Until) and the image's own.
  local f
  for f in /etc/apt/apt.conf.d/*; do
    [ -e "$1/etc/apt/apt.conf.d/$(basename "$f")" ] || cp "$f" "$1/etc/apt/apt.conf.d/"
  done
}

unmount_all() {  # $1 = a folder: everything mounted below it, deepest first
  local m
  for m in $(findmnt -rn -o TARGET | grep -F "$1" | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
}

# Every process whose root is the given root (an interrupted run leaves them behind).
kill_inside() {
  local pid
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$1" ] && kill -9 "$pid" 2>/dev/null
  done
  return 0
}
