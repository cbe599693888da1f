//! Small helpers: percentiles, the file-descriptor limit, process memory.

use std::time::Duration;

/// Latency samples in microseconds.
#[derive(Debug, Default, Clone)]
pub(crate) struct Samples(pub Vec<u64>);

impl Samples {
    /// Adds one sample.
    pub(crate) fn push(&mut self, d: Duration) {
        self.0.push(d.as_micros() as u64);
    }

    /// Number of samples.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// The `p`-th percentile (0..=100) in microseconds; 0 when empty.
    pub(crate) fn pct(&self, p: f64) -> u64 {
        if self.0.is_empty() {
            return 0;
        }
        let mut v = self.0.clone();
        v.sort_unstable();
        let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
        v[rank.clamp(1, v.len()) - 1]
    }

    /// Merges another set of samples into this one.
    pub(crate) fn extend(&mut self, other: Samples) {
        self.0.extend(other.0);
    }
}

/// Formats microseconds as milliseconds with 3 decimals.
pub(crate) fn ms(us: u64) -> String {
    format!("{:.3} ms", us as f64 / 1000.0)
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit. Returns (soft, hard) after the change.
pub(crate) fn raise_nofile() -> (u64, u64) {
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return (0, 0);
        }
        if lim.rlim_cur < lim.rlim_max {
            let want = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                lim = want;
            }
        }
        (lim.rlim_cur, lim.rlim_max)
    }
}

/// Resident set size of a process in KiB (`VmRSS` in `/proc/<pid>/status`).
pub(crate) fn rss_kib(pid: u32) -> u64 {
    proc_status_field(pid, "VmRSS:")
}

/// Number of threads of a process (`Threads` in `/proc/<pid>/status`).
pub(crate) fn threads(pid: u32) -> u64 {
    proc_status_field(pid, "Threads:")
}

fn proc_status_field(pid: u32, key: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    field_kib(&text, key)
}

fn field_kib(text: &str, key: &str) -> u64 {
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// One line describing the machine (for the report).
pub(crate) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = field_kib(&mem, "MemTotal:") as f64 / 1024.0 / 1024.0;
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_string();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "{cores} cores ({cpu}), {mem_gib:.1} GiB RAM, Linux {kernel}, load average at start {load}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let s = Samples((1..=100).collect());
        assert_eq!(s.pct(50.0), 50);
        assert_eq!(s.pct(99.0), 99);
        assert_eq!(s.pct(100.0), 100);
        assert_eq!(Samples::default().pct(50.0), 0);
    }
}
