//! The server's recordings: starting them (one control client per tmux
//! session), stopping them, and checking each cast once it is complete.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, oneshot, watch};

use super::events::EventLog;
use super::parts;
use super::paths::Paths;
use super::protocol::EventKind;
use crate::cast;
use crate::cast::FlushPolicy;
use crate::config::Config;
use crate::edit;
use crate::record::naming;
use crate::record::session::{self, NewRecording, Request};
use crate::record::status::{RecordingStatus, State, View};
use crate::record::window_recording::Rotation;
use crate::record::window_view;
use crate::tmux::{SessionId, Tmux, WindowId};

pub use super::error::ApiError;
pub use super::protocol::StartRequest;

/// How many of the server's own write failures `GET /status` keeps.
const WARNINGS_KEPT: usize = 10;

/// How long a stop waits for the cast to be complete and checked.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

pub enum Started {
    New(RecordingStatus),
    Already(RecordingStatus),
}

struct Entry {
    status: Arc<Mutex<RecordingStatus>>,
    tmux_socket: PathBuf,
    finished: watch::Receiver<bool>,
}

#[derive(Default)]
struct Inner {
    recordings: BTreeMap<u64, Entry>,
    sessions: HashMap<(PathBuf, u32), mpsc::Sender<Request>>,
    next_id: u64,
    /// Windows (tmux socket, window id) whose auto-recording was stopped:
    /// left alone until they are closed.
    auto_off: HashSet<(PathBuf, u32)>,
}

pub struct Manager {
    pub config: Config,
    pub paths: Paths,
    pub started: std::time::Instant,
    /// Casts a crashed server left behind, repaired when this one started.
    pub repaired_orphans: Vec<PathBuf>,
    inner: Mutex<Inner>,
    /// Held through a start: two starts of one window cannot both pass the
    /// "already recorded" check, and a session's client is replaced by one
    /// start at a time.
    starting: tokio::sync::Mutex<()>,
    /// What the server could not write lately (at most [`WARNINGS_KEPT`]).
    warnings: Mutex<std::collections::VecDeque<String>>,
    pub shutdown: Notify,
    /// What happened, for `GET /events`.
    pub events: EventLog,
    /// Casts finished and not yet checked and compressed (parts closed, a
    /// recording's last): the budget neither counts nor removes them.
    pending: Mutex<HashSet<PathBuf>>,
    /// Closed parts, finished one at a time in the order they were closed,
    /// so that the budget always finds the older ones done.
    parts: std::sync::OnceLock<mpsc::UnboundedSender<PartJob>>,
}

/// A part closed, and its recording.
type PartJob = (PathBuf, Arc<Mutex<RecordingStatus>>);

/// Finishes the parts sent to `jobs`, in order, while the manager lives.
async fn finish_parts(
    manager: std::sync::Weak<Manager>,
    mut jobs: mpsc::UnboundedReceiver<PartJob>,
) {
    while let Some((closed, status)) = jobs.recv().await {
        let Some(manager) = manager.upgrade() else {
            break;
        };
        manager.finish_part(closed, status).await;
    }
}

impl Manager {
    pub fn new(config: Config, paths: Paths, repaired_orphans: Vec<PathBuf>) -> Arc<Manager> {
        let events = EventLog::default();
        for path in &repaired_orphans {
            events.emit(EventKind::Repaired, None, Some(path.display().to_string()));
        }
        Arc::new(Manager {
            events,
            config,
            paths,
            started: std::time::Instant::now(),
            repaired_orphans,
            inner: Mutex::new(Inner {
                next_id: 1,
                ..Inner::default()
            }),
            starting: tokio::sync::Mutex::new(()),
            warnings: Mutex::default(),
            shutdown: Notify::new(),
            pending: Mutex::default(),
            parts: std::sync::OnceLock::new(),
        })
    }

    /// Active recordings and failed ones not yet acknowledged (with `all`,
    /// every recording of this server), with their duration so far.
    pub fn list(&self, all: bool) -> Vec<RecordingStatus> {
        let inner = self.inner.lock().unwrap();
        inner
            .recordings
            .values()
            .map(live_status)
            .filter(|s| all || s.state != State::Stopped)
            .collect()
    }

    /// Active recordings only.
    pub fn active(&self) -> Vec<RecordingStatus> {
        let mut list = self.list(false);
        list.retain(|s| s.state == State::Recording);
        list
    }

