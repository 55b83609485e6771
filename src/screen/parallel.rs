//! Exact parallel emulation: a reading played on several cores gives what
//! it gives on one, line for line.
//!
//! The events are cut into chunks. Each chunk is played on a core of its
//! own from a guess of the state at its start: the latest state known to be
//! true (the end of the last chunk put in order), which differs from the
//! true one only by what the chunks in between changed. The player keeps
//! the lines it gives and the whole state at checkpoints (after 4 KiB of
//! the chunk's data, then after twice as much each time).
//!
//! The chunks are then put in order on the calling thread, which holds the
//! true state: a chunk is played again from it until the true state equals
//! the guessed run's at a checkpoint; from there the guessed run did what
//! the true one would (the state decides everything that follows), so its
//! lines and its end are taken. A terminal forgets fast (a screen of
//! output, a redraw), so most chunks are taken at their first checkpoints;
//! one that never meets its guess is played again whole, and still gives
//! the true lines.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use super::{Reading, Screen, ScreenState};
use crate::cast::{Event, Events, Flow, Place, ReadError, Version};

/// How much event data (bytes as stored) a chunk holds: about 15 ms of
/// emulation, so that a guess is never far behind, and the work of
/// putting a chunk in order is small beside playing it.
pub const CHUNK: usize = 1 << 20;

/// The most chunks left to the true run after guesses failed in a row.
const MOST_UNGUESSED: usize = 64;

/// Everything a reading's future depends on: equal states give equal lines
/// from then on.
#[derive(Clone, PartialEq)]
pub(crate) struct State<O> {
    /// The screen.
    pub(crate) screen: ScreenState,
    /// What the reading keeps beside it.
    pub(crate) own: O,
}

impl<O> State<O> {
    pub(crate) fn of<R: Reading<Own = O>>(reading: &R) -> State<O> {
        State {
            screen: reading.screen().state(),
            own: reading.own(),
        }
    }

    /// The reading in this state.
    pub(crate) fn restore<R: Reading<Own = O>>(&self) -> io::Result<R>
    where
        O: Clone,
    {
        Ok(R::from_parts(
            Screen::restore(&self.screen)?,
            self.own.clone(),
        ))
    }
}

/// A guessed run's state after its first `events` events, when it had
/// given `lines` lines.
struct Checkpoint<O> {
    events: usize,
    lines: usize,
    state: State<O>,
}

/// A chunk to play: its index, its events, and the place after them (when
/// keyframes are wanted).
type Job<'a> = (usize, Vec<Event<'a>>, Option<Place>);

/// A chunk played from a guess.
struct Played<'a, R: Reading> {
    index: usize,
    events: Vec<Event<'a>>,
    /// The place after the chunk, for a keyframe.
    place: Option<Place>,
    checkpoints: Vec<Checkpoint<R::Own>>,
    lines: Vec<R::Line>,
    /// The reading after the chunk; none when the guess could not be played
    /// through (a screen refused): the true run then plays it all.
    end: Option<R>,
}

/// Plays `events` into a reading `R`, handing `each` its lines in order;
/// `each` may stop. On `threads` cores (1: this thread alone), with chunks
/// of `chunk` bytes of event data; the lines are the same for any number.
pub fn read<'a, R>(
    events: &Events<'a>,
    threads: usize,
    chunk: usize,
    each: impl FnMut(R::Line) -> io::Result<Flow>,
) -> Result<(), ReadError>
where
    R: Reading + Send,
    R::Line: Send,
    R::Own: Send + Sync,
{
    read_with_keyframes::<R>(events, None, threads, chunk, each, None)
}

/// Where a keyframe goes: the place between two lines (after a chunk) and
/// the reading's state there.
pub(crate) type KeyframeSink<'s, O> = &'s mut dyn FnMut(&Place, &State<O>) -> io::Result<()>;

