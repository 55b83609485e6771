//! Searching recordings for text as it appeared: a regular expression over
//! every line that was ever on screen ([`super::all_lines`]), every match
//! with the time its line was written and the screen it was on, and context
//! lines around it.

use std::collections::VecDeque;
use std::ops::Range;

use regex::Regex;

use super::text::read;
use crate::cast::{Flow, Micros};
use crate::edit::{EditError, Input};
use crate::screen::Emulation;
use crate::screen::{Everything, SeenLine, Shown};

/// A line to print: a match, or context around one.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The line's place in the cast's text (0-based), so that a gap between
    /// groups of lines can be shown.
    pub index: u64,
    /// When the line was written, in microseconds since the start.
    pub time: Micros,
    /// The line.
    pub text: String,
    /// The screen it was on.
    pub screen: Shown,
    /// Where the pattern matched in it (bytes); empty for a context line.
    pub matches: Vec<Range<usize>>,
}

impl Hit {
    /// A match, rather than context.
    pub fn is_match(&self) -> bool {
        !self.matches.is_empty()
    }
}

/// Calls `each` with every line of `input` that `regex` matches, and with
/// `context` lines before and after each, reading it as `how` says;
/// returns how many lines matched.
pub fn search(
    input: &Input,
    regex: &Regex,
    context: usize,
    how: Emulation,
    each: impl FnMut(Hit),
) -> Result<u64, EditError> {
    let mut lines = Lines {
        regex,
        context,
        each,
        before: VecDeque::with_capacity(context + 1),
        after: 0,
        index: 0,
        matched: 0,
    };
    // From an index the lines are lent: only those printed are copied.
    if let Some(index) = how.index_of(&input.path, input.file_metadata()) {
        index
            .everything_borrowed(|screen, time, text| {
                lines.line(screen, time, text);
                Ok(Flow::Continue(()))
            })
            .map_err(|e| EditError::io(&input.path, e))?;
    } else {
        // No index: played (not all_lines, which would look for it again).
        read::<Everything>(input, how.threads, |SeenLine { line, screen }| {
            lines.line(screen, line.time, &line.text);
            Ok(Flow::Continue(()))
        })?;
    }
    Ok(lines.matched)
}

/// The search's state, line after line.
struct Lines<'r, F> {
    regex: &'r Regex,
    context: usize,
    each: F,
    /// Context lines kept for a match that may come.
    before: VecDeque<Hit>,
    /// Context lines still to give after a match.
    after: usize,
    index: u64,
    matched: u64,
}

impl<F: FnMut(Hit)> Lines<'_, F> {
    fn line(&mut self, screen: Shown, time: Micros, text: &str) {
        let index = self.index;
        self.index += 1;
        let hit = |matches| Hit {
            index,
            time,
            text: text.to_string(),
            screen,
            matches,
        };
        if self.regex.is_match(text) {
            let matches: Vec<Range<usize>> =
                self.regex.find_iter(text).map(|m| m.range()).collect();
            self.matched += 1;
            self.before.drain(..).for_each(&mut self.each);
            (self.each)(hit(matches));
            self.after = self.context;
        } else if self.after > 0 {
            self.after -= 1;
            (self.each)(hit(Vec::new()));
        } else if self.context > 0 {
            if self.before.len() == self.context {
                self.before.pop_front();
            }
            self.before.push_back(hit(Vec::new()));
        }
    }
}
