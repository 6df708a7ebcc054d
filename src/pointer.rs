//! Holding back messages that would move the page under a pointer that is pressing it.
//!
//! Pressing a button or link blurs the field being edited, and a message the blur shows (a
//! password problem) pushes the content below it down before the press is released: the release
//! then lands beside the button, and the click is lost. Messages shown on leaving a field go
//! through [`after_press`], which waits until any press in progress has produced its click.

use std::cell::{Cell, RefCell};

use leptos::prelude::{document, set_timeout};
use wasm_bindgen::{closure::Closure, JsCast};

thread_local! {
    static PRESSED: Cell<bool> = const { Cell::new(false) };
    static WAITING: RefCell<Vec<Box<dyn FnOnce()>>> = const { RefCell::new(Vec::new()) };
}

/// Starts following presses; once, at start-up.
pub fn follow_presses() {
    let down = Closure::<dyn Fn()>::new(|| PRESSED.with(|p| p.set(true)));
    // The click is dispatched right after the release, in the same task: a zero timeout set on
    // release runs after it.
    let up = Closure::<dyn Fn()>::new(|| {
        PRESSED.with(|p| p.set(false));
        set_timeout(run_waiting, std::time::Duration::ZERO);
    });
    let doc = document();
    let listen = |event: &str, f: &Closure<dyn Fn()>| {
        let _ =
            doc.add_event_listener_with_callback_and_bool(event, f.as_ref().unchecked_ref(), true);
    };
    listen("pointerdown", &down);
    listen("pointerup", &up);
    listen("pointercancel", &up);
    // For the life of the page.
    down.forget();
    up.forget();
}

fn run_waiting() {
    let waiting = WAITING.with(|w| std::mem::take(&mut *w.borrow_mut()));
    for f in waiting {
        f();
    }
}

/// Runs `f` now, or once the press in progress has been released and clicked.
pub fn after_press(f: impl FnOnce() + 'static) {
    if PRESSED.with(Cell::get) {
        WAITING.with(|w| w.borrow_mut().push(Box::new(f)));
    } else {
        f();
    }
}
