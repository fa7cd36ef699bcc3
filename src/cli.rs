//! The command line: what each command takes (clap's derive), and how the socket options
//! become the socket library's configuration. `main.rs` runs what it parsed.

use std::path::PathBuf;
use std::time::Duration;

use std::sync::Arc;

use clap::{Parser, Subcommand};
use graphrun_socket::tls::TlsOptions;
use graphrun_socket::{AccessPolicy, AuthContext, Pattern, SocketConfig};

use crate::edit;

#[derive(Parser)]
#[command(
    name = "graphrun",
    version,
    about = "Runs Blueprint-style node graphs written as RON files"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Runs one instance of a graph.
    Run(Box<RunArgs>),
    /// Runs a graph as many instances in one process and measures them (a load test with
    /// the client graph you have): `graphrun swarm FILE --instances N`, or `graphrun swarm
    /// merge A.json B.json …` to join the reports of parts run apart (`--segment`).
    Swarm(Box<SwarmArgs>),
    /// Replays a run recorded with `run --record`, with no network and no waiting: the same
    /// output, errors and exit status, or exit 4 where the run departs from the record.
    Replay {
        /// The record (`RUN.jsonl`).
        record: PathBuf,
        /// Writes each node as it runs, with its pin values, to stderr.
        #[arg(long)]
        trace: bool,
    },
    /// Makes a graph file of Unreal Blueprint clipboard text (what Ctrl-C in the
    /// Blueprint editor copies), in `graphrun fmt`'s form; `-` reads standard input.
    /// Nodes with no graphrun counterpart become `Unreal: …` placeholders, kept with their
    /// pins and wires (`graphrun check` names each). Exit 0 written, 2 the text cannot be
    /// read (its line and column said).
    Import {
        /// The clipboard text (`.t3d`, `.txt`), or `-`.
        file: PathBuf,
        /// Where to write the graph (default: standard output).
        #[arg(short = 'o', long = "output", value_name = "OUT.ron")]
        output: Option<PathBuf>,
    },
    /// Writes a graph file as Unreal Blueprint clipboard text (UE5), for pasting into the
    /// Blueprint editor (Ctrl-V). The same file gives the same text.
    Export {
        /// The graph file.
        file: PathBuf,
        /// Unreal's clipboard text (the one form there is so far; required, for the forms
        /// to come).
        #[arg(long, required = true)]
        unreal: bool,
        /// Writes the body of this function instead of the event graph.
        #[arg(long, value_name = "NAME")]
        function: Option<String>,
        /// Where to write it (default: standard output).
        #[arg(short = 'o', long = "output", value_name = "OUT.t3d")]
        output: Option<PathBuf>,
    },
    /// Draws a graph file as an SVG picture.
    Render {
        /// The graph file.
        file: PathBuf,
        /// Where to write the SVG (default: standard output).
        #[arg(short = 'o', long = "output", value_name = "OUT.svg")]
        output: Option<PathBuf>,
        /// Draws the body of this function instead of the event graph.
        #[arg(long, value_name = "NAME")]
        graph: Option<String>,
    },
    /// Serves a page on 127.0.0.1 that draws the graph and runs it under a debugger
    /// (breakpoints, stepping, values on pins); prints its address first.
    // `--record` and `--stats` are `run`'s; the studio refuses them, and its help leaves them out.
    #[command(mut_arg("record", |a| a.hide(true)), mut_arg("stats", |a| a.hide(true)))]
    Studio(Box<StudioArgs>),
    /// Edits a graph file with the editor's operations, all or nothing, keeping every
    /// other byte as it was (made at the first edit if it does not exist). Exit 0 written,
    /// 2 an operation does not apply (nothing is written).
    #[command(after_help = edit::HELP)]
    Edit {
        /// The graph file.
        file: PathBuf,
        /// An operation and its arguments, quoted as one word: -e 'connect begin.then greet'
        /// (repeatable; applied in order).
        #[arg(short = 'e', long = "edit", value_name = "OP ARGS", required = true)]
        ops: Vec<String>,
        /// Applies the operations to this function's body instead of the event graph.
        #[arg(long, value_name = "NAME", conflicts_with = "macro_name")]
        function: Option<String>,
        /// Applies the operations to this macro's body instead of the event graph.
        #[arg(long = "macro", value_name = "NAME")]
        macro_name: Option<String>,
    },
    /// Compares two graph files as graphs: entries matched by id and name, so reordering,
    /// reformatting and comments show no difference; one change a line, layout last. Exit
    /// 0 the same, 1 different, 2 a file does not parse.
    Diff {
        /// OLD NEW (with --git: the seven arguments git passes an external diff).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Leaves out layout changes (`pos`, comments, comment boxes).
        #[arg(long)]
        no_layout: bool,
        /// Runs as git's external diff driver (`git config diff.graphrun.command "graphrun diff --git"`).
        #[arg(long)]
        git: bool,
        /// Also draws the new event graph to OUT.svg with the change marked: added nodes
        /// and wires of class `added`, changed nodes `changed`, removed ones faded where
        /// they were, `removed`.
        #[arg(long, value_name = "OUT.svg")]
        svg: Option<PathBuf>,
    },
    /// Merges two changes of one graph file by entries, not lines: OURS's text with
    /// THEIRS's changes (from BASE) applied as edits. Exit 0 merged, 1 with conflicts
    /// (OURS's value kept, a `// CONFLICT(graphrun): …` line above each), 2 a file does not
    /// parse. As git's merge driver: `git config merge.graphrun.driver "graphrun merge %O
    /// %A %B -o %A"`.
    Merge {
        /// The common ancestor (an empty or missing file: none).
        base: PathBuf,
        /// Our version; the result is its text with their changes.
        ours: PathBuf,
        /// Their version.
        theirs: PathBuf,
        /// Writes the result here (atomically) instead of printing it.
        #[arg(short = 'o', long = "output", value_name = "OUT")]
        out: Option<PathBuf>,
    },
    /// Writes graph, library and test files in their canonical form, every comment kept;
    /// a folder means the `.ron` files in it; no file formats standard input to standard
    /// output.
    Fmt {
        /// Files and folders.
        #[arg(value_name = "FILE")]
        paths: Vec<PathBuf>,
        /// Writes nothing; exit 1 naming each file that would change.
        #[arg(long, conflicts_with = "stdout")]
        check: bool,
        /// Prints the formatted files instead of writing them.
        #[arg(long)]
        stdout: bool,
    },
    /// A language server for graph, library and test files (LSP 3.17 over stdin and
    /// stdout), for any editor with an LSP client: diagnostics, completion, hover, go to
    /// definition, references, rename, symbols, formatting and quick fixes.
    Lsp,
    /// Runs graph tests (`*.test.ron`): each in virtual time against scripted servers.
    Test {
        /// Test files or folders to look in (default: the current folder).
        paths: Vec<PathBuf>,
    },
    /// Loads and checks graph files without running them.
    Check {
        /// The graph files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Lists every node type with its pins and their types (with FILE, its functions and
    /// macros first).
    Nodes {
        /// A graph file whose functions and macros (and its imports') to list too.
        file: Option<PathBuf>,
        /// Print JSON, for tools.
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Print the Markdown page of docs/nodes.md.
        #[arg(long)]
        markdown: bool,
    },
    /// Explains a diagnostic code (E0104, W0001, …) with an example.
    Explain {
        /// The code, as a diagnostic shows it.
        code: String,
    },
    /// Serves a WebSocket echo server on loopback until stopped.
    ServeEcho {
        /// The port (0: any free port, printed on start).
        #[arg(long, default_value_t = 9001)]
        port: u16,
    },
    /// Starts a local echo server and runs the WebSocket example graph against it.
    Demo {
        /// The graph to run instead of the built-in graphs/websocket_example.ron (its `Url`
        /// variable is set to the echo server).
        file: Option<PathBuf>,
        /// Writes each node as it runs to stderr.
        #[arg(long)]
        trace: bool,
    },
}

