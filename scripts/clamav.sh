#!/usr/bin/env bash
# A throwaway ClamAV daemon (clamd) for the tests of the antivirus client
# (internal/clamav), with a signature database made for the tests only.
#
#   eval "$(scripts/clamav.sh)"           # start; prints the exports below
#   . scripts/clamav.sh                   # same, exporting into this shell
#   go test ./internal/clamav/
#   scripts/clamav.sh stop "$SEGUR_TEST_CLAMAV_DIR"
#
# On stdout, only shell lines:
#   export SEGUR_TEST_CLAMAV='tcp://127.0.0.1:3310'
#   export SEGUR_TEST_CLAMAV_SOCKET='/tmp/clamav.XXXXXX/clamd.sock'
#   export SEGUR_TEST_CLAMAV_DIR='/tmp/clamav.XXXXXX'
# Progress and errors go to stderr. The TCP port is $CLAMAV_PORT (default
# 3310), on 127.0.0.1 only; when another program holds it, the next free one
# is taken. clamd also listens on a unix socket in the folder. When
# $SEGUR_TEST_CLAMAV_DIR already names a clamd started by this script that
# answers, it is used as it is (idempotent).
# The folder holds the configuration (clamd.conf), the signatures (db/),
# the logs (clamd.log, server.log) and the PID (pid).
#
# The database is NOT ClamAV's (no freshclam, nothing is downloaded): two
# signatures made for the tests, which is also what lets clamd start (it
# refuses an empty database):
#   - Segur.Test.EICAR (segur-test.hdb): the MD5 of the 68-byte EICAR test
#     file, which therefore matches only the whole file, as the EICAR rules
#     want;
#   - Segur.Test.Signature (segur-test.ndb): the bytes
#     SEGUR-TEST-VIRUS-SIGNATURE anywhere in a file, or in what clamd
#     extracts from it (a zip's members, a PDF's streams), to plant a
#     "virus" inside any content.
# clamd reports them with the suffix .UNOFFICIAL (a database that is not
# signed by ClamAV), e.g. « stream: Segur.Test.EICAR.UNOFFICIAL FOUND ».
# A stream is refused past StreamMaxLength ($CLAMAV_STREAM_MAX, default 8M:
# an attachment is at most hop.MaxPiece, 3 MiB, and the tests plant the
# signature in a 5 MB buffer); what clamd extracts from one stream (a zip's
# members) is scanned up to MaxScanSize ($CLAMAV_SCAN_MAX, default 32M).
#
# Installs the Debian package clamav-daemon when clamd is missing (as root,
# with --no-install-recommends, running apt-get update only when needed).
# clamd runs as the current user (root here): no User line, so it does not
# switch to the user clamav, who could not read the folder.

# Sourced: run this file as a child (its set -e and exits stay there), then
# export what it printed into the caller's shell.
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
	if [[ "${1:-}" == stop ]]; then
		bash "${BASH_SOURCE[0]}" stop "${2:-${SEGUR_TEST_CLAMAV_DIR:-}}" &&
			unset SEGUR_TEST_CLAMAV SEGUR_TEST_CLAMAV_SOCKET SEGUR_TEST_CLAMAV_DIR
		return
	fi
	_segur_clamav_out=$(bash "${BASH_SOURCE[0]}" start) || { unset _segur_clamav_out; return 1; }
	eval "$_segur_clamav_out"
	printf '%s\n' "$_segur_clamav_out"
	unset _segur_clamav_out
	return 0
fi

set -Eeuo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/arreter.sh"

CLAMD=/usr/sbin/clamd
PORT=${CLAMAV_PORT:-3310}
STREAM_MAX=${CLAMAV_STREAM_MAX:-8M}
SCAN_MAX=${CLAMAV_SCAN_MAX:-32M}
# The test string of Segur.Test.Signature; the tests of internal/clamav
# plant the same one.
TEST_STRING=SEGUR-TEST-VIRUS-SIGNATURE
# MD5 and size of the EICAR test file (https://www.eicar.org), 68 bytes
# without a line end. Only its hash is here: this file is not itself a
# test virus.
EICAR_MD5=44d88612fea8a8f36de82e1278abb02f
EICAR_SIZE=68

log() { printf 'clamav.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# busy reports whether something accepts connections on 127.0.0.1:$1.
busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pong reports whether the clamd on 127.0.0.1:$1 answers PING with PONG
# (the z-prefixed form: commands and replies end with a NUL byte).
pong() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'zPING\0' >&3
		IFS= read -r -d '' -t 2 reply <&3 || exit 1
		[[ $reply == PONG ]]
	) 2>/dev/null
}

exports() {
	printf "export SEGUR_TEST_CLAMAV='tcp://127.0.0.1:%s'\n" "$1"
	printf "export SEGUR_TEST_CLAMAV_SOCKET='%s'\n" "$2/clamd.sock"
	printf "export SEGUR_TEST_CLAMAV_DIR='%s'\n" "$2"
}

