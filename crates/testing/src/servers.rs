//! A test file's scripted servers for a host that runs graphs its own way: `graphrun swarm
//! --servers FILE.test.ron` runs thousands of instances against them on the virtual clock.
//! The file is read as `graphrun test` reads it (every mistake at once, at its place); its
//! scripts are read against the graph once it is loaded.

use std::path::Path;
use std::sync::Arc;

use graphrun::Program;
use graphrun_format::{Diagnostics, SourceFile};
use graphrun_socket::SocketConfig;

use crate::model::{self, TestFile};
use crate::runner::{reach, resolve, Transport};
use crate::server::ScriptTransport;
use crate::TestError;

/// The servers of one test file.
pub struct TestServers {
    test: TestFile,
    source: SourceFile,
    transport: Arc<Transport>,
    servers: std::sync::OnceLock<Arc<ScriptTransport>>,
}

impl std::fmt::Debug for TestServers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TestServers({})", self.source.name())
    }
}

impl TestServers {
    /// Reads the test file at `path` (its graph is not loaded: the caller has its own).
    pub fn read(path: &Path) -> Result<TestServers, TestError> {
        let name = path.display().to_string();
        let text = crate::read_capped(path)
            .map_err(|e| TestError::Read(format!("{name}: error: cannot read the test file: {e}")))?;
        let source = SourceFile::new(name, text);
        let (test, diags) = model::read(&source);
        let diagnostics = Diagnostics::new(source.clone(), diags);
        match test {
            Some(test) if !diagnostics.has_errors() => Ok(TestServers {
                test,
                source,
                transport: Arc::default(),
                servers: std::sync::OnceLock::new(),
            }),
            _ => Err(TestError::Load(diagnostics.to_string())),
        }
    }

    /// Makes `config` reach these servers, and allow exactly their hosts.
    pub fn configure(&self, config: &mut SocketConfig) {
        let hosts: Vec<&str> = self.test.servers.iter().map(|(h, _)| h.value.as_str()).collect();
        reach(config, &hosts, self.transport.clone(), self.test.max_message_size);
    }

    /// Reads the scripts against `program` (loaded with a configuration from
    /// [`TestServers::configure`]) and starts serving; an error names each mistake's place.
    pub fn start(&self, program: &Program) -> Result<(), TestError> {
        let mut diags = Vec::new();
        let resolved = resolve(&self.test, program, &mut diags);
        let diagnostics = Diagnostics::new(self.source.clone(), diags);
        if diagnostics.has_errors() {
            return Err(TestError::Load(diagnostics.to_string()));
        }
        let servers = Arc::new(ScriptTransport::new(resolved.scripts, true));
        *servers.started.lock().unwrap_or_else(|e| e.into_inner()) = Some(tokio::time::Instant::now());
        self.transport.set(servers.clone());
        let _ = self.servers.set(servers);
        Ok(())
    }

    /// What departed from the scripts so far, in the order found.
    pub fn failures(&self) -> Vec<String> {
        self.servers.get().map(|s| s.failures.all()).unwrap_or_default()
    }
}
