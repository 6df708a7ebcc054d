use leptos::prelude::*;
use portal_api::rules::PASSWORD_MIN_SCORE;

use crate::i18n::{fill, score_msg, zxcvbn_suggestion, zxcvbn_warning, Msg, Text};
use crate::locale::{t, use_locale};
use crate::strength::Strength;

/// Id of the feedback block, for the password field's `aria-describedby`.
pub const FEEDBACK_ID: &str = "password-feedback";

/// zxcvbn's verdict: a native `<meter>` (0-4), the verdict in words, and zxcvbn's warning and
/// suggestions in the page's language. The words sit in a polite live region so a screen reader
/// hears the new verdict after a pause in typing, not on every keystroke.
#[component]
pub fn StrengthMeter(strength: Signal<Strength>) -> impl IntoView {
    let locale = use_locale();
    let report = move || match strength.get() {
        Strength::Rated(r) => Some(r),
        Strength::Checking(r) => r,
        Strength::Empty | Strength::Unavailable => None,
    };
    let score = move || report().map(|r| r.score);
    // zxcvbn's 0-4 shown as 1-5 of 5, so "very weak" is a visible sliver rather than an empty
    // bar that looks like "not rated"; the words (aria-valuetext) carry the verdict.
    let bar = move || score().map_or(0, |s| s + 1).to_string();
    let word = move || {
        let loc = locale.get();
        match strength.get() {
            Strength::Empty | Strength::Unavailable => Msg::StrengthEmpty.text(loc),
            Strength::Checking(None) => Msg::StrengthChecking.text(loc),
            Strength::Checking(Some(r)) | Strength::Rated(r) => score_msg(r.score).text(loc),
        }
    };
    let unavailable = move || matches!(strength.get(), Strength::Unavailable);
    let warning = move || {
        report()
            .and_then(|r| r.warning)
            .and_then(|key| zxcvbn_warning(&key))
            .map(|msg| view! { <p class="strength-warning">{t(msg)}</p> })
    };
    let suggestions = move || {
        let items: Vec<Msg> = report()
            .map(|r| {
                r.suggestions
                    .iter()
                    .filter_map(|k| zxcvbn_suggestion(k))
                    .collect()
            })
            .unwrap_or_default();
        (!items.is_empty()).then(|| {
            view! {
                <ul class="strength-suggestions">
                    {items.into_iter().map(|msg| view! { <li>{t(msg)}</li> }).collect_view()}
                </ul>
            }
        })
    };
    let below_floor = move || report().is_some_and(|r| r.score < PASSWORD_MIN_SCORE);

    view! {
        <div class="strength" class:hidden=unavailable>
            <div class="strength-row">
                <label for="password-strength">{t(Msg::StrengthLabel)}</label>
                <meter
                    id="password-strength"
                    min="0"
                    max="5"
                    low="2.5"
                    high="3.5"
                    optimum="5"
                    value=bar
                    aria-valuetext=word
                    aria-describedby=FEEDBACK_ID
                ></meter>
            </div>
        </div>
        <div id=FEEDBACK_ID class="strength-feedback" role="status" aria-live="polite">
            {move || {
                if unavailable() {
                    return view! { <p>{t(Msg::StrengthUnavailable)}</p> }.into_any();
                }
                view! {
                    <p class="strength-word" data-score=move || score().map(|s| s.to_string())>
                        {move || fill(Msg::StrengthValue.text(locale.get()), &[("level", word())])}
                    </p>
                    {warning}
                    {suggestions}
                    {move || below_floor().then(|| view! { <p class="strength-floor">{t(Msg::StrengthFloor)}</p> })}
                }
                .into_any()
            }}
        </div>
    }
}