install_clamd() {
	[[ -x $CLAMD ]] && return 0
	[[ $EUID -eq 0 ]] || die "clamd is missing ($CLAMD) and installing it needs root: apt-get install --no-install-recommends clamav-daemon"
	export DEBIAN_FRONTEND=noninteractive
	# Update the package lists only when they do not know the package, or
	# when installing from them fails (stale lists after a mirror update).
	if ! apt-cache show clamav-daemon >/dev/null 2>&1; then
		log "apt-get update"
		apt-get update -qq >&2
	fi
	log "installing clamav-daemon"
	if ! apt-get install -y -qq --no-install-recommends clamav-daemon >&2; then
		log "install failed; apt-get update and retry"
		apt-get update -qq >&2
		apt-get install -y -qq --no-install-recommends clamav-daemon >&2
	fi
	[[ -x $CLAMD ]] || die "installed, but $CLAMD is still missing"
}

# running prints the TCP port of the clamd this script started in folder $1,
# when it is alive and answers.
running() {
	local dir=$1 pid port
	[[ $dir == /tmp/clamav.* && -d $dir && -f $dir/pid && -f $dir/port ]] || return 1
	pid=$(<"$dir/pid") && port=$(<"$dir/port") || return 1
	[[ $pid =~ ^[0-9]+$ && $port =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null && [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == */clamd ]] || return 1
	pong "$port" || return 1
	printf '%s\n' "$port"
}

start() {
	local port
	if [[ -n ${SEGUR_TEST_CLAMAV_DIR:-} ]] && port=$(running "$SEGUR_TEST_CLAMAV_DIR"); then
		log "a clamd of this script already answers on 127.0.0.1:$port ($SEGUR_TEST_CLAMAV_DIR): using it"
		exports "$port" "$SEGUR_TEST_CLAMAV_DIR"
		return 0
	fi
	install_clamd
	# Another program (a parallel run, a system clamd) may hold the port:
	# take the next free one.
	local tries=0
	while busy "$PORT"; do
		tries=$((tries + 1))
		((tries < 50)) || die "no free port found for clamd"
		log "port $PORT busy; trying $((PORT + 1))"
		PORT=$((PORT + 1))
	done

	local dir pid
	dir=$(mktemp -d /tmp/clamav.XXXXXX)
	chmod 700 "$dir"
	# Stop the server and remove the folder if anything below fails.
	trap 'log "failed; see above"; for f in "$dir/server.log" "$dir/clamd.log"; do [[ -f $f ]] && tail -n 20 "$f" >&2; done; stop "$dir" || true' ERR

	mkdir "$dir/db" "$dir/tmp"
	printf '%s:%s:Segur.Test.EICAR\n' "$EICAR_MD5" "$EICAR_SIZE" >"$dir/db/segur-test.hdb"
	# Name:TargetType:Offset:HexSignature; target 0 is any file, offset *
	# anywhere in it.
	printf 'Segur.Test.Signature:0:*:%s\n' "$(printf '%s' "$TEST_STRING" | od -An -v -tx1 | tr -d ' \n')" >"$dir/db/segur-test.ndb"

	# The scan limits follow the stream's: a whole stream is one file, and
	# what clamd extracts from it (a zip's members) counts in MaxScanSize.
	cat >"$dir/clamd.conf" <<-EOF
		# A throwaway clamd for the tests (scripts/clamav.sh).
		Foreground yes
		LogFile $dir/clamd.log
		LogTime yes
		LocalSocket $dir/clamd.sock
		LocalSocketMode 600
		TCPSocket $PORT
		TCPAddr 127.0.0.1
		DatabaseDirectory $dir/db
		TemporaryDirectory $dir/tmp
		MaxThreads 4
		StreamMaxLength $STREAM_MAX
		MaxFileSize $STREAM_MAX
		MaxScanSize $SCAN_MAX
		ReadTimeout 30
		CommandReadTimeout 10
		SelfCheck 0
		Bytecode no
	EOF
	echo "$PORT" >"$dir/port"

	log "starting: 127.0.0.1:$PORT and $dir/clamd.sock, test signatures only, in $dir"
	local t0
	t0=$(date +%s%N)
	# Its output goes to the log: the caller's $(...) must not wait on it.
	"$CLAMD" --config-file="$dir/clamd.conf" </dev/null >"$dir/server.log" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/pid"

	local i
	for ((i = 0; i < 600; i++)); do
		pong "$PORT" && [[ -S $dir/clamd.sock ]] && break
		kill -0 "$pid" 2>/dev/null || { log "clamd exited"; false; }
		sleep 0.1
	done
	pong "$PORT" || { log "clamd does not answer PING after 60 s"; false; }
	trap - ERR

	exports "$PORT" "$dir"
	log "ready in $((($(date +%s%N) - t0) / 1000000)) ms (PID $pid, $(ps -o rss= -p "$pid" | tr -d ' ') KiB resident); stop with: scripts/clamav.sh stop $dir"
}

stop() {
	local dir=${1:-${SEGUR_TEST_CLAMAV_DIR:-}}
	if [[ -z $dir ]]; then
		log "nothing to stop (no folder)"
		return 0
	fi
	# Only ever remove a directory this script made.
	[[ $dir == /tmp/clamav.* && -d $dir && ! -L $dir ]] || die "refusing to stop « $dir »: not a /tmp/clamav.* directory"
	arreter_processus "$dir" clamd
	rm -rf -- "$dir"
}

case "${1:-start}" in
start) start ;;
stop) stop "${2:-}" ;;
*) die "usage: clamav.sh [start] | clamav.sh stop DIR" ;;
esac