#[derive(clap::Args)]
pub(crate) struct RunArgs {
    /// The graph file (`-`: standard input).
    pub(crate) file: PathBuf,
    #[command(flatten)]
    pub(crate) instance: InstanceArgs,
    /// Writes what comes into the run from outside to this file, one JSON object a line,
    /// for `graphrun replay`.
    #[arg(long, value_name = "RUN.jsonl")]
    pub(crate) record: Option<PathBuf>,
    /// The record being written (set from `--record`).
    #[arg(skip)]
    pub(crate) recorder: Option<Arc<graphrun_testing::Recorder>>,
    /// Writes each node as it runs, with its pin values, to stderr.
    #[arg(long)]
    pub(crate) trace: bool,
    /// Live editing: each time the file changes and checks, the running graph takes the
    /// new program at its next event boundary, keeping its variables (same name and type),
    /// connections and timers; what was reset is said on stderr.
    #[arg(long)]
    pub(crate) watch: bool,
    /// Runs every standard node through its implementation instead of as an instruction
    /// (for the tests that compare the two; hidden).
    #[arg(long, hide = true)]
    pub(crate) no_intrinsics: bool,
    #[command(flatten)]
    pub(crate) socket: SocketArgs,
}

/// What each instance of a run, a studio's run or a swarm is given.
#[derive(clap::Args)]
pub(crate) struct InstanceArgs {
    /// Overrides a variable's default (in a swarm, in every instance): NAME=VALUE, VALUE a
    /// RON literal of its type.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub(crate) set: Vec<String>,
    /// Stops the run after this many seconds (`run`: exit status 3; `swarm`: the same as
    /// --duration).
    #[arg(long, value_name = "SECONDS")]
    pub(crate) timeout: Option<f64>,
    /// Loop iterations one event may run before it is stopped as a runtime error.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub(crate) max_loop_iterations: u64,
    /// The largest value (a string, JSON, array or map, in bytes of its text) a node may
    /// make; larger is a runtime error at that node.
    #[arg(long, value_name = "BYTES", default_value_t = graphrun::DEFAULT_MAX_VALUE_SIZE)]
    pub(crate) max_value_size: usize,
    /// The seed of the graph's random numbers: the same seed gives the same numbers
    /// (without it, they are seeded from the system; in a swarm, instance I draws from
    /// seed + I).
    #[arg(long, value_name = "N")]
    pub(crate) seed: Option<u64>,
    /// At the end, writes the peak resident memory (a run: and its duration; a swarm: and
    /// KiB an instance) to stderr.
    #[arg(long)]
    pub(crate) stats: bool,
}

