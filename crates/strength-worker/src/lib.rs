//! The password-strength estimator (zxcvbn), run in a dedicated Web Worker so that scoring a long
//! or pathological password never blocks the page's main thread.
//!
//! Protocol (all messages are strings, so both sides only need `serde_json`):
//! - worker -> page: [`READY`] once, after the handler below is installed. Messages posted to a
//!   worker before its wasm has finished loading would otherwise be dispatched to no handler and
//!   lost, so the page holds its first query until it sees this.
//! - page -> worker: a JSON [`StrengthQuery`].
//! - worker -> page: a JSON [`StrengthAnswer`] with the query's `seq`.

use portal_api::dto::{StrengthAnswer, StrengthQuery};

/// What the worker says once it can take queries.
pub const READY: &str = "ready";

/// Answers one query; `None` for a message that is not a query (ignored rather than fatal, so a
/// bad message cannot kill the worker for the rest of the page's life).
pub fn answer(message: &str) -> Option<String> {
    let query: StrengthQuery = serde_json::from_str(message).ok()?;
    let report = portal_api::strength::estimate(&query.password, &query.context);
    serde_json::to_string(&StrengthAnswer {
        seq: query.seq,
        report,
    })
    .ok()
}

#[cfg(target_arch = "wasm32")]
mod worker {
    use wasm_bindgen::{prelude::*, JsCast};
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    #[wasm_bindgen(start)]
    pub fn start() {
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let reply_to = scope.clone();
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(message) = event.data().as_string() else {
                return;
            };
            if let Some(answer) = super::answer(&message) {
                let _ = reply_to.post_message(&JsValue::from_str(&answer));
            }
        });
        scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The handler lives as long as the worker does.
        on_message.forget();
        let _ = scope.post_message(&JsValue::from_str(super::READY));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_api::dto::StrengthQuery;

    #[test]
    fn answers_carry_the_query_sequence_number() {
        let query = StrengthQuery {
            seq: 7,
            password: "password".into(),
            context: vec![],
        };
        let answer: StrengthAnswer =
            serde_json::from_str(&answer(&serde_json::to_string(&query).unwrap()).unwrap())
                .unwrap();
        assert_eq!(answer.seq, 7);
        assert!(answer.report.score < portal_api::rules::PASSWORD_MIN_SCORE);
        assert!(answer.report.warning.is_some());
    }

    #[test]
    fn garbage_is_ignored() {
        assert_eq!(answer("not json"), None);
        assert_eq!(answer(READY), None);
    }
}