    /// Acknowledges a recording that has ended: it leaves the list.
    pub fn forget(&self, id: &str) -> Result<RecordingStatus, ApiError> {
        let key = key(id)?;
        let mut inner = self.inner.lock().unwrap();
        let status = live_status(inner.recordings.get(&key).ok_or_else(|| not_found(id))?);
        if status.state == State::Recording {
            return Err(ApiError::new(
                409,
                format!("recording {id} is still recording: stop it first"),
            ));
        }
        inner.recordings.remove(&key);
        Ok(status)
    }

    pub fn get(&self, id: &str) -> Option<RecordingStatus> {
        let inner = self.inner.lock().unwrap();
        inner.recordings.get(&id.parse().ok()?).map(live_status)
    }

    /// One recording, or 404.
    pub fn one(&self, id: &str) -> Result<RecordingStatus, ApiError> {
        self.get(id).ok_or_else(|| not_found(id))
    }

    /// Starts recording a window, by hand.
    pub async fn start(self: &Arc<Self>, req: StartRequest) -> Result<Started, ApiError> {
        self.start_as(req, false).await
    }

    /// Starts recording a window for auto-recording.
    pub async fn start_auto(self: &Arc<Self>, req: StartRequest) -> Result<Started, ApiError> {
        self.start_as(req, true).await
    }

    /// Whether auto-recording should start recording `window` of the tmux
    /// server at `socket`: not recorded, and not stopped by hand since it
    /// was opened.
    pub fn wants_auto(&self, socket: &Path, window: u32) -> bool {
        let inner = self.inner.lock().unwrap();
        let key = (socket.to_path_buf(), window);
        !inner.auto_off.contains(&key)
            && !inner.recordings.values().any(|e| {
                let s = e.status.lock().unwrap();
                s.state == State::Recording && s.window_id == window && e.tmux_socket == socket
            })
    }

    /// Forgets the stopped auto-recordings of windows of `socket` no longer
    /// `open` (a window id is never reused by a tmux server).
    pub fn forget_closed_windows(&self, socket: &Path, open: &HashSet<u32>) {
        self.inner
            .lock()
            .unwrap()
            .auto_off
            .retain(|(s, w)| s != socket || open.contains(w));
    }

