//! The integration tests that are Rust code: the command, the embedding API, the socket
//! library against scripted servers, hostile input, the docs. The data-driven graph cases
//! under `tests/cases/` have their own runner (`tests/graph_cases.rs`, one test per case).

#[path = "support/bounded.rs"]
mod bounded;
mod cli;
mod docs;
#[path = "support/echo.rs"]
mod echo;
mod edit;
mod embedding;
#[path = "support/fifo.rs"]
mod fifo;
mod git;
mod graph_test;
mod hardening;
mod hostile;
mod hostile_server;
// Not every helper is used by these tests (tests/replay.rs uses `rest`).
#[allow(dead_code)]
#[path = "support/lines.rs"]
mod lines;
mod live;
mod lsp;
mod observe;
mod run_compare;
mod socket;
mod swarm;
mod unreal;
