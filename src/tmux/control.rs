//! tmux control mode (`tmux -C`): the lines a control client reads.
//!
//! Notifications start with `%`. Replies to commands come between
//! `%begin TIME NUMBER FLAGS` and `%end`/`%error` with the same number;
//! FLAGS is 1 for commands this client sent.

use super::ids::{PaneId, SessionId, WindowId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Output {
        pane: PaneId,
        data: Vec<u8>,
    },
    /// `%begin TIME NUMBER FLAGS`: a reply block starts.
    Begin(Guard),
    /// `%end` or `%error` with the same three fields ends it.
    End {
        guard: Guard,
        error: bool,
    },
    WindowPaneChanged {
        window: WindowId,
        pane: PaneId,
    },
    LayoutChange {
        window: WindowId,
        /// Every pane of the window.
        layout: String,
        /// What the user sees (a zoomed pane fills the window).
        visible: String,
    },
    WindowClose {
        window: WindowId,
    },
    SessionChanged {
        session: SessionId,
    },
    WindowRenamed {
        window: WindowId,
        name: String,
    },
    SessionRenamed {
        session: SessionId,
        name: String,
    },
    Exit,
    /// Any other notification (ignored by the recorder).
    Notification,
    /// A line inside a reply block.
    Text(Vec<u8>),
}

/// Parses one line (without its newline).
pub fn parse(line: &[u8]) -> Line {
    if !line.starts_with(b"%") {
        return Line::Text(line.to_vec());
    }
    let (word, rest) = split_word(line);
    let parsed = match word {
        b"%output" => {
            let (pane, data) = split_word(rest);
            PaneId::parse(pane).map(|pane| Line::Output {
                pane,
                data: unescape(data),
            })
        }
        b"%begin" | b"%end" | b"%error" => {
            let mut fields = rest.split(|&b| b == b' ');
            let time = fields.next().and_then(number);
            let serial = fields.next().and_then(number);
            let flags = fields.next().and_then(number);
            let guard = match (time, serial, flags, fields.next()) {
                (Some(time), Some(number), Some(flags), None) => Some(Guard {
                    time,
                    number,
                    flags,
                }),
                _ => None,
            };
            guard.map(|guard| match word {
                b"%begin" => Line::Begin(guard),
                _ => Line::End {
                    guard,
                    error: word == b"%error",
                },
            })
        }
        b"%window-pane-changed" => {
            let (window, pane) = split_word(rest);
            WindowId::parse(window)
                .zip(PaneId::parse(pane))
                .map(|(window, pane)| Line::WindowPaneChanged { window, pane })
        }
        b"%layout-change" => {
            // `@W LAYOUT VISIBLE-LAYOUT FLAGS`: the visible one is what the
            // user sees (a zoomed pane fills the window).
            let (window, rest) = split_word(rest);
            let (layout, rest) = split_word(rest);
            let (visible, _) = split_word(rest);
            let visible = if visible.is_empty() { layout } else { visible };
            WindowId::parse(window).map(|window| Line::LayoutChange {
                window,
                layout: String::from_utf8_lossy(layout).into_owned(),
                visible: String::from_utf8_lossy(visible).into_owned(),
            })
        }
        b"%window-close" | b"%unlinked-window-close" => {
            WindowId::parse(split_word(rest).0).map(|window| Line::WindowClose { window })
        }
        b"%session-changed" => {
            SessionId::parse(split_word(rest).0).map(|session| Line::SessionChanged { session })
        }
        b"%window-renamed" | b"%unlinked-window-renamed" => {
            let (window, name) = split_word(rest);
            WindowId::parse(window).map(|window| Line::WindowRenamed {
                window,
                name: String::from_utf8_lossy(name).into_owned(),
            })
        }
        b"%session-renamed" => {
            let (session, name) = split_word(rest);
            SessionId::parse(session).map(|session| Line::SessionRenamed {
                session,
                name: String::from_utf8_lossy(name).into_owned(),
            })
        }
        b"%exit" => Some(Line::Exit),
        _ => Some(Line::Notification),
    };
    parsed.unwrap_or(Line::Notification)
}

