//! The server's tmux control API against real tmux (a private `-L` server),
//! through `tvmux api` and, once, `curl --unix-socket`.

mod common;

use serde_json::Value;

use common::tmux_env::Env;

/// A private tmux server whose session is `main`.
fn env() -> Env {
    Env::with_session("main")
}

#[test]
fn every_endpoint_on_success_and_on_a_missing_target() {
    let env = env();
    assert!(env.tvmux(&["server", "start"]).status.success());

    // Sessions.
    let sessions = env.api_ok(&["GET", "/sessions"]);
    assert_eq!(sessions[0]["name"], "main");
    let created = env.api_ok(&[
        "POST",
        "/sessions",
        r#"{"name": "api test", "size": "100x30"}"#,
    ]);
    let sid = created["id"].as_str().unwrap().to_string();
    assert_eq!(
        (created["name"].as_str(), created["size"].as_str()),
        (Some("api test"), Some("100x30"))
    );
    assert_eq!(
        env.api_ok(&["GET", &format!("/sessions/{sid}")])["name"],
        "api test"
    );
    assert_eq!(
        env.api_ok(&[
            "POST",
            &format!("/sessions/{sid}/rename"),
            r#"{"name": "renamed"}"#
        ])["name"],
        "renamed"
    );
    let attach = env.api_ok(&["GET", &format!("/sessions/{sid}/attach")]);
    assert_eq!(attach["command"][3], "attach-session");
    assert_eq!(
        env.api_ok(&["POST", &format!("/sessions/{sid}/detach")])["detached"],
        sid
    );
    let windows = env.api_ok(&["GET", &format!("/sessions/{sid}/windows")]);
    assert_eq!(windows.as_array().unwrap().len(), 1);
    for (method, path) in [
        ("GET", "/sessions/$99"),
        ("DELETE", "/sessions/$99"),
        ("GET", "/sessions/$99/attach"),
        ("POST", "/sessions/$99/detach"),
        ("GET", "/sessions/$99/windows"),
    ] {
        env.api_fails(&[method, path], "can't find");
    }
    env.api_fails(
        &["POST", "/sessions/$99/rename", r#"{"name": "x"}"#],
        "can't find",
    );
    env.api_fails(
        &[
            "POST",
            &format!("/sessions/{sid}/rename"),
            r#"{"nam": "x"}"#,
        ],
        "name",
    );
    env.api_fails(&["POST", "/sessions", r#"{"size": "big"}"#], "COLSxROWS");
    env.api_fails(&["GET", "/sessions/abc"], "session id");

    // Windows.
    let shell = serde_json::to_string(common::SHELL).unwrap();
    let win = env.api_ok(&[
        "POST",
        "/windows",
        &format!(r#"{{"session": "{sid}", "name": "w2", "command": {shell}}}"#),
    ]);
    let wid = win["id"].as_str().unwrap().to_string();
    assert_eq!(
        (win["session_id"].as_str(), win["name"].as_str()),
        (Some(sid.as_str()), Some("w2"))
    );
    assert!(env.api_ok(&["GET", "/windows"]).as_array().unwrap().len() >= 3);
    assert_eq!(
        env.api_ok(&["GET", &format!("/windows/{wid}")])["name"],
        "w2"
    );
    assert_eq!(
        env.api_ok(&[
            "POST",
            &format!("/windows/{wid}/rename"),
            r#"{"name": "w3"}"#
        ])["name"],
        "w3"
    );
    assert_eq!(
        env.api_ok(&["POST", &format!("/windows/{wid}/select")])["active"],
        true
    );
    let main_id = sessions[0]["id"].as_str().unwrap();
    env.api_ok(&[
        "POST",
        &format!("/windows/{wid}/link"),
        &format!(r#"{{"session": "{main_id}", "index": 7}}"#),
    ]);
    let main_windows = env.api_ok(&["GET", &format!("/sessions/{main_id}/windows")]);
    assert!(
        main_windows
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["id"] == wid.as_str() && w["index"] == 7)
    );
    env.api_ok(&[
        "POST",
        &format!("/windows/{wid}/unlink"),
        &format!(r#"{{"session": "{main_id}"}}"#),
    ]);
    let main_windows = env.api_ok(&["GET", &format!("/sessions/{main_id}/windows")]);
    assert!(
        !main_windows
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["id"] == wid.as_str())
    );
    let panes = env.api_ok(&["GET", &format!("/windows/{wid}/panes")]);
    let pid = panes[0]["id"].as_str().unwrap().to_string();
    for (method, path) in [
        ("GET", "/windows/@99"),
        ("DELETE", "/windows/@99"),
        ("POST", "/windows/@99/select"),
        ("GET", "/windows/@99/panes"),
    ] {
        env.api_fails(&[method, path], "can't find");
    }
    env.api_fails(
        &["POST", "/windows/@99/rename", r#"{"name": "x"}"#],
        "can't find",
    );
    env.api_fails(
        &[
            "POST",
            "/windows/@99/link",
            &format!(r#"{{"session": "{main_id}"}}"#),
        ],
        "can't find",
    );
    env.api_fails(&["POST", "/windows/@99/unlink", "{}"], "can't find");
    env.api_fails(&["POST", "/windows", r#"{"session": "$99"}"#], "can't find");

    // Panes.
    assert_eq!(
        env.api_ok(&["GET", &format!("/panes?window={wid}")])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(env.api_ok(&["GET", "/panes"]).as_array().unwrap().len() >= 3);
    assert_eq!(
        env.api_ok(&["GET", &format!("/panes/{pid}")])["window_id"],
        wid.as_str()
    );
    let split = env.api_ok(&[
        "POST",
        &format!("/panes/{pid}/split"),
        r#"{"direction": "horizontal", "size": "30%"}"#,
    ]);
    let new_pane = split["id"].as_str().unwrap().to_string();
    assert_eq!(split["size"], "30x30");
    let split2 = env.api_ok(&[
        "POST",
        &format!("/panes/{pid}/split"),
        r#"{"direction": "vertical", "size": "10"}"#,
    ]);
    assert_eq!(
        split2["size"].as_str().unwrap().split('x').nth(1),
        Some("10")
    );
    assert_eq!(
        env.api_ok(&["POST", &format!("/panes/{new_pane}/select")])["active"],
        true
    );
    let before = env.api_ok(&["GET", &format!("/panes/{new_pane}")])["size"]
        .as_str()
        .unwrap()
        .to_string();
    let after = env.api_ok(&[
        "POST",
        &format!("/panes/{new_pane}/resize"),
        r#"{"direction": "L", "amount": 5}"#,
    ]);
    assert_ne!(after["size"].as_str().unwrap(), before);
    // Wait for the shell's prompt before typing.
    for _ in 0..200 {
        let capture = env.api_ok(&["GET", &format!("/panes/{pid}/capture")]);
        if capture["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| !l.as_str().unwrap().is_empty())
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    env.api_ok(&[
        "POST",
        &format!("/panes/{pid}/send-keys"),
        r#"{"keys": "echo api-$((40+2))", "enter": true}"#,
    ]);
    let mut seen = false;
    for _ in 0..100 {
        let capture = env.api_ok(&["GET", &format!("/panes/{pid}/capture")]);
        if capture["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "api-42")
        {
            seen = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
    assert!(
        seen,
        "send-keys output never showed: {}",
        env.api_ok(&["GET", &format!("/panes/{pid}/capture")])
    );
    env.api_ok(&[
        "POST",
        &format!("/panes/{pid}/send-keys"),
        r#"{"keys": "C-l", "literal": false}"#,
    ]);
    let colored = env.api_ok(&[
        "GET",
        &format!("/panes/{pid}/capture?escapes=true&start=0&end=1"),
    ]);
    assert_eq!(colored["lines"].as_array().unwrap().len(), 2);
    assert_eq!(
        env.api_ok(&["DELETE", &format!("/panes/{new_pane}")])["killed"],
        new_pane.as_str()
    );
    for (method, path) in [
        ("GET", "/panes/%99"),
        ("DELETE", "/panes/%99"),
        ("POST", "/panes/%99/select"),
        ("GET", "/panes/%99/capture"),
    ] {
        env.api_fails(&[method, path], "can't find");
    }
    env.api_fails(
        &["POST", "/panes/%99/split", r#"{"direction": "vertical"}"#],
        "can't find",
    );
    env.api_fails(
        &["POST", "/panes/%99/resize", r#"{"direction": "U"}"#],
        "can't find",
    );
    env.api_fails(
        &["POST", "/panes/%99/send-keys", r#"{"keys": "x"}"#],
        "can't find",
    );
    env.api_fails(
        &[
            "POST",
            &format!("/panes/{pid}/split"),
            r#"{"direction": "diagonal"}"#,
        ],
        "direction",
    );
    env.api_fails(
        &[
            "POST",
            &format!("/panes/{pid}/resize"),
            r#"{"direction": "X"}"#,
        ],
        "U, D, L or R",
    );
    env.api_fails(&["GET", "/panes/@1"], "pane id");

    // Kill what was made; the server itself.
    assert_eq!(
        env.api_ok(&["DELETE", &format!("/windows/{wid}")])["killed"],
        wid.as_str()
    );
    env.api_ok(&["DELETE", &format!("/sessions/{sid}")]);
    env.api_fails(&["GET", &format!("/sessions/{sid}")], "can't find");
    let status = env.api_ok(&["GET", "/status"]);
    assert_eq!(status["recordings"], 0);
    env.api_fails(&["GET", "/recordings/99"], "no recording");
    env.api_fails(&["DELETE", "/recordings/99"], "no recording");
    env.api_fails(&["GET", "/nowhere"], "no such endpoint");
}

#[test]
fn curl_over_the_socket_and_the_openapi_document_matches_the_routes() {
    let env = env();
    assert!(env.tvmux(&["server", "start"]).status.success());
    let sock = env.dir.path().join("run/server.sock");
    common::programs::require("curl", "--version");
    let out = std::process::Command::new("curl")
        .args(["-s", "--unix-socket"])
        .arg(&sock)
        .arg(format!(
            "http://tvmux/sessions?socket={}",
            env.socket.display()
        ))
        .output()
        .unwrap();
    let sessions: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sessions[0]["name"], "main");
    // The document is OpenAPI 3.1 that a strict reader accepts, and every
    // schema it refers to is in it.
    let (_, doc) = env.api(&["GET", "/openapi.json"]);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{doc}");
    oas3::from_json(doc.to_string()).expect("a valid OpenAPI 3.1 document");
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &reference[..reference.find('"').unwrap()];
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{name} is referred to but not defined"
        );
    }
    // Routed and documented are the same: every documented operation is
    // routed (it never answers with the fallback or 405), and on every
    // documented path, the methods it does not document answer 405.
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, methods) in paths {
        let concrete = path.replace("{id}", "99");
        for method in ["get", "post", "put", "patch", "delete"] {
            let documented = methods.get(method).is_some();
            if !documented {
                assert_eq!(
                    http_status(&sock, method, &concrete),
                    405,
                    "{method} {path} is routed but not documented"
                );
                continue;
            }
            assert!(
                methods[method]["responses"]["default"]["content"]["application/json"].is_object(),
                "{method} {path}: its error reply is not described"
            );
            if path == "/shutdown" {
                continue;
            }
            operations += 1;
            if path == "/events" {
                // A stream of lines, open unless told not to follow.
                assert_eq!(http_status(&sock, method, "/events?follow=false"), 200);
                continue;
            }
            let mut args = vec![method.to_uppercase(), concrete.clone()];
            if method == "post" {
                args.push("{}".to_string());
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (_, value) = env.api(&args);
            let message = value["error"].as_str().unwrap_or_default();
            assert!(
                !message.contains("no such endpoint"),
                "{method} {path} is documented but not routed"
            );
            assert!(value != Value::Null, "{method} {path}: no JSON (405?)");
        }
    }
    // The operations docs/RECORDING.md's tables list, but /shutdown.
    assert_eq!(operations, 32);
}

/// The HTTP status the server answers `METHOD PATH` with (no body).
fn http_status(sock: &std::path::Path, method: &str, path: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::os::unix::net::UnixStream::connect(sock).unwrap();
    write!(
        stream,
        "{} {path} HTTP/1.1\r\nHost: tvmux\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        method.to_uppercase()
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply.split(' ').nth(1).unwrap().parse().unwrap()
}
