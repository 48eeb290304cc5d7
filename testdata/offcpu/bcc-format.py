#!/usr/bin/env python3
"""Writes the *.bcc-format.txt fixtures: bcc 0.26's offcputime/offwaketime output, produced by
re-implementing the print statements of /usr/sbin/offcputime-bpfcc and offwaketime-bpfcc (read, not
run: bcc cannot run on this machine, see bcc-attempt.txt). The stacks are those of
testdata/src/sleepy.c as this kernel shows them (names from the bpftrace captures, without offsets);
the values are made up. Run from this directory: python3 bcc-format.py
"""

EFAULT, EEXIST = 14, 17
MISSED = "missed"   # get_stackid failed (-EEXIST): bcc prints a placeholder
NONE = None         # no stack (-EFAULT, a kernel thread's user stack): bcc prints nothing

KSCHED = ["finish_task_switch.isra.0", "__schedule", "schedule"]
SYSCALL = ["do_syscall_64", "entry_SYSCALL_64_after_hwframe"]

# offcputime keys: (comm, tid, kernel stack leaf first, user stack leaf first, microseconds)
OFFCPU = [
    ("rcu_preempt", 15, KSCHED + ["schedule_timeout", "rcu_gp_fqs_loop", "rcu_gp_kthread", "kthread",
                                  "ret_from_fork", "ret_from_fork_asm"], NONE, 28),
    ("busy", 12122, KSCHED + ["irqentry_exit_to_user_mode", "asm_sysvec_apic_timer_interrupt"],
     ["busy_loop.constprop.0", "busy_main", "start_thread"], 612),
    ("(sd-pam)", 812, KSCHED + ["schedule_hrtimeout_range_clock", "do_sigtimedwait.isra.0",
                                "__x64_sys_rt_sigtimedwait"] + SYSCALL, MISSED, 1500),
    ("pong", 12120, KSCHED + ["anon_pipe_read", "vfs_read", "ksys_read"] + SYSCALL,
     ["__libc_read", "[unknown]"], 3619),
    ("slow sleeper", 12121, KSCHED + ["do_nanosleep", "hrtimer_nanosleep", "common_nsleep",
                                      "__x64_sys_clock_nanosleep"] + SYSCALL,
     ["clock_nanosleep", "sleeper_main", "start_thread"], 20768),
    ("sleepy", 12117, MISSED, ["__futex_abstimed_wait_common", "__pthread_clockjoin_ex", "main",
                               "__libc_start_call_main"], 21042),
]

# offwaketime keys: (target comm, tid, target kernel, target user, waker comm, waker tid,
# waker kernel walk, waker user walk, microseconds); walks are leaf first, as bcc gets them.
WAKE_K = ["try_to_wake_up", "autoremove_wake_function", "__wake_up_common", "__wake_up_sync_key",
          "anon_pipe_write", "vfs_write", "ksys_write"] + SYSCALL
TIMER_K = ["try_to_wake_up", "hrtimer_wakeup", "__hrtimer_run_queues", "hrtimer_interrupt",
           "__sysvec_apic_timer_interrupt", "sysvec_apic_timer_interrupt", "asm_sysvec_apic_timer_interrupt",
           "pv_native_safe_halt", "default_idle", "default_idle_call", "do_idle", "cpu_startup_entry",
           "start_secondary", "common_startup_64"]
OFFWAKE = [
    ("busy", 12122, KSCHED + ["irqentry_exit_to_user_mode", "asm_sysvec_apic_timer_interrupt"],
     ["busy_loop.constprop.0", "busy_main", "start_thread"], "", 0, NONE, NONE, 612),
    ("pong", 12120, KSCHED + ["anon_pipe_read", "vfs_read", "ksys_read"] + SYSCALL, ["__libc_read", "start_thread"],
     "ping", 12119, WAKE_K, ["__GI___write", "start_thread"], 1681),
    ("ping", 12119, KSCHED + ["anon_pipe_read", "vfs_read", "ksys_read"] + SYSCALL, ["__libc_read", "start_thread"],
     "pong", 12120, WAKE_K, MISSED, 1938),
    ("slow sleeper", 12121, KSCHED + ["do_nanosleep", "hrtimer_nanosleep", "common_nsleep",
                                      "__x64_sys_clock_nanosleep"] + SYSCALL,
     ["clock_nanosleep", "sleeper_main", "start_thread"], "swapper/1", 0, TIMER_K, NONE, 20768),
]


def sid(stack, present_id=1):
    """The stack id bcc would have: positive, -EEXIST when missed, -EFAULT (or 0) when absent."""
    return -EEXIST if stack is MISSED else (-EFAULT if stack is NONE else present_id)


