//! Progress of a bulk run: a bar with rate and ETA on a terminal, plain log
//! lines otherwise (CI logs, pipes).

use std::{
    io::IsTerminal,
    time::{Duration, Instant},
};

use indicatif::{ProgressBar, ProgressStyle};

pub enum Progress {
    Bar(ProgressBar),
    Log {
        total: u64,
        done: u64,
        every: u64,
        started: Instant,
    },
}

impl Progress {
    pub fn new(total: u64) -> Self {
        if std::io::stdout().is_terminal() {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} rows  {per_sec}  ETA {eta}  {msg}",
                )
                .expect("a fixed, valid template"),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            Self::Bar(bar)
        } else {
            Self::Log {
                total,
                done: 0,
                every: (total / 20).max(1),
                started: Instant::now(),
            }
        }
    }

    pub fn row_done(&mut self, failed_so_far: u64) {
        match self {
            Self::Bar(bar) => {
                bar.inc(1);
                if failed_so_far > 0 {
                    bar.set_message(format!("{failed_so_far} failed"));
                }
            }
            Self::Log {
                total,
                done,
                every,
                started,
            } => {
                *done += 1;
                if *done % *every == 0 || *done == *total {
                    let rate = *done as f64 / started.elapsed().as_secs_f64().max(1e-3);
                    println!(
                        "progress: {done}/{total} rows, {rate:.1} rows/s, {failed_so_far} failed"
                    );
                }
            }
        }
    }

    /// Prints a line without tearing the bar.
    pub fn note(&self, text: &str) {
        match self {
            Self::Bar(bar) => bar.println(text),
            Self::Log { .. } => println!("{text}"),
        }
    }

    pub fn finish(&self) {
        if let Self::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