/// [`read`] from `start` (a place after a chunk, and the reading there;
/// none: the start of the cast), giving `keyframes` the state after each
/// chunk (of a v2 or v3 cast: a v1 cast has no places to read on from).
pub(crate) fn read_with_keyframes<'a, R>(
    events: &Events<'a>,
    start: Option<(&Place, R)>,
    threads: usize,
    chunk: usize,
    mut each: impl FnMut(R::Line) -> io::Result<Flow>,
    mut keyframes: Option<KeyframeSink<'_, R::Own>>,
) -> Result<(), ReadError>
where
    R: Reading + Send,
    R::Line: Send,
    R::Own: Send + Sync,
{
    if events.header().version == Version::V1 {
        keyframes = None;
    }
    let (from, mut truth) = match start {
        Some((place, reading)) => (Some(place), reading),
        None => (None, R::new(events.header())?),
    };
    let flow = if threads <= 1 {
        let mut flow = Flow::Continue(());
        let mut bytes = 0;
        let placed = keyframes.is_some() || from.is_some();
        let mut one = |e: Event<'a>, place: Option<&Place>| {
            flow = truth.feed(&e, &mut each)?;
            bytes += e.data.stored_len();
            if let (Some(sink), Some(place)) = (keyframes.as_mut(), place)
                && bytes >= chunk
                && flow.is_continue()
            {
                bytes = 0;
                sink(place, &State::of(&truth))?;
            }
            Ok(flow)
        };
        if placed {
            events.for_each_placed(from, |e, p| one(e, Some(p)))?;
        } else {
            events.for_each(|e| one(e, None))?;
        }
        flow
    } else {
        in_parallel(
            events, from, threads, chunk, &mut truth, &mut each, keyframes,
        )?
    };
    if flow.is_continue() {
        for line in truth.finish() {
            if each(line)?.is_break() {
                break;
            }
        }
    }
    Ok(())
}

/// [`read`]'s events on `threads` cores, `truth` the reading at the start.
fn in_parallel<'a, R>(
    events: &Events<'a>,
    from: Option<&Place>,
    threads: usize,
    chunk: usize,
    truth: &mut R,
    each: &mut impl FnMut(R::Line) -> io::Result<Flow>,
    mut keyframes: Option<KeyframeSink<'_, R::Own>>,
) -> Result<Flow, ReadError>
where
    R: Reading + Send,
    R::Line: Send,
    R::Own: Send + Sync,
{
    let latest = Mutex::new(Arc::new(State::of(truth)));
    // Chunks below this index are left to the true run.
    let unguessed_below = AtomicUsize::new(0);
    // Chunks read but not yet put in order: one a core, and one waiting.
    let ahead = threads + 1;
    let (jobs_tx, jobs_rx) = mpsc::channel::<Job<'a>>();
    let jobs_rx = Mutex::new(jobs_rx);
    std::thread::scope(|scope| {
        let (played_tx, played_rx) = mpsc::channel::<Played<'a, R>>();
        let (permit_tx, permit_rx) = mpsc::sync_channel::<()>(ahead);
        for _ in 0..ahead {
            permit_tx.send(()).expect("room for every permit");
        }
        let placed = keyframes.is_some() || from.is_some();
        let splitter = scope.spawn(move || {
            let send = |job| permit_rx.recv().is_ok() && jobs_tx.send(job).is_ok();
            let (mut batch, mut bytes, mut index) = (Vec::new(), 0, 0);
            let mut one = |e: Event<'a>, place: Option<&Place>| {
                bytes += e.data.stored_len();
                batch.push(e);
                if bytes >= chunk {
                    let events = std::mem::take(&mut batch);
                    if !send((index, events, place.copied())) {
                        return Ok(Flow::Break(()));
                    }
                    (bytes, index) = (0, index + 1);
                }
                Ok(Flow::Continue(()))
            };
            let read = if placed {
                events.for_each_placed(from, |e, p| one(e, Some(p)))
            } else {
                events.for_each(|e| one(e, None))
            };
            if !batch.is_empty() {
                send((index, batch, None));
            }
            read
        });
        for _ in 0..threads {
            let (jobs_rx, latest, played_tx) = (&jobs_rx, &latest, played_tx.clone());
            let unguessed_below = &unguessed_below;
            scope.spawn(move || {
                loop {
                    let job = jobs_rx.lock().expect("no player panics").recv();
                    let Ok((index, events, place)) = job else {
                        break;
                    };
                    let mut played = if index < unguessed_below.load(Ordering::Relaxed) {
                        Played::unguessed(index, events)
                    } else {
                        let guess = Arc::clone(&latest.lock().expect("no player panics"));
                        play::<R>(index, events, &guess, chunk / 256)
                    };
                    played.place = place;
                    if played_tx.send(played).is_err() {
                        break;
                    }
                }
            });
        }
        drop(played_tx);
        // Put the chunks in order as they come.
        let mut waiting = BTreeMap::new();
        let mut next = 0;
        let mut flow = Ok(Flow::Continue(()));
        let mut unguessed = 1;
        'all: for played in played_rx.iter() {
            waiting.insert(played.index, played);
            while let Some(played) = waiting.remove(&next) {
                next += 1;
                let guessed = played.end.is_some();
                let place = played.place;
                match take(truth, played, each) {
                    Ok(Put::Taken) => unguessed = 1,
                    Ok(Put::Replayed) if guessed => {
                        unguessed_below.store(next + unguessed, Ordering::Relaxed);
                        unguessed = (unguessed * 2).min(MOST_UNGUESSED);
                    }
                    Ok(Put::Replayed) => {}
                    Ok(Put::Stopped) => {
                        flow = Ok(Flow::Break(()));
                        break 'all;
                    }
                    Err(e) => {
                        flow = Err(e);
                        break 'all;
                    }
                }
                let state = State::of(truth);
                if let (Some(sink), Some(place)) = (keyframes.as_mut(), place)
                    && let Err(e) = sink(&place, &state)
                {
                    flow = Err(e);
                    break 'all;
                }
                *latest.lock().expect("no player panics") = Arc::new(state);
                let _ = permit_tx.send(());
            }
        }
        // Stopped early: the splitter and the players see the channels
        // closed and stop.
        drop((played_rx, permit_tx));
        let read = splitter.join().expect("the splitter does not panic");
        let flow = flow?;
        read.map(|()| flow)
    })
}

