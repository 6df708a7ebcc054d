//! A password being chosen (sign-up, reset, change): the strength worker's verdict while typing,
//! the breach check when the field is left, and the same rules again before submitting.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api::error::ErrorCode;
use portal_api::rules::{NewPassword, PASSWORD_MIN_CHARS, PASSWORD_MIN_SCORE};

use super::{Field, StrengthMeter};
use crate::breach::breach_count;
use crate::form::Problem;
use crate::i18n::{fill, Msg, Text};
use crate::locale::use_locale;
use crate::pointer::after_press;
use crate::strength::{Estimator, Strength};

#[derive(Clone, Copy)]
pub struct NewPasswordInput {
    pub value: RwSignal<String>,
    pub error: RwSignal<Option<Problem>>,
    strength: Signal<Strength>,
}

impl NewPasswordInput {
    /// Starts the strength worker for as long as the calling component lives (zxcvbn's
    /// dictionaries hold tens of MB). `context`: the person's own details, which make a
    /// password weak (their email, name).
    pub fn new(context: impl Fn() -> Vec<String> + Send + Sync + 'static) -> Self {
        let value = RwSignal::new(String::new());
        let error = RwSignal::new(None::<Problem>);
        let estimator = StoredValue::new_local(Estimator::start());
        let strength: Signal<Strength> = estimator.with_value(|e| e.state()).into();
        Effect::new(move |_| {
            let pw = value.get();
            let context = context();
            estimator.with_value(|e| e.estimate(&pw, context));
        });
        // A message about the password describes what was typed before; once it changes, the
        // message is out of date. Length problems are not shown while typing, only on leaving.
        Effect::new(move |prev: Option<()>| {
            value.track();
            if prev.is_some() {
                error.set(None);
            }
        });
        NewPasswordInput {
            value,
            error,
            strength,
        }
    }

    /// Shown once any click that blurred the field has landed (see crate::pointer), and only if
    /// the password is still the one that was checked.
    fn show_later(self, checked: String, problem: Problem) {
        after_press(move || {
            // `try_`: by now the person may have left the page, and the signal with it.
            if self.value.try_with_untracked(|pw| *pw == checked) == Some(true) {
                self.error.set(Some(problem));
            }
        });
    }

    fn check_on_leave(self) {
        let pw = self.value.get_untracked();
        if pw.is_empty() {
            return;
        }
        if let Err(e) = NewPassword::parse(&pw) {
            return self.show_later(pw, e.into());
        }
        // The breach check runs here and on submit, never per keystroke: each check sends a
        // (5-character) hash prefix to the server.
        spawn_local(async move {
            if let Ok(count @ 1..) = breach_count(&pw).await {
                self.show_later(pw, Problem::Breached(count));
            }
        });
    }

    /// The password, if the page's own checks pass; otherwise the field shows why. The server
    /// checks everything again.
    pub fn check(self) -> Option<NewPassword> {
        // A breach already found for this very password (any edit clears it) is the most
        // useful thing to repeat, so it wins over the strength verdict.
        let known_breach = self
            .error
            .get_untracked()
            .filter(|p| matches!(p, Problem::Breached(_)));
        let checked = NewPassword::parse(&self.value.get_untracked())
            .map_err(Problem::from)
            .and_then(|p| {
                if let Some(breach) = known_breach {
                    return Err(breach);
                }
                // The worker's verdict, when it has one for exactly this input; otherwise the
                // server decides (it scores the password again in any case).
                match self.strength.get_untracked() {
                    Strength::Rated(r) if r.score < PASSWORD_MIN_SCORE => {
                        Err(Problem::Code(ErrorCode::PasswordWeak))
                    }
                    _ => Ok(p),
                }
            });
        self.error.set(checked.as_ref().err().cloned());
        checked.ok()
    }

    /// Just before submitting: true (and the field says so) if the password is in the breach
    /// corpus. Usually answered from the cache filled when the field was left.
    pub async fn breached(self, password: &str) -> bool {
        match breach_count(password).await {
            Ok(count @ 1..) => {
                self.error.set(Some(Problem::Breached(count)));
                true
            }
            _ => false,
        }
    }
}

#[component]
pub fn NewPasswordField<L: Text>(
    input: NewPasswordInput,
    #[prop(default = "password")] id: &'static str,
    label: L,
) -> impl IntoView {
    let locale = use_locale();
    let hint = Signal::derive(move || {
        fill(
            Msg::NewPasswordHint.text(locale.get()),
            &[("min", &PASSWORD_MIN_CHARS.to_string())],
        )
    });
    view! {
        <Field
            id
            label
            input_type="password"
            autocomplete="new-password"
            required=true
            hint
            value=input.value
            error=input.error
            described_by=super::strength_meter_feedback_id()
            on_change=Callback::new(move |_| input.check_on_leave())
        >
            <StrengthMeter strength=input.strength />
        </Field>
    }
}
