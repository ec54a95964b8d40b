//! What the process's exit status tells a script.

/// 0 all good, 1 some updates failed, 2 bad input or usage (nothing sent),
/// 130 interrupted (finished rows are in the results file).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    Success = 0,
    SomeFailed = 1,
    InvalidInput = 2,
    Interrupted = 130,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        Self::from(code as u8)
    }
}
