#!/usr/bin/env bash
# Debian's Chromium, headless, for the browser tests (chromedp, see
# internal/segurtest/browser.go).
#
#   eval "$(scripts/chromium.sh)"          # install if missing; prints the export below
#   . scripts/chromium.sh                  # same, exporting into this shell
#   go test ./internal/segurtest/
#
# On stdout, only shell lines:
#   export SEGUR_CHROMIUM='/usr/bin/chromium'
# Progress and errors go to stderr. Installs the Debian package chromium when
# /usr/bin/chromium is missing (as root, with --no-install-recommends:
# without it apt pulls 130 packages and upgrades systemd; running apt-get
# update only when needed). No chromium-driver: chromedp speaks the DevTools
# protocol to the browser itself. Nothing is started: each test starts its own
# browser.

# Sourced: run this file as a child (its set -e and exits stay there), then
# export what it printed into the caller's shell.
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
	_segur_chromium_out=$(bash "${BASH_SOURCE[0]}") || { unset _segur_chromium_out; return 1; }
	eval "$_segur_chromium_out"
	printf '%s\n' "$_segur_chromium_out"
	unset _segur_chromium_out
	return 0
fi

set -Eeuo pipefail

CHROMIUM=/usr/bin/chromium

log() { printf 'chromium.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

install_chromium() {
	[[ -x $CHROMIUM ]] && return 0
	[[ $EUID -eq 0 ]] || die "Chromium is missing ($CHROMIUM) and installing it needs root: apt-get install --no-install-recommends chromium"
	export DEBIAN_FRONTEND=noninteractive
	# Update the package lists only when they do not know the package, or
	# when installing from them fails (stale lists after a mirror update).
	if ! apt-cache show chromium >/dev/null 2>&1; then
		log "apt-get update"
		apt-get update -qq >&2
	fi
	log "installing chromium (about 12 s, 300 MB)"
	if ! apt-get install -y -qq --no-install-recommends chromium >&2; then
		log "install failed; apt-get update and retry"
		apt-get update -qq >&2
		apt-get install -y -qq --no-install-recommends chromium >&2
	fi
	[[ -x $CHROMIUM ]] || die "installed, but $CHROMIUM is still missing"
}

[[ $# -eq 0 ]] || die "usage: chromium.sh (no arguments)"
install_chromium
# Debian's wrapper script prints a harmless "[: ...: unexpected operator"
# line first: keep only the version line.
version=$("$CHROMIUM" --headless --no-sandbox --version 2>/dev/null | grep -m1 -i chromium) ||
	die "$CHROMIUM does not run: try $CHROMIUM --headless --no-sandbox --version"
log "$version"
printf "export SEGUR_CHROMIUM='%s'\n" "$CHROMIUM"
