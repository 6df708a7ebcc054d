use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api::rules::Email;

use super::focus_soon;
use crate::api;
use crate::components::{Field, FormAlert, PageHeading, SubmitButton};
use crate::form::{from_api, Problem};
use crate::i18n::{fill, Msg, Text};
use crate::locale::use_locale;
use crate::router::use_navigate;

#[component]
pub fn SignIn() -> impl IntoView {
    let locale = use_locale();
    let navigate = use_navigate();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let email_error = RwSignal::new(None::<Problem>);
    let password_error = RwSignal::new(None::<Problem>);
    let form_error = RwSignal::new(None::<Problem>);
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
                Ok(_) => {
                    password.set(String::new());
                    navigate("/account", false);
                }
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
                {move || fill(Msg::NewHere.text(locale.get()), &[("service", portal_api::SERVICE_NAME)])}
                " "
                <a href="/sign-up">{crate::locale::t(Msg::CreateAccountLink)}</a>
            </p>
        </section>
    }
}