impl InstanceArgs {
    /// The options an instance runs with.
    pub(crate) fn options(&self, trace: bool) -> graphrun::RunOptions {
        graphrun::RunOptions {
            max_loop_iterations: self.max_loop_iterations,
            max_value_size: self.max_value_size,
            trace,
            seed: self.seed,
            ..graphrun::RunOptions::default()
        }
    }
}

/// Each `--set NAME=VALUE` read against `program`'s variables, or what is wrong with the
/// first that does not fit (as `--set SETTING: why`).
pub(crate) fn settings(set: &[String], program: &graphrun::Program) -> Result<Vec<(String, graphrun::Value)>, String> {
    set.iter()
        .map(|setting| {
            let (name, text) = setting
                .split_once('=')
                .ok_or_else(|| format!("--set {setting}: expected NAME=VALUE"))?;
            let value = program
                .parse_variable_value(name, text)
                .map_err(|e| format!("--set {setting}: {e}"))?;
            Ok((name.to_string(), value))
        })
        .collect()
}

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct SwarmArgs {
    #[command(subcommand)]
    pub(crate) merge: Option<SwarmCommand>,
    /// The graph file.
    pub(crate) file: Option<PathBuf>,
    /// How many instances in the whole swarm (numbered 0 to N-1; a graph variable
    /// `Instance` of type Int is set to each one's number).
    #[arg(long, value_name = "N")]
    pub(crate) instances: Option<u64>,
    /// Starts the instances evenly over this many seconds (default: all at once).
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0)]
    pub(crate) ramp: f64,
    /// Stops the instances still running after this many seconds (EndPlay runs).
    #[arg(long, value_name = "SECONDS")]
    pub(crate) duration: Option<f64>,
    /// Writes every printed line to FILE, each after its instance's number.
    #[arg(long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Writes the report, every figure and histogram, as JSON (for `swarm merge`).
    #[arg(long, value_name = "report.json")]
    pub(crate) out: Option<PathBuf>,
    /// Writes one row per second of the run's figures as CSV.
    #[arg(long, value_name = "FILE")]
    pub(crate) csv: Option<PathBuf>,
    /// Draws the reply time of each second (p50, p95) as an SVG.
    #[arg(long, value_name = "OUT.svg")]
    pub(crate) plot: Option<PathBuf>,
    /// A condition the run must meet, as `reply_p95 < 0.05` (repeatable); exit 99 if one
    /// is not met.
    #[arg(long, value_name = "EXPR")]
    pub(crate) threshold: Vec<String>,
    /// Runs the I-th (from 0) of N equal parts of the swarm, as I/N.
    #[arg(long, value_name = "I/N")]
    pub(crate) segment: Option<String>,
    /// Runs against the in-memory servers of this test file, on its virtual clock.
    #[arg(long, value_name = "FILE.test.ron")]
    pub(crate) servers: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) instance: InstanceArgs,
    #[command(flatten)]
    pub(crate) socket: SocketArgs,
}

