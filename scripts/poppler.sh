#!/usr/bin/env bash
# Debian's poppler-utils, for the tests of the PDF documents (pdftotext, see
# internal/document/document_test.go).
#
#   eval "$(scripts/poppler.sh)"           # install if missing; prints the export below
#   . scripts/poppler.sh                   # same, exporting into this shell
#   go test ./internal/document/
#
# On stdout, only shell lines:
#   export SEGUR_PDFTOTEXT='/usr/bin/pdftotext'
# Progress and errors go to stderr. Installs the Debian package poppler-utils
# when /usr/bin/pdftotext is missing (as root, with --no-install-recommends,
# running apt-get update only when needed). Nothing is started.

# Sourced: run this file as a child (its set -e and exits stay there), then
# export what it printed into the caller's shell.
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
	_segur_poppler_out=$(bash "${BASH_SOURCE[0]}") || { unset _segur_poppler_out; return 1; }
	eval "$_segur_poppler_out"
	printf '%s\n' "$_segur_poppler_out"
	unset _segur_poppler_out
	return 0
fi

set -Eeuo pipefail

PDFTOTEXT=/usr/bin/pdftotext

log() { printf 'poppler.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

install_poppler() {
	[[ -x $PDFTOTEXT ]] && return 0
	[[ $EUID -eq 0 ]] || die "pdftotext is missing ($PDFTOTEXT) and installing it needs root: apt-get install --no-install-recommends poppler-utils"
	export DEBIAN_FRONTEND=noninteractive
	# Update the package lists only when they do not know the package, or
	# when installing from them fails (stale lists after a mirror update).
	if ! apt-cache show poppler-utils >/dev/null 2>&1; then
		log "apt-get update"
		apt-get update -qq >&2
	fi
	log "installing poppler-utils"
	if ! apt-get install -y -qq --no-install-recommends poppler-utils >&2; then
		log "install failed; apt-get update and retry"
		apt-get update -qq >&2
		apt-get install -y -qq --no-install-recommends poppler-utils >&2
	fi
	[[ -x $PDFTOTEXT ]] || die "installed, but $PDFTOTEXT is still missing"
}

[[ $# -eq 0 ]] || die "usage: poppler.sh (no arguments)"
install_poppler
# pdftotext -v prints its version on stderr, and exits 0 (older releases 99).
version=$("$PDFTOTEXT" -v 2>&1 | head -n1) || true
[[ $version == pdftotext* ]] || die "$PDFTOTEXT does not run: try $PDFTOTEXT -v"
log "$version"
printf "export SEGUR_PDFTOTEXT='%s'\n" "$PDFTOTEXT"
