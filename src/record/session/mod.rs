//! One tmux control-mode client per recorded session, feeding each recorded
//! window of that session into its cast.
//!
//! A pane view records the active pane's `%output`. A window view records
//! what a tmux client draws for the window ([`super::window_view`]); this
//! client follows its size and tells its end from a helper killed by hand.
//!
//! Output comes from `%output`; a switch of active pane (`%window-pane-changed`)
//! is followed by `display` and `capture-pane` sent on the same connection, so
//! the redraw frame lands exactly between the old pane's bytes and the new one's:
//! output of the new pane that arrives before the replies is already in the
//! capture and is dropped; what arrives after is recorded.

mod notifications;
mod replies;
mod view;

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, oneshot};

use crate::cast::FlushPolicy;
use crate::cast::Version;
use crate::record::copy::Followed;
use crate::record::query::Query;
use crate::record::status::{RecordingStatus, State, View};
use crate::record::window_recording::{Rotation, WindowRecording};
use crate::record::window_view::Drawn;
use crate::tmux::client::{self, Connection};
use crate::tmux::control::{self, Event, Line};
use crate::tmux::{PaneId, SessionId, Tmux, WindowId};

/// What a new window recording needs.
pub struct NewRecording {
    pub window: WindowId,
    pub file: File,
    pub version: Version,
    pub policy: FlushPolicy,
    pub follow_active_pane: bool,
    pub view: View,
    /// Window view: draw the status line too.
    pub status_line: bool,
    pub title: String,
    pub status: Arc<Mutex<RecordingStatus>>,
    /// When to close a part and go on in the next (pane view).
    pub rotation: Rotation,
    /// Told of each part closed for the next, once its file is let go.
    pub on_part: OnPart,
    /// Told once the recording has ended and its cast is complete.
    pub done: oneshot::Sender<io::Result<()>>,
}

/// Told the path of a part a recording closed to go on in the next.
pub type OnPart = Arc<dyn Fn(PathBuf) + Send + Sync>;

pub enum Request {
    /// Record a window. `taken` is told `None` once the client has it, or
    /// given the recording back when the client is winding down (it takes
    /// no new windows then: the manager starts a new client for it).
    Add(NewRecording, oneshot::Sender<Option<NewRecording>>),
    /// Stop recording a window; the recording's `done` is told when it is saved.
    Stop(WindowId),
}

/// A running control client: send it requests; it ends when its last
/// recording does.
pub struct SessionHandle {
    pub requests: mpsc::Sender<Request>,
}

/// Starts `tmux -C attach -t $SESSION -f ignore-size` on the server at
/// `socket` and the task that reads it.
/// Told every notification tmux sends about the session, as tmux wrote it
/// (not pane output, not replies).
pub type OnNotification = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

pub fn start(
    socket: PathBuf,
    session: SessionId,
    tell: OnNotification,
) -> io::Result<SessionHandle> {
    let tmux = Tmux::new(Some(&socket));
    let conn = client::connect(&tmux, session)?;
    let (requests, requests_rx) = mpsc::channel(16);
    let (drawn_tx, drawn) = mpsc::channel(64);
    let client = Client {
        drawn_tx,
        drawn,
        tmux,
        session,
        conn,
        windows: HashMap::new(),
        pending: VecDeque::new(),
        demux: control::Demux::default(),
        reattached: VecDeque::new(),
        followed: HashMap::new(),
        tell,
    };
    tokio::spawn(client.run(requests_rx));
    Ok(SessionHandle { requests })
}

/// What the client does after a line from tmux.
enum Flow {
    Go,
    /// The connection is gone (detached, moved to another session, %exit).
    Lost,
    /// No window is recorded any more.
    Done,
}

/// At most this many reattaches in [`REATTACH_WINDOW`]: a client detached
/// again and again is given up on, with a reason.
const REATTACH_LIMIT: usize = 5;
const REATTACH_WINDOW: Duration = Duration::from_secs(10);

struct Client {
    /// What window views' clients draw, and their ends.
    drawn: mpsc::Receiver<Drawn>,
    drawn_tx: mpsc::Sender<Drawn>,
    tmux: Tmux,
    session: SessionId,
    conn: Connection,
    windows: HashMap<WindowId, WindowRecording>,
    /// Queries sent whose replies have not come yet, oldest first, each
    /// with whether more queries of the same command line follow it.
    pending: VecDeque<(Query, bool)>,
    demux: control::Demux,
    /// When the client reattached lately.
    reattached: VecDeque<Instant>,
    /// What is followed of every pane of a recorded window (pane view).
    followed: HashMap<PaneId, Followed>,
    /// Where tmux's notifications about the session go.
    tell: OnNotification,
}

