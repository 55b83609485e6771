//! A private tmux server (`-L NAME`) with a session `work`, and a tvmux
//! runtime directory of its own, for the tests of the recorder; both are
//! killed when the [`Env`] is dropped. Also: reading casts back (events,
//! the screen an independent emulator shows).

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub const FRAME_START: &str = "\u{18}\u{1b}[0m\u{1b}[?1049l\u{1b}[r";

pub struct Env {
    /// The tmux server's `-L` name.
    pub name: String,
    /// Its one session at the start.
    pub session: String,
    pub dir: tempfile::TempDir,
    pub socket: PathBuf,
}

impl Env {
    /// A private tmux server with a session `work`.
    pub fn new() -> Env {
        Self::with_session("work")
    }

    /// A private tmux server with one session, `session`, 80x24.
    pub fn with_session(session: &str) -> Env {
        super::programs::require_tmux();
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "tvmux-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let dir = tempfile::tempdir().unwrap();
        let mut env = Env {
            name,
            session: session.to_string(),
            socket: PathBuf::new(),
            dir,
        };
        let out = env.with_shell(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "80",
            "-y",
            "24",
        ]);
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        env.socket = env.query(session, "#{socket_path}").into();
        env
    }

    pub fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.name)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// A tmux command that must succeed (says tmux's message if not).
    pub fn must(&self, args: &[&str]) -> Output {
        let out = self.tmux(args);
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// [`Env::with_shell`] that must succeed.
    pub fn must_with_shell(&self, args: &[&str]) -> Output {
        self.must(&[args, &["--"], super::SHELL].concat())
    }

    /// A tmux command that starts a pane, running the plain test shell.
    pub fn with_shell(&self, args: &[&str]) -> Output {
        self.tmux(&[args, &["--"], super::SHELL].concat())
    }

    pub fn query(&self, target: &str, format: &str) -> String {
        let out = self.tmux(&["display-message", "-p", "-t", target, format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn out_dir(&self) -> PathBuf {
        self.dir.path().join("casts")
    }

    /// The user's cache (`XDG_CACHE_HOME`), where indexes go.
    pub fn cache_dir(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    pub fn tvmux(&self, args: &[&str]) -> Output {
        self.tvmux_command(args).output().expect("tvmux runs")
    }

    /// `tvmux ARGS…` as run from the session's pane, not started yet.
    pub fn tvmux_command(&self, args: &[&str]) -> Command {
        let pane = self.query(&self.session, "#{pane_id}");
        let mut command = Command::new(env!("CARGO_BIN_EXE_tvmux"));
        command
            .args(args)
            .env("TVMUX_RUNTIME_DIR", self.dir.path().join("run"))
            .env("TVMUX_CONFIG_FILE", self.dir.path().join("none.conf"))
            .env("TVMUX_OUTPUT_DIRECTORY", self.out_dir())
            .env("XDG_CACHE_HOME", self.cache_dir())
            .env("TMUX", format!("{},1,0", self.socket.display()))
            .env("TMUX_PANE", pane);
        command
    }

    /// `tvmux api ARGS…`: its exit code and the JSON it printed (null if none).
    pub fn api(&self, args: &[&str]) -> (i32, serde_json::Value) {
        let out = self.tvmux(&[&["api"], args].concat());
        let value = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
        (out.status.code().unwrap_or(-1), value)
    }

    /// `tvmux api ARGS…`, which must succeed: its JSON.
    pub fn api_ok(&self, args: &[&str]) -> serde_json::Value {
        let (code, value) = self.api(args);
        assert_eq!(code, 0, "{args:?}: {value}");
        value
    }

    /// `tvmux api ARGS…`, which must fail with a message containing `needle`.
    pub fn api_fails(&self, args: &[&str], needle: &str) {
        let (code, value) = self.api(args);
        assert_eq!(code, 1, "{args:?} should fail: {value}");
        let message = value["error"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{args:?}: {message}");
    }

    pub fn start(&self) -> PathBuf {
        self.start_with(&[])
    }

    /// `tvmux rec start ARGS…`, which must succeed: the cast's path.
    pub fn rec_start(&self, args: &[&str]) -> PathBuf {
        let out = self.tvmux(&[&["rec", "start"], args].concat());
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.starts_with("recording "), "{text}");
        PathBuf::from(text.trim().rsplit(' ').next().unwrap())
    }

    /// `tvmux rec start ARGS…`; waits for the first frame; the cast's path.
    pub fn start_with(&self, args: &[&str]) -> PathBuf {
        let path = self.rec_start(args);
        // The first frame is written once tmux answers.
        wait_until("the first frame", || {
            events(&path).iter().any(|e| e.2.starts_with(FRAME_START))
        });
        path
    }

    /// Ids of the active recordings, as `rec ls -q` prints them.
    pub fn recording_ids(&self) -> String {
        String::from_utf8_lossy(&self.tvmux(&["rec", "ls", "-q"]).stdout)
            .trim()
            .to_string()
    }

    pub fn type_line(&self, target: &str, text: &str) {
        let out = self.tmux(&["send-keys", "-t", target, "-l", text]);
        assert!(out.status.success());
        self.tmux(&["send-keys", "-t", target, "Enter"]);
    }

    pub fn screen(&self, target: &str) -> Vec<String> {
        let out = self.tmux(&["capture-pane", "-p", "-t", target]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim_end().to_string())
            .collect()
    }

    pub fn server_pid(&self) -> Option<i32> {
        std::fs::read_to_string(self.dir.path().join("run/server.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }
}

impl Drop for Env {
    /// Never panics (a panic while a failed test unwinds would abort the
    /// whole test binary).
    fn drop(&mut self) {
        let _ = Command::new(env!("CARGO_BIN_EXE_tvmux"))
            .args(["server", "stop"])
            .env("TVMUX_RUNTIME_DIR", self.dir.path().join("run"))
            .env("TVMUX_CONFIG_FILE", self.dir.path().join("none.conf"))
            .output();
        let _ = Command::new("tmux")
            .args(["-L", &self.name, "kill-server"])
            .output();
        let _ = std::fs::remove_file(&self.socket);
    }
}

pub fn wait_until(what: &str, cond: impl FnMut() -> bool) {
    wait_until_for(what, Duration::from_secs(20), cond);
}

pub fn wait_until_for(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn events(path: &Path) -> Vec<(f64, String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Whether the last 64 KiB of the file contain `needle` (cheap on big casts).
pub fn tail_contains(path: &Path, needle: &str) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(65536)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).contains(needle)
}

/// How many redraw frames the cast holds.
pub fn frames(path: &Path) -> usize {
    events(path)
        .iter()
        .filter(|e| e.2.starts_with(FRAME_START))
        .count()
}

/// Output recorded outside frames, joined.
pub fn plain_output(path: &Path) -> String {
    events(path)
        .into_iter()
        .filter(|e| e.1 == "o" && !e.2.starts_with(FRAME_START))
        .map(|e| e.2)
        .collect()
}

pub fn validate_full(path: &Path) {
    let out = super::tvmux(&["validate", "--full", "--strict", super::path_str(path)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

pub fn stop_all(env: &Env) -> String {
    let out = env.tvmux(&["rec", "stop"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The cast played into an independent terminal emulator (the vt100 crate).
pub fn render(path: &Path) -> vt100::Parser {
    let text = std::fs::read_to_string(path).unwrap();
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let (cols, rows) = (
        header["width"].as_u64().unwrap() as u16,
        header["height"].as_u64().unwrap() as u16,
    );
    let nz = |n: u16| std::num::NonZeroU16::new(n).unwrap();
    let mut parser = vt100::Parser::new(nz(rows), nz(cols), 0);
    for (_, code, data) in events(path) {
        match code.as_str() {
            "o" => parser.process(data.as_bytes()),
            "r" => {
                let (c, r) = data.split_once('x').unwrap();
                parser
                    .screen_mut()
                    .set_size(nz(r.parse().unwrap()), nz(c.parse().unwrap()));
            }
            _ => {}
        }
    }
    parser
}

pub fn rendered_lines(parser: &vt100::Parser) -> Vec<String> {
    parser
        .screen()
        .rows(0, parser.screen().size().1.get())
        .map(|r| r.trim_end().to_string())
        .collect()
}

pub fn assert_same_screen(env: &Env, target: &str, path: &Path) {
    let want = env.screen(target);
    let got = rendered_lines(&render(path));
    let trim = |v: &[String]| {
        let mut v = v.to_vec();
        while v.last().is_some_and(|l| l.is_empty()) {
            v.pop();
        }
        v
    };
    assert_eq!(
        trim(&got),
        trim(&want),
        "the emulator's screen differs from tmux's"
    );
}

/// A user's terminal: `tmux attach` in a pseudo-terminal of `cols`×`rows`,
/// its output drained.
pub struct UserClient {
    child: Child,
    master: OwnedFd,
}

impl UserClient {
    pub fn attach(env: &Env, cols: u16, rows: u16) -> UserClient {
        let size = nix::pty::Winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let pty = nix::pty::openpty(&size, None).unwrap();
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &env.name, "attach", "-t", "work"])
            .env("TERM", "xterm-256color")
            .env_remove("TMUX")
            .stdin(Stdio::from(pty.slave.try_clone().unwrap()))
            .stdout(Stdio::from(pty.slave.try_clone().unwrap()))
            .stderr(Stdio::from(pty.slave));
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid is async-signal-safe.
        unsafe {
            cmd.pre_exec(|| {
                nix::unistd::setsid()?;
                Ok(())
            });
        }
        let child = cmd.spawn().unwrap();
        let mut reader = std::fs::File::from(pty.master.try_clone().unwrap());
        std::thread::spawn(move || {
            use std::io::Read;
            let mut buf = [0u8; 65536];
            while reader.read(&mut buf).is_ok_and(|n| n > 0) {}
        });
        wait_until("the user's client", || {
            !env.tmux(&["list-clients", "-t", "work"]).stdout.is_empty()
        });
        // Listed is not yet ready: until tmux puts the terminal in raw mode,
        // the line discipline holds typed keys (and tmux may flush them), so
        // a key pressed too early is lost. The master reads the slave's modes.
        wait_until("the user's terminal in raw mode", || {
            nix::sys::termios::tcgetattr(&pty.master).is_ok_and(|t| {
                !t.local_flags
                    .contains(nix::sys::termios::LocalFlags::ICANON)
            })
        });
        UserClient {
            child,
            master: pty.master,
        }
    }

    /// Types `keys` on the user's keyboard (through tmux's key tables).
    pub fn press(&self, keys: &[u8]) {
        use std::io::Write;
        let mut tty = std::fs::File::from(self.master.try_clone().unwrap());
        tty.write_all(keys).unwrap();
    }

    /// The user's client as tmux sees it: size and current window.
    pub fn seen(env: &Env) -> String {
        let out = env.tmux(&[
            "list-clients",
            "-t",
            "work",
            "-F",
            "#{client_control_mode} #{client_width}x#{client_height} #{window_id}",
        ]);
        // Not tvmux's control client.
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("0 "))
            .collect()
    }
}

impl Drop for UserClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