    async fn start_as(
        self: &Arc<Self>,
        req: StartRequest,
        auto: bool,
    ) -> Result<Started, ApiError> {
        let _one_at_a_time = self.starting.lock().await;
        let target = resolve(&req.tmux_socket, &req.target).await?;
        let already = {
            let inner = self.inner.lock().unwrap();
            inner
                .recordings
                .values()
                .find(|e| {
                    let s = e.status.lock().unwrap();
                    s.state == State::Recording
                        && s.window_id == target.window_id
                        && e.tmux_socket == req.tmux_socket
                })
                .map(live_status)
        };
        if let Some(status) = already {
            return Ok(Started::Already(status));
        }
        let rec = &self.config.recording;
        let view = req.view.unwrap_or(rec.view);
        let status_line = req.status_line.unwrap_or(rec.status_line);
        let dir = req.dir.clone().unwrap_or_else(|| self.config.output_dir());
        let now = chrono::Local::now();
        let dir = dir.join(now.format(&self.config.output.date_format).to_string());
        let host = nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = naming::file_name(
            &now.format("%Y-%m-%d_%H%M").to_string(),
            &host,
            &target.session_name,
            target.window_id,
            &target.window_name,
        );
        let rotation = Rotation {
            size: rec.rotate_size.0,
            interval: rec.rotate_interval.0,
        };
        let in_parts = rotation.is_on();
        let (path, file) = naming::create_unique(&dir, &name, in_parts).map_err(|e| {
            ApiError::new(
                500,
                format!("cannot create a cast in {}: {e}", dir.display()),
            )
        })?;
        // Held while recording: repair refuses a locked cast.
        file.lock()
            .map_err(|e| ApiError::new(500, format!("cannot lock {}: {e}", path.display())))?;
        let id = {
            let mut inner = self.inner.lock().unwrap();
            inner.next_id += 1;
            inner.next_id - 1
        };
        let status = Arc::new(Mutex::new(RecordingStatus {
            id: id.to_string(),
            session: target.session_name.clone(),
            session_id: target.session_id,
            window: target.window_name.clone(),
            window_id: target.window_id,
            active_pane: None,
            view,
            path: path.clone(),
            bytes: 0,
            started: now.timestamp(),
            duration: 0.0,
            state: State::Recording,
            error: None,
            part: in_parts.then_some(1),
            auto,
            empty: false,
        }));
        let (done_tx, done_rx) = oneshot::channel();
        let new = NewRecording {
            window: WindowId(target.window_id),
            file,
            version: req.format.unwrap_or(rec.format),
            policy: FlushPolicy {
                max_delay: Duration::from_millis(rec.flush_interval_ms),
                fsync: rec.fsync,
                ..FlushPolicy::default()
            },
            follow_active_pane: rec.follow_active_pane,
            view,
            status_line,
            title: format!("{}:{}", target.session_name, target.window_name),
            status: status.clone(),
            rotation,
            on_part: self.on_part(status.clone()),
            done: done_tx,
        };
        self.send_to_session(&req.tmux_socket, target.session_id, new)
            .await?;
        let (finished_tx, finished_rx) = watch::channel(false);
        {
            let mut inner = self.inner.lock().unwrap();
            inner.recordings.insert(
                id,
                Entry {
                    status: status.clone(),
                    tmux_socket: req.tmux_socket.clone(),
                    finished: finished_rx,
                },
            );
        }
        self.save_live_list();
        let manager = self.clone();
        let first = status.lock().unwrap().clone();
        self.events.emit(EventKind::Started, Some(&first), None);
        tokio::spawn(async move {
            let result = done_rx
                .await
                .unwrap_or_else(|_| Err(std::io::Error::other("recorder ended")));
            if let Err(e) = result {
                // The first reason is the one worth telling.
                status
                    .lock()
                    .unwrap()
                    .error
                    .get_or_insert_with(|| e.to_string());
            }
            {
                // Anything but a normal end is logged and stays listed.
                let mut s = status.lock().unwrap();
                s.state = if s.error.is_some() {
                    State::Failed
                } else {
                    State::Stopped
                };
                if let Some(why) = &s.error {
                    crate::log::warn(&format!(
                        "recording {} ({}:{}, {}) failed: {why}",
                        s.id,
                        s.session,
                        s.window,
                        s.path.display()
                    ));
                }
            }
            let (empty, failed) = {
                let s = status.lock().unwrap();
                (s.empty, s.state == State::Failed)
            };
            // A failed recording is always checked: its reply says what
            // the file holds.
            // The last part, when the recording is in parts.
            let path = status.lock().unwrap().path.clone();
            manager.pending.lock().unwrap().insert(path.clone());
            if !empty && (failed || manager.config.recording.repair_on_stop) {
                let path = path.clone();
                // Where the valid part ends is read (a second pass) only for
                // a failed recording, whose reply says it.
                let verdict = tokio::task::spawn_blocking(move || {
                    let verdict = verify(&path);
                    let end = (failed && verdict.is_ok())
                        .then(|| valid_to(&path))
                        .flatten();
                    (verdict, end)
                })
                .await
                .unwrap_or_else(|e| (Err(e.to_string()), None));
                let mut s = status.lock().unwrap();
                let cast = s.path.display().to_string();
                match verdict {
                    (Err(e), _) => {
                        crate::log::warn(&format!("recording {}: {e}", s.id));
                        s.error = Some(match s.error.take() {
                            Some(why) => {
                                format!("{why}; the cast at {cast} could not be made valid: {e}")
                            }
                            None => e,
                        });
                        s.state = State::Failed;
                    }
                    (Ok(()), end) if s.state == State::Failed => {
                        let upto = end
                            .map_or_else(String::new, |t| format!(" up to {}", edit::timestamp(t)));
                        let why = s.error.take().unwrap_or_default();
                        s.error = Some(format!("{why}; the cast{upto} is valid at {cast}"));
                    }
                    (Ok(()), _) => {}
                }
            }
            let checked = {
                let s = status.lock().unwrap();
                s.state == State::Stopped && !s.empty
            };
            if checked {
                let m = manager.clone();
                let done = tokio::task::spawn_blocking(move || m.after_finish(&path)).await;
                if let Ok(done) = done {
                    status.lock().unwrap().path = done;
                }
            } else {
                manager.pending.lock().unwrap().remove(&path);
            }
            manager.save_live_list();
            let last = status.lock().unwrap().clone();
            let kind = if last.state == State::Failed {
                EventKind::Failed
            } else {
                EventKind::Stopped
            };
            manager.events.emit(kind, Some(&last), None);
            let _ = finished_tx.send(true);
            if checked {
                manager.index_later(last.path.clone());
            }
            if manager.config.server.auto_shutdown && manager.active().is_empty() {
                manager.shutdown.notify_one();
            }
        });
        Ok(Started::New(first))
    }