/// The three fields that tie a `%begin` to its `%end`/`%error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guard {
    pub time: u64,
    pub number: u64,
    /// 1 for commands this client sent.
    pub flags: u64,
}

/// A complete reply to a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub guard: Guard,
    pub error: bool,
    /// The reply's lines, exactly as tmux sent them.
    pub lines: Vec<Vec<u8>>,
}

impl Reply {
    /// This client sent the command.
    pub fn ours(&self) -> bool {
        self.guard.flags == 1
    }
}

/// What the control client reads: a notification, or a whole reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A line outside any reply: a notification or pane output.
    Line(Line),
    /// A reply to a command, whole.
    Reply(Reply),
}

/// Splits tmux's output into notifications and replies. Inside a reply,
/// only the `%end`/`%error` with its `%begin`'s time, number and flags ends
/// it: a pane whose text looks like protocol (a capture of a screen showing
/// `%end …` or `%window-close @0`) stays text.
#[derive(Debug, Default)]
pub struct Demux {
    open: Option<(Guard, Vec<Vec<u8>>)>,
}

impl Demux {
    /// Takes one line; returns what it completes.
    pub fn push(&mut self, line: &[u8]) -> Option<Event> {
        if let Some((guard, lines)) = &mut self.open {
            if let Line::End { guard: end, error } = parse_reply_end(line)
                && end == *guard
            {
                let (guard, lines) = self.open.take().unwrap();
                return Some(Event::Reply(Reply {
                    guard,
                    error,
                    lines,
                }));
            }
            lines.push(line.to_vec());
            return None;
        }
        match parse(line) {
            Line::Begin(guard) => {
                self.open = Some((guard, Vec::new()));
                None
            }
            other => Some(Event::Line(other)),
        }
    }
}

/// Inside a reply only `%end`/`%error` matter; anything else is text.
fn parse_reply_end(line: &[u8]) -> Line {
    if line.starts_with(b"%end ") || line.starts_with(b"%error ") {
        parse(line)
    } else {
        Line::Notification
    }
}

fn split_word(s: &[u8]) -> (&[u8], &[u8]) {
    match s.iter().position(|&b| b == b' ') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, &[]),
    }
}

