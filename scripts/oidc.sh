#!/usr/bin/env bash
# A throwaway OpenID Connect provider standing in for ProConnect (the example
# provider of github.com/zitadel/oidc: authorization code flow, PKCE, JWKS,
# userinfo, end_session) for the tests of the relying party
# (internal/proconnect) and of the agents' sign-in.
#
#   eval "$(scripts/oidc.sh)"          # start; prints the exports below
#   . scripts/oidc.sh                  # same, exporting into this shell
#   go test ./internal/proconnect/
#   scripts/oidc.sh stop "$SEGUR_TEST_OIDC_DIR"
#
# On stdout, only shell lines:
#   export SEGUR_TEST_OIDC_ISSUER='http://localhost:9998/'
#   export SEGUR_TEST_OIDC_CLIENT_ID='web'
#   export SEGUR_TEST_OIDC_CLIENT_SECRET='secret'
#   export SEGUR_TEST_OIDC_REDIRECT_URIS='http://127.0.0.1:18180/connexion/proconnect/retour,…'
#   export SEGUR_TEST_OIDC_USERS='/tmp/oidc.XXXXXX/users.json'
#   export SEGUR_TEST_OIDC_DIR='/tmp/oidc.XXXXXX'
# Progress and errors go to stderr. The port is $OIDC_PORT (default 9998);
# when another program holds it, the next free one is taken. The issuer is
# always http://localhost:PORT/ (the example provider builds it so), and the
# provider listens on every interface of the machine, not 127.0.0.1 only.
#
# Clients (fixed by the example provider):
#   web     confidential, secret "secret", client_secret_basic or _post;
#           its redirect URIs must be one of the registered list EXACTLY
#           (its "dev mode" only lets them be http://): the callback of the
#           portal on 127.0.0.1 and localhost, ports 18180 to 18189.
#   native  public (no secret, PKCE required); accepts any port on a
#           loopback host (127.0.0.1, ::1, localhost) for a registered
#           path, RFC 8252: /connexion/proconnect/retour.
# Users (users.json; the login form's username is the e-mail), password
# $OIDC_PASSWORD for all, all with a verified e-mail:
#   instructeur@asp.demo, payeur@asp.demo   agents of the portal's demo
#   inconnu@exemple.fr                      a person the portal does not know
# The folder holds users.json, the provider's log (server.log) and its PID
# (pid). Installs the provider $OIDC_VERSION with `go install` (Go module
# proxy, about a minute on a cold machine, 16 MB) into .tools/bin of the
# repository (git-ignored) under the name oidc-exemple, when missing or of
# another version; needs Go only.
#
# The variables are SEGUR_TEST_*: segur serve must never be pointed at this
# provider by accident.

# Sourced: run this file as a child (its set -e and exits stay there), then
# export what it printed into the caller's shell.
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
	if [[ "${1:-}" == stop ]]; then
		bash "${BASH_SOURCE[0]}" stop "${2:-${SEGUR_TEST_OIDC_DIR:-}}" &&
			unset SEGUR_TEST_OIDC_ISSUER SEGUR_TEST_OIDC_CLIENT_ID SEGUR_TEST_OIDC_CLIENT_SECRET \
				SEGUR_TEST_OIDC_REDIRECT_URIS SEGUR_TEST_OIDC_USERS SEGUR_TEST_OIDC_DIR
		return
	fi
	_segur_oidc_out=$(bash "${BASH_SOURCE[0]}" start) || { unset _segur_oidc_out; return 1; }
	eval "$_segur_oidc_out"
	printf '%s\n' "$_segur_oidc_out"
	unset _segur_oidc_out
	return 0
fi

set -Eeuo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/arreter.sh"

OIDC_VERSION=v3.52.0
OIDC_MODULE=github.com/zitadel/oidc/v3
PORT=${OIDC_PORT:-9998}
PASSWORD=${OIDC_PASSWORD:-proconnect-2026}
CALLBACK=/connexion/proconnect/retour
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/bin
PROVIDER=$TOOLS/oidc-exemple

