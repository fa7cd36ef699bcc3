//! The `graphrun` command's exit statuses, in one place: every subcommand returns one of
//! these (and docs/cli.md lists them).

/// Exit status when the run ended normally.
pub const EXIT_OK: u8 = 0;
/// Exit status when a runtime error happened.
pub const EXIT_RUNTIME_ERROR: u8 = 1;
/// Exit status when the file did not load (or the command line was wrong).
pub const EXIT_LOAD_ERROR: u8 = 2;
/// Exit status when `--timeout` ended the run.
pub const EXIT_TIMEOUT: u8 = 3;
/// Exit status when Ctrl-C ended the run.
pub const EXIT_INTERRUPTED: u8 = 130;
/// Exit status when SIGTERM ended the run.
pub const EXIT_TERMINATED: u8 = 143;