    /// What a recording in parts calls with each part it closes: the list
    /// of live casts saved (it names the next part now), the closed part
    /// checked as a stop checks a cast, compressed, the budget kept, and
    /// the event sent.
    fn on_part(self: &Arc<Self>, status: Arc<Mutex<RecordingStatus>>) -> session::OnPart {
        let manager = Arc::downgrade(self);
        Arc::new(move |closed: PathBuf| {
            let Some(manager) = manager.upgrade() else {
                return;
            };
            manager.pending.lock().unwrap().insert(closed.clone());
            manager.save_live_list();
            let queue = manager.parts.get_or_init(|| {
                let (queue, jobs) = mpsc::unbounded_channel();
                tokio::spawn(finish_parts(Arc::downgrade(&manager), jobs));
                queue
            });
            let _ = queue.send((closed, status.clone()));
        })
    }

    /// A closed part checked, compressed and announced; the budget kept.
    async fn finish_part(self: Arc<Self>, closed: PathBuf, status: Arc<Mutex<RecordingStatus>>) {
        let m = self.clone();
        let path = closed.clone();
        let done = tokio::task::spawn_blocking(move || match verify(&path) {
            Ok(()) => Ok(m.after_finish(&path)),
            Err(e) => Err(format!("{}: {e}", path.display())),
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        let now = status.lock().unwrap().clone();
        match done {
            Ok(path) => {
                crate::log::info(&format!(
                    "recording {}: part {} closed at {}",
                    now.id,
                    now.part.unwrap_or(2) - 1,
                    path.display()
                ));
                let detail = Some(path.display().to_string());
                self.events.emit(EventKind::Rotated, Some(&now), detail);
                self.index_later(path);
            }
            Err(e) => {
                self.pending.lock().unwrap().remove(&closed);
                let message = format!("recording {}: a closed part is not valid: {e}", now.id);
                crate::log::warn(&message);
                self.events
                    .emit(EventKind::Warning, Some(&now), Some(message));
            }
        }
    }

    /// What follows a finished cast (a part closed, or a recording's last)
    /// once it is checked: compressed if the configuration says so (the
    /// plain cast removed only once the compressed one is synced), then the
    /// output directory kept within its budget. The cast's path now.
    fn after_finish(&self, path: &Path) -> PathBuf {
        let mut done = path.to_path_buf();
        if let Some(how) = self.config.output.compress.compression() {
            match parts::compress(path, how) {
                Ok(compressed) => done = compressed,
                Err(e) => {
                    let message = format!("cannot compress {}: {e}", path.display());
                    crate::log::warn(&message);
                    self.events.emit(EventKind::Warning, None, Some(message));
                }
            }
        }
        self.pending.lock().unwrap().remove(path);
        self.keep_budget();
        done
    }

    /// Indexes a finished cast (`[output] index`) on a blocking thread of
    /// its own, after its stop or part is announced (a stop never waits for
    /// it), one core's worth; a failure is logged and sent as a warning.
    fn index_later(self: &Arc<Self>, path: PathBuf) {
        if !self.config.output.index {
            return;
        }
        let m = self.clone();
        tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let indexed =
                edit::Input::open(&path).and_then(|input| crate::history::index(&input, 1, false));
            // The budget may have removed the cast meanwhile: its index went
            // with it, unless written after that.
            if !path.exists() {
                let _ = crate::screen::index::forget(&path);
                return;
            }
            match indexed {
                Ok(written) => crate::log::info(&format!(
                    "indexed {} ({} bytes) in {:.3} s",
                    path.display(),
                    written.map_or(0, |w| w.size),
                    started.elapsed().as_secs_f64()
                )),
                Err(e) => {
                    let message = format!("cannot index {}: {e}", path.display());
                    crate::log::warn(&message);
                    m.events.emit(EventKind::Warning, None, Some(message));
                }
            }
        });
    }

