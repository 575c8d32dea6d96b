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
