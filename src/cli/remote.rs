//! Talking to the server from the command line: the typed client, blocking.

use anyhow::{Result, anyhow};
use hyper::Method;
use tvmux::config::Config;
use tvmux::server::client::{self, Client, ClientError};
use tvmux::server::paths::Paths;

pub struct Remote {
    pub paths: Paths,
    client: Client,
    runtime: tokio::runtime::Runtime,
}

impl Remote {
    pub fn new() -> Result<Remote> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let paths = Paths::from_env();
        Ok(Remote {
            client: Client::new(paths.socket()),
            paths,
            runtime,
        })
    }

    /// Runs one call of the typed client to completion.
    pub fn call<T>(
        &self,
        call: impl AsyncFnOnce(&Client) -> Result<T, ClientError>,
    ) -> Result<T, ClientError> {
        self.runtime.block_on(call(&self.client))
    }

    /// A request with any JSON body, for `tvmux api`: the status and the
    /// body as the server sent it.
    pub fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, Vec<u8>), ClientError> {
        let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        // Any request may be a stop: give it a stop's time.
        self.runtime.block_on(client::request_raw(
            &self.paths.socket(),
            method,
            path,
            body,
            client::STOP_REPLY_TIMEOUT,
        ))
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