#[derive(Subcommand)]
pub(crate) enum SwarmCommand {
    /// Joins the reports (`--out`) of a swarm's parts into one summary and verdict.
    Merge {
        /// The parts' reports.
        #[arg(required = true, value_name = "REPORT.json")]
        reports: Vec<PathBuf>,
        /// A condition the whole swarm must meet (repeatable); exit 99 if one is not met.
        #[arg(long, value_name = "EXPR")]
        threshold: Vec<String>,
        /// Writes the merged report as JSON.
        #[arg(long, value_name = "report.json")]
        out: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
pub(crate) struct StudioArgs {
    /// The port to serve on (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub(crate) port: u16,
    #[command(flatten)]
    pub(crate) run: RunArgs,
}

/// The host's decisions for the socket library.
#[derive(clap::Args, Default)]
pub(crate) struct SocketArgs {
    /// Allows connections to URLs matching PATTERN (repeatable); with no --allow or
    /// --policy, only loopback hosts are allowed.
    #[arg(long = "allow", value_name = "PATTERN")]
    pub(crate) allow: Vec<String>,
    /// Reads allowed URL patterns from a RON file: ["wss://*.example.com/api", ...].
    #[arg(long, value_name = "FILE")]
    pub(crate) policy: Option<PathBuf>,
    /// Takes the bearer token for Authentication from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub(crate) auth_token_env: Option<String>,
    /// The organization id sent by the Organization, Project and World scopes.
    #[arg(long, value_name = "ID")]
    pub(crate) org_id: Option<String>,
    /// The project id sent by the Project and World scopes.
    #[arg(long, value_name = "ID")]
    pub(crate) project_id: Option<String>,
    /// The world id sent by the World scope.
    #[arg(long, value_name = "ID")]
    pub(crate) world_id: Option<String>,
    /// How long a WebSocket handshake may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub(crate) handshake_timeout: f64,
    /// The largest message a connection accepts (larger ones close it with 1009).
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
    pub(crate) max_message_size: usize,
    /// Connects through this HTTP proxy (http://[user:password@]host:port), above
    /// HTTPS_PROXY, HTTP_PROXY and ALL_PROXY; NO_PROXY still names hosts that go direct.
    #[arg(long, value_name = "URL")]
    pub(crate) proxy: Option<String>,
    /// Sends a ping on each open connection this often (off by default, as M2's
    /// connections send none).
    #[arg(long, value_name = "SECONDS")]
    pub(crate) ping_interval: Option<f64>,
    /// Takes a connection that has heard nothing from its server for this long as broken:
    /// On Disconnected fires with Was Clean false (off by default).
    #[arg(long, value_name = "SECONDS")]
    pub(crate) idle_timeout: Option<f64>,
    /// Trusts the certificates of this PEM file as roots for wss:// (repeatable), beside
    /// webpki's and the system's (SSL_CERT_FILE and SSL_CERT_DIR take the system's place).
    #[arg(long, value_name = "PEM")]
    pub(crate) ca_file: Vec<PathBuf>,
    /// The client certificate (PEM chain) for wss:// servers that ask for one.
    #[arg(long, value_name = "PEM")]
    pub(crate) client_cert: Option<PathBuf>,
    /// The private key of --client-cert (PEM).
    #[arg(long, value_name = "PEM")]
    pub(crate) client_key: Option<PathBuf>,
}

impl SocketArgs {
    /// The socket library's configuration, or why the arguments do not make one.
    pub(crate) fn config(&self) -> Result<SocketConfig, String> {
        let mut policy = match &self.policy {
            None => AccessPolicy::loopback_only(),
            Some(path) => {
                // A regular file only: a FIFO's opening would wait for a writer.
                let regular = std::fs::metadata(path).map(|m| m.is_file());
                if let Ok(false) = regular {
                    return Err(format!("--policy {}: it is not a regular file", path.display()));
                }
                let text = std::fs::read_to_string(path).map_err(|e| format!("--policy {}: {e}", path.display()))?;
                AccessPolicy::from_ron(&path.display().to_string(), &text).map_err(|e| e.to_string())?
            }
        };
        for pattern in &self.allow {
            policy.push(Pattern::parse(pattern).map_err(|e| format!("--allow: {e}"))?);
        }
        let auth = match &self.auth_token_env {
            Some(var) => {
                let token = std::env::var(var)
                    .map_err(|_| format!("--auth-token-env: the environment variable {var} is not set"))?;
                let mut auth = AuthContext::new(token);
                auth.organization_id = self.org_id.clone();
                auth.project_id = self.project_id.clone();
                auth.world_id = self.world_id.clone();
                auth.check().map_err(|e| format!("--auth-token-env {var}: {e}"))?;
                Some(auth)
            }
            None if self.org_id.is_some() || self.project_id.is_some() || self.world_id.is_some() => {
                return Err("--org-id, --project-id and --world-id need --auth-token-env (the bearer token)".into())
            }
            None => None,
        };
        let handshake_timeout = seconds("--handshake-timeout", self.handshake_timeout)?;
        // At least 10 ms: a ping every nanosecond would only flood the connection.
        let every = |flag: &str, value: Option<f64>| -> Result<Option<Duration>, String> {
            match value.map(|v| seconds(flag, v)).transpose()? {
                Some(d) if d < Duration::from_millis(10) => Err(format!("{flag} takes at least 0.01 seconds")),
                other => Ok(other),
            }
        };
        let ping_interval = every("--ping-interval", self.ping_interval)?;
        let idle_timeout = every("--idle-timeout", self.idle_timeout)?;
        let explicit = self
            .proxy
            .as_deref()
            .map(|url| graphrun_socket::proxy::Proxy::parse(url, "--proxy"))
            .transpose()?;
        let proxies = graphrun_socket::proxy::Proxies::from_env(explicit)?;
        let tls = TlsOptions {
            ca_files: self.ca_file.clone(),
            client_cert: self.client_cert.clone(),
            client_key: self.client_key.clone(),
        };
        let tls = if tls.is_default() {
            None
        } else {
            Some(graphrun_socket::tls::client_config(&tls)?)
        };
        Ok(SocketConfig {
            policy,
            auth,
            handshake_timeout,
            max_message_size: self.max_message_size,
            ping_interval,
            idle_timeout,
            proxies,
            tls,
            ..SocketConfig::default()
        })
    }
}

/// The most seconds a duration flag takes: about 31 years.
const MAX_SECONDS: f64 = 1e9;

/// A duration flag's seconds, or what is wrong with them.
pub(crate) fn seconds(flag: &str, value: f64) -> Result<Duration, String> {
    if value.is_nan() || value < 0.0 {
        return Err(format!("{flag} takes a number of seconds of 0 or more, not {value}"));
    }
    if value > MAX_SECONDS {
        return Err(format!(
            "{flag} {value:e}: at most {MAX_SECONDS:e} seconds (about 31 years)"
        ));
    }
    Ok(Duration::from_secs_f64(value))
}
