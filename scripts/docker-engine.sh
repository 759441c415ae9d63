#!/usr/bin/env bash
# Starts Debian's Docker engine when none answers (CI and fresh machines). Idempotent: a running engine is
# left alone; stale pid files from a machine used just before are removed first. Bounded wait.
set -u
if docker info >/dev/null 2>&1; then echo "docker engine: already running"; exit 0; fi
command -v dockerd >/dev/null || { echo "docker engine: dockerd not installed (apt-get install docker.io)"; exit 1; }
rm -f /var/run/docker.pid /run/containerd/containerd.pid /var/run/docker/containerd/containerd.pid
log=/tmp/gatekit-dockerd.log
if ! pgrep -x containerd >/dev/null; then
  nohup containerd >/tmp/gatekit-containerd.log 2>&1 &
  sleep 1
fi
# Ports publish to 127.0.0.1 with or without iptables; without is the setting that works on every machine here.
nohup dockerd --iptables=false --containerd=/run/containerd/containerd.sock >"$log" 2>&1 &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then echo "docker engine: started"; exit 0; fi
  sleep 1
done
echo "docker engine: did not start within 60 s; last lines of $log:"; tail -20 "$log"
exit 1
