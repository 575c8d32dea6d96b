//! Figures shared by the benchmark programs: this process's CPU time and peak RSS.

/// User plus system CPU seconds of this process so far.
pub fn cpu_secs() -> f64 {
    let u = usage();
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// Peak resident set size of this process, MiB.
pub fn peak_rss_mib() -> u64 {
    usage().ru_maxrss as u64 / 1024
}

fn usage() -> libc::rusage {
    // SAFETY: getrusage only writes into the zeroed struct we own.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    u
}
