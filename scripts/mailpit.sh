#!/usr/bin/env bash
# A throwaway SMTP server (mailpit: it keeps every mail it receives and shows
# them on an HTTP API) for the tests of the mail outbox (internal/courrier).
#
#   eval "$(scripts/mailpit.sh)"          # start; prints the exports below
#   . scripts/mailpit.sh                  # same, exporting into this shell
#   go test ./internal/courrier/
#   scripts/mailpit.sh stop "$SEGUR_TEST_MAILPIT_DIR"
#
# On stdout, only shell lines:
#   export SEGUR_TEST_SMTP='127.0.0.1:1025'
#   export SEGUR_TEST_MAILPIT='http://127.0.0.1:8025'
#   export SEGUR_TEST_MAILPIT_DIR='/tmp/mailpit.XXXXXX'
# Progress and errors go to stderr. The ports are $MAILPIT_SMTP_PORT (default
# 1025) and $MAILPIT_HTTP_PORT (default 8025), on 127.0.0.1 only; when
# another program holds one, the next free ones are taken. When a mailpit
# already answers on both ports, it is used as it is (idempotent): the
# folder printed is then empty and stop has nothing to stop.
# The folder holds mailpit's database (mailpit.db), its log (server.log) and
# its PID (pid). Every mail is accepted, with any login or none, without TLS.
# Installs mailpit $MAILPIT_VERSION with `go install` (Go module proxy, about
# a minute on a cold machine, 35 MB) into .tools/bin of the repository
# (git-ignored) when missing or of another version; needs Go only.
#
# The variables are SEGUR_TEST_*, not SEGUR_SMTP: that one configures
# segur serve, which the tests must not point at this server by accident.

# Sourced: run this file as a child (its set -e and exits stay there), then
# export what it printed into the caller's shell.
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
	if [[ "${1:-}" == stop ]]; then
		bash "${BASH_SOURCE[0]}" stop "${2:-${SEGUR_TEST_MAILPIT_DIR:-}}" &&
			unset SEGUR_TEST_SMTP SEGUR_TEST_MAILPIT SEGUR_TEST_MAILPIT_DIR
		return
	fi
	_segur_mailpit_out=$(bash "${BASH_SOURCE[0]}" start) || { unset _segur_mailpit_out; return 1; }
	eval "$_segur_mailpit_out"
	printf '%s\n' "$_segur_mailpit_out"
	unset _segur_mailpit_out
	return 0
fi

set -Eeuo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/arreter.sh"

MAILPIT_VERSION=v1.33.1
MAILPIT_MODULE=github.com/axllent/mailpit
SMTP_PORT=${MAILPIT_SMTP_PORT:-1025}
HTTP_PORT=${MAILPIT_HTTP_PORT:-8025}
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/bin
MAILPIT=$TOOLS/mailpit

log() { printf 'mailpit.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# busy reports whether something accepts connections on 127.0.0.1:$1.
busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# http_get prints the response to GET $2 on 127.0.0.1:$1 (status line,
# headers, body). Bash's /dev/tcp: no curl needed.
http_get() {
	# A subshell: the descriptor and the silenced stderr stay in it.
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
		timeout 2 cat <&3
	) 2>/dev/null
}

# smtp_answers reports whether an SMTP server greets on 127.0.0.1:$1.
smtp_answers() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		IFS= read -r -t 2 greeting <&3 || exit 1
		printf 'QUIT\r\n' >&3
		[[ $greeting == 220* ]]
	) 2>/dev/null
}

# is_mailpit reports whether a mailpit serves its API on 127.0.0.1:$1 and
# SMTP on 127.0.0.1:$2.
is_mailpit() {
	local info
	info=$(http_get "$1" /api/v1/info) || return 1
	[[ $info == "HTTP/1."?" 200"* && $info == *'"Version"'* ]] && smtp_answers "$2"
}

ready() {
	local r
	r=$(http_get "$HTTP_PORT" /readyz) || return 1
	[[ $r == "HTTP/1."?" 200"* ]] && smtp_answers "$SMTP_PORT"
}

