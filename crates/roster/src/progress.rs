//! A long command's progress on a terminal: one line on standard error,
//! redrawn in place (`\r`, then the ANSI "erase line") with a spinner, the
//! elapsed time and the phase, and erased at the end. Only when standard
//! error is a terminal and `--json` is not given: a pipe, a log file or a
//! script reading JSON gets none of it.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use roster_app::sync::SyncPhase;
use tokio::sync::watch;

/// ASCII, so that any terminal shows it.
const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
/// Often enough for the spinner to look alive, rarely enough to cost nothing.
const TICK: Duration = Duration::from_millis(120);
/// Back to the line's start, then erase it.
const ERASE: &str = "\r\x1b[2K";

/// Whether progress is shown: for a person at a terminal only.
pub fn wanted(json: bool) -> bool {
    !json && std::io::stderr().is_terminal()
}

/// Shows the phases published on `phases` until its sender is dropped,
/// then erases the line, so that the command's own output starts clean.
pub async fn show(mut phases: watch::Receiver<SyncPhase>) {
    let started = Instant::now();
    let mut ticker = tokio::time::interval(TICK);
    let mut tick = 0_usize;
    loop {
        tokio::select! {
            changed = phases.changed() => if changed.is_err() { break },
            _ = ticker.tick() => {}
        }
        let text = line(*phases.borrow(), started.elapsed(), tick);
        draw(&text);
        tick = tick.wrapping_add(1);
    }
    draw("");
}

fn draw(text: &str) {
    let mut stderr = std::io::stderr().lock();
    // A terminal that cannot be written to is no reason to fail the sync:
    // the progress is a courtesy, the report is the command's output.
    let _ = write!(stderr, "{ERASE}{text}");
    let _ = stderr.flush();
}

/// The progress line: `| 4.2s reading users`.
pub fn line(phase: SyncPhase, elapsed: Duration, tick: usize) -> String {
    let frame = FRAMES[tick % FRAMES.len()];
    format!("{frame} {} {}", elapsed_text(elapsed), phase_text(phase))
}

fn phase_text(phase: SyncPhase) -> String {
    match phase {
        SyncPhase::Starting => "starting".to_owned(),
        SyncPhase::Connecting => "connecting to the directory".to_owned(),
        SyncPhase::ReadingUsers => "reading users".to_owned(),
        SyncPhase::ReadingGroups { users } => format!("reading groups ({users} users read)"),
        SyncPhase::Applying { users, groups } => {
            format!("applying {users} users and {groups} groups")
        }
    }
}

/// Tenths of a second under a minute (`4.2s`), then whole seconds
/// (`2m05s`, `1h02m05s`).
fn elapsed_text(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    if seconds < 60 {
        return format!("{seconds}.{}s", elapsed.subsec_millis() / 100);
    }
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if hours == 0 {
        format!("{minutes}m{seconds:02}s")
    } else {
        format!("{hours}h{minutes:02}m{seconds:02}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_shows_the_spinner_the_time_and_the_phase() {
        let cases = [
            (SyncPhase::Starting, 0, 0, "| 0.0s starting"),
            (SyncPhase::Connecting, 1_250, 1, "/ 1.2s connecting to the directory"),
            (SyncPhase::ReadingUsers, 59_999, 2, "- 59.9s reading users"),
            (
                SyncPhase::ReadingGroups { users: 1204 },
                60_000,
                3,
                "\\ 1m00s reading groups (1204 users read)",
            ),
            (
                SyncPhase::Applying { users: 1204, groups: 31 },
                125_400,
                4,
                "| 2m05s applying 1204 users and 31 groups",
            ),
            (SyncPhase::ReadingUsers, 3_725_000, 5, "/ 1h02m05s reading users"),
        ];
        for (phase, millis, tick, expected) in cases {
            assert_eq!(line(phase, Duration::from_millis(millis), tick), expected);
        }
    }

    #[test]
    fn the_line_holds_no_control_characters() {
        // The erasing is `draw`'s; a line that moved the cursor itself
        // would leave debris on the terminal.
        let text = line(SyncPhase::Applying { users: 1, groups: 2 }, Duration::ZERO, 7);
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }
}
