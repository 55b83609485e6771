//! The window view's side of the client: attaching the client that draws a
//! window, what it draws, and following the window's size.

use crate::record::copy::Followed;
use crate::record::geometry;
use crate::record::query::Query;
use crate::record::window_view::{self, Drawn, WindowView};
use crate::tmux::WindowId;

use super::Client;

impl Client {
    /// Attaches the client that draws a window view, at the window's size
    /// from its layout, and starts its cast.
    pub(super) async fn open_view(&mut self, window: WindowId, layout: &str) {
        let Some(w) = self.windows.get(&window) else {
            return;
        };
        if w.drawing.is_some() {
            return;
        }
        let Some(size) = geometry::window_size(layout) else {
            self.fail(window, "tmux did not say the window's size");
            return;
        };
        let opened = WindowView::open(
            &self.tmux,
            self.session,
            window,
            size,
            w.status_line,
            self.drawn_tx.clone(),
        )
        .await;
        let Some(w) = self.windows.get_mut(&window) else {
            // Stopped while the client was attaching.
            if let Ok(view) = opened {
                view.close().await;
            }
            return;
        };
        let started = opened.and_then(|view| {
            let rows = size.1 + view.status_lines;
            w.drawing = Some(view);
            w.start_cast((size.0, rows), Some(window_view::TERM.into()))?;
            w.view_stream = Some(Followed::new(size.0, rows));
            // The window's own size, which %layout-change reports.
            w.size = size;
            Ok(())
        });
        if let Err(e) = started {
            self.fail(window, &format!("cannot draw the window: {e}"));
        }
    }

    /// What a window view's client drew, or its end.
    pub(super) async fn on_drawn(&mut self, drawn: Drawn) {
        match drawn {
            Drawn::Output(window, data) => {
                let Some(w) = self.windows.get_mut(&window) else {
                    return;
                };
                let Some(writer) = &mut w.writer else {
                    return;
                };
                if let Err(e) = writer.output(w.start.elapsed().as_secs_f64(), &data) {
                    self.write_failed(window, &e);
                    return;
                }
                if let Some(stream) = &mut w.view_stream {
                    stream.feed(&data);
                }
                if w.part_is_full() {
                    self.rotate(window, None);
                }
            }
            Drawn::End(window) => {
                if let Some(w) = self.windows.get_mut(&window)
                    && w.drawing.is_some()
                {
                    w.drawing_ended = true;
                    // A closed window ends it; anything else is a failure.
                    self.send(Query::WindowLinks(window)).await;
                }
            }
        }
    }

    /// A window view follows its window's size: an `r` event, then the
    /// terminal resized (tmux redraws it).
    pub(super) fn resize_view(&mut self, window: WindowId, layout: &str) {
        let Some(w) = self.windows.get_mut(&window) else {
            return;
        };
        let Some(view) = &w.drawing else {
            return;
        };
        let Some(size) = geometry::window_size(layout).filter(|s| *s != w.size) else {
            return;
        };
        w.size = size;
        let time = w.start.elapsed().as_secs_f64();
        let rows = size.1 + view.status_lines;
        if let Some(copy) = w.view_stream.as_mut().and_then(|s| s.copy.as_mut()) {
            copy.resize(size.0, rows);
        }
        let resized = match &mut w.writer {
            Some(writer) => writer.resize(time, size.0, rows),
            None => Ok(()),
        }
        .and_then(|()| view.resize(size.0, size.1));
        if let Err(e) = resized {
            self.fail(window, &format!("cannot follow the window's size: {e}"));
        }
    }
}
