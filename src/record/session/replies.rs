//! The replies to the client's queries, in the order they were sent: a
//! window's layout, its links, its active pane, and the three parts of a
//! redraw frame (state, screen, saved screen).

use crate::record::frame::{self, PaneState};
use crate::record::query::Query;
use crate::record::status::View;
use crate::record::window_view::{self};
use crate::tmux::PaneId;

use super::Client;

/// How many times a frame is asked for while its pane goes on printing.
/// tmux 3.3a writes each pane's queued output in turn, and may write output
/// it read after a capture before the capture's reply, so a capture matches
/// the output around it for sure only when none of the pane's output came
/// between the request and the reply. Past this many tries the last capture
/// is taken: a pane printing without pause may then lose or repeat what
/// tmux read between the capture and its reply.
pub(super) const FRAME_ATTEMPTS: u32 = 16;

impl Client {
    pub(super) async fn on_reply(&mut self, query: Query, error: bool, lines: Vec<Vec<u8>>) {
        match query {
            Query::Layout(window) => {
                let layout = lines
                    .first()
                    .map(|l| String::from_utf8_lossy(l).into_owned())
                    .unwrap_or_default();
                let view = self.windows.get(&window).map(|w| w.view);
                match view {
                    Some(View::Window) => self.open_view(window, &layout).await,
                    _ => self.set_panes(window, &layout),
                }
            }
            Query::WindowLinks(window) => {
                let Some(w) = self.windows.get(&window) else {
                    return;
                };
                let ours = self.session.to_string();
                // A window view's own helper session does not count.
                let helper = window_view::helper_name(window);
                let sessions: Vec<String> = lines
                    .iter()
                    .map(|l| String::from_utf8_lossy(l).trim().to_string())
                    .filter_map(|l| {
                        let (id, name) = l.split_once(' ').unwrap_or((&l, ""));
                        (!id.is_empty() && name != helper).then(|| id.to_string())
                    })
                    .collect();
                let drawing = w.drawing.is_some();
                let drawing_ended = w.drawing_ended;
                if error || sessions.is_empty() {
                    // Really closed: the normal end of a recording; a window
                    // view ends when its client has drawn the last of it.
                    if !drawing || drawing_ended {
                        self.finish(window);
                    }
                } else if drawing_ended && sessions.contains(&ours) {
                    self.fail(
                        window,
                        &format!(
                            "the tmux client drawing the window ended (was its session {helper} killed?)"
                        ),
                    );
                } else if !sessions.contains(&ours) {
                    self.fail(
                        window,
                        &format!(
                            "the window was moved to another session ({}); recording stopped",
                            sessions.join(", ")
                        ),
                    );
                }
            }
            Query::ActivePane(window) => {
                let pane = lines.first().and_then(|l| PaneId::parse(l));
                match pane {
                    Some(pane) => self.request_frame(window, pane).await,
                    None => self.fail(window, "tmux did not say which pane is active"),
                }
            }
            Query::State(window, pane) => {
                if let Some(w) = self.windows.get_mut(&window) {
                    let text = lines
                        .first()
                        .map(|l| String::from_utf8_lossy(l).into_owned());
                    w.state = text
                        .and_then(|t| PaneState::parse(&t))
                        .filter(|_| w.switching == Some(pane));
                }
            }
            Query::Screen(window, pane) => {
                if let Some(w) = self.windows.get_mut(&window)
                    && w.switching == Some(pane)
                {
                    w.screen = lines;
                }
            }
            Query::Saved(window, pane) => {
                let Some(w) = self.windows.get_mut(&window) else {
                    return;
                };
                if w.switching != Some(pane) {
                    return;
                }
                let Some(state) = w.state.take() else {
                    // The pane went away between the switch and the capture;
                    // the next %window-pane-changed brings the new one.
                    w.switching = None;
                    return;
                };
                let screen = std::mem::take(&mut w.screen);
                if w.output_while_switching {
                    if w.frame_attempts < FRAME_ATTEMPTS {
                        self.ask_frame(window, pane).await;
                        return;
                    }
                    crate::log::debug(&format!(
                        "{window}: frame of {pane} taken while it printed, after {FRAME_ATTEMPTS} tries"
                    ));
                }
                let followed = self.followed.entry(pane).or_default();
                let mut bytes = frame::frame(
                    &state,
                    &screen,
                    state.alternate.then_some(&lines[..]),
                    followed.copy.as_ref(),
                );
                // The pane's pen and charsets, then what its output left
                // unfinished, which its next output completes.
                bytes.extend_from_slice(&followed.pen.restore());
                // The copy begins again from what the frame draws, as the
                // pane's next output does.
                followed.begin_from(state.cols, state.rows, &bytes);
                bytes.extend_from_slice(followed.pen.unfinished());
                if let Err(e) = w.write_frame(&state, &bytes, pane) {
                    self.write_failed(window, &e);
                }
            }
        }
    }
}
