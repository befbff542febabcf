#!/usr/bin/env bash
# Debian's LibreOffice Calc without its graphical interface, for the tests of
# the XLSX files: the exports open in a real spreadsheet, and the order books
# a real spreadsheet writes are read (internal/web/xlsx_test.go,
# internal/commandes/xlsx_test.go).
#
#   eval "$(scripts/libreoffice.sh)"           # install if missing; prints the export below
#   . scripts/libreoffice.sh                   # same, exporting into this shell
#   go test ./internal/web/ ./internal/commandes/
#
# On stdout, only shell lines:
#   export SEGUR_SOFFICE='/usr/bin/soffice'
# Progress and errors go to stderr. Installs the Debian package libreoffice-calc-nogui
# when /usr/bin/soffice is missing (as root, with --no-install-recommends,
# running apt-get update only when needed). Nothing is started.

# Sourced: run this file as a child (its set -e and exits stay there), then
# export what it printed into the caller's shell.
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
	_segur_soffice_out=$(bash "${BASH_SOURCE[0]}") || { unset _segur_soffice_out; return 1; }
	eval "$_segur_soffice_out"
	printf '%s\n' "$_segur_soffice_out"
	unset _segur_soffice_out
	return 0
fi

set -Eeuo pipefail

SOFFICE=/usr/bin/soffice

log() { printf 'libreoffice.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

install_libreoffice() {
	[[ -x $SOFFICE ]] && return 0
	[[ $EUID -eq 0 ]] || die "soffice is missing ($SOFFICE) and installing it needs root: apt-get install --no-install-recommends libreoffice-calc-nogui"
	export DEBIAN_FRONTEND=noninteractive
	# Update the package lists only when they do not know the package, or
	# when installing from them fails (stale lists after a mirror update).
	if ! apt-cache show libreoffice-calc-nogui >/dev/null 2>&1; then
		log "apt-get update"
		apt-get update -qq >&2
	fi
	log "installing libreoffice-calc-nogui"
	if ! apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >&2; then
		log "install failed; apt-get update and retry"
		apt-get update -qq >&2
		apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >&2
	fi
	[[ -x $SOFFICE ]] || die "installed, but $SOFFICE is still missing"
}

[[ $# -eq 0 ]] || die "usage: libreoffice.sh (no arguments)"
install_libreoffice
version=$("$SOFFICE" --headless --version 2>/dev/null | head -n1) || true
[[ $version == LibreOffice* ]] || die "$SOFFICE does not run: try $SOFFICE --headless --version"
log "$version"
printf "export SEGUR_SOFFICE='%s'\n" "$SOFFICE"
