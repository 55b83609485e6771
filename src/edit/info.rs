//! `tvmux info`: what a cast holds — version, terminal and every resize,
//! duration, events per code, markers, the longest pauses, and the header's
//! title, command and environment — in one pass over its events.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::{EditError, Input};
use crate::cast::{Flow, Micros};

/// How many of the longest pauses are reported.
const PAUSES: usize = 5;

/// What `tvmux info` reports about one cast.
#[derive(Debug, Clone, Serialize)]
pub struct Info {
    /// The cast.
    pub path: PathBuf,
    /// Its format version.
    pub version: u8,
    /// The terminal at the start, `COLSxROWS`.
    pub size: String,
    /// The terminal type (v3 `term.type`, else `env.TERM`).
    pub term: Option<String>,
    /// Seconds from the start to the last event.
    pub duration: f64,
    /// Events per code.
    pub events: BTreeMap<String, u64>,
    /// Every resize: when, and the new size.
    pub resizes: Vec<Timed>,
    /// Every marker: when, and its label.
    pub markers: Vec<Timed>,
    /// The longest pauses between events, longest first.
    pub pauses: Vec<Pause>,
    /// Unix time the recording started.
    pub timestamp: Option<i64>,
    /// The recording's title.
    pub title: Option<String>,
    /// The command recorded.
    pub command: Option<String>,
    /// Environment variables the header lists.
    pub env: BTreeMap<String, String>,
}

/// An event's time (seconds) and data.
#[derive(Debug, Clone, Serialize)]
pub struct Timed {
    /// Seconds since the start.
    pub time: f64,
    /// What happened then.
    pub data: String,
}

/// A stretch with no event.
#[derive(Debug, Clone, Serialize)]
pub struct Pause {
    /// When it began (the event before it), in seconds since the start.
    pub at: f64,
    /// How long it lasted, in seconds.
    pub seconds: f64,
}

fn seconds(t: Micros) -> f64 {
    t as f64 / 1e6
}

/// Reads `input` once and reports what it holds.
pub fn info(input: &Input) -> Result<Info, EditError> {
    let events = input.events()?;
    let header = events.header();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let (mut resizes, mut markers) = (Vec::new(), Vec::new());
    // The longest pauses so far, as (length, start), longest first.
    let mut pauses: Vec<(Micros, Micros)> = Vec::with_capacity(PAUSES + 1);
    let mut last: Micros = 0;
    events
        .for_each(|e| {
            match counts.get_mut(e.code.as_ref()) {
                Some(n) => *n += 1,
                None => {
                    counts.insert(e.code.to_string(), 1);
                }
            }
            match e.code.as_ref() {
                "r" => resizes.push(Timed {
                    time: seconds(e.time),
                    data: e.data.text().into_owned(),
                }),
                "m" => markers.push(Timed {
                    time: seconds(e.time),
                    data: e.data.text().into_owned(),
                }),
                _ => {}
            }
            let gap = e.time - last;
            if gap > 0 && (pauses.len() < PAUSES || gap > pauses[PAUSES - 1].0) {
                let at = pauses.partition_point(|p| p.0 >= gap);
                pauses.insert(at, (gap, last));
                pauses.truncate(PAUSES);
            }
            last = e.time;
            Ok(Flow::Continue(()))
        })
        .map_err(|e| input.error(e))?;
    Ok(Info {
        path: input.path.clone(),
        version: header.version.number(),
        size: format!("{}x{}", header.cols, header.rows),
        term: header
            .term_type
            .clone()
            .or_else(|| header.env.get("TERM").cloned()),
        duration: seconds(last),
        events: counts,
        resizes,
        markers,
        pauses: pauses
            .into_iter()
            .map(|(gap, at)| Pause {
                at: seconds(at),
                seconds: seconds(gap),
            })
            .collect(),
        timestamp: header.timestamp,
        title: header.title.clone(),
        command: header.command.clone(),
        env: header.env.clone(),
    })
}