    /// Removes the oldest finished casts while the output directory is over
    /// its budget (`[output] max_total_size`, `max_age`); each removal is
    /// logged and sent as an event. At every part closed and at start.
    pub fn keep_budget(&self) {
        let budget = parts::Budget {
            max_total: self.config.output.max_total_size.0,
            max_age: self.config.output.max_age.0,
        };
        if budget.is_off() {
            return;
        }
        let live: HashSet<PathBuf> = self.active().into_iter().map(|s| s.path).collect();
        let pending = self.pending.lock().unwrap().clone();
        for removed in budget.enforce(&self.config.output_dir(), &live, &pending) {
            let message = format!(
                "removed {} ({} bytes): {}",
                removed.path.display(),
                removed.bytes,
                removed.why
            );
            crate::log::info(&message);
            self.events.emit(EventKind::Removed, None, Some(message));
            // Its index would stay in the cache for nothing.
            if let Err(e) = crate::screen::index::forget(&removed.path) {
                crate::log::warn(&format!(
                    "cannot remove the index of {}: {e}",
                    removed.path.display()
                ));
            }
        }
    }

    /// Hands `new` to the session's control client, starting one when
    /// there is none or the one there is winding down (it hands the
    /// recording back).
    async fn send_to_session(
        self: &Arc<Self>,
        socket: &Path,
        session_id: u32,
        mut new: NewRecording,
    ) -> Result<(), ApiError> {
        let key = (socket.to_path_buf(), session_id);
        for _ in 0..3 {
            let existing = self.inner.lock().unwrap().sessions.get(&key).cloned();
            let tx = match existing {
                Some(tx) if !tx.is_closed() => tx,
                _ => self.start_session(socket, session_id)?,
            };
            let (taken_tx, taken) = oneshot::channel();
            new = match tx.send(Request::Add(new, taken_tx)).await {
                Err(mpsc::error::SendError(Request::Add(new, _))) => new,
                Err(_) => unreachable!("only Add was sent"),
                Ok(()) => match taken.await {
                    Ok(None) => return Ok(()),
                    Ok(Some(new)) => new,
                    Err(_) => {
                        return Err(ApiError::new(502, "the tmux control client ended"));
                    }
                },
            };
            // That client is ending: the next try starts a new one.
            self.inner.lock().unwrap().sessions.remove(&key);
        }
        Err(ApiError::new(
            502,
            "the tmux control client kept ending before it took the recording",
        ))
    }

    /// Starts the control client of a session.
    fn start_session(
        self: &Arc<Self>,
        socket: &Path,
        session_id: u32,
    ) -> Result<mpsc::Sender<Request>, ApiError> {
        // tmux's notifications about the session become events.
        let manager = Arc::downgrade(self);
        let tell: session::OnNotification = Arc::new(move |line: &str| {
            if let Some(m) = manager.upgrade() {
                m.events.emit(EventKind::Tmux, None, Some(line.to_string()));
            }
        });
        let handle = session::start(socket.to_path_buf(), SessionId(session_id), tell)
            .map_err(|e| ApiError::new(502, format!("cannot start tmux in control mode: {e}")))?;
        let tx = handle.requests;
        let key = (socket.to_path_buf(), session_id);
        self.inner.lock().unwrap().sessions.insert(key, tx.clone());
        Ok(tx)
    }

    /// Stops a recording and waits until its cast is complete and checked.
    pub async fn stop(&self, id: &str) -> Result<RecordingStatus, ApiError> {
        let key = key(id)?;
        let (status, socket, mut finished) = {
            let inner = self.inner.lock().unwrap();
            let entry = inner.recordings.get(&key).ok_or_else(|| not_found(id))?;
            (
                entry.status.clone(),
                entry.tmux_socket.clone(),
                entry.finished.clone(),
            )
        };
        let (session_id, window_id, auto) = {
            let s = status.lock().unwrap();
            (s.session_id, s.window_id, s.auto)
        };
        if auto {
            // Before the stop, so that auto-recording does not start it again.
            self.inner
                .lock()
                .unwrap()
                .auto_off
                .insert((socket.clone(), window_id));
        }
        let tx = self
            .inner
            .lock()
            .unwrap()
            .sessions
            .get(&(socket, session_id))
            .cloned();
        if let Some(tx) = tx {
            let _ = tx.send(Request::Stop(WindowId(window_id))).await;
        }
        let waited = tokio::time::timeout(STOP_TIMEOUT, finished.wait_for(|done| *done)).await;
        if waited.is_err() {
            return Err(ApiError::new(
                504,
                format!(
                    "recording {id} did not stop within {} s: the recorder is stuck (see the server's log)",
                    STOP_TIMEOUT.as_secs()
                ),
            ));
        }
        let done = status.lock().unwrap().clone();
        Ok(done)
    }

