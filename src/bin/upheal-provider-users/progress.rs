//! Progress of a bulk run, on stderr so stdout keeps only the summary: a
//! bar with rate and ETA on a terminal, plain log lines otherwise (CI logs,
//! pipes).

use std::{
    io::IsTerminal,
    time::{Duration, Instant},
};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    total: u64,
    done: u64,
    /// Without a terminal, a line every this many rows.
    every: u64,
    started: Instant,
}

impl Progress {
    pub fn new(total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {msg}  ETA {eta}")
                    .expect("a fixed, valid template"),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Self {
            bar,
            total,
            done: 0,
            every: (total / 20).max(1),
            started: Instant::now(),
        }
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn row_done(&mut self, failed_so_far: u64) {
        self.done += 1;
        let rate = rate(self.done, self.started.elapsed());
        match &self.bar {
            Some(bar) => {
                bar.inc(1);
                bar.set_message(format!("{rate}  {failed_so_far} failed"));
            }
            None if self.done.is_multiple_of(self.every) || self.done == self.total => eprintln!(
                "progress: {}/{} rows, {rate}, {failed_so_far} failed",
                self.done, self.total
            ),
            None => {}
        }
    }

    /// Prints a line without tearing the bar.
    pub fn note(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Rows per second with about three significant digits: `1234 rows/s`,
/// `45.6 rows/s`, `0.82 rows/s`.
fn rate(rows: u64, elapsed: Duration) -> String {
    let per_second = rows as f64 / elapsed.as_secs_f64().max(1e-3);
    match per_second {
        r if r >= 100.0 => format!("{r:.0} rows/s"),
        r if r >= 10.0 => format!("{r:.1} rows/s"),
        r => format!("{r:.2} rows/s"),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::rate;

    #[test]
    fn rates_keep_about_three_significant_digits() {
        assert_eq!(rate(12_340, Duration::from_secs(10)), "1234 rows/s");
        assert_eq!(rate(456, Duration::from_secs(10)), "45.6 rows/s");
        assert_eq!(rate(41, Duration::from_secs(50)), "0.82 rows/s");
    }
}
