//! The memory of the server under test, read from `/proc/PID/status`, and
//! the CPU time a process has used, from `/proc/PID/stat`.
//!
//! `VmRSS` is the resident set now and `VmHWM` its peak ("high water mark")
//! since the process started; both are given by the kernel in kB (KiB).
//! CPU time is what counts on a machine shared with other work: requests
//! per second fall when others take the cores, the CPU time each request
//! costs does not.

use std::time::Duration;

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

/// Clock ticks per second of `/proc/PID/stat` times: the kernel's
/// `USER_HZ`, which is 100 on x86 and arm64 whatever the kernel's own tick.
const USER_HZ: u64 = 100;

/// The user plus system CPU time of all threads of a `/proc/PID/stat` text.
pub fn parse_cpu(stat: &str) -> Result<Duration> {
    // The command name (field 2) is in parentheses and may hold spaces and
    // parentheses itself: the fields that follow start after the last `)`.
    let (_, rest) = stat.rsplit_once(')').ok_or_else(|| anyhow!("no `(comm)` in the stat"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12th and 13th after
    // the command name (field 3, the state, is the first).
    let ticks = |index: usize, name: &str| -> Result<u64> {
        fields
            .get(index)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| anyhow!("no {name} in the stat"))
    };
    let total = ticks(11, "utime")? + ticks(12, "stime")?;
    Ok(Duration::from_millis(total * 1000 / USER_HZ))
}

/// The CPU time process `pid` (`None`: this process) has used so far.
pub fn read_cpu(pid: Option<u32>) -> Result<Duration> {
    let path = pid.map_or_else(|| "/proc/self/stat".to_owned(), |pid| format!("/proc/{pid}/stat"));
    let stat = std::fs::read_to_string(&path)
        .with_context(|| format!("reading {path} (is the server still running?)"))?;
    parse_cpu(&stat).with_context(|| format!("parsing {path}"))
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
    fn cpu_time_is_user_plus_system() {
        // A command name with a space and a parenthesis, as `ps` cannot show.
        let stat = "4242 (tokio) worker) S 1 4242 4242 0 -1 4194560 1200 0 0 0 \
                    250 37 0 0 20 0 9 0 123456 812340000 10240 18446744073709551615";
        assert_eq!(parse_cpu(stat).unwrap(), Duration::from_millis(2870));
        assert!(parse_cpu("4242 (roster) S 1 2 3").is_err());
        assert!(parse_cpu("no command name").is_err());
    }

    #[test]
    fn this_process_has_a_cpu_time() {
        read_cpu(None).unwrap();
    }

    #[test]
    fn a_kernel_thread_has_no_memory_lines() {
        // Kernel threads have no VmRSS line at all.
        let err = parse_memory("Name:\tkthreadd\nState:\tS (sleeping)\n").unwrap_err();
        assert_eq!(err.to_string(), "no `VmRSS: N kB` line in the status");
    }
}
