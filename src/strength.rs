//! The page's side of the strength worker (crate `strength-worker`, built by Trunk as
//! `strength-worker_loader.js` + `strength-worker.js` + `strength-worker_bg.wasm`).
//!
//! zxcvbn and its dictionaries are far larger than the whole sign-in page, so the worker is
//! created only by pages where a password is chosen, never preloaded. Scoring runs off the main
//! thread, and at most one query is in the worker at a time: while it is busy, newer input
//! replaces the waiting query instead of queueing behind it, so fast typing or a huge paste never
//! builds a backlog and the meter always catches up with the latest input.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use leptos::prelude::*;
use portal_api::dto::{StrengthAnswer, StrengthQuery, StrengthReport};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use web_sys::{MessageEvent, Worker};

/// The worker's entry point, as Trunk names it (workers are not content-hashed). Absolute, so it
/// resolves the same from every route.
const WORKER_URL: &str = "/strength-worker_loader.js";
/// What the worker posts once it can take queries (`strength_worker::READY`).
const READY: &str = "ready";
/// How long the worker may take to load before the page stops waiting for it.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// zxcvbn looks at the first 100 characters only; sending more would be wasted copying.
const ZXCVBN_MAX_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq)]
pub enum Strength {
    /// Nothing typed.
    Empty,
    /// A score for an earlier input is on its way to being replaced.
    Checking(Option<StrengthReport>),
    /// The score of exactly what is in the field now.
    Rated(StrengthReport),
    /// The worker could not start (old browser, blocked script): the server still checks.
    Unavailable,
}

struct Shared {
    worker: Worker,
    ready: bool,
    busy: bool,
    waiting: Option<String>,
    latest_seq: u32,
}

impl Shared {
    fn post(&mut self, message: String) {
        if self.ready && !self.busy {
            self.busy = self
                .worker
                .post_message(&JsValue::from_str(&message))
                .is_ok();
        } else {
            self.waiting = Some(message);
        }
    }

    fn next_waiting(&mut self) {
        self.busy = false;
        if let Some(message) = self.waiting.take() {
            self.post(message);
        }
    }
}

/// One worker for the lifetime of the page that created it; dropping it ends the worker.
pub struct Estimator {
    shared: Option<Rc<RefCell<Shared>>>,
    state: RwSignal<Strength>,
    _on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
    _on_error: Option<Closure<dyn FnMut(web_sys::Event)>>,
}

impl Estimator {
    pub fn start() -> Self {
        let state = RwSignal::new(Strength::Empty);
        let Ok(worker) = Worker::new(WORKER_URL) else {
            state.set(Strength::Unavailable);
            return Self {
                shared: None,
                state,
                _on_message: None,
                _on_error: None,
            };
        };
        let shared = Rc::new(RefCell::new(Shared {
            worker: worker.clone(),
            ready: false,
            busy: false,
            waiting: None,
            latest_seq: 0,
        }));

        let weak: Weak<RefCell<Shared>> = Rc::downgrade(&shared);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let (Some(shared), Some(text)) = (weak.upgrade(), event.data().as_string()) else {
                return;
            };
            if text == READY {
                let mut s = shared.borrow_mut();
                s.ready = true;
                s.next_waiting();
                return;
            }
            let Ok(answer) = serde_json::from_str::<StrengthAnswer>(&text) else {
                return;
            };
            let fresh = {
                let mut s = shared.borrow_mut();
                s.next_waiting();
                answer.seq == s.latest_seq
            };
            // An answer to an input that has since changed would show the wrong score.
            if fresh {
                state.set(Strength::Rated(answer.report));
            }
        });
        let weak: Weak<RefCell<Shared>> = Rc::downgrade(&shared);
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(shared) = weak.upgrade() {
                shared.borrow().worker.terminate();
            }
            state.set(Strength::Unavailable);
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));

        // A failure inside the worker's start-up (say, its wasm refused to compile) is a
        // rejected promise there, not an `error` event here: without this the meter would say
        // "Checking…" for ever. Generous, as the worker is about 0.7 MB on a slow phone line.
        let weak: Weak<RefCell<Shared>> = Rc::downgrade(&shared);
        set_timeout(
            move || {
                if let Some(shared) = weak.upgrade() {
                    let s = shared.borrow();
                    if !s.ready {
                        s.worker.terminate();
                        drop(s);
                        state.set(Strength::Unavailable);
                    }
                }
            },
            READY_TIMEOUT,
        );
        Self {
            shared: Some(shared),
            state,
            _on_message: Some(on_message),
            _on_error: Some(on_error),
        }
    }

    pub fn state(&self) -> RwSignal<Strength> {
        self.state
    }

    /// Scores `password` with the person's own details as guessable words.
    pub fn estimate(&self, password: &str, context: Vec<String>) {
        let Some(shared) = &self.shared else { return };
        if matches!(self.state.get_untracked(), Strength::Unavailable) {
            return;
        }
        let mut s = shared.borrow_mut();
        s.latest_seq = s.latest_seq.wrapping_add(1);
        if password.is_empty() {
            s.waiting = None;
            drop(s);
            self.state.set(Strength::Empty);
            return;
        }
        let query = StrengthQuery {
            seq: s.latest_seq,
            password: password.chars().take(ZXCVBN_MAX_CHARS).collect(),
            context,
        };
        if let Ok(message) = serde_json::to_string(&query) {
            s.post(message);
        }
        drop(s);
        self.state.update(|st| {
            let previous = match st {
                Strength::Rated(r) => Some(r.clone()),
                Strength::Checking(r) => r.clone(),
                _ => None,
            };
            *st = Strength::Checking(previous);
        });
    }
}

impl Drop for Estimator {
    fn drop(&mut self) {
        if let Some(shared) = &self.shared {
            let s = shared.borrow();
            s.worker.set_onmessage(None);
            s.worker.set_onerror(None);
            s.worker.terminate();
        }
    }
}
