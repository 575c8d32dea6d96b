//! Figures shared by the benchmark programs: this process's CPU time and peak RSS.

/// User plus system CPU seconds of this process so far.
#[allow(dead_code)]
pub fn cpu_secs() -> f64 {
    let u = usage();
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// Peak resident set size of this process, MiB.
#[allow(dead_code)]
pub fn peak_rss_mib() -> u64 {
    usage().ru_maxrss as u64 / 1024
}

fn usage() -> libc::rusage {
    // SAFETY: getrusage only writes into the zeroed struct we own.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    u
}

/// Resident set size of this process now, MiB.
#[allow(dead_code)]
pub fn current_rss_mib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
    pages * page / (1024 * 1024)
}

/// CPU seconds of each thread of this process so far, by thread name (threads of one name
/// summed), from /proc/self/task/*/schedstat (nanosecond run times).
#[allow(dead_code)]
pub fn thread_cpu_secs() -> std::collections::BTreeMap<String, f64> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for task in tasks.flatten() {
        let path = task.path();
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let ns: f64 = std::fs::read_to_string(path.join("schedstat"))
            .unwrap_or_default()
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        *out.entry(name.trim().to_string()).or_insert(0.0) += ns / 1e9;
    }
    out
}

/// Per-thread CPU between two `thread_cpu_secs` snapshots, per notification, as
/// "name 123 ns, ..." (threads that used under 1 ns per notification left out).
#[allow(dead_code)]
pub fn thread_split(
    before: &std::collections::BTreeMap<String, f64>,
    after: &std::collections::BTreeMap<String, f64>,
    n: u64,
) -> String {
    after
        .iter()
        .map(|(name, secs)| {
            (
                name,
                (secs - before.get(name).unwrap_or(&0.0)) * 1e9 / n as f64,
            )
        })
        .filter(|(_, ns)| *ns >= 1.0)
        .map(|(name, ns)| format!("{name} {ns:.0} ns"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// System (kernel) CPU seconds of this process so far: the part of `cpu_secs` spent in
/// system calls.
#[allow(dead_code)]
pub fn sys_cpu_secs() -> f64 {
    let u = usage();
    u.ru_stime.tv_sec as f64 + u.ru_stime.tv_usec as f64 / 1e6
}
