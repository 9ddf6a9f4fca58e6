#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fleet-parallel: the GNU parallel recipe (contrib/parallel/dfota_parallel.sh)
# over real ssh: an sshd of the test's own (its config, host key and user
# key in $tmp, listening on 127.0.0.1 on a free port, no system file
# touched) and parallel's --sshlogin to it, over 2,000 generated logs in
# shards of 300, one of them a path that cannot be read: every file gets
# the verdict one direct `dfota check --format jsonl` gives it (ERROR for
# that one), the merged counts are the direct run's, the exit status is
# dfota merge's (2: a log could not be read; the summary is written), and
# a shard whose dfota fails is named with dfota's error (exit 4). Runs as
# root (CI) or as a normal user.
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
# shellcheck source=lib/fleet.bash
source "$(dirname "$0")/lib/fleet.bash"
e2e_begin "$@"
recipe="$root/contrib/parallel/dfota_parallel.sh"
fleet_python

sshd_pid='' made_privsep=''
e2e_cleanup() {
  stop_all "$sshd_pid"
  # the privilege separation folder sshd wants as root, if the test made it
  [ -z "$made_privsep" ] || rmdir "$made_privsep" 2> /dev/null
  true
}

sshd=$(command -v sshd || echo /usr/sbin/sshd)
for tool in parallel ssh ssh-keygen "$sshd"; do
  if ! command -v "$tool" > /dev/null; then
    bad "$tool is not installed: Debian's packages parallel, openssh-client and openssh-server (scripts/install-deps.sh installs them)"
    finish; exit
  fi
done

# 1. The sshd: throwaway keys, its own config, loopback, a free port.
s=$tmp/ssh
mkdir -m 700 "$s"
ssh-keygen -q -t ed25519 -N '' -C fleet-host -f "$s/host_key"
ssh-keygen -q -t ed25519 -N '' -C fleet-user -f "$s/user_key"
cp "$s/user_key.pub" "$s/authorized_keys"
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
user=$(id -un)
cat > "$s/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $s/host_key
PidFile $s/sshd.pid
AuthorizedKeysFile $s/authorized_keys
AllowUsers $user
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PrintMotd no
EOF
cat > "$s/ssh_config" <<EOF
Host fleet-loopback
  HostName 127.0.0.1
  Port $port
  User $user
  IdentityFile $s/user_key
  IdentitiesOnly yes
  UserKnownHostsFile $s/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  LogLevel ERROR
EOF
printf '[127.0.0.1]:%s %s\n' "$port" "$(cat "$s/host_key.pub")" > "$s/known_hosts"
# As root, sshd wants its privilege separation folder (Debian's service
# makes it at boot); the test makes it when it is missing, and removes it.
if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
  mkdir -m 755 /run/sshd && made_privsep=/run/sshd
fi
"$sshd" -D -e -f "$s/sshd_config" 2> "$s/sshd.log" &
sshd_pid=$!
ssh_cmd="ssh -F $s/ssh_config"
if wait_for 60 ssh -F "$s/ssh_config" fleet-loopback true 2> "$s/ssh.err"; then
  ok "sshd on 127.0.0.1:$port takes the test's key"
else
  bad "no ssh to the test's sshd:"; cat "$s/ssh.err" "$s/sshd.log"
  finish; exit
fi

# 2. The corpus and the direct run.
fleet_setup 2000 unreadable || { finish; exit; }

# 3. The recipe over ssh; parallel keeps its own files under $tmp.
export PARALLEL_HOME=$tmp/parallel-home
mkdir -p "$PARALLEL_HOME"
# One log of the list cannot be read: the shard records it (ERROR), and the
# merged verdict is dfota's for an input that cannot be read, 2, with the
# summary written.
expect_exit "the recipe over ssh exits 2: a log could not be read" 2 \
  bash "$recipe" -o "$tmp/run" -S 2/fleet-loopback --ssh "$ssh_cmd" -n 300 --dfota "$dfota" "$tmp/list"
shards=("$tmp/run/shards/"shard-*.jsonl)
if [ "${#shards[@]}" -eq 7 ]; then ok "7 shards of at most 300 logs"
else bad "${#shards[@]} shards, want 7: ${shards[*]}"; fi
if awk -F'\t' 'NR > 1 && $2 != "fleet-loopback" { exit 1 }' "$tmp/run/joblog" && [ "$(wc -l < "$tmp/run/joblog")" -eq 8 ]; then
  ok "every shard ran through the ssh login"
else
  bad "the joblog does not show 7 jobs on fleet-loopback:"; cat "$tmp/run/joblog"
fi
fleet_compare "parallel shards and merge agree with the direct run" \
  "$tmp/direct.jsonl" "$tmp/run/summary.json" "${shards[@]}"
if grep -qi '<html' "$tmp/run/summary.html" 2> /dev/null; then ok "the merged HTML page is written"
else bad "no merged HTML page in $tmp/run/summary.html"; fi

# 4. A shard whose dfota exits 2 fails the run, named with dfota's error.
head -n 40 "$tmp/list" > "$tmp/short"
expect_exit "a shard's dfota exiting 2 fails the run" 4 \
  bash "$recipe" -o "$tmp/bad" -S fleet-loopback --ssh "$ssh_cmd" -n 20 --dfota "$dfota" \
  --profile no-such-profile "$tmp/short"
expect_grep "the failed shard is named with its host and status" \
  'shard 1 on fleet-loopback: dfota exited 2' "$tmp/err"
expect_grep "and dfota's own message" 'no-such-profile' "$tmp/err"
if [ ! -e "$tmp/bad/summary.json" ]; then ok "no summary from a failed run"; else bad "a failed run wrote a summary"; fi

finish
