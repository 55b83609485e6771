//! What tmux tells the session's client: pane output, pane switches, layout
//! changes, windows closed or renamed; and the frame a switch asks for.

use crate::record::copy::{Followed, PaneCopy};
use crate::record::geometry;
use crate::record::query::Query;
use crate::record::status::View;
use crate::tmux::control::Line;
use crate::tmux::{PaneId, WindowId};
use std::collections::HashSet;

use super::{Client, Flow};

impl Client {
    /// A pane's output: into every cast that follows the pane; its pen and
    /// charsets followed.
    ///
    /// Output of panes no recording needs is not switched off for this
    /// client (`refresh-client -A %N:off`): tmux 3.3a crashes (SIGSEGV in
    /// `control_append_data`) when a pane with output still queued for the
    /// client is switched off, which a busy pane does.
    pub(super) async fn on_output(&mut self, pane: PaneId, data: &[u8]) {
        let mut needed = false;
        let mut failed = Vec::new();
        let mut full = Vec::new();
        for (id, w) in self.windows.iter_mut() {
            needed |=
                w.panes.contains(&pane) || w.active == Some(pane) || w.switching == Some(pane);
            w.output_while_switching |= w.switching == Some(pane);
            if w.active == Some(pane)
                && w.switching.is_none()
                && let Some(writer) = &mut w.writer
            {
                if let Err(e) = writer.output(w.start.elapsed().as_secs_f64(), data) {
                    failed.push((*id, e));
                } else if w.part_is_full() {
                    full.push(*id);
                }
            }
        }
        for (window, e) in failed {
            self.write_failed(window, &e);
        }
        if !needed {
            return;
        }
        let followed = self.followed.entry(pane).or_default();
        followed.feed(data);
        // tmux restores the normal screen rewrapped to the pane's width
        // (after a resize in less or vim); a player cannot: redraw.
        if followed.pen.take_left_alternate() {
            let followers: Vec<WindowId> = self
                .windows
                .iter()
                .filter(|(_, w)| w.active == Some(pane) && w.switching.is_none())
                .map(|(id, _)| *id)
                .collect();
            for window in followers {
                self.request_frame(window, pane).await;
            }
        }
        // The copy has what the part has: the next part begins from it.
        for window in full {
            self.rotate(window, Some(pane));
        }
    }

    /// Handles a notification.
    pub(super) async fn notification(&mut self, line: Line) -> Flow {
        match line {
            Line::Output { pane, data } => self.on_output(pane, &data).await,
            Line::WindowPaneChanged { window, pane } => {
                // Compared with the pane a frame is on its way for, if any:
                // a switch away and straight back still ends on this pane.
                let shown = self
                    .windows
                    .get(&window)
                    .filter(|w| w.follow && w.active.is_some())
                    .map(|w| w.switching.or(w.active));
                if shown.is_some_and(|shown| shown != Some(pane)) {
                    self.request_frame(window, pane).await;
                }
            }
            Line::LayoutChange {
                window,
                layout,
                visible,
            } => {
                if self.windows.get(&window).map(|w| w.view) == Some(View::Window) {
                    self.resize_view(window, &layout);
                    return Flow::Go;
                }
                self.set_panes(window, &layout);
                let mut redraw = None;
                // A frame on its way (a switch) brings the size itself.
                if let Some(w) = self.windows.get_mut(&window)
                    && w.switching.is_none()
                    && let (Some(pane), Some(writer)) = (w.active, &mut w.writer)
                    && let Some(size) = geometry::pane_size(&visible, pane)
                    && size != w.size
                {
                    w.size = size;
                    if let Err(e) = writer.resize(w.start.elapsed().as_secs_f64(), size.0, size.1) {
                        self.write_failed(window, &e);
                        return Flow::Go;
                    }
                    redraw = Some(pane);
                }
                // A terminal that changes size only adds or cuts rows; tmux
                // also brings lines back from history and rewraps. A frame
                // after the resize shows what tmux shows.
                if let Some(pane) = redraw {
                    self.request_frame(window, pane).await;
                }
            }
            // tmux says this for any unlink (a grouped session killed,
            // `unlink-window` of another link, `move-window`): ask whether
            // the window is really gone before ending its recording.
            Line::WindowClose { window } if self.windows.contains_key(&window) => {
                self.send(Query::WindowLinks(window)).await;
            }
            Line::WindowRenamed { window, name } => {
                if let Some(w) = self.windows.get(&window) {
                    w.status.lock().unwrap().window = name;
                }
            }
            Line::SessionRenamed { session, name } if session == self.session => {
                for w in self.windows.values() {
                    w.status.lock().unwrap().session = name.clone();
                }
            }
            Line::SessionChanged { session } if session != self.session => return Flow::Lost,
            Line::Exit => return Flow::Lost,
            Line::WindowClose { .. }
            | Line::SessionChanged { .. }
            | Line::SessionRenamed { .. }
            | Line::Notification
            | Line::Begin(_)
            | Line::End { .. }
            | Line::Text(_) => {}
        }
        Flow::Go
    }

