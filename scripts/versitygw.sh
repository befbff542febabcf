#!/usr/bin/env bash
# A throwaway S3 server (versitygw over a folder in /tmp) for the S3 blob
# store's tests.
#
#   eval "$(scripts/versitygw.sh)"          # start; prints the exports below
#   . scripts/versitygw.sh                  # same, exporting into this shell
#   go test ./internal/blob/
#   scripts/versitygw.sh stop "$SEGUR_TEST_S3_DIR"
#
# On stdout, only shell lines:
#   export SEGUR_TEST_S3_URL='s3://segur:SECRET@127.0.0.1:7070/segur-test?insecure=1'
#   export SEGUR_TEST_S3_DIR='/tmp/versitygw.XXXXXX'
# Progress and errors go to stderr. The port is $S3PORT (default 7070).
# The folder holds the objects (data/), the server's log (server.log) and
# its PID (pid); the secret key is drawn at random for each start.
# Installs versitygw $VERSITYGW_VERSION with `go install` (Go module proxy,
# about a minute on a cold machine, 80 MB) into .tools/bin of the
# repository (git-ignored) when missing or of another version; needs Go only.

# Sourced: run this file as a child (its set -e and exits stay there), then
# export what it printed into the caller's shell.
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
	if [[ "${1:-}" == stop ]]; then
		bash "${BASH_SOURCE[0]}" stop "${2:-${SEGUR_TEST_S3_DIR:-}}" &&
			unset SEGUR_TEST_S3_URL SEGUR_TEST_S3_DIR
		return
	fi
	_segur_s3_out=$(bash "${BASH_SOURCE[0]}" start) || { unset _segur_s3_out; return 1; }
	eval "$_segur_s3_out"
	printf '%s\n' "$_segur_s3_out"
	unset _segur_s3_out
	return 0
fi

set -Eeuo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/arreter.sh"

VERSITYGW_VERSION=v1.8.0
VERSITYGW_MODULE=github.com/versity/versitygw
S3PORT=${S3PORT:-7070}
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/bin
VERSITYGW=$TOOLS/versitygw
ACCESS_KEY=segur
BUCKET=segur-test

log() { printf 'versitygw.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# answers reports whether an HTTP server answers on 127.0.0.1:$S3PORT (any
# status: versitygw refuses unsigned requests with 403). Bash's /dev/tcp:
# no curl needed.
answers() {
	# A subshell: the descriptor and the silenced stderr stay in it.
	(
		exec 3<>"/dev/tcp/127.0.0.1/$S3PORT" || exit 1
		printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
		IFS= read -r -t 2 status <&3 || exit 1
		[[ $status == HTTP/* ]]
	) 2>/dev/null
}

install_versitygw() {
	# The binary records its module version: reinstall on another one. (Not
	# piped into grep -q: under pipefail, an early exit would fail the test.)
	local info
	if [[ -x $VERSITYGW ]] && info=$(go version -m "$VERSITYGW" 2>/dev/null) &&
		grep -Eq "^[[:space:]]+mod[[:space:]]+${VERSITYGW_MODULE}[[:space:]]+${VERSITYGW_VERSION}([[:space:]]|\$)" <<<"$info"; then
		return 0
	fi
	command -v go >/dev/null || die "Go is missing: it installs versitygw"
	log "installing versitygw $VERSITYGW_VERSION into $TOOLS (about a minute on a cold machine)"
	mkdir -p "$TOOLS"
	# Outside the repository and without the caller's GOFLAGS, so that
	# neither this module's go.mod nor -mod=… play a part.
	(cd / && GOBIN=$TOOLS GOFLAGS='' go install "$VERSITYGW_MODULE/cmd/versitygw@$VERSITYGW_VERSION") >&2
	[[ -x $VERSITYGW ]] || die "installed, but $VERSITYGW is still missing"
}

start() {
	install_versitygw
	# Without this check, the wait below would accept another server.
	if answers; then
		die "port 127.0.0.1:$S3PORT is taken: stop what listens there or set S3PORT"
	fi

	local dir secret pid
	dir=$(mktemp -d /tmp/versitygw.XXXXXX)
	chmod 700 "$dir"
	mkdir "$dir/data"
	secret=$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')
	# Stop the server and remove the folder if anything below fails.
	trap 'log "failed; see above"; [[ -f $dir/server.log ]] && tail -n 20 "$dir/server.log" >&2; stop "$dir" || true' ERR

	log "starting on 127.0.0.1:$S3PORT over $dir/data"
	# The keys go through the environment, not the command line (ps shows it).
	# Its output goes to the log: the caller's $(...) must not wait on it.
	ROOT_ACCESS_KEY=$ACCESS_KEY ROOT_SECRET_KEY=$secret \
		"$VERSITYGW" --port "127.0.0.1:$S3PORT" posix "$dir/data" \
		</dev/null >"$dir/server.log" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/pid"

	local i
	for ((i = 0; i < 300; i++)); do
		answers && break
		kill -0 "$pid" 2>/dev/null || { log "versitygw exited"; false; }
		sleep 0.1
	done
	answers || { log "versitygw does not answer after 30 s"; false; }
	trap - ERR

	printf "export SEGUR_TEST_S3_URL='s3://%s:%s@127.0.0.1:%s/%s?insecure=1'\n" "$ACCESS_KEY" "$secret" "$S3PORT" "$BUCKET"
	printf "export SEGUR_TEST_S3_DIR='%s'\n" "$dir"
	log "ready (PID $pid); stop with: scripts/versitygw.sh stop $dir"
}

stop() {
	local dir=${1:-${SEGUR_TEST_S3_DIR:-}}
	[[ -n $dir ]] || die "usage: versitygw.sh stop DIR (DIR as printed in SEGUR_TEST_S3_DIR)"
	# Only ever remove a directory this script made.
	[[ $dir == /tmp/versitygw.* && -d $dir && ! -L $dir ]] || die "refusing to stop « $dir »: not a /tmp/versitygw.* directory"
	arreter_processus "$dir" versitygw
	rm -rf -- "$dir"
}

case "${1:-start}" in
start) start ;;
stop) stop "${2:-}" ;;
*) die "usage: versitygw.sh [start] | versitygw.sh stop DIR" ;;
esac