exports() {
	printf "export SEGUR_TEST_SMTP='127.0.0.1:%s'\n" "$SMTP_PORT"
	printf "export SEGUR_TEST_MAILPIT='http://127.0.0.1:%s'\n" "$HTTP_PORT"
	printf "export SEGUR_TEST_MAILPIT_DIR='%s'\n" "$1"
}

install_mailpit() {
	# The binary records its module version: reinstall on another one. (Not
	# piped into grep -q: under pipefail, an early exit would fail the test.)
	local info
	if [[ -x $MAILPIT ]] && info=$(go version -m "$MAILPIT" 2>/dev/null) &&
		grep -Eq "^[[:space:]]+mod[[:space:]]+${MAILPIT_MODULE}[[:space:]]+${MAILPIT_VERSION}([[:space:]]|\$)" <<<"$info"; then
		return 0
	fi
	command -v go >/dev/null || die "Go is missing: it installs mailpit"
	log "installing mailpit $MAILPIT_VERSION into $TOOLS (about a minute on a cold machine)"
	mkdir -p "$TOOLS"
	# Outside the repository and without the caller's GOFLAGS, so that
	# neither this module's go.mod nor -mod=… play a part.
	(cd / && GOBIN=$TOOLS GOFLAGS='' go install "$MAILPIT_MODULE@$MAILPIT_VERSION") >&2
	[[ -x $MAILPIT ]] || die "installed, but $MAILPIT is still missing"
}

start() {
	if is_mailpit "$HTTP_PORT" "$SMTP_PORT"; then
		log "a mailpit already answers on 127.0.0.1:$SMTP_PORT (SMTP) and 127.0.0.1:$HTTP_PORT (HTTP): using it"
		exports ""
		return 0
	fi
	install_mailpit
	# Another program (a parallel run) may hold a port: take the next free
	# ones, without answering to a server this script did not start.
	local tries=0
	while busy "$SMTP_PORT" || busy "$HTTP_PORT"; do
		tries=$((tries + 1))
		((tries < 50)) || die "no free ports found for mailpit"
		log "port $SMTP_PORT or $HTTP_PORT busy; trying $((SMTP_PORT + 1)) and $((HTTP_PORT + 1))"
		SMTP_PORT=$((SMTP_PORT + 1))
		HTTP_PORT=$((HTTP_PORT + 1))
	done

	local dir pid
	dir=$(mktemp -d /tmp/mailpit.XXXXXX)
	chmod 700 "$dir"
	# Stop the server and remove the folder if anything below fails.
	trap 'log "failed; see above"; [[ -f $dir/server.log ]] && tail -n 20 "$dir/server.log" >&2; stop "$dir" || true' ERR

	log "starting: SMTP on 127.0.0.1:$SMTP_PORT, HTTP on 127.0.0.1:$HTTP_PORT, database in $dir"
	# Its output goes to the log: the caller's $(...) must not wait on it.
	"$MAILPIT" --listen "127.0.0.1:$HTTP_PORT" --smtp "127.0.0.1:$SMTP_PORT" \
		--smtp-auth-accept-any --smtp-auth-allow-insecure --smtp-disable-rdns \
		--disable-version-check --database "$dir/mailpit.db" \
		</dev/null >"$dir/server.log" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/pid"

	local i
	for ((i = 0; i < 300; i++)); do
		ready && break
		kill -0 "$pid" 2>/dev/null || { log "mailpit exited"; false; }
		sleep 0.1
	done
	ready || { log "mailpit does not answer after 30 s"; false; }
	trap - ERR

	exports "$dir"
	log "ready (PID $pid); stop with: scripts/mailpit.sh stop $dir"
}

stop() {
	local dir=${1:-${SEGUR_TEST_MAILPIT_DIR:-}}
	if [[ -z $dir ]]; then
		log "nothing to stop (no folder: the mailpit was not started by this script)"
		return 0
	fi
	# Only ever remove a directory this script made.
	[[ $dir == /tmp/mailpit.* && -d $dir && ! -L $dir ]] || die "refusing to stop « $dir »: not a /tmp/mailpit.* directory"
	arreter_processus "$dir" mailpit
	rm -rf -- "$dir"
}

case "${1:-start}" in
start) start ;;
stop) stop "${2:-}" ;;
*) die "usage: mailpit.sh [start] | mailpit.sh stop DIR" ;;
esac
