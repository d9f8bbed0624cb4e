//! A progress line on stderr that keeps moving during a long stage: a
//! background thread redraws the current stage with a spinner and the
//! elapsed time about ten times a second. Drawn only when stderr is a
//! terminal and `--quiet` is not given, so pipes, logs and tests see nothing;
//! it uses carriage returns and spaces only, no escape codes.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::ui::Ui;

/// How often the line is redrawn while a stage runs.
const TICK: Duration = Duration::from_millis(100);

/// The spinner's frames (ASCII, for any terminal).
const FRAMES: [char; 4] = ['|', '/', '-', '\\'];

/// A running progress display; cleared when finished or dropped.
pub struct Progress {
    shared: Option<Arc<Shared>>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

struct State {
    label: String,
    /// Whether the label has been drawn: each one is, however short its
    /// stage (or the drawing thread's first turn may come after the end).
    drawn: bool,
    done: bool,
}

impl Progress {
    /// Starts showing `label` (or nothing at all when `ui` does not show
    /// progress, or the thread cannot be started).
    pub fn start(ui: &Ui, label: &str) -> Progress {
        if !ui.shows_progress() {
            return Progress::hidden();
        }
        Progress::drawn_to(Box::new(std::io::stderr()), label)
    }

    /// Draws into `sink` from a background thread.
    fn drawn_to(sink: Box<dyn Write + Send>, label: &str) -> Progress {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                label: label.to_owned(),
                drawn: false,
                done: false,
            }),
            wake: Condvar::new(),
        });
        let drawer = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || draw(&drawer, sink));
        match thread {
            Ok(thread) => Progress {
                shared: Some(shared),
                thread: Some(thread),
            },
            // No thread, no progress line: the command itself goes on.
            Err(_) => Progress::hidden(),
        }
    }

    fn hidden() -> Progress {
        Progress {
            shared: None,
            thread: None,
        }
    }

    /// Shows `label` from now on (redrawn at once).
    pub fn set(&self, label: String) {
        if let Some(shared) = &self.shared {
            if let Ok(mut state) = shared.state.lock() {
                state.label = label;
                state.drawn = false;
                shared.wake.notify_one();
            }
        }
    }

    /// Prints `note: MESSAGE` on stderr on a line of its own, above the
    /// progress line when one is shown (which is then drawn again).
    pub fn note(&self, message: &str) {
        let Some(shared) = &self.shared else {
            eprintln!("note: {message}");
            return;
        };
        if let Ok(mut state) = shared.state.lock() {
            eprint!(
                "\r{:width$}\r",
                "",
                width = state.label.chars().count() + 24
            );
            eprintln!("note: {message}");
            state.drawn = false;
            shared.wake.notify_one();
        }
    }

    /// Stops the display and clears its line.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(shared) = self.shared.take() {
            if let Ok(mut state) = shared.state.lock() {
                state.done = true;
                shared.wake.notify_one();
            }
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The drawing loop: one frame per tick or change (at least one per label),
/// then the line cleared.
fn draw(shared: &Shared, mut sink: Box<dyn Write + Send>) {
    let started = Instant::now();
    let mut frame = 0usize;
    let mut width = 0usize;
    let Ok(mut state) = shared.state.lock() else {
        return;
    };
    loop {
        if state.done && state.drawn {
            break;
        }
        let line = format!(
            "{} {} ({:.1} s)",
            FRAMES[frame % FRAMES.len()],
            state.label,
            started.elapsed().as_secs_f64()
        );
        let shown = line.chars().count();
        // Spaces over the rest of a longer previous line.
        let pad = width.saturating_sub(shown);
        let _ = write!(sink, "\r{line}{:pad$}", "");
        let _ = sink.flush();
        width = shown;
        frame += 1;
        state.drawn = true;
        if state.done {
            break;
        }
        state = match shared.wake.wait_timeout(state, TICK) {
            Ok((state, _)) => state,
            Err(_) => return,
        };
    }
    let _ = write!(sink, "\r{:width$}\r", "");
    let _ = sink.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink the test can read while the drawing thread writes.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_line_keeps_moving_during_a_long_stage_and_is_cleared() {
        let sink = Sink::default();
        let progress = Progress::drawn_to(Box::new(sink.clone()), "[1/2] slow…");
        // One stage for several ticks: the line is redrawn meanwhile.
        std::thread::sleep(TICK * 5);
        progress.set("[2/2] quick…".to_owned());
        std::thread::sleep(TICK / 2);
        progress.finish();
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let frames: Vec<&str> = text.split('\r').filter(|f| !f.is_empty()).collect();
        let slow = frames.iter().filter(|f| f.contains("[1/2] slow")).count();
        assert!(slow >= 3, "redrawn while the stage ran: {frames:?}");
        // The spinner turns from frame to frame.
        assert_ne!(frames[0].chars().next(), frames[1].chars().next());
        assert!(
            frames.iter().any(|f| f.contains("[2/2] quick")),
            "{frames:?}"
        );
        // Cleared at the end: spaces only, and no escape codes anywhere.
        assert!(frames.last().unwrap().trim().is_empty(), "{frames:?}");
        assert!(!text.contains('\x1b'), "{text:?}");
    }

    #[test]
    fn a_stage_shorter_than_the_first_tick_is_still_drawn() {
        let sink = Sink::default();
        let progress = Progress::drawn_to(Box::new(sink.clone()), "[1/2] quick…");
        progress.set("[2/2] quicker…".to_owned());
        progress.finish();
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("[2/2] quicker…"), "{text:?}");
        assert!(text.ends_with('\r'), "cleared: {text:?}");
    }

    #[test]
    fn nothing_is_drawn_with_quiet() {
        let quiet = Ui::new(true, super::super::ui::ColorWhen::Never);
        assert!(Progress::start(&quiet, "x").shared.is_none());
    }
}
