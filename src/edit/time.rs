//! Times on the command line: seconds (`90.5`), `MM:SS(.fff)`,
//! `HH:MM:SS(.fff)`, or the label of a marker in the cast.

use std::collections::HashMap;

use crate::cast::{Flow, Micros, micros};

use super::{EditError, Input};

/// A time as the user wrote it.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeSpec {
    /// Microseconds since the start.
    At(Micros),
    /// The first marker (`m` event) with this label.
    Marker(String),
}

impl TimeSpec {
    /// Reads `90`, `90.5`, `1:30`, `1:30.5`, `0:01:30.5`; anything else is a
    /// marker's label.
    pub fn parse(text: &str) -> TimeSpec {
        let number = |s: &str| {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
                .then(|| s.parse::<f64>().ok())
                .flatten()
        };
        let seconds = || -> Option<f64> {
            let parts: Vec<&str> = text.split(':').collect();
            match parts.as_slice() {
                [s] => number(s),
                [m, s] if !m.contains('.') => Some(number(m)? * 60.0 + sixty(number(s)?)?),
                [h, m, s] if !h.contains('.') && !m.contains('.') => {
                    Some(number(h)? * 3600.0 + sixty(number(m)?)? * 60.0 + sixty(number(s)?)?)
                }
                _ => None,
            }
        };
        match seconds() {
            Some(s) => TimeSpec::At(micros(s)),
            None => TimeSpec::Marker(text.to_string()),
        }
    }
}

/// Minutes and seconds after the first field are below 60.
fn sixty(v: f64) -> Option<f64> {
    (v < 60.0).then_some(v)
}

/// Turns specs into times, reading the cast's markers once if a label is
/// among them.
pub fn resolve(input: &Input, specs: &[&TimeSpec]) -> Result<Vec<Micros>, EditError> {
    let labels: Vec<&str> = specs
        .iter()
        .filter_map(|s| match s {
            TimeSpec::Marker(l) => Some(l.as_str()),
            TimeSpec::At(_) => None,
        })
        .collect();
    let mut found: HashMap<String, Micros> = HashMap::new();
    if !labels.is_empty() {
        let events = input.events()?;
        events
            .for_each(|e| {
                if e.code == "m" {
                    let label = e.data.text();
                    if labels.contains(&label.as_ref()) {
                        found.entry(label.into_owned()).or_insert(e.time);
                    }
                }
                Ok(Flow::Continue(()))
            })
            .map_err(|e| input.error(e))?;
    }
    specs
        .iter()
        .map(|s| match s {
            TimeSpec::At(t) => Ok(*t),
            TimeSpec::Marker(label) => found.get(label).copied().ok_or_else(|| {
                EditError::Usage(format!(
                    "{label:?} is neither a time (seconds, MM:SS or HH:MM:SS) nor a marker in the cast"
                ))
            }),
        })
        .collect()
}

/// A stretch of a cast asked for on the command line, checked against the
/// cast: `from` must come before `to` and before the cast's end; a `to`
/// past the end is clamped to it (and says so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stretch {
    /// Where it begins.
    pub from: Micros,
    /// Where it ends: the `to` asked for, or the cast's end if that is sooner.
    pub to: Micros,
    /// The `to` asked for, when it was past the end and clamped.
    pub clamped_from: Option<Micros>,
}

/// Checks `from`..`to` against `input`'s length (one pass over its times).
pub fn stretch(input: &Input, from: Micros, to: Micros) -> Result<Stretch, EditError> {
    if from >= to {
        return Err(EditError::Usage(format!(
            "--from ({}) must be before --to ({})",
            clock(from),
            clock(to)
        )));
    }
    let end = input.end()?;
    if from >= end {
        return Err(EditError::Usage(format!(
            "--from ({}) is not before the end of the cast ({}): the stretch holds nothing",
            clock(from),
            clock(end)
        )));
    }
    Ok(Stretch {
        from,
        to: to.min(end),
        clamped_from: (to > end).then_some(to),
    })
}

/// To the nearest millisecond: the one rounding rule for times shown to
/// people, so `2.000 s` and `0:02.000` agree.
fn millis(t: Micros) -> Micros {
    t.saturating_add(500) / 1000
}

/// `H:MM:SS.mmm` (or `M:SS.mmm` under an hour), for people.
pub fn clock(t: Micros) -> String {
    let ms = millis(t);
    let (h, m, s, ms) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}.{ms:03}")
    } else {
        format!("{m}:{s:02}.{ms:03}")
    }
}

/// `HH:MM:SS.mmm`, fixed width, as `grep` and `text --times` print times.
pub fn timestamp(t: Micros) -> String {
    let ms = millis(t);
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_to_the_nearest_millisecond() {
        assert_eq!(clock(1_999_600), "0:02.000");
        assert_eq!(clock(1_999_400), "0:01.999");
        assert_eq!(timestamp(3_599_999_700), "01:00:00.000");
        assert_eq!(format!("{:.3}", 1.9996), "2.000");
    }

    #[test]
    fn reads_every_form() {
        assert_eq!(TimeSpec::parse("90"), TimeSpec::At(90_000_000));
        assert_eq!(TimeSpec::parse("1.5"), TimeSpec::At(1_500_000));
        assert_eq!(TimeSpec::parse("1:30.25"), TimeSpec::At(90_250_000));
        assert_eq!(TimeSpec::parse("1:00:01"), TimeSpec::At(3_601_000_000));
        assert_eq!(TimeSpec::parse("intro"), TimeSpec::Marker("intro".into()));
        // Not a time: seconds of 60 or more after a colon, a sign.
        assert_eq!(TimeSpec::parse("1:75"), TimeSpec::Marker("1:75".into()));
        assert_eq!(TimeSpec::parse("-3"), TimeSpec::Marker("-3".into()));
        assert_eq!(clock(90_250_000), "1:30.250");
        assert_eq!(clock(3_601_000_000), "1:00:01.000");
    }
}
