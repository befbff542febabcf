#!/usr/bin/env bash
# Debian's podman (a container runtime without a daemon) and runc, for the
# test of the container image (cmd/segur/image_test.go: the Dockerfile built
# by scripts/image.sh and the guide's « Avec un conteneur » run as written).
#
#   eval "$(scripts/podman.sh)"            # install if missing; prints the export below
#   . scripts/podman.sh                    # same, exporting into this shell
#   go test -run TestImage ./cmd/segur/
#
# On stdout, only shell lines:
#   export SEGUR_TEST_PODMAN='/usr/bin/podman'
# Progress and errors go to stderr. Installs the Debian packages podman,
# runc and iptables (with their recommendations: netavark, the network
# plugins, for the published ports) when podman or runc is missing, as root.
# runc, not crun (podman's default): crun refuses the hybrid cgroups of some
# machines, this one's among them. Nothing is started: podman has no daemon.

# Sourced: run this file as a child (its set -e and exits stay there), then
# export what it printed into the caller's shell.
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
	_segur_podman_out=$(bash "${BASH_SOURCE[0]}") || { unset _segur_podman_out; return 1; }
	eval "$_segur_podman_out"
	printf '%s\n' "$_segur_podman_out"
	unset _segur_podman_out
	return 0
fi

set -Eeuo pipefail

PODMAN=/usr/bin/podman
RUNC=/usr/sbin/runc

log() { printf 'podman.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

install_podman() {
	[[ -x $PODMAN && -x $RUNC ]] && return 0
	[[ $EUID -eq 0 ]] || die "podman or runc is missing and installing them needs root: apt-get install podman runc iptables"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-cache show podman >/dev/null 2>&1; then
		log "apt-get update"
		apt-get update -qq >&2
	fi
	log "installing podman, runc, iptables"
	if ! apt-get install -y -qq podman runc iptables >&2; then
		log "install failed; apt-get update and retry"
		apt-get update -qq >&2
		apt-get install -y -qq podman runc iptables >&2
	fi
	[[ -x $PODMAN && -x $RUNC ]] || die "installed, but $PODMAN or $RUNC is still missing"
}

[[ $# -eq 0 ]] || die "usage: podman.sh (no arguments)"
install_podman
version=$("$PODMAN" --version 2>&1) || die "$PODMAN does not run: try $PODMAN --version"
log "$version"
printf "export SEGUR_TEST_PODMAN='%s'\n" "$PODMAN"