impl<'a, R: Reading> Played<'a, R> {
    /// A chunk left to the true run.
    fn unguessed(index: usize, events: Vec<Event<'a>>) -> Played<'a, R> {
        Played {
            index,
            events,
            place: None,
            checkpoints: Vec::new(),
            lines: Vec::new(),
            end: None,
        }
    }
}

/// Plays a chunk from `guess`, keeping its lines and checkpoints: the
/// first after `first` bytes of data, each next one after twice as much.
/// A chunk whose lines would take more than 512 times `first` (2 MiB in a
/// 1 MiB chunk, at least 64 KiB; a huge event makes a huge chunk) is given up,
/// and left to the true run, which hands its lines on as they come: memory
/// stays bounded.
fn play<'a, R: Reading>(
    index: usize,
    events: Vec<Event<'a>>,
    guess: &State<R::Own>,
    first: usize,
) -> Played<'a, R> {
    let mut played = Played::unguessed(index, events);
    let Ok(mut reading) = guess.restore::<R>() else {
        return played;
    };
    played.checkpoints.push(Checkpoint {
        events: 0,
        lines: 0,
        state: State::of(&reading),
    });
    let (mut bytes, mut next) = (0, first);
    let last = played.events.len().saturating_sub(1);
    let budget = first.saturating_mul(512).max(1 << 16);
    let mut held = 0;
    for (i, event) in played.events.iter().enumerate() {
        let lines = &mut played.lines;
        let fed = reading.feed(event, |line| {
            // A line costs its text and its place in the list.
            held += R::weight(&line) + 64;
            lines.push(line);
            Ok(if held > budget {
                Flow::Break(())
            } else {
                Flow::Continue(())
            })
        });
        if !matches!(fed, Ok(Flow::Continue(()))) {
            return Played::unguessed(played.index, played.events);
        }
        bytes += event.data.stored_len();
        // A checkpoint at the end would save nothing.
        if bytes >= next && i < last {
            played.checkpoints.push(Checkpoint {
                events: i + 1,
                lines: played.lines.len(),
                state: State::of(&reading),
            });
            next = bytes * 2;
        }
    }
    played.end = Some(reading);
    played
}

