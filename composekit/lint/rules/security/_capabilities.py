"""Linux capabilities: Docker's default set and what each added one lets a container do.

Docker accepts capability names with or without ``CAP_`` and in any case
(measured: ``cap_add: [sys_admin]`` grants CAP_SYS_ADMIN); ``ALL`` means
every capability.
"""

from __future__ import annotations

#: The capabilities every Docker container has unless dropped (moby's default set).
DEFAULT = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})

#: Capabilities that let a container take over the host (run code in the host
#: kernel or as host root).
HOST_ESCAPE: dict[str, str] = {
    "ALL": "every capability, which is as good as privileged mode",
    "SYS_ADMIN": "mounts, namespaces and most administration calls: the classic container "
                 "escape (cgroup release_agent, mounting host file systems)",
    "SYS_MODULE": "loading kernel modules, that is running code in the host kernel",
    "SYS_RAWIO": "raw I/O ports and memory (iopl, /dev/mem): direct access to the host",
}

#: Capabilities that reach beyond the container without being an outright escape.
HOST_IMPACTING: dict[str, str] = {
    "NET_ADMIN": "reconfiguring interfaces, routes and firewall rules (the host's, with "
                 "network_mode: host), sniffing and spoofing traffic",
    "BPF": "loading eBPF programs into the host kernel (kernel attack surface, reading "
           "kernel memory)",
    "SYS_BOOT": "rebooting the host and loading a new kernel (kexec)",
    "PERFMON": "performance monitoring that observes other processes and the kernel",
    "SYS_TIME": "setting the host clock, which is not namespaced",
    "SYS_NICE": "real-time scheduling and priorities that can starve the host",
    "IPC_LOCK": "locking unlimited memory, which can exhaust the host",
    "LEASE": "file leases that can block other processes' access to shared files",
    "SYSLOG": "reading and clearing the kernel log (kernel addresses defeat KASLR)",
    "SYS_PTRACE": "tracing and reading the memory of other processes (the host's, with "
                  "pid: host)",
    "DAC_READ_SEARCH": "reading any file regardless of permissions, and open_by_handle_at, "
                       "which has let containers read host files (the 'shocker' escape)",
    "MAC_ADMIN": "changing the AppArmor/SELinux policy that confines containers",
    "MAC_OVERRIDE": "bypassing the AppArmor/SELinux policy that confines containers",
    "SYS_RESOURCE": "overriding resource limits, quotas and reserved disk space",
    "AUDIT_CONTROL": "changing kernel audit rules, which can hide activity",
    "AUDIT_READ": "reading the kernel audit log",
    "LINUX_IMMUTABLE": "changing immutable and append-only file flags",
    "SYS_PACCT": "switching process accounting on and off",
    "SYS_TTY_CONFIG": "reconfiguring and hanging up terminals",
    "WAKE_ALARM": "setting alarms that wake the host",
    "BLOCK_SUSPEND": "preventing the host from suspending",
    "CHECKPOINT_RESTORE": "checkpoint/restore operations, such as choosing process IDs",
}


def normalize(name: str) -> str:
    """``cap_sys_admin``, ``CAP_SYS_ADMIN`` and ``sys_admin`` are all ``SYS_ADMIN``."""
    text = name.strip().upper()
    return text[4:] if text.startswith("CAP_") else text


def added(service: dict[str, object]) -> list[tuple[int, str, str]]:
    """``(index, normalised name, written name)`` of each ``cap_add`` entry."""
    caps = service.get("cap_add")
    if not isinstance(caps, list):
        return []
    return [(i, normalize(c), c) for i, c in enumerate(caps) if isinstance(c, str)]


def drops_all(service: dict[str, object]) -> bool:
    caps = service.get("cap_drop")
    return isinstance(caps, list) and any(
        isinstance(c, str) and normalize(c) == "ALL" for c in caps)
