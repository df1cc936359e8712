//! The memory of the server under test, read from `/proc/PID/status`.
//!
//! `VmRSS` is the resident set now and `VmHWM` its peak ("high water mark")
//! since the process started; both are given by the kernel in kB (KiB).

use anyhow::{Context, Result, anyhow};

/// Resident memory of a process, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    pub rss_kib: u64,
    pub hwm_kib: u64,
}

/// The value in kB of the line `key:` of a `/proc/PID/status` text.
pub fn status_kib(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let (name, rest) = line.split_once(':')?;
        if name != key {
            return None;
        }
        let mut words = rest.split_whitespace();
        let value = words.next()?.parse().ok()?;
        // The kernel always writes "kB"; anything else is not a line we know.
        (words.next() == Some("kB")).then_some(value)
    })
}

/// `VmRSS` and `VmHWM` of a `/proc/PID/status` text.
pub fn parse_memory(status: &str) -> Result<Memory> {
    let field = |key: &str| {
        status_kib(status, key).ok_or_else(|| anyhow!("no `{key}: N kB` line in the status"))
    };
    Ok(Memory { rss_kib: field("VmRSS")?, hwm_kib: field("VmHWM")? })
}

/// Reads the memory of process `pid`.
pub fn read_memory(pid: u32) -> Result<Memory> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path)
        .with_context(|| format!("reading {path} (is the server still running?)"))?;
    parse_memory(&status).with_context(|| format!("parsing {path}"))
}

/// KiB to MiB.
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Name:\troster\nUmask:\t0022\nState:\tS (sleeping)\n\
        VmPeak:\t  812344 kB\nVmSize:\t  812340 kB\nVmLck:\t       0 kB\n\
        VmHWM:\t   52224 kB\nVmRSS:\t   40960 kB\nRssAnon:\t   30000 kB\nThreads:\t3\n";

    #[test]
    fn reads_rss_and_peak() {
        assert_eq!(parse_memory(STATUS).unwrap(), Memory { rss_kib: 40960, hwm_kib: 52224 });
        assert_eq!(mib(40960), 40.0);
    }

    #[test]
    fn matches_whole_keys_only() {
        // `RssAnon` must not be taken for `Rss`, nor `VmRSS` for `VmRS`.
        assert_eq!(status_kib(STATUS, "Rss"), None);
        assert_eq!(status_kib(STATUS, "VmRS"), None);
        assert_eq!(status_kib(STATUS, "RssAnon"), Some(30000));
    }

    #[test]
    fn rejects_lines_without_a_kib_value() {
        assert_eq!(status_kib(STATUS, "Threads"), None);
        assert_eq!(status_kib("VmRSS:\tlots kB\n", "VmRSS"), None);
        assert_eq!(status_kib("VmRSS:\t12 MB\n", "VmRSS"), None);
    }

    #[test]
    fn a_kernel_thread_has_no_memory_lines() {
        // Kernel threads have no VmRSS line at all.
        let err = parse_memory("Name:\tkthreadd\nState:\tS (sleeping)\n").unwrap_err();
        assert_eq!(err.to_string(), "no `VmRSS: N kB` line in the status");
    }
}
