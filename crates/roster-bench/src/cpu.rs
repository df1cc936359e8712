//! The CPU time the load generator and the server spend over a stretch of
//! the run (a phase), from two readings of `/proc/PID/stat` taken around it.
//!
//! Both are read in the same way so that the two can be set side by side:
//! a client that uses a core to itself is the limit of the benchmark, not
//! the server. The server's CPU is known only when its pid is given. The
//! kernel counts in clock ticks (10 ms), so a phase of a few ticks shows a
//! coarse figure.

use std::ops::AddAssign;
use std::time::Duration;

use anyhow::Result;

use crate::procfs;

/// CPU time used so far by this process and by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuMark {
    client: Duration,
    server: Option<Duration>,
}

impl CpuMark {
    /// Reads both now; the server only when `server_pid` is given.
    pub fn now(server_pid: Option<u32>) -> Result<Self> {
        Ok(CpuMark {
            client: procfs::read_cpu(None)?,
            server: server_pid.map(|pid| procfs::read_cpu(Some(pid))).transpose()?,
        })
    }

    /// What each used between `earlier` and this reading.
    pub fn since(&self, earlier: &CpuMark) -> CpuSpent {
        // Saturating: a counter never goes back, but a reading of another
        // process (a restarted server with the same pid) may.
        CpuSpent {
            client: self.client.saturating_sub(earlier.client),
            server: self.server.zip(earlier.server).map(|(now, then)| now.saturating_sub(then)),
        }
    }
}

/// CPU time used by this process and by the server over some stretch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuSpent {
    pub client: Duration,
    /// `None` when the server's pid is not known.
    pub server: Option<Duration>,
}

impl CpuSpent {
    /// Nothing spent yet; `server_known` says whether the server's CPU is
    /// being read, so that a sum of nothing is zero rather than unknown.
    pub fn zero(server_known: bool) -> Self {
        CpuSpent { client: Duration::ZERO, server: server_known.then_some(Duration::ZERO) }
    }
}

impl AddAssign for CpuSpent {
    fn add_assign(&mut self, more: CpuSpent) {
        self.client += more.client;
        self.server = self.server.zip(more.server).map(|(a, b)| a + b);
    }
}

/// `cpu` as a percentage of one core over `wall`: 180 is 1.8 cores busy.
pub fn percent_of_a_core(cpu: Duration, wall: Duration) -> f64 {
    let wall = wall.as_secs_f64();
    if wall > 0.0 { cpu.as_secs_f64() / wall * 100.0 } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(client_ms: u64, server_ms: Option<u64>) -> CpuMark {
        CpuMark {
            client: Duration::from_millis(client_ms),
            server: server_ms.map(Duration::from_millis),
        }
    }

    #[test]
    fn spent_is_the_difference_of_two_readings() {
        let spent = mark(1500, Some(3500)).since(&mark(1000, Some(2500)));
        assert_eq!(
            spent,
            CpuSpent { client: Duration::from_millis(500), server: Some(Duration::from_secs(1)) }
        );
        assert_eq!(mark(1500, None).since(&mark(1000, None)).server, None);
        assert_eq!(mark(900, Some(1)).since(&mark(1000, Some(2))), CpuSpent::zero(true));
    }

    #[test]
    fn sums_keep_the_server_unknown_when_it_is() {
        let mut total = CpuSpent::zero(false);
        total += CpuSpent { client: Duration::from_millis(30), server: None };
        assert_eq!(total, CpuSpent { client: Duration::from_millis(30), server: None });
        let mut total = CpuSpent::zero(true);
        total +=
            CpuSpent { client: Duration::from_millis(30), server: Some(Duration::from_secs(2)) };
        total +=
            CpuSpent { client: Duration::from_millis(20), server: Some(Duration::from_secs(1)) };
        assert_eq!(
            total,
            CpuSpent { client: Duration::from_millis(50), server: Some(Duration::from_secs(3)) }
        );
    }

    #[test]
    fn percent_of_one_core() {
        let (cpu, wall) = (Duration::from_millis(1800), Duration::from_secs(1));
        assert_eq!(percent_of_a_core(cpu, wall), 180.0);
        assert_eq!(percent_of_a_core(cpu, Duration::ZERO), 0.0);
    }

    #[test]
    fn this_process_can_be_read() {
        let before = CpuMark::now(None).unwrap();
        assert_eq!(CpuMark::now(None).unwrap().since(&before).server, None);
    }
}