/// A number as tmux prints one: decimal digits, no sign, no leading zero.
/// Anything else is not tmux's (pane text such as `%end 01700000000 7 1`
/// must not close a reply whose guard reads `1700000000 7 1`).
fn number(s: &[u8]) -> Option<u64> {
    let canonical = match s {
        [] => false,
        [b'0', _, ..] => false,
        _ => s.iter().all(u8::is_ascii_digit),
    };
    if !canonical {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// `%output` data: bytes below 0x20 and `\` come as three octal digits.
pub fn unescape(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i] == b'\\'
            && let Some(octal) = data.get(i + 1..i + 4)
            && octal.iter().all(|b| (b'0'..=b'7').contains(b))
        {
            let value = octal.iter().fold(0u32, |v, d| v * 8 + u32::from(d - b'0'));
            out.push(value as u8);
            i += 4;
            continue;
        }
        out.push(data[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_unescaped() {
        assert_eq!(
            parse(b"%output %12 ls\\015\\012\\033[0m a\\134b \xE2\x82"),
            Line::Output {
                pane: PaneId(12),
                data: b"ls\r\n\x1b[0m a\\b \xE2\x82".to_vec()
            }
        );
    }

    fn guard(time: u64, number: u64, flags: u64) -> Guard {
        Guard {
            time,
            number,
            flags,
        }
    }

    #[test]
    fn reply_blocks() {
        assert_eq!(
            parse(b"%begin 1700000000 42 1"),
            Line::Begin(guard(1700000000, 42, 1))
        );
        assert_eq!(
            parse(b"%end 1700000000 42 1"),
            Line::End {
                guard: guard(1700000000, 42, 1),
                error: false
            }
        );
        assert_eq!(
            parse(b"%error 1700000000 43 1"),
            Line::End {
                guard: guard(1700000000, 43, 1),
                error: true
            }
        );
        assert_eq!(parse(b"%begin 1 2"), Line::Notification);
        assert_eq!(parse(b"80 24"), Line::Text(b"80 24".to_vec()));
    }

    /// Found by fuzzing: a line that spells the guard's numbers differently
    /// (a leading zero, a sign) is pane text, not the end of the reply.
    #[test]
    fn only_tmux_spelling_ends_a_reply() {
        let mut demux = Demux::default();
        assert_eq!(demux.push(b"%begin 1700000000 7 1"), None);
        for text in [
            &b"%end 01700000000 7 1"[..],
            b"%end +1700000000 7 1",
            b"%error 1700000000 07 1",
        ] {
            assert_eq!(demux.push(text), None, "{}", String::from_utf8_lossy(text));
        }
        let Some(Event::Reply(reply)) = demux.push(b"%end 1700000000 7 1") else {
            panic!("the real end closes it")
        };
        assert_eq!(reply.lines.len(), 3);
        assert_eq!(parse(b"%begin 0 0 0"), Line::Begin(guard(0, 0, 0)));
    }

    /// A capture of a screen that shows protocol lines stays one reply.
    #[test]
    fn pane_text_is_never_protocol() {
        let content: &[&[u8]] = &[
            b"%end 1 1 1",
            b"%end 1700000000 7 0",
            b"%error 1700000000 8 1",
            b"%window-close @0",
            b"%begin 1700000000 7 1",
            b"%output %1 hello",
            b"%exit",
        ];
        let mut demux = Demux::default();
        assert_eq!(
            demux.push(b"%output %1 a"),
            Some(Event::Line(parse(b"%output %1 a")))
        );
        assert_eq!(demux.push(b"%begin 1700000000 7 1"), None);
        for line in content {
            assert_eq!(demux.push(line), None, "{}", String::from_utf8_lossy(line));
        }
        let reply = demux.push(b"%end 1700000000 7 1");
        assert_eq!(
            reply,
            Some(Event::Reply(Reply {
                guard: guard(1700000000, 7, 1),
                error: false,
                lines: content.iter().map(|l| l.to_vec()).collect(),
            }))
        );
        assert_eq!(demux.push(b"%exit"), Some(Event::Line(Line::Exit)));
    }

    #[test]
    fn window_and_session_events() {
        assert_eq!(
            parse(b"%window-pane-changed @3 %7"),
            Line::WindowPaneChanged {
                window: WindowId(3),
                pane: PaneId(7)
            }
        );
        assert_eq!(
            parse(b"%layout-change @3 b25f,80x24,0,0,2 b25f,80x24,0,0,2 *"),
            Line::LayoutChange {
                window: WindowId(3),
                layout: "b25f,80x24,0,0,2".into(),
                visible: "b25f,80x24,0,0,2".into()
            }
        );
        // Zoomed: the visible layout differs from the window's.
        assert_eq!(
            parse(
                b"%layout-change @3 aaaa,80x24,0,0{40x24,0,0,1,39x24,41,0,2} bbbb,80x24,0,0,2 *Z"
            ),
            Line::LayoutChange {
                window: WindowId(3),
                layout: "aaaa,80x24,0,0{40x24,0,0,1,39x24,41,0,2}".into(),
                visible: "bbbb,80x24,0,0,2".into()
            }
        );
        assert_eq!(
            parse(b"%unlinked-window-close @3"),
            Line::WindowClose {
                window: WindowId(3)
            }
        );
        assert_eq!(
            parse(b"%window-close @4"),
            Line::WindowClose {
                window: WindowId(4)
            }
        );
        assert_eq!(
            parse(b"%session-changed $2 main"),
            Line::SessionChanged {
                session: SessionId(2)
            }
        );
        assert_eq!(
            parse(b"%window-renamed @3 my logs"),
            Line::WindowRenamed {
                window: WindowId(3),
                name: "my logs".into()
            }
        );
        assert_eq!(
            parse(b"%session-renamed $2 build"),
            Line::SessionRenamed {
                session: SessionId(2),
                name: "build".into()
            }
        );
        assert_eq!(parse(b"%exit"), Line::Exit);
        assert_eq!(parse(b"%exit detached"), Line::Exit);
        assert_eq!(parse(b"%sessions-changed"), Line::Notification);
    }
}
