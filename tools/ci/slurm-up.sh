#!/usr/bin/env bash
# Starts a one-node SLURM on this machine for the SLURM integration test (apps/cli/src/slurm.int.test.ts):
# Debian's slurm-wlm and munge, a munge key, a slurm.conf for this host (2 CPUs, addressed on 127.0.0.1), munged,
# slurmctld and slurmd. Everything lives under $PIXSED_SLURM_DIR (default /tmp/pixsed-slurm): config, spool,
# state, logs, pid files. On success it prints `export SLURM_CONF=...` lines to eval; tools/ci/slurm-down.sh stops it.
#   eval "$(bash tools/ci/slurm-up.sh)"   then   PIXSED_SLURM=1 npx vitest run ... slurm.int.test.ts
# Exits non-zero with the reason (and the daemons' logs) when something cannot be installed or started.
set -euo pipefail
dir="${PIXSED_SLURM_DIR:-/tmp/pixsed-slurm}"
log() { echo "[slurm-up] $*" >&2; }
fail() { log "FAILED: $*"; for f in "$dir"/log/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }; done; exit 1; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  [ "$(id -u)" = 0 ] || fail "slurm-wlm/munge are not installed and this is not root (apt-get install slurm-wlm munge)"
  log "apt-get install slurm-wlm munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || fail "apt-get update"
  apt-get install -y -qq slurm-wlm munge >&2 || fail "apt-get install slurm-wlm munge"
fi
[ "$(id -u)" = 0 ] || fail "slurmd must run as root (it starts jobs as their user)"

host="$(hostname -s)"
mkdir -p "$dir"/{spool/slurmd,state,log,run,munge}
chmod 755 "$dir"

# munge: a key of our own and a socket in $dir (the system munged, if any, is left alone)
key="$dir/munge/munge.key"
if [ ! -s "$key" ]; then
  dd if=/dev/urandom bs=1 count=1024 of="$key" status=none || fail "cannot create the munge key"
fi
chown -R munge:munge "$dir/munge" 2>/dev/null || true
chmod 700 "$dir/munge"; chmod 400 "$key"
sock="$dir/munge/munge.socket.2"
if ! munge -n --socket="$sock" 2>/dev/null | unmunge --socket="$sock" >/dev/null 2>&1; then
  runuser -u munge -- munged --key-file="$key" --socket="$sock" --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" 2>>"$dir/log/munged.log" \
    || munged --force --key-file="$key" --socket="$sock" --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" \
    || fail "munged did not start"
  for _ in $(seq 1 50); do munge -n --socket="$sock" 2>/dev/null | unmunge --socket="$sock" >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n --socket="$sock" | unmunge --socket="$sock" >/dev/null || fail "munge round trip (munge -n | unmunge) fails"
fi

conf="$dir/slurm.conf"
cat > "$conf" <<CONF
# one-node SLURM for pixsed's CI (tools/ci/slurm-up.sh)
ClusterName=pixsed-ci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmdParameters=config_overrides
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=300
KillWait=30
SlurmctldPort=6817
SlurmdPort=6818
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmdSpoolDir=$dir/spool/slurmd
StateSaveLocation=$dir/state
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$conf"

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
running "$dir/run/slurmctld.pid" || slurmctld -f "$conf" -c 2>>"$dir/log/slurmctld.log" || fail "slurmctld did not start"
running "$dir/run/slurmd.pid" || slurmd -f "$conf" 2>>"$dir/log/slurmd.log" || fail "slurmd did not start"
for _ in $(seq 1 60); do
  state="$(sinfo -h -N -o '%T' 2>/dev/null | head -n1 || true)"
  case "$state" in idle*|mix*|alloc*) break ;; esac
  sleep 0.5
done
case "$state" in idle*|mix*|alloc*) ;; *) scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true; sleep 1; state="$(sinfo -h -N -o '%T' 2>/dev/null | head -n1 || true)" ;; esac
case "$state" in idle*|mix*|alloc*) ;; *) fail "node $host is '${state:-unknown}', not idle, after 30 s (sinfo -N)" ;; esac
log "SLURM up: node $host idle, SLURM_CONF=$conf"
echo "export SLURM_CONF=$conf"
echo "export PIXSED_SLURM=1"
