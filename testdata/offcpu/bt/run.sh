#!/bin/sh
# Records one bpftrace script twice at once, as text (stdout and stderr) and with -f json
# (stdout; stderr to OUT.json.err), while /tmp/flametd/sleepy runs with linger.so preloaded.
#
# usage: bt/run.sh SCRIPT.bt OUT     (absolute paths; binaries from testdata/src/build.sh and
#                                     linger.so from the build line in linger.c, in /tmp/flametd)
#
# sleepy is started stopped (the shell stops itself before exec, so the pid is known and stays
# the same), both bpftrace instances get that pid as $1 and 4 s to attach, then sleepy runs
# (~50 ms of work, then every thread lingers 3 s) and both are stopped with SIGINT 1.5 s later,
# while its threads still exist, so that user frames are named.
set -u
script=$1; out=$2
cd /tmp/flametd
sh -c 'kill -STOP $$; exec env LD_PRELOAD=/tmp/flametd/linger.so ./sleepy' > /dev/null &
w=$!
sleep 0.2
bpftrace "$script" $w > "$out.txt" 2>&1 &
b1=$!
bpftrace -f json "$script" $w > "$out.json" 2> "$out.json.err" &
b2=$!
sleep 4
kill -CONT $w
sleep 1.5
kill -INT $b1 $b2
wait $b1 $b2
wait $w
echo "workload pid $w"
