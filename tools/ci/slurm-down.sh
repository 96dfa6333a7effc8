#!/usr/bin/env bash
# Stops what tools/ci/slurm-up.sh started (slurmd, slurmctld, munged: by their pid files under $PIXSED_SLURM_DIR).
dir="${PIXSED_SLURM_DIR:-/tmp/pixsed-slurm}"
for p in "$dir/run/slurmd.pid" "$dir/run/slurmctld.pid" "$dir/munge/munged.pid"; do
  [ -f "$p" ] || continue
  pid="$(cat "$p")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$p"
done
echo "[slurm-down] stopped the SLURM daemons of $dir" >&2