impl Client {
    async fn run(mut self, mut requests: mpsc::Receiver<Request>) {
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        let mut accepting = true;
        loop {
            tokio::select! {
                line = self.conn.lines.recv() => {
                    let flow = match line {
                        Some(line) => self.handle(&line).await,
                        None => Flow::Lost,
                    };
                    match flow {
                        Flow::Go => {}
                        Flow::Done => {
                            self.wind_down(&mut requests);
                            break;
                        }
                        Flow::Lost => {
                            if !self.reattach().await {
                                break;
                            }
                        }
                    }
                }
                Some(drawn) = self.drawn.recv() => self.on_drawn(drawn).await,
                request = requests.recv(), if accepting => match request {
                    Some(Request::Add(new, taken)) => {
                        let _ = taken.send(None);
                        self.add(new).await;
                    }
                    Some(Request::Stop(window)) => {
                        self.finish(window);
                        if self.windows.is_empty() {
                            self.wind_down(&mut requests);
                            break;
                        }
                    }
                    None => accepting = false,
                },
                _ = tick.tick() => {
                    let mut failed = Vec::new();
                    let mut full = Vec::new();
                    for (id, w) in self.windows.iter_mut() {
                        if let Some(writer) = &mut w.writer {
                            if let Err(e) = writer.flush_if_due() {
                                failed.push((*id, e));
                            }
                            w.status.lock().unwrap().bytes = writer.sink_mut().written;
                        }
                        if w.switching.is_none() && w.part_is_full() {
                            full.push((*id, w.active));
                        }
                    }
                    for (window, e) in failed {
                        self.write_failed(window, &e);
                    }
                    for (window, pane) in full {
                        self.rotate(window, pane);
                    }
                }
            }
        }
        for id in self.window_ids() {
            self.finish(id);
        }
        // Refuse further requests, hand back those queued, then detach.
        requests.close();
        while let Ok(request) = requests.try_recv() {
            if let Request::Add(new, taken) = request {
                let _ = taken.send(Some(new));
            }
        }
        self.conn.close().await;
    }

    /// No window is recorded any more: the client ends. New windows queued
    /// meanwhile are handed back (the manager starts a new client for
    /// them): a client that took one here could never be told to stop it,
    /// its request channel being closed.
    fn wind_down(&mut self, requests: &mut mpsc::Receiver<Request>) {
        requests.close();
        while let Ok(request) = requests.try_recv() {
            if let Request::Add(new, taken) = request {
                let _ = taken.send(Some(new));
            }
        }
    }

    /// The control client lost its connection: if the session still exists
    /// (a detach, `attach -d` elsewhere), attach again and redraw every
    /// recorded window; if it is gone, the recordings end normally. False
    /// when the client is done.
    async fn reattach(&mut self) -> bool {
        if !self.tmux.has_session(self.session).await {
            // The session ended: every recording ends with it.
            return false;
        }
        let now = Instant::now();
        self.reattached
            .retain(|t| now.duration_since(*t) < REATTACH_WINDOW);
        if self.reattached.len() >= REATTACH_LIMIT {
            self.fail_all("tmux detached the recorder again and again; gave up");
            return false;
        }
        self.reattached.push_back(now);
        let conn = match client::connect(&self.tmux, self.session) {
            Ok(conn) => conn,
            Err(e) => {
                self.fail_all(&format!("cannot attach to tmux again: {e}"));
                return false;
            }
        };
        let old = std::mem::replace(&mut self.conn, conn);
        tokio::spawn(old.close());
        self.demux = control::Demux::default();
        self.pending.clear();
        crate::log::info(&format!(
            "session {}: the recorder was detached; attached again and redrew {} window(s)",
            self.session,
            self.windows.len()
        ));
        let windows = self.window_ids();
        for window in windows {
            if let Some(w) = self.windows.get_mut(&window) {
                // Output waits for the redraw frame, which has everything before it.
                w.active = None;
                w.switching = None;
            }
            self.send(Query::ActivePane(window)).await;
        }
        true
    }

    fn window_ids(&self) -> Vec<WindowId> {
        self.windows.keys().copied().collect()
    }

    fn fail_all(&mut self, why: &str) {
        for id in self.window_ids() {
            self.fail(id, why);
        }
    }

    async fn send(&mut self, query: Query) {
        self.send_together(&[query]).await;
    }

    /// Sends `queries` as one command line: tmux runs its commands one
    /// after the other, reading no pane output in between, so their
    /// replies describe one moment (a frame's state and screens agree with
    /// each other and with the output before and after them). Each command
    /// still gets its own reply; after a failed one tmux runs none of the
    /// rest and sends nothing for them.
    async fn send_together(&mut self, queries: &[Query]) {
        let line: Vec<String> = queries.iter().map(|q| q.command()).collect();
        let line = format!("{}\n", line.join(" ; "));
        if self.conn.stdin.write_all(line.as_bytes()).await.is_ok() {
            let last = queries.len().saturating_sub(1);
            self.pending
                .extend(queries.iter().enumerate().map(|(i, q)| (*q, i < last)));
        }
    }