log() { printf 'oidc.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# busy reports whether something accepts connections on 127.0.0.1:$1.
busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# ready reports whether the provider started on $PORT serves its discovery
# document with its issuer. Bash's /dev/tcp: no curl needed.
ready() {
	local r
	# A subshell: the descriptor and the silenced stderr stay in it.
	r=$( (
		exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
		printf 'GET /.well-known/openid-configuration HTTP/1.0\r\nHost: localhost:%s\r\n\r\n' "$PORT" >&3
		timeout 2 cat <&3
	) 2>/dev/null) || return 1
	[[ $r == "HTTP/1."?" 200"* && $r == *"\"issuer\":\"http://localhost:$PORT/\""* ]]
}

install_provider() {
	# The binary records its module version: reinstall on another one. (Not
	# piped into grep -q: under pipefail, an early exit would fail the test.)
	local info
	if [[ -x $PROVIDER ]] && info=$(go version -m "$PROVIDER" 2>/dev/null) &&
		grep -Eq "^[[:space:]]+mod[[:space:]]+${OIDC_MODULE}[[:space:]]+${OIDC_VERSION}([[:space:]]|\$)" <<<"$info"; then
		return 0
	fi
	command -v go >/dev/null || die "Go is missing: it installs the OpenID Connect provider"
	log "installing the example OpenID Connect provider of $OIDC_MODULE $OIDC_VERSION into $TOOLS/oidc-exemple (about a minute on a cold machine)"
	mkdir -p "$TOOLS"
	# go install names the binary after its folder (server): build into a
	# folder of our own, then rename. Outside the repository and without the
	# caller's GOFLAGS, so that neither this module's go.mod nor -mod=… play
	# a part.
	local bin
	bin=$(mktemp -d /tmp/oidc-install.XXXXXX)
	if ! (cd / && GOBIN=$bin GOFLAGS='' go install "$OIDC_MODULE/example/server@$OIDC_VERSION") >&2; then
		rm -rf -- "$bin"
		die "go install failed"
	fi
	mv -f -- "$bin/server" "$PROVIDER.new" && mv -f -- "$PROVIDER.new" "$PROVIDER"
	rm -rf -- "$bin"
	[[ -x $PROVIDER ]] || die "installed, but $PROVIDER is still missing"
}

# redirect_uris prints the comma-separated redirect URIs registered for every
# client: first the fixed ports for the web client, then the port-less ones
# that the native client matches on any port.
redirect_uris() {
	local uris=() p
	for ((p = 18180; p <= 18189; p++)); do
		uris+=("http://127.0.0.1:$p$CALLBACK" "http://localhost:$p$CALLBACK")
	done
	uris+=("http://127.0.0.1$CALLBACK" "http://localhost$CALLBACK")
	local IFS=,
	printf '%s' "${uris[*]}"
}

# users prints the users file: a JSON map of ID (the "sub" claim) to user,
# with the field names of the example provider's storage.User.
users() {
	local first=1 id email given family
	printf '{\n'
	while read -r id email given family; do
		((first)) || printf ',\n'
		first=0
		printf '  "%s": {"ID": "%s", "Username": "%s", "Password": "%s", "FirstName": "%s", "LastName": "%s", "Email": "%s", "EmailVerified": true, "PreferredLanguage": "fr"}' \
			"$id" "$id" "$email" "$PASSWORD" "$given" "$family" "$email"
	done <<-EOF
		agent-instructeur instructeur@asp.demo Camille Instructrice
		agent-payeur payeur@asp.demo Dominique Payeur
		personne-inconnue inconnu@exemple.fr Claude Inconnu
	EOF
	printf '\n}\n'
}

start() {
	install_provider
	# Another program (a parallel run) may hold the port: take the next free
	# one, without answering to a provider this script did not start.
	local tries=0
	while busy "$PORT"; do
		tries=$((tries + 1))
		((tries < 50)) || die "no free port found for the OpenID Connect provider"
		log "port $PORT busy; trying $((PORT + 1))"
		PORT=$((PORT + 1))
	done

	local dir pid uris
	dir=$(mktemp -d /tmp/oidc.XXXXXX)
	chmod 700 "$dir"
	# Stop the provider and remove the folder if anything below fails.
	trap 'log "failed; see above"; [[ -f $dir/server.log ]] && tail -n 20 "$dir/server.log" >&2; stop "$dir" || true' ERR
	users >"$dir/users.json"
	uris=$(redirect_uris)

	log "starting on port $PORT (issuer http://localhost:$PORT/), files in $dir"
	# Its output goes to the log: the caller's $(...) must not wait on it.
	PORT=$PORT REDIRECT_URI=$uris USERS_FILE=$dir/users.json \
		"$PROVIDER" </dev/null >"$dir/server.log" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/pid"

	local i
	for ((i = 0; i < 300; i++)); do
		ready && break
		kill -0 "$pid" 2>/dev/null || { log "the provider exited"; false; }
		sleep 0.1
	done
	ready || { log "the provider does not answer after 30 s"; false; }
	trap - ERR

	printf "export SEGUR_TEST_OIDC_ISSUER='http://localhost:%s/'\n" "$PORT"
	printf "export SEGUR_TEST_OIDC_CLIENT_ID='web'\n"
	printf "export SEGUR_TEST_OIDC_CLIENT_SECRET='secret'\n"
	printf "export SEGUR_TEST_OIDC_REDIRECT_URIS='%s'\n" "$uris"
	printf "export SEGUR_TEST_OIDC_USERS='%s'\n" "$dir/users.json"
	printf "export SEGUR_TEST_OIDC_DIR='%s'\n" "$dir"
	log "ready (PID $pid); stop with: scripts/oidc.sh stop $dir"
}

stop() {
	local dir=${1:-${SEGUR_TEST_OIDC_DIR:-}}
	[[ -n $dir ]] || die "usage: oidc.sh stop DIR (DIR as printed in SEGUR_TEST_OIDC_DIR)"
	# Only ever remove a directory this script made.
	[[ $dir == /tmp/oidc.* && ! -L $dir ]] || die "refusing to stop « $dir »: not a /tmp/oidc.* directory"
	if [[ ! -e $dir ]]; then
		log "$dir is gone: nothing to stop"
		return 0
	fi
	[[ -d $dir ]] || die "refusing to stop « $dir »: not a directory"
	arreter_processus "$dir" oidc-exemple
	rm -rf -- "$dir"
}

case "${1:-start}" in
start) start ;;
stop) stop "${2:-}" ;;
*) die "usage: oidc.sh [start] | oidc.sh stop DIR" ;;
esac
