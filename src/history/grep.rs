//! Searching recordings for text as it appeared: a regular expression over
//! every line that was ever on screen ([`super::all_lines`]), every match
//! with the time its line was written and the screen it was on, and context
//! lines around it.

use std::collections::VecDeque;
use std::ops::Range;

use regex::Regex;

use super::text::all_lines;
use crate::cast::{Flow, Micros};
use crate::edit::{EditError, Input};
use crate::screen::Emulation;
use crate::screen::{SeenLine, Shown, TimedLine};

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
    mut each: impl FnMut(Hit),
) -> Result<u64, EditError> {
    let mut before: VecDeque<Hit> = VecDeque::with_capacity(context + 1);
    let mut after = 0;
    let (mut index, mut matched) = (0u64, 0u64);
    all_lines(input, how, |SeenLine { line, screen }| {
        let TimedLine { time, text } = line;
        let matches: Vec<Range<usize>> = regex.find_iter(&text).map(|m| m.range()).collect();
        let hit = Hit {
            index,
            time,
            text,
            screen,
            matches,
        };
        index += 1;
        if hit.is_match() {
            matched += 1;
            before.drain(..).for_each(&mut each);
            each(hit);
            after = context;
        } else if after > 0 {
            after -= 1;
            each(hit);
        } else if context > 0 {
            if before.len() == context {
                before.pop_front();
            }
            before.push_back(hit);
        }
        Ok(Flow::Continue(()))
    })?;
    Ok(matched)
}