    /// The panes `window` has, from its layout: each followed, at its size;
    /// what was followed of panes gone is dropped.
    pub(super) fn set_panes(&mut self, window: WindowId, layout: &str) {
        let (Some(w), Some(panes)) = (self.windows.get_mut(&window), geometry::panes(layout))
        else {
            return;
        };
        w.panes = panes.iter().map(|(id, _)| *id).collect();
        for (pane, (cols, rows)) in panes {
            let followed = self.followed.entry(pane).or_default();
            match &mut followed.copy {
                Some(copy) => copy.resize(cols, rows),
                None => followed.copy = PaneCopy::new(cols, rows),
            }
        }
        let live: HashSet<PaneId> = self
            .windows
            .values()
            .flat_map(|w| w.panes.iter().copied())
            .collect();
        self.followed.retain(|pane, _| live.contains(pane));
    }

    /// Closes `window`'s part and goes on in the next, which begins with
    /// the screen the closed part ended on: the keyframe of what its
    /// stream (`pane`'s output, or a window view's drawing) is followed in.
    pub(super) fn rotate(&mut self, window: WindowId, pane: Option<PaneId>) {
        let Some(w) = self.windows.get_mut(&window) else {
            return;
        };
        let followed = match pane {
            Some(pane) => self.followed.get(&pane),
            None => w.view_stream.as_ref(),
        };
        // A frame on its way redraws the pane first; the part is closed at
        // a later output or tick.
        let Some((size, keyframe)) = followed
            .filter(|_| w.switching.is_none())
            .and_then(Followed::keyframe)
        else {
            return;
        };
        match w.next_part(size, &keyframe) {
            Ok(closed) => {
                if let Some(new) = &w.new {
                    (new.on_part)(closed);
                }
            }
            Err(e) => self.write_failed(window, &e),
        }
    }

    /// Asks for the state and screens of `pane`, to redraw it in `window`'s cast.
    pub(super) async fn request_frame(&mut self, window: WindowId, pane: PaneId) {
        if let Some(w) = self.windows.get_mut(&window) {
            w.switching = Some(pane);
            w.frame_attempts = 0;
            w.status.lock().unwrap().active_pane = Some(pane.0);
        }
        self.ask_frame(window, pane).await;
    }

    /// Sends a frame's queries (again, when the pane printed while the
    /// last ones were on their way).
    pub(super) async fn ask_frame(&mut self, window: WindowId, pane: PaneId) {
        if let Some(w) = self.windows.get_mut(&window) {
            w.output_while_switching = false;
            w.frame_attempts += 1;
        }
        // Output from here on is ordered after the frame's replies, which
        // describe one moment: no output comes between them.
        self.send_together(&[
            Query::State(window, pane),
            Query::Screen(window, pane),
            Query::Saved(window, pane),
        ])
        .await;
    }
}
