#!/usr/bin/env bash
# Debian's libxml2-utils, for the tests of the SEPA credit transfers
# (xmllint --schema, see internal/sepa/sepa_test.go).
#
#   eval "$(scripts/xmllint.sh)"           # install if missing; prints the export below
#   . scripts/xmllint.sh                   # same, exporting into this shell
#   go test ./internal/sepa/ ./internal/web/
#
# On stdout, only shell lines:
#   export SEGUR_XMLLINT='/usr/bin/xmllint'
# Progress and errors go to stderr. Installs the Debian package libxml2-utils
# when /usr/bin/xmllint is missing (as root, with --no-install-recommends,
# running apt-get update only when needed). Nothing is started.

# Sourced: run this file as a child (its set -e and exits stay there), then
# export what it printed into the caller's shell.
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
	_segur_xmllint_out=$(bash "${BASH_SOURCE[0]}") || { unset _segur_xmllint_out; return 1; }
	eval "$_segur_xmllint_out"
	printf '%s\n' "$_segur_xmllint_out"
	unset _segur_xmllint_out
	return 0
fi

set -Eeuo pipefail

XMLLINT=/usr/bin/xmllint

log() { printf 'xmllint.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

install_xmllint() {
	[[ -x $XMLLINT ]] && return 0
	[[ $EUID -eq 0 ]] || die "xmllint is missing ($XMLLINT) and installing it needs root: apt-get install --no-install-recommends libxml2-utils"
	export DEBIAN_FRONTEND=noninteractive
	# Update the package lists only when they do not know the package, or
	# when installing from them fails (stale lists after a mirror update).
	if ! apt-cache show libxml2-utils >/dev/null 2>&1; then
		log "apt-get update"
		apt-get update -qq >&2
	fi
	log "installing libxml2-utils"
	if ! apt-get install -y -qq --no-install-recommends libxml2-utils >&2; then
		log "install failed; apt-get update and retry"
		apt-get update -qq >&2
		apt-get install -y -qq --no-install-recommends libxml2-utils >&2
	fi
	[[ -x $XMLLINT ]] || die "installed, but $XMLLINT is still missing"
}

[[ $# -eq 0 ]] || die "usage: xmllint.sh (no arguments)"
install_xmllint
# xmllint --version prints its version on stderr.
version=$("$XMLLINT" --version 2>&1 | head -n1) || true
[[ $version == *xmllint* ]] || die "$XMLLINT does not run: try $XMLLINT --version"
log "$version"
printf "export SEGUR_XMLLINT='%s'\n" "$XMLLINT"
