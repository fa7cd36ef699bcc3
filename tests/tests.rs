//! The integration tests: one binary. `cases` runs the data-driven graph cases under
//! `tests/cases/`; the other modules test the command and the embedding API directly.

mod cases;
mod cli;
mod docs;
mod embedding;
mod hardening;
mod hostile;
mod hostile_server;
mod observe;
mod run_compare;
mod socket;
mod support;
