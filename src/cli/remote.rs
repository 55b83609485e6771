//! Talking to the server from the command line.

use anyhow::{Result, anyhow};
use hyper::Method;
use serde_json::Value;
use tvmux::config::Config;
use tvmux::server::client::{self, ClientError};
use tvmux::server::paths::Paths;

pub struct Remote {
    pub paths: Paths,
    runtime: tokio::runtime::Runtime,
}

impl Remote {
    pub fn new() -> Result<Remote> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Remote {
            paths: Paths::from_env(),
            runtime,
        })
    }

    /// One request; `Err(NotRunning)` when no server listens.
    pub fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), ClientError> {
        self.runtime
            .block_on(client::request(&self.paths.socket(), method, path, body))
    }

    /// Like `call`, but an error status becomes an error with the server's message.
    pub fn call_ok(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let (status, value) = self.call(method, path, body)?;
        if status >= 400 {
            let message = value["error"]
                .as_str()
                .unwrap_or("request failed")
                .to_string();
            return Err(anyhow!("{message}"));
        }
        Ok(value)
    }

    pub fn running(&self) -> bool {
        std::os::unix::net::UnixStream::connect(self.paths.socket()).is_ok()
    }

    /// Starts the server unless it runs (or auto-start is off).
    pub fn ensure_server(&self, config: &Config) -> Result<()> {
        if self.running() {
            return Ok(());
        }
        if !config.server.auto_start {
            return Err(anyhow!(
                "no tvmux server is running (start one with `tvmux server start`)"
            ));
        }
        tvmux::server::spawn_daemon(config, &self.paths)
    }
}
