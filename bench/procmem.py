"""Resident memory of a process and its children, read from /proc (Linux), for the benchmark reports."""

from pathlib import Path


def rss_mb(pid: int) -> float:
    """VmRSS of one process in MiB (0.0 when it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    """Direct children of a process (gunicorn workers of a master)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree_memory(pid: int, label: str) -> dict[str, float]:
    """{label: rss, label-worker-1: rss, ...} for a master process and its workers."""
    report = {f"{label}_master_rss_mb": rss_mb(pid)}
    for number, child in enumerate(sorted(children(pid)), start=1):
        report[f"{label}_worker_{number}_rss_mb"] = rss_mb(child)
    return report


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far, in seconds (0.0 when it has gone)."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (fields 14 and 15)


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a master process and its workers (measure before and after; workers must live throughout)."""
    return cpu_seconds(pid) + sum(cpu_seconds(child) for child in children(pid))


def named_cpu_seconds(name: str) -> float:
    """CPU seconds of every running process whose command is ``name`` (the PostgreSQL server's backends, say)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if text[text.index("(") + 1:text.rindex(")")] == name:
            total += cpu_seconds(int(stat.parent.name))
    return total
