//! Exit codes, documented in docs/cli.md. Scripts branch on them, so they never change
//! meaning.

use std::process::ExitCode;
use switchboard_config::model::OutcomeKind;

/// Success.
pub const OK: ExitCode = ExitCode::SUCCESS;
/// The project did not load, or another error of ours.
pub const FAILURE: ExitCode = ExitCode::FAILURE;
/// A bad command line or an invalid input: nothing was sent.
pub const USAGE: u8 = 2;

/// The exit code for a call's outcome.
pub fn for_outcome(outcome: OutcomeKind) -> ExitCode {
    ExitCode::from(match outcome {
        OutcomeKind::Ok => 0,
        OutcomeKind::NotFound => 3,
        OutcomeKind::BadRequest | OutcomeKind::Conflict => 4,
        OutcomeKind::Unauthorized | OutcomeKind::Forbidden => 5,
        OutcomeKind::RateLimited => 6,
        OutcomeKind::Unavailable => 7,
        OutcomeKind::Timeout => 8,
        OutcomeKind::InvalidResponse => 9,
    })
}