    async fn add(&mut self, new: NewRecording) {
        let window = new.window;
        if self.windows.contains_key(&window) {
            let _ = new.done.send(Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "already recorded",
            )));
            return;
        }
        let status = new.status.clone();
        let view = new.view;
        let follow = new.follow_active_pane && view == View::Pane;
        let status_line = new.status_line;
        let rotation = new.rotation;
        self.windows.insert(
            window,
            WindowRecording {
                new: Some(new),
                writer: None,
                began: Instant::now(),
                start: Instant::now(),
                rotation,
                view_stream: None,
                active: None,
                switching: None,
                output_while_switching: false,
                frame_attempts: 0,
                state: None,
                screen: Vec::new(),
                size: (0, 0),
                status,
                follow,
                panes: HashSet::new(),
                view,
                status_line,
                drawing: None,
                drawing_ended: false,
            },
        );
        self.send(Query::Layout(window)).await;
        if view == View::Pane {
            self.send(Query::ActivePane(window)).await;
        }
    }

    /// Handles one line from tmux.
    async fn handle(&mut self, line: &[u8]) -> Flow {
        match self.demux.push(line) {
            None => Flow::Go,
            Some(Event::Reply(reply)) => {
                // Replies come in the order the commands were sent.
                // Not ours: the attach itself, say.
                let query = if reply.ours() {
                    self.pending.pop_front()
                } else {
                    None
                };
                let Some((query, mut more)) = query else {
                    return Flow::Go;
                };
                self.on_reply(query, reply.error, reply.lines).await;
                // The rest of a failed line was never run: failed too.
                while reply.error && more {
                    let Some((skipped, next)) = self.pending.pop_front() else {
                        break;
                    };
                    more = next;
                    self.on_reply(skipped, true, Vec::new()).await;
                }
                // The reply may have ended the last recording.
                if self.windows.is_empty() {
                    Flow::Done
                } else {
                    Flow::Go
                }
            }
            Some(Event::Line(parsed)) => {
                if !matches!(
                    parsed,
                    Line::Output { .. } | Line::Text(_) | Line::Begin(_) | Line::End { .. }
                ) {
                    (self.tell)(&String::from_utf8_lossy(line));
                }
                self.notification(parsed).await
            }
        }
    }

    /// Ends a recording that cannot go on, keeping what it has, and says so
    /// on the session's clients (the server's log and events say it too).
    fn fail(&mut self, window: WindowId, why: &str) {
        let Some(w) = self.windows.get_mut(&window) else {
            return;
        };
        w.status
            .lock()
            .unwrap()
            .error
            .get_or_insert_with(|| why.to_string());
        let message = format!("tvmux: recording of {window} failed: {why}");
        let (tmux, session) = (self.tmux.clone(), self.session.to_string());
        tokio::spawn(async move { tell_clients(&tmux, &session, &message).await });
        self.finish(window);
    }

    /// A write to `window`'s cast failed (a full disk, say): the writer has
    /// cut its torn line and takes nothing more, so the recording ends here.
    pub(super) fn write_failed(&mut self, window: WindowId, e: &io::Error) {
        self.fail(window, &format!("cannot write the cast: {e}"));
    }

    /// Completes a window's cast and tells whoever waits for it.
    fn finish(&mut self, window: WindowId) {
        let Some(mut w) = self.windows.remove(&window) else {
            return;
        };
        let time = w.start.elapsed().as_secs_f64();
        let duration = w.began.elapsed().as_secs_f64();
        let mut bytes = 0;
        let result = match w.writer.take() {
            Some(mut writer) => {
                bytes = writer.sink_mut().written;
                writer.finish(time).map(|sink| bytes = sink.written)
            }
            // Stopped before the first frame: nothing to keep.
            None => Ok(()),
        };
        {
            let mut status = w.status.lock().unwrap();
            status.state = State::Stopped;
            status.duration = duration;
            status.bytes = bytes;
            if bytes == 0
                && let Some(new) = &w.new
            {
                status.empty = remove_if_empty(&new.file, &status.path);
            }
        }
        let done = w.new.take().map(|new| new.done);
        let tell = move || {
            if let Some(done) = done {
                let _ = done.send(result);
            }
        };
        // Whoever waits for the end also sees the helper session gone.
        match w.drawing.take() {
            Some(view) => {
                tokio::spawn(async move {
                    view.close().await;
                    tell();
                });
            }
            None => tell(),
        }
    }
}

/// Shows `message` on every client attached to `session` (a message is a
/// tmux format: `#` is doubled so a path or reason is shown as it is).
async fn tell_clients(tmux: &Tmux, session: &str, message: &str) {
    let clients = tmux
        .list(&["list-clients", "-t", session], &["client_name"], |f| {
            f.first().map(|c| c.to_string())
        })
        .await
        .unwrap_or_default();
    let text = message.replace('#', "##");
    for client in clients {
        let _ = tmux
            .run(&["display-message", "-c", &client, "-d", "5000", &text])
            .await;
    }
}

/// Removes the cast at `path` if it is still `file` (the same inode, not a
/// link planted in its place) and holds nothing; true when it did.
fn remove_if_empty(file: &File, path: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let (Ok(ours), Ok(there)) = (file.metadata(), std::fs::symlink_metadata(path)) else {
        return false;
    };
    ours.len() == 0
        && (ours.dev(), ours.ino()) == (there.dev(), there.ino())
        && std::fs::remove_file(path).is_ok()
}
