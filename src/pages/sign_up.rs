use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api::dto::RegisterRequest;
use portal_api::error::ErrorCode;
use portal_api::rules::{
    strength_context, DisplayName, Email, NewPassword, PASSWORD_MIN_CHARS, PASSWORD_MIN_SCORE,
};

use super::focus_soon;
use crate::api;
use crate::breach::breach_count;
use crate::components::{Field, FormAlert, PageHeading, StrengthMeter, SubmitButton};
use crate::form::{from_api, Problem};
use crate::i18n::{fill, Msg, Text};
use crate::locale::{t, use_locale};
use crate::pointer::after_press;
use crate::strength::{Estimator, Strength};

#[component]
pub fn SignUp() -> impl IntoView {
    let sent_to = RwSignal::new(None::<String>);
    move || match sent_to.get() {
        None => view! { <SignUpForm sent_to /> }.into_any(),
        Some(email) => view! { <CheckEmail email /> }.into_any(),
    }
}

#[component]
fn SignUpForm(sent_to: RwSignal<Option<String>>) -> impl IntoView {
    let locale = use_locale();
    let email = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let email_error = RwSignal::new(None::<Problem>);
    let display_name_error = RwSignal::new(None::<Problem>);
    let password_error = RwSignal::new(None::<Problem>);
    let form_error = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);

    // The worker exists only while this form is on screen; dropping the estimator ends it.
    let estimator = StoredValue::new_local(Estimator::start());
    let strength: Signal<Strength> = estimator.with_value(|e| e.state()).into();
    Effect::new(move |_| {
        let pw = password.get();
        let name = display_name.get();
        let context = strength_context(&email.get(), Some(name.as_str()).filter(|n| !n.is_empty()));
        estimator.with_value(|e| e.estimate(&pw, context));
    });

    // A message about the password describes what was typed before; once it changes, the
    // message is out of date. Length problems are not shown while typing, only on leaving.
    Effect::new(move |prev: Option<()>| {
        password.track();
        if prev.is_some() {
            password_error.set(None);
        }
    });

    // Shown once any click that blurred the field has landed (see crate::pointer), and only if
    // the password is still the one that was checked.
    let show_password_problem = move |checked: String, problem: Problem| {
        after_press(move || {
            // `try_`: by now the person may have left the page, and the signal with it.
            if password.try_with_untracked(|pw| *pw == checked) == Some(true) {
                password_error.set(Some(problem));
            }
        });
    };
    let check_password_on_leave = move || {
        let pw = password.get_untracked();
        if pw.is_empty() {
            return;
        }
        if let Err(e) = NewPassword::parse(&pw) {
            return show_password_problem(pw, e.into());
        }
        // The breach check runs here and on submit, never per keystroke: each check sends a
        // (5-character) hash prefix to the server.
        spawn_local(async move {
            if let Ok(count @ 1..) = breach_count(&pw).await {
                show_password_problem(pw, Problem::Breached(count));
            }
        });
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        let email_value = email.get_untracked();
        let name_value = display_name.get_untracked();
        let pw = password.get_untracked();
        let parsed_email = Email::parse(&email_value);
        let parsed_name = DisplayName::parse(Some(&name_value));
        // A breach already found for this very password (any edit clears it) is the most
        // useful thing to repeat, so it wins over the strength verdict.
        let known_breach = password_error
            .get_untracked()
            .filter(|p| matches!(p, Problem::Breached(_)));
        let parsed_password = NewPassword::parse(&pw)
            .map_err(Problem::from)
            .and_then(|p| {
                if let Some(breach) = known_breach {
                    return Err(breach);
                }
                // The worker's verdict, when it has one for exactly this input; otherwise the
                // server decides (it scores the password again in any case).
                match strength.get_untracked() {
                    Strength::Rated(r) if r.score < PASSWORD_MIN_SCORE => {
                        Err(Problem::Code(ErrorCode::PasswordWeak))
                    }
                    _ => Ok(p),
                }
            });
        email_error.set(parsed_email.as_ref().err().map(|&e| e.into()));
        display_name_error.set(parsed_name.as_ref().err().map(|&e| e.into()));
        password_error.set(parsed_password.as_ref().err().cloned());
        let (Ok(address), Ok(name), Ok(new_password)) =
            (parsed_email, parsed_name, parsed_password)
        else {
            let first = if email_error.with_untracked(Option::is_some) {
                "email"
            } else if display_name_error.with_untracked(Option::is_some) {
                "display_name"
            } else {
                "password"
            };
            return focus_soon(first);
        };

        busy.set(true);
        let request = RegisterRequest {
            email: address.as_str().to_owned(),
            password: new_password.as_str().to_owned(),
            display_name: name.map(|n| n.as_str().to_owned()),
            locale: Some(locale.get_untracked()),
        };
        spawn_local(async move {
            // Usually answered from the cache filled when the field was left.
            if let Ok(count) = breach_count(&request.password).await {
                if count > 0 {
                    busy.set(false);
                    password_error.set(Some(Problem::Breached(count)));
                    return focus_soon("password");
                }
            }
            let result = api::register(&request).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    password.set(String::new());
                    sent_to.set(Some(request.email));
                }
                Err(e) => {
                    let (field, problem) = from_api(&e);
                    let (target, id) = match field.as_deref() {
                        Some("email") => (email_error, "email"),
                        Some("display_name") => (display_name_error, "display_name"),
                        Some("password") => (password_error, "password"),
                        _ => (form_error, "form-alert"),
                    };
                    target.set(Some(problem));
                    focus_soon(id);
                }
            }
        });
    };

    let password_hint = Signal::derive(move || {
        fill(
            Msg::NewPasswordHint.text(locale.get()),
            &[("min", &PASSWORD_MIN_CHARS.to_string())],
        )
    });
    let display_name_hint =
        Signal::derive(move || Msg::DisplayNameHint.text(locale.get()).to_owned());

    view! {
        <section class="card">
            <PageHeading text=Msg::SignUpTitle />
            <p class="intro">{t(Msg::SignUpIntro)}</p>
            <FormAlert problem=form_error />
            <form on:submit=submit novalidate>
                <Field
                    id="email"
                    label=Msg::EmailLabel
                    // Not type="email": Chrome rewrites an internationalised domain to punycode in the
                    // value, and the rules accept any Unicode address as typed.
                    inputmode="email"
                    autocomplete="email"
                    required=true
                    value=email
                    error=email_error
                />
                <Field
                    id="display_name"
                    label=Msg::DisplayNameLabel
                    autocomplete="nickname"
                    hint=display_name_hint
                    value=display_name
                    error=display_name_error
                />
                <Field
                    id="password"
                    label=Msg::PasswordLabel
                    input_type="password"
                    autocomplete="new-password"
                    required=true
                    hint=password_hint
                    value=password
                    error=password_error
                    described_by=crate::components::strength_meter_feedback_id()
                    on_change=Callback::new(move |_| check_password_on_leave())
                >
                    <StrengthMeter strength />
                </Field>
                <SubmitButton
                    label=Msg::CreateAccountButton
                    busy_label=Msg::CreatingAccount
                    busy=busy.into()
                />
            </form>
            <p class="aside">
                {t(Msg::HaveAccount)}
                " "
                <a href="/sign-in">{t(Msg::SignInLink)}</a>
            </p>
        </section>
    }
}

/// Shown after registering, whether or not the address already had an account: the server
/// answers both the same, and so does the page.
#[component]
fn CheckEmail(email: String) -> impl IntoView {
    let locale = use_locale();
    view! {
        <section class="card">
            <PageHeading text=Msg::CheckEmailTitle />
            <p>{move || fill(Msg::CheckEmailBody.text(locale.get()), &[("email", &email)])}</p>
            <p class="muted">{t(Msg::CheckEmailSpam)}</p>
            <p><a href="/sign-in">{t(Msg::SignInLink)}</a></p>
        </section>
    }
}
