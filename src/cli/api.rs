//! `tvmux api METHOD PATH [JSON]`: the server's API from the command line.

use std::io::IsTerminal;

use anyhow::{Context, Result, anyhow};
use hyper::Method;

use super::exit;
use super::remote::Remote;
use super::stdout::outln;
use tvmux::server::protocol::ErrorReply;

#[derive(clap::Args)]
pub struct Args {
    /// GET, POST, PATCH, PUT or DELETE.
    method: String,
    /// The path, with tmux ids as tmux prints them: /panes/%3/send-keys.
    path: String,
    /// A JSON body.
    body: Option<String>,
}

pub fn run(args: Args) -> Result<u8> {
    let method = Method::from_bytes(args.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| anyhow!("not an HTTP method: {}", args.method))?;
    let body = args
        .body
        .as_deref()
        .map(serde_json::from_str::<serde_json::Value>)
        .transpose()
        .context("the body is not JSON")?;
    let remote = Remote::new()?;
    let path = with_tmux_socket(&encode_path(&args.path));
    let (status, bytes) = remote.raw(method, &path, body.as_ref())?;
    // The tmux API's replies are shown as they are, whatever their shape.
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).context("the server's reply is not JSON")?;
    let text = if std::io::stdout().is_terminal() {
        serde_json::to_string_pretty(&value)?
    } else {
        value.to_string()
    };
    outln!("{text}");
    if status >= 400 {
        let error = serde_json::from_value::<ErrorReply>(value)
            .map_or_else(|_| "error".to_string(), |e| e.error);
        eprintln!("tvmux: HTTP {status}: {error}");
        return Ok(exit::INVALID);
    }
    Ok(exit::OK)
}

/// Escapes what tmux ids and names put in a path that HTTP would misread:
/// `%` (pane ids), spaces, `#`.
fn encode_path(path: &str) -> String {
    let (path, query) = path
        .split_once('?')
        .map_or((path, None), |(p, q)| (p, Some(q)));
    let mut out: String = path
        .chars()
        .map(|c| match c {
            '%' => "%25".to_string(),
            ' ' => "%20".to_string(),
            '#' => "%23".to_string(),
            c => c.to_string(),
        })
        .collect();
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Inside tmux, the tmux endpoints talk to the tmux server of `$TMUX`.
fn with_tmux_socket(path: &str) -> String {
    let socket = std::env::var("TMUX")
        .ok()
        .and_then(|t| t.split(',').next().map(String::from));
    match socket {
        Some(s) if !s.is_empty() && !path.contains("socket=") => {
            let sep = if path.contains('?') { '&' } else { '?' };
            let s: String = s
                .chars()
                .map(|c| match c {
                    '%' | '&' | '#' | '+' | ' ' => format!("%{:02X}", c as u32),
                    c => c.to_string(),
                })
                .collect();
            format!("{path}{sep}socket={s}")
        }
        _ => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_keep_tmux_ids() {
        assert_eq!(encode_path("/panes/%3/send-keys"), "/panes/%253/send-keys");
        assert_eq!(encode_path("/panes?window=@1"), "/panes?window=@1");
        assert_eq!(encode_path("/sessions/$1"), "/sessions/$1");
    }
}
