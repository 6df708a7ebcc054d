use leptos::prelude::*;

use crate::form::Problem;
use crate::i18n::Text;
use crate::locale::{t, use_locale};

/// A labelled input with its hint and its error. The error is linked by `aria-describedby` and
/// flagged with `aria-invalid`, and announced as it appears.
#[component]
pub fn Field<L: Text>(
    /// Also the prefix of the hint's and error's ids.
    id: &'static str,
    label: L,
    value: RwSignal<String>,
    error: RwSignal<Option<Problem>>,
    #[prop(default = "text")] input_type: &'static str,
    autocomplete: &'static str,
    /// The on-screen keyboard to offer (e.g. `email`) without the browser rewriting the value.
    #[prop(optional)]
    inputmode: Option<&'static str>,
    #[prop(optional)] hint: Option<Signal<String>>,
    #[prop(optional)] required: bool,
    /// Ids of further descriptions (e.g. the strength meter's feedback).
    #[prop(optional)]
    described_by: &'static str,
    #[prop(optional, into)] on_change: Option<Callback<()>>,
    /// Shown between the input and the error, inside the field's block.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let locale = use_locale();
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let has_hint = hint.is_some();
    let describedby = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids: Vec<&str> = Vec::new();
            if has_hint {
                ids.push(&hint_id);
            }
            if !described_by.is_empty() {
                ids.push(described_by);
            }
            if error.with(Option::is_some) {
                ids.push(&error_id);
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field-invalid=move || error.with(Option::is_some)>
            <label for=id>{t(label)}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <input
                id=id
                name=id
                type=input_type
                autocomplete=autocomplete
                inputmode=inputmode
                autocapitalize=inputmode.map(|_| "none")
                required=required
                spellcheck="false"
                bind:value=value
                aria-invalid=move || if error.with(Option::is_some) { "true" } else { "false" }
                aria-describedby=describedby
                on:change=move |_| {
                    if let Some(cb) = on_change {
                        cb.run(());
                    }
                }
            />
            {children.map(|c| c())}
            {move || {
                error
                    .get()
                    .map(|p| {
                        view! {
                            <p class="field-error" id=error_id.clone() role="alert">
                                {move || p.text(locale.get())}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// The form-level message (no field named, or a network failure), announced at once.
#[component]
pub fn FormAlert(problem: RwSignal<Option<Problem>>) -> impl IntoView {
    let locale = use_locale();
    move || {
        problem.get().map(|p| {
            view! {
                <div id="form-alert" class="form-alert" role="alert" tabindex="-1">
                    {move || p.text(locale.get())}
                </div>
            }
        })
    }
}

/// A submit button that is disabled while its request is in flight and says so in words
/// (the busy label) and with a spinner, so the wait is visible and not only a greyed button.
#[component]
pub fn SubmitButton<L: Text, B: Text>(
    label: L,
    busy_label: B,
    busy: Signal<bool>,
) -> impl IntoView {
    let idle = t(label);
    let working = t(busy_label);
    view! {
        <button
            type="submit"
            class="primary"
            disabled=move || busy.get()
            aria-busy=move || if busy.get() { "true" } else { "false" }
        >
            <span class="spinner" aria-hidden="true" class:hidden=move || !busy.get()></span>
            {move || if busy.get() { working() } else { idle() }}
        </button>
    }
}

/// A TOTP or recovery code (the default label and hint), or the mailed device code. Letters
/// are allowed (recovery codes), so no numeric keyboard; `one-time-code` lets phones offer a
/// code they received.
#[component]
pub fn CodeField(
    value: RwSignal<String>,
    error: RwSignal<Option<Problem>>,
    #[prop(default = "code")] id: &'static str,
    #[prop(default = crate::i18n::Msg::CodeLabel)] label: crate::i18n::Msg,
    #[prop(default = crate::i18n::Msg::CodeHint)] hint: crate::i18n::Msg,
) -> impl IntoView {
    let locale = use_locale();
    let hint = Signal::derive(move || hint.text(locale.get()).to_owned());
    view! {
        <Field
            id
            label
            autocomplete="one-time-code"
            required=true
            hint
            value
            error
        />
    }
}

/// A labelled multi-line text box with its hint, a live count of what is left, and its error.
/// What is typed is kept exactly (line breaks included).
#[component]
pub fn TextArea<L: Text>(
    id: &'static str,
    label: L,
    value: RwSignal<String>,
    error: RwSignal<Option<Problem>>,
    hint: Signal<String>,
    /// In characters (Unicode scalar values, as the server counts).
    max_chars: usize,
    /// "{count} characters left".
    left_text: Signal<String>,
    /// May be left empty (a note next to screenshots, say).
    #[prop(optional)]
    optional: bool,
) -> impl IntoView {
    let locale = use_locale();
    let hint_id = format!("{id}-hint");
    let count_id = format!("{id}-count");
    let error_id = format!("{id}-error");
    let describedby = {
        let (hint_id, count_id, error_id) = (hint_id.clone(), count_id.clone(), error_id.clone());
        move || {
            let mut ids = vec![hint_id.clone(), count_id.clone()];
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            ids.join(" ")
        }
    };
    let over = move || value.with(|v| v.chars().count() > max_chars);
    view! {
        <div class="field" class:field-invalid=move || error.with(Option::is_some)>
            <label for=id>{t(label)}</label>
            <p class="hint" id=hint_id>{hint}</p>
            <textarea
                id=id
                name=id
                rows="6"
                required=!optional
                bind:value=value
                aria-invalid=move || if error.with(Option::is_some) || over() { "true" } else { "false" }
                aria-describedby=describedby
            ></textarea>
            <p class="hint" id=count_id class:field-error-text=over>{left_text}</p>
            {move || {
                error
                    .get()
                    .map(|p| {
                        view! {
                            <p class="field-error" id=error_id.clone() role="alert">
                                {move || p.text(locale.get())}
                            </p>
                        }
                    })
            }}
        </div>
    }
}