    /// What `DELETE /recordings/{id}` does: stops a recording, or forgets
    /// one that has ended.
    pub async fn stop_or_forget(&self, id: &str) -> Result<RecordingStatus, ApiError> {
        match self.get(id) {
            Some(s) if s.state == State::Recording => self.stop(id).await,
            _ => self.forget(id),
        }
    }

    pub async fn stop_all(&self) -> Vec<RecordingStatus> {
        let mut stopped = Vec::new();
        for status in self.active() {
            if let Ok(s) = self.stop(&status.id).await {
                stopped.push(s);
            }
        }
        stopped
    }

    /// One of the server's own files could not be written (a full disk in
    /// the runtime directory): said in the log if it can be, on the event
    /// stream and in `GET /status`; recording goes on.
    fn could_not_write(&self, path: &Path, e: &std::io::Error) {
        let message = format!("could not write {}: {e}", path.display());
        crate::log::warn(&message);
        self.events
            .emit(EventKind::Warning, None, Some(message.clone()));
        let mut warnings = self.warnings.lock().unwrap();
        if warnings.len() == WARNINGS_KEPT {
            warnings.pop_front();
        }
        warnings.push_back(message);
    }

    /// What the server could not write lately, oldest first.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings: Vec<String> = self.warnings.lock().unwrap().iter().cloned().collect();
        if let Some(lost) = crate::log::lost() {
            warnings.push(lost);
        }
        warnings
    }

    /// Records which casts are live and which helper sessions window views
    /// have, for crash recovery by the next server.
    fn save_live_list(&self) {
        let mut casts: Vec<PathBuf> = Vec::new();
        let mut views: Vec<(PathBuf, String)> = Vec::new();
        for e in self.inner.lock().unwrap().recordings.values() {
            let s = e.status.lock().unwrap();
            if s.state != State::Recording {
                continue;
            }
            casts.push(s.path.clone());
            if s.view == View::Window {
                let helper = window_view::helper_name(WindowId(s.window_id));
                views.push((e.tmux_socket.clone(), helper));
            }
        }
        self.save_list(&self.paths.live_list(), &casts);
        self.save_list(&self.paths.views_list(), &views);
    }

    /// Replaces the JSON list at `path`: a new temporary file of its own
    /// (`O_EXCL`, a random name, so nothing planted is followed), renamed
    /// over it. A failure is said, and recording goes on.
    fn save_list<T: serde::Serialize>(&self, path: &Path, list: &[T]) {
        use std::io::Write;
        let text = serde_json::to_vec(list).expect("lists serialize");
        let saved = tempfile::Builder::new()
            .prefix(".list-")
            .tempfile_in(&self.paths.dir)
            .and_then(|mut tmp| tmp.write_all(&text).map(|()| tmp))
            .and_then(|tmp| tmp.persist(path).map(|_| ()).map_err(|e| e.error));
        if let Err(e) = saved {
            self.could_not_write(path, &e);
        }
    }
}

/// The JSON list at `path` (never through a link); empty when there is none.
fn read_list<T: serde::de::DeserializeOwned>(paths: &Paths, path: &Path) -> Vec<T> {
    use std::io::Read;
    let mut text = Vec::new();
    paths
        .open(path, std::fs::OpenOptions::new().read(true))
        .and_then(|mut f| f.read_to_end(&mut text))
        .ok()
        .and_then(|_| serde_json::from_slice(&text).ok())
        .unwrap_or_default()
}

/// Removes the helper sessions of window views a crashed server left (a
/// helper whose client died has usually ended by itself already).
pub async fn remove_orphan_views(paths: &Paths) {
    let list: Vec<(PathBuf, String)> = read_list(paths, &paths.views_list());
    for (socket, helper) in list {
        window_view::remove_helper(&Tmux::new(Some(&socket)), &helper).await;
    }
    let _ = std::fs::remove_file(paths.views_list());
}

