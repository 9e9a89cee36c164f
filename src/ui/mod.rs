//! The interactive UI (ratatui + crossterm).
//!
//! - [`app`]: the state and `update(&mut App, Event)`: routes each event
//!   to the pane's component and does what crosses panes;
//! - [`compare`]: compare mode's marks (`peel diff OLD NEW`);
//! - [`components`]: one per pane, its state and its keys (each list's
//!   selection and scroll a `tree_list::ListState`);
//! - [`event`]: the one event enum and the commands the loop runs;
//! - [`keymap`]: actions, dive's default keys, the config file;
//! - [`layout`], [`theme`], [`panes`]: drawing, a pure function of the state;
//! - [`terminal`]: raw mode, the alternate screen, and putting them back
//!   after quit, error, panic, ctrl+z and SIGTERM;
//! - [`run`]: the loop: a loader thread and an input thread feed one channel.

pub mod app;
pub mod compare;
pub mod components;
pub mod event;
pub mod keymap;
pub mod layout;
pub mod panes;
pub mod terminal;
pub mod theme;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use self::app::{App, Modal, Phase, RightView};
use self::event::{Command, Event};
use crate::analysis::Analysis;
use crate::content::{self, Origin};
use crate::error::{Error, Result};
use crate::pipeline::{Outcome, Plan};
use crate::progress::Progress;
use crate::source::{OpenOptions, Reference};

/// Text from the image made safe for the screen (the reports' escaping).
pub use crate::safe_text::sanitize;

/// `1 file`, `2 files`: the reports' counting, on screen too.
pub use crate::report::count;

/// Draw the whole screen from the state.
pub fn render(f: &mut Frame, app: &App) {
    let full = f.area();
    let Some(areas) = app.areas() else {
        let text = format!(
            "Terminal too small: {}x{} (peel needs at least {}x{})",
            full.width,
            full.height,
            layout::MIN_WIDTH,
            layout::MIN_HEIGHT
        );
        let y = full.height / 2;
        f.render_widget(
            Paragraph::new(Line::raw(text))
                .alignment(Alignment::Center)
                .wrap(ratatui::widgets::Wrap { trim: true }),
            Rect::new(
                full.x,
                full.y + y.min(full.height.saturating_sub(1)),
                full.width,
                full.height - y,
            ),
        );
        return;
    };
    let l = match &app.phase {
        Phase::Loading(p) => {
            panes::loading::draw(f, full, app, p);
            return;
        }
        Phase::Ready(l) => l,
    };
    panes::layers::draw(f, areas.layers, app, l);
    panes::details::draw_layer(f, areas.layer_details, app, l);
    panes::details::draw_image(f, areas.image_details, app, l);
    match app.view {
        RightView::Tree => panes::tree::draw(f, areas.right, app, l),
        RightView::Waste => panes::waste::draw(f, areas.right, app, l),
        RightView::Findings => panes::findings::draw(f, &areas, app, l),
        RightView::Largest => panes::largest::draw(f, areas.right, app, l),
    }
    panes::status::draw_info(f, areas.info, app);
    panes::status::draw(f, areas.status, app);
    let main = Rect {
        height: full.height - 1,
        ..full
    };
    match &app.modal {
        Modal::Help { scroll } => {
            let w = main.width.min(100);
            let r = Rect::new(main.x + (main.width - w) / 2, main.y, w, main.height);
            panes::help::draw(f, r, app, *scroll);
        }
        Modal::Viewer(v) => panes::viewer::draw(f, main, app, v),
        Modal::History(h) => panes::history::draw(f, areas.right, app, h),
        _ => {}
    }
}

/// How the UI ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The user quit.
    Quit,
    /// A signal stopped it, or the user cancelled the load.
    Interrupted,
}

/// Open `reference` in the terminal UI: `plan` runs on a loader thread
/// while the UI shows its progress.
pub fn run(
    parsed: &Reference,
    reference: &str,
    plan: Plan,
    config: keymap::Config,
) -> Result<Ended> {
    let (loading, name) = (parsed.clone(), reference.to_string());
    // Standard input passes once: whether to keep its layers is asked
    // before the loader reads it (`--keep-layers` answered already).
    let (ask, answer) = match parsed {
        Reference::Stdin { .. } if plan.options.keep_layers.is_none() => {
            let (tx, rx) = mpsc::channel::<bool>();
            (Some(tx), Some(rx))
        }
        _ => (None, None),
    };
    let origin = Origin::of(parsed);
    run_ui(reference, origin, plan, config, ask, move |mut plan| {
        if let Some(answer) = answer {
            // No answer: the UI ended before it was given.
            let keep = answer.recv().map_err(|_| Error::Cancelled)?;
            plan.options.keep_layers = keep.then(content::session::stdin_folder);
        }
        Ok((plan.run(&loading, &name)?, None))
    })
}