def err(stack_id):
    return stack_id < 0 and stack_id != -EFAULT


def offcputime(delimited, folded, header):
    out = [] if folded else [header, ""]
    for comm, tid, kernel, user, us in sorted(OFFCPU, key=lambda r: r[4]):
        kid, uid = sid(kernel), sid(user)
        ks = [] if kid < 0 else kernel
        us_ = [] if uid < 0 else user
        both = delimited and kid >= 0 and uid >= 0
        if folded:
            line = [comm] + (["[Missed User Stack]"] if err(uid) else list(reversed(us_)))
            line += ["-"] if both else []
            line += ["[Missed Kernel Stack]"] if err(kid) else list(reversed(ks))
            out.append("%s %d" % (";".join(line), us))
            continue
        out += ["    [Missed Kernel Stack]"] if err(kid) else ["    %s" % f for f in ks]
        out += ["    --"] if both else []
        out += ["    [Missed User Stack]"] if err(uid) else ["    %s" % f for f in us_]
        out.append("    %-16s %s (%d)" % ("-", comm, tid))
        out.append("        %d\n" % us)
    return "\n".join(out) + "\n"


def offwaketime(delimited, folded, header):
    out = [] if folded else [header, ""]
    for tcomm, tid, tk, tu, wcomm, wtid, wk, wu, us in sorted(OFFWAKE, key=lambda r: r[8]):
        tkid, tuid = sid(tk), sid(tu)
        wkid, wuid = sid(wk) if wk is not NONE else 0, sid(wu) if wu is not NONE else (0 if wk is NONE else -EFAULT)
        wk_rootfirst = list(reversed(wk[1:])) if wkid >= 1 else []
        wu_rootfirst = list(reversed(wu[1:])) if wuid >= 1 else []
        tks = tk if tkid >= 1 else []
        tus = tu if tuid >= 1 else []
        if folded:
            line = [tcomm] + (["[Missed User Stack] %d" % tuid] if err(tuid) else list(reversed(tus[1:])))
            line += ["-"] if delimited and tkid > 0 and tuid > 0 else []
            line += ["[Missed Kernel Stack]"] if err(tkid) else list(reversed(tks[1:]))
            line.append("--")
            line += ["[Missed Kernel Stack]"] if err(wkid) else list(reversed(wk_rootfirst))
            line += ["-"] if delimited and wuid > 0 and wkid > 0 else []
            line += ["[Missed User Stack]"] if err(wuid) else list(reversed(wu_rootfirst))
            line.append(wcomm)
            out.append("%s %d" % (";".join(line), us))
            continue
        out.append("    %-16s %s %s" % ("waker:", wcomm, wtid))
        out += ["    [Missed User Stack] %d" % wuid] if err(wuid) else ["    %s" % f for f in wu_rootfirst]
        out += ["    -"] if delimited and wuid > 0 and wkid > 0 else []
        out += ["    [Missed Kernel Stack]"] if err(wkid) else ["    %s" % f for f in wk_rootfirst]
        out.append("    %-16s %s" % ("--", "--"))
        out += ["    [Missed Kernel Stack]"] if err(tkid) else ["    %s" % f for f in tks]
        out += ["    -"] if delimited and tuid > 0 and tkid > 0 else []
        out += ["    [Missed User Stack]"] if err(tuid) else ["    %s" % f for f in tus]
        out.append("    %-16s %s %s" % ("target:", tcomm, tid))
        out.append("        %d\n" % us)
    return "\n".join(out) + "\n"


OFFCPU_HEADER = "Tracing off-CPU time (us) of %s by user + kernel stack for 5 secs."
OFFWAKE_HEADER = "Tracing blocked time (us) by user + kernel off-CPU and waker stack for 5 secs."
FILES = {
    "offcputime.bcc-format.txt": offcputime(False, False, OFFCPU_HEADER % "all threads"),
    "offcputime-d.bcc-format.txt": offcputime(True, False, OFFCPU_HEADER % "all threads"),
    "offcputime-f.bcc-format.txt": offcputime(False, True, None),
    "offcputime-f-d.bcc-format.txt": offcputime(True, True, None),
    "offwaketime.bcc-format.txt": offwaketime(False, False, OFFWAKE_HEADER),
    "offwaketime-d.bcc-format.txt": offwaketime(True, False, OFFWAKE_HEADER),
    "offwaketime-f.bcc-format.txt": offwaketime(False, True, None),
}
for name, text in FILES.items():
    with open(name, "w") as f:
        f.write(text)
