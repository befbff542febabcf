#!/usr/bin/env bash
# The French State design system (DSFR, npm package @gouvfr/dsfr) and
# axe-core (accessibility checks in the browser tests), fetched from the npm
# registry at build time into git-ignored folders of the repository:
#
#   web/node_modules/   npm's install (no package.json: nothing is committed)
#   web/dsfr/           what the portal embeds, from dist/ with its layout:
#                       dsfr.min.css, dsfr.module.min.js, dsfr.nomodule.min.js,
#                       utility/utility.min.css (its url(../icons/...) need it
#                       one level below icons/), icons/, fonts/*.woff2,
#                       favicon/, VERSION
#   web/axe/            axe.min.js, VERSION
#
#   eval "$(scripts/dsfr.sh)"              # fetch if missing; prints the exports below
#   . scripts/dsfr.sh                      # same, exporting into this shell
#
# On stdout, only shell lines:
#   export SEGUR_DSFR_DIR='/abs/path/web/dsfr'
#   export SEGUR_AXE_JS='/abs/path/web/axe/axe.min.js'
# Progress and errors go to stderr. Idempotent: nothing is fetched when both
# folders already hold the pinned versions (their VERSION files).
#
# Never commit these files. The DSFR's terms of use reserve it to State
# services (this portal is the agency's, one of them) and its install script
# refuses until they are accepted: DSFR_ACCEPT_LICENSE=1 below accepts them.
# The Marianne typeface (fonts/) has its own terms and is not free.
#
# Needs npm (Node 18+); installs Debian's npm package when missing (as root).

# Sourced: run this file as a child (its set -e and exits stay there), then
# export what it printed into the caller's shell.
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
	_segur_dsfr_out=$(bash "${BASH_SOURCE[0]}") || { unset _segur_dsfr_out; return 1; }
	eval "$_segur_dsfr_out"
	printf '%s\n' "$_segur_dsfr_out"
	unset _segur_dsfr_out
	return 0
fi

set -Eeuo pipefail

DSFR_VERSION=1.15.3
# The newest 4.x on the registry when pinned (npm view axe-core version).
AXE_VERSION=4.14.1
WEB=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/web
MODULES=$WEB/node_modules
DSFR_DIR=$WEB/dsfr
AXE_DIR=$WEB/axe