/// What a loader gives the UI: the image shown, and for `peel diff` its
/// comparison with OLD.
pub type Load = Result<(Outcome, Option<compare::CompareMarks>)>;

/// The UI over what `load` reads on a loader thread (given `plan`, with the
/// UI's progress in its options); `origin` is where the viewer re-reads
/// files from.
pub fn run_loader(
    reference: &str,
    origin: Origin,
    plan: Plan,
    config: keymap::Config,
    load: impl FnOnce(Plan) -> Load + Send + 'static,
) -> Result<Ended> {
    run_ui(reference, origin, plan, config, None, load)
}

/// [`run_loader`]; with `ask`, the loading screen first asks whether to
/// keep standard input's layers and sends the answer there.
fn run_ui(
    reference: &str,
    origin: Origin,
    plan: Plan,
    config: keymap::Config,
    ask: Option<Sender<bool>>,
    load: impl FnOnce(Plan) -> Load + Send + 'static,
) -> Result<Ended> {
    let progress = Progress::new();
    let plan = Plan {
        options: OpenOptions {
            progress: progress.clone(),
            ..plan.options
        },
        ..plan
    };
    let (tx, rx) = mpsc::channel::<Event>();

    let stop = Arc::new(AtomicBool::new(false));
    let signalled = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        signal_hook::flag::register(sig, signalled.clone())
            .map_err(|e| Error::io("signal handler", e))?;
    }

    let mut term = terminal::Terminal::enter().map_err(|e| Error::io("terminal", e))?;
    if !config.mouse {
        term.set_mouse(false)
            .map_err(|e| Error::io("terminal", e))?;
    }
    let size = term.size().map_err(|e| Error::io("terminal", e))?;

    // The loader: open + analyse on its own thread.
    {
        let tx = tx.clone();
        std::thread::spawn(move || match load_catching(load, plan) {
            Ok((outcome, marks)) => {
                let _ = tx.send(Event::Loaded(Box::new(Ok(outcome))));
                if let Some(marks) = marks {
                    let _ = tx.send(Event::Compared(Box::new(marks)));
                }
            }
            Err(e) => {
                let _ = tx.send(Event::Loaded(Box::new(Err(e))));
            }
        });
    }
    terminal::spawn_input(tx.clone(), stop.clone());

    let mut app = App::new(reference, config, theme::Theme::from_env(), origin);
    app.size = size;
    if ask.is_some() {
        app.ask_keep_layers(content::session::stdin_folder(), content::session::bound());
    }
    let outcome = event_loop(&mut term, &mut app, &rx, &tx, &progress, &signalled, ask);
    stop.store(true, Ordering::Relaxed);
    progress.cancel();
    drop(term);
    outcome?;
    if signalled.load(Ordering::Relaxed) {
        return Ok(Ended::Interrupted);
    }
    if matches!(app.phase, Phase::Loading(_)) {
        // Cancelled while loading.
        eprintln!("peel: cancelled");
        return Ok(Ended::Interrupted);
    }
    Ok(Ended::Quit)
}

