use tvmux::cast::{Events, Flow};
use tvmux::screen::{self, Everything, Transcript};
fn main() {
    let cast = std::fs::read(std::env::args().nth(1).unwrap()).unwrap();
    let events = Events::open(&cast).unwrap();
    screen::read::<Everything>(&events, 1, usize::MAX, |l| {
        println!("all {:?} {}", l.line.text, l.line.time);
        Ok(Flow::Continue(()))
    })
    .unwrap();
    screen::read::<Transcript>(&events, 1, usize::MAX, |l| {
        println!("text {:?} {}", l.text, l.time);
        Ok(Flow::Continue(()))
    })
    .unwrap();
    let mut s = screen::Screen::new(events.header().cols, events.header().rows).unwrap();
    events
        .for_each(|e| {
            s.apply(&e).unwrap();
            let t = s.terminal();
            println!("-- {} {:?}", e.time, e.data.short_text());
            for l in t.primary_screen().visible_lines() {
                println!("   |{}| {}", l.text(), l.is_wrapped());
            }
            Ok(Flow::Continue(()))
        })
        .unwrap();
}
