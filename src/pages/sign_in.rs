use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::error::ErrorCode;
use portal_api::rules::Email;

use super::focus_soon;
use crate::api;
use crate::components::{CodeField, Field, FormAlert, PageHeading, SubmitButton};
use crate::form::{from_api, Problem};
use crate::i18n::{fill, Msg, Text};
use crate::locale::{t, use_locale};
use crate::route::{use_navigate, Route};

/// `/sign-in`: the password, then a code: from the authenticator app for accounts with
/// two-step verification, or else, in a browser new to the account, the one mailed to its
/// address. The server keeps the half-finished sign-in; the page only switches step.
#[component]
pub fn SignIn() -> impl IntoView {
    let step = RwSignal::new(api::SignedIn::Done);
    // Carried across the steps: an expired second step sends the person back with a reason.
    let form_error = RwSignal::new(None::<Problem>);
    move || match step.get() {
        api::SignedIn::NeedsCode => view! { <CodeStep step form_error mailed=false /> }.into_any(),
        api::SignedIn::NeedsDeviceCode => {
            view! { <CodeStep step form_error mailed=true /> }.into_any()
        }
        api::SignedIn::Done => view! { <PasswordStep step form_error /> }.into_any(),
    }
}

/// The first step. `step` stays `Done` here until a right password needs a code.
#[component]
fn PasswordStep(
    step: RwSignal<api::SignedIn>,
    form_error: RwSignal<Option<Problem>>,
) -> impl IntoView {
    let locale = use_locale();
    let navigate = use_navigate();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let email_error = RwSignal::new(None::<Problem>);
    let password_error = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        let parsed = Email::parse(&email.get_untracked());
        email_error.set(parsed.as_ref().err().map(|&e| e.into()));
        let pw = password.get_untracked();
        password_error.set(pw.is_empty().then_some(Problem::Msg(Msg::PasswordRequired)));
        let Ok(address) = parsed else {
            return focus_soon("email");
        };
        if pw.is_empty() {
            return focus_soon("password");
        }
        busy.set(true);
        spawn_local(async move {
            let result = api::sign_in(address.as_str().to_owned(), pw).await;
            busy.set(false);
            match result {
                Ok(api::SignedIn::Done) => {
                    password.set(String::new());
                    navigate(Route::Account, false);
                }
                Ok(next) => step.set(next),
                Err(e) => {
                    // Wrong email and wrong password are one message on purpose (no account
                    // enumeration), so the error goes at the top, not on a field.
                    let (field, problem) = from_api(&e);
                    match field.as_deref() {
                        Some("email") => {
                            email_error.set(Some(problem));
                            focus_soon("email");
                        }
                        Some("password") => {
                            password_error.set(Some(problem));
                            focus_soon("password");
                        }
                        _ => {
                            form_error.set(Some(problem));
                            focus_soon("form-alert");
                        }
                    }
                }
            }
        });
    };

    view! {
        <section class="card">
            <PageHeading text=Msg::SignInTitle />
            <FormAlert problem=form_error />
            <form on:submit=submit novalidate>
                <Field
                    id="email"
                    label=Msg::EmailLabel
                    // Not type="email": Chrome rewrites an internationalised domain to punycode in the
                    // value, and the rules accept any Unicode address as typed.
                    inputmode="email"
                    autocomplete="username"
                    required=true
                    value=email
                    error=email_error
                />
                <Field
                    id="password"
                    label=Msg::PasswordLabel
                    input_type="password"
                    autocomplete="current-password"
                    required=true
                    value=password
                    error=password_error
                />
                <SubmitButton label=Msg::SignInButton busy_label=Msg::SigningIn busy=busy.into() />
            </form>
            <p class="aside">
                <A href=Route::ForgotPassword.href()>{t(Msg::ForgotPasswordLink)}</A>
            </p>
            <p class="aside">
                {move || fill(Msg::NewHere.text(locale.get()), &[("service", portal_api::SERVICE_NAME)])}
                " "
                <A href=Route::SignUp.href()>{t(Msg::CreateAccountLink)}</A>
            </p>
        </section>
    }
}

/// The second step: a TOTP code or a recovery code, or (`mailed`) the code from the email.
#[component]
fn CodeStep(
    step: RwSignal<api::SignedIn>,
    form_error: RwSignal<Option<Problem>>,
    mailed: bool,
) -> impl IntoView {
    let navigate = use_navigate();
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);
    let start_again = move || {
        form_error.set(None);
        step.set(api::SignedIn::Done);
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        let value = code.get_untracked().trim().to_owned();
        if value.is_empty() {
            code_error.set(Some(Problem::Msg(Msg::CodeRequired)));
            return focus_soon("code");
        }
        code_error.set(None);
        busy.set(true);
        spawn_local(async move {
            let result = if mailed {
                api::sign_in_device_code(value).await
            } else {
                api::sign_in_second_factor(value).await
            };
            busy.set(false);
            match result {
                Ok(_) => navigate(Route::Account, false),
                Err(e) if e.code() == Some(ErrorCode::SignInExpired) => {
                    step.set(api::SignedIn::Done);
                    form_error.set(Some(Problem::Code(ErrorCode::SignInExpired)));
                    focus_soon("form-alert");
                }
                Err(e) if e.code() == Some(ErrorCode::CodeInvalid) => {
                    code_error.set(Some(if mailed {
                        Problem::Msg(Msg::DeviceCodeWrong)
                    } else {
                        from_api(&e).1
                    }));
                    focus_soon("code");
                }
                Err(e) => {
                    form_error.set(Some(from_api(&e).1));
                    focus_soon("form-alert");
                }
            }
        });
    };

    let (title, intro, label, hint) = if mailed {
        (
            Msg::DeviceCodeTitle,
            Msg::DeviceCodeIntro,
            Msg::DeviceCodeLabel,
            Msg::DeviceCodeHint,
        )
    } else {
        (
            Msg::SecondFactorTitle,
            Msg::SecondFactorIntro,
            Msg::CodeLabel,
            Msg::CodeHint,
        )
    };
    view! {
        <section class="card">
            <PageHeading text=title />
            <p class="intro">{t(intro)}</p>
            <FormAlert problem=form_error />
            <form on:submit=submit novalidate>
                <CodeField value=code error=code_error label hint />
                <SubmitButton label=Msg::VerifyButton busy_label=Msg::CheckingCode busy=busy.into() />
            </form>
            <p class="aside">
                <button type="button" class="link" on:click=move |_| start_again()>
                    {t(Msg::StartAgain)}
                </button>
            </p>
        </section>
    }
}
