# Sourced by the scripts that start a throwaway service (clamav.sh,
# mailpit.sh, oidc.sh, versitygw.sh): stops the process whose PID the
# service's folder holds, if it still runs the expected program.
#
#   arreter_processus DIR PROGRAMME
#
# reads DIR/pid and, when that PID is alive and its executable's name is
# PROGRAMME (the PID may have been reused since), sends SIGTERM, waits up
# to 10 s, then SIGKILL. Logs through the caller's log function.
arreter_processus() {
	local dir=$1 programme=$2 pid i
	[[ -f $dir/pid ]] && pid=$(<"$dir/pid") && [[ $pid =~ ^[0-9]+$ ]] || return 0
	kill -0 "$pid" 2>/dev/null && [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == */"$programme" ]] || return 0
	log "stopping PID $pid"
	kill "$pid"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "PID $pid still running after 10 s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
}