log() { printf 'dsfr.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# current DIR FILE VERSION reports whether DIR holds FILE and a VERSION file
# saying VERSION.
current() {
	[[ -f $1/$2 && -f $1/VERSION && $(<"$1/VERSION") == "$3" ]]
}

# installed PKG VERSION reports whether web/node_modules holds PKG at VERSION.
installed() {
	local manifest=$MODULES/$1/package.json
	[[ -f $manifest ]] && [[ $(node -p 'require(process.argv[1]).version' "$manifest") == "$2" ]]
}

install_npm() {
	command -v npm >/dev/null && return 0
	[[ $EUID -eq 0 ]] || die "npm is missing and installing it needs root: apt-get install --no-install-recommends npm"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-cache show npm >/dev/null 2>&1; then
		log "apt-get update"
		apt-get update -qq >&2
	fi
	log "installing npm (Debian package)"
	if ! apt-get install -y -qq --no-install-recommends npm >&2; then
		log "install failed; apt-get update and retry"
		apt-get update -qq >&2
		apt-get install -y -qq --no-install-recommends npm >&2
	fi
	command -v npm >/dev/null || die "installed, but npm is still missing"
}

fetch() {
	if installed @gouvfr/dsfr "$DSFR_VERSION" && installed axe-core "$AXE_VERSION"; then
		return 0
	fi
	install_npm
	mkdir -p "$MODULES"
	log "npm install @gouvfr/dsfr@$DSFR_VERSION axe-core@$AXE_VERSION into $MODULES"
	# Both in one command: without a package.json, an install with --no-save
	# removes what an earlier one added. --no-save and --no-package-lock
	# write no package.json nor package-lock.json in web/ (npm keeps its
	# own record in node_modules/.package-lock.json).
	# npm 11 runs no dependency's install script unless a package.json or
	# .npmrc allows it (it refuses --allow-scripts here), older npm runs
	# them all: run none (the two packages have no dependencies; axe-core
	# has no install script), then the DSFR's own, the check that its terms
	# are accepted, explicitly before copying (accept_terms), the same with
	# every npm.
	(
		cd "$WEB"
		npm install --prefix "$WEB" --no-save --no-package-lock --ignore-scripts \
			--no-audit --no-fund --loglevel=warn \
			"@gouvfr/dsfr@$DSFR_VERSION" "axe-core@$AXE_VERSION" >&2
	)
	[[ ! -e $WEB/package.json ]] || die "npm wrote $WEB/package.json: remove it, it must not be committed"
	installed @gouvfr/dsfr "$DSFR_VERSION" || die "npm did not install @gouvfr/dsfr@$DSFR_VERSION"
	installed axe-core "$AXE_VERSION" || die "npm did not install axe-core@$AXE_VERSION"
}

# accept_terms runs the DSFR's preinstall script, which refuses unless its
# terms of use are accepted; DSFR_ACCEPT_LICENSE=1 accepts them. Its cwd is
# where it would look for a .dsfr.yml otherwise: web/, not the repository.
accept_terms() {
	local pkg=$MODULES/@gouvfr/dsfr terms
	terms=$(sed -n "s/^cguVersion: *['\"]\{0,1\}\([^'\"]*\).*/\1/p" "$pkg/doc/legal/cgu.md" 2>/dev/null || true)
	(cd "$WEB" && INIT_CWD=$WEB DSFR_ACCEPT_LICENSE=1 node "$pkg/scripts/preinstall.js" >&2) ||
		die "the DSFR refuses to install: its terms of use are not accepted"
	log "DSFR terms of use ${terms:-?} accepted (DSFR_ACCEPT_LICENSE=1; see $pkg/doc/legal/cgu.md)"
}

# replace DIR STAGE moves the complete STAGE folder to DIR, so that a failed
# or interrupted copy never leaves a half folder with a VERSION file.
replace() {
	rm -rf -- "$1"
	mv -- "$2" "$1"
}

copy_dsfr() {
	local dist=$MODULES/@gouvfr/dsfr/dist stage
	accept_terms
	stage=$(mktemp -d "$WEB/.dsfr.XXXXXX")
	trap 'rm -rf -- "$stage"' EXIT
	mkdir -p "$stage/utility" "$stage/fonts"
	cp -- "$dist/dsfr.min.css" "$dist/dsfr.module.min.js" "$dist/dsfr.nomodule.min.js" "$stage/"
	cp -- "$dist/utility/utility.min.css" "$stage/utility/"
	cp -R -- "$dist/icons" "$dist/favicon" "$stage/"
	cp -- "$dist"/fonts/*.woff2 "$stage/fonts/"
	# Every file the style sheets point to must be there, but the .woff
	# fallbacks of the .woff2 fonts (every browser the DSFR supports reads
	# woff2).
	local css ref missing=0
	for css in dsfr.min.css utility/utility.min.css; do
		while IFS= read -r ref; do
			[[ -e $(dirname "$stage/$css")/$ref ]] || { log "$css: missing $ref"; missing=1; }
		done < <(grep -o 'url([^)"'\'']*)' "$stage/$css" | sed 's/^url(//; s/)$//' | grep -v -e '^data:' -e '\.woff$' | sort -u)
	done
	((missing == 0)) || die "the copy misses files the style sheets use"
	printf '%s\n' "$DSFR_VERSION" >"$stage/VERSION"
	chmod 755 "$stage"
	replace "$DSFR_DIR" "$stage"
	trap - EXIT
	log "DSFR $DSFR_VERSION in $DSFR_DIR ($(du -sh --apparent-size "$DSFR_DIR" | cut -f1), $(find "$DSFR_DIR" -type f | wc -l) files)"
}

copy_axe() {
	local stage
	stage=$(mktemp -d "$WEB/.axe.XXXXXX")
	trap 'rm -rf -- "$stage"' EXIT
	cp -- "$MODULES/axe-core/axe.min.js" "$stage/"
	printf '%s\n' "$AXE_VERSION" >"$stage/VERSION"
	chmod 755 "$stage"
	replace "$AXE_DIR" "$stage"
	trap - EXIT
	log "axe-core $AXE_VERSION in $AXE_DIR"
}

[[ $# -eq 0 ]] || die "usage: dsfr.sh (no arguments)"
mkdir -p "$WEB"
dsfr_ok=0 axe_ok=0
current "$DSFR_DIR" dsfr.min.css "$DSFR_VERSION" && dsfr_ok=1
current "$AXE_DIR" axe.min.js "$AXE_VERSION" && axe_ok=1
if ((dsfr_ok == 0 || axe_ok == 0)); then
	fetch
	((dsfr_ok == 1)) || copy_dsfr
	((axe_ok == 1)) || copy_axe
fi
printf "export SEGUR_DSFR_DIR='%s'\n" "$DSFR_DIR"
printf "export SEGUR_AXE_JS='%s'\n" "$AXE_DIR/axe.min.js"
