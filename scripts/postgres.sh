#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster in /tmp for the store's tests.
#
#   eval "$(scripts/postgres.sh)"          # start; prints the exports below
#   . scripts/postgres.sh                  # same, exporting into this shell
#   go test ./internal/sqlstore/
#   scripts/postgres.sh stop "$SEGUR_TEST_POSTGRES_DIR"
#
# On stdout, only shell lines:
#   export SEGUR_TEST_POSTGRES_DSN='postgres://app:app@127.0.0.1:55432/app?sslmode=disable'
#   export SEGUR_TEST_POSTGRES_DIR='/tmp/pgdata.XXXXXX'
# Progress and errors go to stderr. The port is $PGPORT (default 55432).
# Installs the Debian package postgresql-15 when missing (as root, with
# --no-install-recommends, running apt-get update only when needed).
# fsync is off: the cluster is for tests only, never for data to keep.

# Sourced: run this file as a child (its set -e and exits stay there), then
# export what it printed into the caller's shell.
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
	if [[ "${1:-}" == stop ]]; then
		bash "${BASH_SOURCE[0]}" stop "${2:-${SEGUR_TEST_POSTGRES_DIR:-}}" &&
			unset SEGUR_TEST_POSTGRES_DSN SEGUR_TEST_POSTGRES_DIR
		return
	fi
	_segur_pg_out=$(bash "${BASH_SOURCE[0]}" start) || { unset _segur_pg_out; return 1; }
	eval "$_segur_pg_out"
	printf '%s\n' "$_segur_pg_out"
	unset _segur_pg_out
	return 0
fi

set -Eeuo pipefail

PG_MAJOR=15
PGBIN=/usr/lib/postgresql/$PG_MAJOR/bin
PGPORT=${PGPORT:-55432}

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# as_postgres runs a command as the postgres user when root (initdb refuses
# root), as the caller otherwise.
as_postgres() {
	if [[ $EUID -eq 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

install_postgres() {
	[[ -x $PGBIN/pg_ctl ]] && return 0
	[[ $EUID -eq 0 ]] || die "PostgreSQL $PG_MAJOR is missing ($PGBIN) and installing it needs root"
	local pkgs=(postgresql-$PG_MAJOR postgresql-client-$PG_MAJOR)
	export DEBIAN_FRONTEND=noninteractive
	# The package would start its own cluster (port 5432) where no
	# policy-rc.d forbids it; forbid it for the install only.
	local policy=
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		policy=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	# Update the package lists only when they do not know the package, or
	# when installing from them fails (stale lists after a mirror update).
	if ! apt-cache show "postgresql-$PG_MAJOR" >/dev/null 2>&1; then
		log "apt-get update"
		apt-get update -qq >&2
	fi
	log "installing ${pkgs[*]}"
	if ! apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2; then
		log "install failed; apt-get update and retry"
		apt-get update -qq >&2
		apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2
	fi
	if [[ -n $policy ]]; then
		rm -f "$policy"
		trap - EXIT
	fi
	[[ -x $PGBIN/pg_ctl ]] || die "installed, but $PGBIN/pg_ctl is still missing"
}

start() {
	install_postgres
	command -v psql >/dev/null || die "psql is missing (package postgresql-client-$PG_MAJOR)"

	local pgdata
	pgdata=$(mktemp -d /tmp/pgdata.XXXXXX)
	if [[ $EUID -eq 0 ]]; then
		chown postgres:postgres "$pgdata"
	fi
	chmod 700 "$pgdata"
	# Stop and remove the cluster if anything below fails.
	trap 'log "failed; see above"; [[ -f $pgdata/server.log ]] && tail -n 20 "$pgdata/server.log" >&2; stop "$pgdata" || true' ERR

	# The postgres user cannot read a clone under /root: keep PGDATA and the cwd in /tmp.
	cd /tmp
	# Another cluster (a parallel run) may hold the port: take the next free one.
	local tries=0
	while (exec 3<>"/dev/tcp/127.0.0.1/$PGPORT") 2>/dev/null; do
		tries=$((tries + 1))
		((tries < 50)) || die "no free port found for PostgreSQL"
		log "port $PGPORT busy; trying $((PGPORT + 1))"
		PGPORT=$((PGPORT + 1))
	done
	log "initdb $pgdata"
	# The socket trusts its users (the setup below); TCP asks for the
	# password, as a real server does, so that the tests of a wrong one mean something.
	as_postgres "$PGBIN/initdb" -D "$pgdata" --auth-local=trust --auth-host=scram-sha-256 -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
	log "starting on 127.0.0.1:$PGPORT"
	# Tests need no durability; PG_DURABLE=1 keeps PostgreSQL's defaults
	# (fsync, synchronous commits), for measures.
	local speed="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	[[ ${PG_DURABLE:-} == 1 ]] && speed=
	as_postgres "$PGBIN/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 30 \
		-o "-k /tmp -p $PGPORT -c listen_addresses=127.0.0.1 $speed" \
		start >/dev/null
	psql -h /tmp -p "$PGPORT" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 \
		-c "create role app login password 'app'" -c "create database app owner app" >/dev/null
	trap - ERR

	printf "export SEGUR_TEST_POSTGRES_DSN='postgres://app:app@127.0.0.1:%s/app?sslmode=disable'\n" "$PGPORT"
	printf "export SEGUR_TEST_POSTGRES_DIR='%s'\n" "$pgdata"
	log "ready; stop with: scripts/postgres.sh stop $pgdata"
}

stop() {
	local pgdata=${1:-${SEGUR_TEST_POSTGRES_DIR:-}}
	[[ -n $pgdata ]] || die "usage: postgres.sh stop DIR (DIR as printed in SEGUR_TEST_POSTGRES_DIR)"
	# Only ever remove a directory this script made.
	[[ $pgdata == /tmp/pgdata.* && -d $pgdata && ! -L $pgdata ]] || die "refusing to stop « $pgdata »: not a /tmp/pgdata.* directory"
	cd /tmp
	if [[ -f $pgdata/postmaster.pid ]]; then
		log "stopping $pgdata"
		as_postgres "$PGBIN/pg_ctl" -D "$pgdata" -m fast -w -t 30 stop >/dev/null
	fi
	rm -rf -- "$pgdata"
}

case "${1:-start}" in
start) start ;;
stop) stop "${2:-}" ;;
*) die "usage: postgres.sh [start] | postgres.sh stop DIR" ;;
esac