/// What became of a chunk put in order.
enum Put {
    /// The guessed run was taken from a checkpoint on.
    Taken,
    /// The true run played it all.
    Replayed,
    /// `each` stopped.
    Stopped,
}

/// Puts a chunk played from a guess after `truth`: plays it from the true
/// state up to the first checkpoint where the states are equal, then takes
/// the guessed run's lines and end from there.
fn take<R: Reading>(
    truth: &mut R,
    played: Played<'_, R>,
    each: &mut impl FnMut(R::Line) -> io::Result<Flow>,
) -> io::Result<Put> {
    let Played {
        events,
        checkpoints,
        mut lines,
        end,
        ..
    } = played;
    let mut done = 0;
    if let Some(end) = end {
        for checkpoint in checkpoints {
            if feed(truth, &events[done..checkpoint.events], each)?.is_break() {
                return Ok(Put::Stopped);
            }
            done = checkpoint.events;
            if State::of(truth) == checkpoint.state {
                for line in lines.drain(checkpoint.lines..) {
                    if each(line)?.is_break() {
                        return Ok(Put::Stopped);
                    }
                }
                *truth = end;
                return Ok(Put::Taken);
            }
        }
    }
    Ok(match feed(truth, &events[done..], each)? {
        Flow::Continue(()) => Put::Replayed,
        Flow::Break(()) => Put::Stopped,
    })
}

fn feed<R: Reading>(
    reading: &mut R,
    events: &[Event<'_>],
    each: &mut impl FnMut(R::Line) -> io::Result<Flow>,
) -> io::Result<Flow> {
    for event in events {
        if reading.feed(event, &mut *each)?.is_break() {
            return Ok(Flow::Break(()));
        }
    }
    Ok(Flow::Continue(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cast::{Data, Header, Micros, Version, micros};
    use crate::screen::{Everything, Transcript};

    fn output(time: f64, data: &str) -> Event<'static> {
        Event {
            time: micros(time),
            code: "o".into(),
            data: Data::Text(data.to_string().into()),
        }
    }

    fn ignore<L>(_: L) -> io::Result<Flow> {
        Ok(Flow::Continue(()))
    }

    /// The time of each line `R` gives from a chunk that scrolls `same` off
    /// the screen, played from a guess that shows what the truth shows,
    /// `same`, but printed at another time.
    fn times_after_a_guess<R: Reading>(line_time: impl Fn(&R::Line) -> Micros) -> Vec<Micros> {
        let header = Header::new(Version::V2, 10, 2);
        let mut truth = R::new(&header).unwrap();
        let _ = truth.feed(&output(1.0, "same"), ignore).unwrap();
        let mut guessed = R::new(&header).unwrap();
        let _ = guessed.feed(&output(2.0, "same"), ignore).unwrap();
        assert!(truth.screen().state() == guessed.screen().state());
        let chunk = vec![output(3.0, "\r\n\r\nnext\r\n")];
        let played = play::<R>(0, chunk, &State::of(&guessed), 1);
        let mut times = Vec::new();
        let _ = take(&mut truth, played, &mut |line| {
            times.push(line_time(&line));
            Ok(Flow::Continue(()))
        })
        .unwrap();
        times
    }

    #[test]
    fn a_guess_showing_the_same_screen_at_other_times_is_not_taken() {
        let times = times_after_a_guess::<Transcript>(|l| l.time);
        assert_eq!(times.first(), Some(&micros(1.0)), "{times:?}");
        let times = times_after_a_guess::<Everything>(|l| l.line.time);
        assert_eq!(times.first(), Some(&micros(1.0)), "{times:?}");
    }
}