fn event_loop(
    term: &mut terminal::Terminal,
    app: &mut App,
    rx: &Receiver<Event>,
    tx: &Sender<Event>,
    progress: &Arc<Progress>,
    signalled: &AtomicBool,
    keep_layers: Option<Sender<bool>>,
) -> Result<()> {
    let io = |e| Error::io("terminal", e);
    term.draw(app).map_err(io)?;
    loop {
        let first = match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(ev) => ev,
            Err(RecvTimeoutError::Timeout) => {
                if matches!(app.phase, Phase::Loading(_)) {
                    Event::Progress(progress.snapshot())
                } else {
                    Event::Tick
                }
            }
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        };
        let redraw = !matches!(first, Event::Tick) || content::fetch_progress().is_some();
        feed(app, first)?;
        // Drain what is already queued, then draw once.
        while let Ok(ev) = rx.try_recv() {
            feed(app, ev)?;
        }
        for cmd in std::mem::take(&mut app.commands) {
            match cmd {
                Command::Suspend => {
                    term.suspend().map_err(io)?;
                    let size = term.size().map_err(io)?;
                    app.update(Event::Resize(size.0, size.1));
                }
                Command::Copy(text) => term.copy(&text).map_err(io)?,
                Command::Mouse(on) => term.set_mouse(on).map_err(io)?,
                Command::KeepLayers(keep) => {
                    if let Some(loader) = &keep_layers {
                        let _ = loader.send(keep);
                    }
                }
                other => spawn_command(app, other, tx.clone()),
            }
        }
        if signalled.load(Ordering::Relaxed) {
            app.quit = true;
        }
        if app.quit {
            return Ok(());
        }
        if redraw {
            term.draw(app).map_err(io)?;
        }
    }
}

/// `load(plan)`, a panic in it caught as [`Error::Panicked`]: a bug in
/// the reader ends the UI with a message, not a hang.
fn load_catching<P>(load: impl FnOnce(P) -> Load, plan: P) -> Load {
    let load = std::panic::AssertUnwindSafe(|| load(plan));
    std::panic::catch_unwind(load).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(Error::Panicked(what))
    })
}

/// Give `ev` to the app; a failed load ends the loop with the pipeline's
/// own error, which `main` prints and maps to an exit status as for `--ci`.
fn feed(app: &mut App, ev: Event) -> Result<()> {
    match ev {
        Event::Loaded(result) => match *result {
            Err(e) => Err(e),
            ok => {
                app.update(Event::Loaded(Box::new(ok)));
                Ok(())
            }
        },
        ev => {
            app.update(ev);
            Ok(())
        }
    }
}

/// Run a background command, posting its result as an event.
pub fn spawn_command(app: &App, cmd: Command, tx: Sender<Event>) {
    let Some(l) = app.loaded() else { return };
    let analysis: Arc<Outcome> = l.analysis.clone();
    let origin = app.origin.clone();
    std::thread::spawn(move || {
        let ev = run_command(&origin, &analysis, cmd);
        if let Some(ev) = ev {
            let _ = tx.send(ev);
        }
    });
}

/// Do a command's work and give the event it results in (the headless tests
/// call this directly).
pub fn run_command(origin: &Origin, analysis: &Analysis, cmd: Command) -> Option<Event> {
    match cmd {
        Command::Suspend | Command::Copy(_) | Command::Mouse(_) | Command::KeepLayers(_) => None,
        Command::ReadFile {
            token,
            node,
            layer,
            offset,
        } => Some(Event::Content {
            token,
            result: content::read_file(
                origin,
                &analysis.image.layers,
                &analysis.tree,
                node,
                layer,
                offset,
                components::viewer::VIEW_LIMIT,
            ),
        }),
        Command::Extract {
            node,
            layer,
            dest,
            overwrite,
        } => Some(Event::Extracted(content::extract(
            origin,
            &analysis.image.layers,
            &analysis.tree,
            node,
            layer,
            &dest,
            overwrite,
        ))),
    }
}

/// Run the app's pending commands synchronously (tests, benchmarks).
pub fn run_pending(app: &mut App) {
    for cmd in std::mem::take(&mut app.commands) {
        let ev = app
            .loaded()
            .and_then(|l| run_command(&app.origin, &l.analysis, cmd));
        if let Some(ev) = ev {
            app.update(ev);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_loader_is_its_own_kind() {
        let e = load_catching(|()| panic!("bad index {}", 7), ()).unwrap_err();
        assert!(
            matches!(&e, Error::Panicked(what) if what == "bad index 7"),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "internal error while reading the image: bad index 7"
        );
        let e = load_catching(|()| std::panic::panic_any(3_u8), ()).unwrap_err();
        assert!(
            matches!(&e, Error::Panicked(what) if what.is_empty()),
            "{e:?}"
        );
    }

    #[test]
    fn a_failing_loader_keeps_the_pipelines_error() {
        let e = load_catching(|()| Err(Error::invalid("x.tar", "not a tar")), ()).unwrap_err();
        assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    }
}
