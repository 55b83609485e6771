//! The OpenAPI description served at `/openapi.json`. A test checks that
//! every operation listed here is routed, so the two stay in step.

use serde_json::{Map, Value, json};

/// Every operation: method, path, summary, JSON body fields (if any).
pub const OPERATIONS: &[(&str, &str, &str, &[&str])] = &[
    (
        "get",
        "/status",
        "Server status: pid, version, socket, uptime, recordings",
        &[],
    ),
    ("post", "/shutdown", "Stop every recording and exit", &[]),
    ("get", "/openapi.json", "This description", &[]),
    (
        "get",
        "/recordings",
        "Active recordings and failed ones not yet acknowledged (?all=true: every one)",
        &[],
    ),
    (
        "post",
        "/recordings",
        "Start recording a window",
        &[
            "tmux_socket",
            "target",
            "format",
            "dir",
            "view",
            "status_line",
        ],
    ),
    ("get", "/recordings/{id}", "One recording", &[]),
    (
        "delete",
        "/recordings/{id}",
        "Stop a recording (answers once its cast is saved); acknowledge one that has ended",
        &[],
    ),
    ("get", "/sessions", "List sessions", &[]),
    (
        "post",
        "/sessions",
        "Create a detached session",
        &["name", "window_name", "command", "size"],
    ),
    ("get", "/sessions/{id}", "One session ($N)", &[]),
    ("delete", "/sessions/{id}", "Kill a session", &[]),
    (
        "post",
        "/sessions/{id}/rename",
        "Rename a session",
        &["name"],
    ),
    (
        "get",
        "/sessions/{id}/attach",
        "The command that attaches a client",
        &[],
    ),
    (
        "post",
        "/sessions/{id}/detach",
        "Detach every client of a session",
        &[],
    ),
    ("get", "/sessions/{id}/windows", "A session's windows", &[]),
    ("get", "/windows", "List windows", &[]),
    (
        "post",
        "/windows",
        "Create a window (optionally in a session)",
        &["session", "name", "command"],
    ),
    ("get", "/windows/{id}", "One window (@N)", &[]),
    ("delete", "/windows/{id}", "Kill a window", &[]),
    ("post", "/windows/{id}/rename", "Rename a window", &["name"]),
    ("post", "/windows/{id}/select", "Make a window current", &[]),
    (
        "post",
        "/windows/{id}/link",
        "Link a window into a session",
        &["session", "index"],
    ),
    (
        "post",
        "/windows/{id}/unlink",
        "Unlink a window from a session",
        &["session"],
    ),
    ("get", "/windows/{id}/panes", "A window's panes", &[]),
    ("get", "/panes", "List panes (?window=@N)", &[]),
    ("get", "/panes/{id}", "One pane (%N)", &[]),
    ("delete", "/panes/{id}", "Kill a pane", &[]),
    (
        "post",
        "/panes/{id}/split",
        "Split a pane",
        &["direction", "size", "command"],
    ),
    ("post", "/panes/{id}/select", "Make a pane active", &[]),
    (
        "post",
        "/panes/{id}/resize",
        "Resize a pane (U/D/L/R by N)",
        &["direction", "amount"],
    ),
    (
        "post",
        "/panes/{id}/send-keys",
        "Send text or key names",
        &["keys", "literal", "enter"],
    ),
    (
        "get",
        "/panes/{id}/capture",
        "Capture a pane's contents (?start=&end=&escapes=)",
        &[],
    ),
];

pub fn document() -> Value {
    let mut paths = Map::new();
    for (method, path, summary, fields) in OPERATIONS {
        let mut op = json!({
            "summary": summary,
            "responses": {
                "200": { "description": "OK (201 for what is created)" },
                "400": { "description": "A bad value, named in the message" },
                "404": { "description": "No such target" },
                "422": { "description": "A body that does not parse, the field named" },
                "502": { "description": "tmux failed; its message" }
            }
        });
        let mut params = vec![
            json!({ "name": "socket", "in": "query", "required": false, "schema": { "type": "string" }, "description": "tmux server socket (default: the user's default)" }),
        ];
        if path.contains("{id}") {
            params.push(json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" }, "description": "$N, @N, %N or N" }));
        }
        op["parameters"] = Value::Array(params);
        if !fields.is_empty() {
            let props: Map<String, Value> =
                fields.iter().map(|f| (f.to_string(), json!({}))).collect();
            op["requestBody"] = json!({ "content": { "application/json": { "schema": { "type": "object", "properties": props } } } });
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": { "title": "tvmux server", "version": env!("CARGO_PKG_VERSION") },
        "paths": paths,
    })
}