/// A recording's id as the map holds it.
fn key(id: &str) -> Result<u64, ApiError> {
    id.parse().map_err(|_| not_found(id))
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(404, format!("no recording with id {id:?}"))
}

fn live_status(entry: &Entry) -> RecordingStatus {
    let mut s = entry.status.lock().unwrap().clone();
    if s.state == State::Recording {
        s.duration =
            (chrono::Utc::now().timestamp_millis() as f64 / 1000.0 - s.started as f64).max(0.0);
    }
    s
}

/// Checks a finished cast in full and repairs it if it needs it (repair
/// leaves a valid file untouched, so its own check is all that runs).
///
/// The recorder has closed the cast, but a process this server is forking
/// at that moment (tmux for another window) holds a copy of the descriptor,
/// and so the lock, until it execs: a lock still held is waited for, up to
/// [`LOCK_WAIT`].
fn verify(path: &Path) -> Result<(), String> {
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    loop {
        match cast::repair_path(path, &cast::RepairOptions::default()) {
            Err(cast::RepairError::Locked(_)) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            result => return result.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

/// How long the final check waits for a lock the recorder let go of.
const LOCK_WAIT: Duration = Duration::from_secs(2);

/// Where the valid cast at `path` ends, in microseconds.
fn valid_to(path: &Path) -> Option<cast::Micros> {
    let input = edit::Input::open(path).ok()?;
    edit::info(&input)
        .ok()
        .map(|info| cast::micros(info.duration))
}

/// Repairs the casts a crashed server was recording (those no longer
/// locked): only files of ours under the output directory, so a list
/// planted in the runtime directory cannot point repair at anything else.
pub fn repair_orphans(paths: &Paths, output_dir: &Path) -> Vec<PathBuf> {
    let list: Vec<PathBuf> = read_list(paths, &paths.live_list());
    let mut repaired = Vec::new();
    for path in list {
        if let Err(why) = ours_to_repair(&path, output_dir) {
            crate::log::warn(&format!(
                "not repairing {} (listed as left by a crashed server): {why}; `tvmux repair` it by hand if it is yours",
                path.display()
            ));
            continue;
        }
        let opts = cast::RepairOptions {
            quick: true,
            ..Default::default()
        };
        if let Ok(report) = cast::repair_path(&path, &opts)
            && report.action != cast::Action::None
        {
            repaired.push(path);
        }
    }
    let _ = std::fs::remove_file(paths.live_list());
    repaired
}

/// Whether `path` is a cast the server may have written: a regular file
/// (not a link) owned by us, under `output_dir`.
fn ours_to_repair(path: &Path, output_dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.uid() != nix::unistd::getuid().as_raw() {
        return Err("owned by another user".into());
    }
    let real = std::fs::canonicalize(path).map_err(|e| e.to_string())?;
    let root = std::fs::canonicalize(output_dir).map_err(|e| e.to_string())?;
    if !real.starts_with(&root) {
        return Err(format!("not under the output directory {}", root.display()));
    }
    Ok(())
}

pub struct Target {
    pub session_id: u32,
    pub window_id: u32,
    pub session_name: String,
    pub window_name: String,
}

/// Asks tmux which session and window `target` names. `list-panes` fails
/// on any target it cannot find (where `display-message` would fall back to
/// the current pane), with tmux's own message: 404 through the runner's one
/// "not found" rule.
async fn resolve(socket: &Path, target: &str) -> Result<Target, ApiError> {
    super::protocol::check_target(target).map_err(|e| ApiError::new(400, e))?;
    let tmux = super::tmux::Tmux::new(Some(socket));
    let found = tmux
        .list(
            &["list-panes", "-t", target],
            &["session_id", "window_id", "session_name", "window_name"],
            |f| {
                Some(Target {
                    session_id: f.first()?.strip_prefix('$')?.parse().ok()?,
                    window_id: f.get(1)?.strip_prefix('@')?.parse().ok()?,
                    session_name: f.get(2)?.to_string(),
                    window_name: f.get(3)?.to_string(),
                })
            },
        )
        .await?;
    found
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::new(404, format!("tmux: no pane in {target:?}")))
}
