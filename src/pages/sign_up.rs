use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::dto::RegisterRequest;
use portal_api::rules::{strength_context, DisplayName, Email};

use super::focus_soon;
use crate::api;
use crate::components::{
    Field, FormAlert, NewPasswordField, NewPasswordInput, PageHeading, SubmitButton,
};
use crate::form::{from_api, Problem};
use crate::i18n::{fill, Msg, Text};
use crate::locale::{t, use_locale};
use crate::route::Route;

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
    let email_error = RwSignal::new(None::<Problem>);
    let display_name_error = RwSignal::new(None::<Problem>);
    let form_error = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);

    let password = NewPasswordInput::new(move || {
        let name = display_name.get();
        strength_context(&email.get(), Some(name.as_str()).filter(|n| !n.is_empty()))
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        let email_value = email.get_untracked();
        let name_value = display_name.get_untracked();
        let parsed_email = Email::parse(&email_value);
        let parsed_name = DisplayName::parse(Some(&name_value));
        let parsed_password = password.check();
        email_error.set(parsed_email.as_ref().err().map(|&e| e.into()));
        display_name_error.set(parsed_name.as_ref().err().map(|&e| e.into()));
        let (Ok(address), Ok(name), Some(new_password)) =
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
            if password.breached(&request.password).await {
                busy.set(false);
                return focus_soon("password");
            }
            let result = api::register(&request).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    password.value.set(String::new());
                    sent_to.set(Some(request.email));
                }
                Err(e) => {
                    let (field, problem) = from_api(&e);
                    let (target, id) = match field.as_deref() {
                        Some("email") => (email_error, "email"),
                        Some("display_name") => (display_name_error, "display_name"),
                        Some("password") => (password.error, "password"),
                        _ => (form_error, "form-alert"),
                    };
                    target.set(Some(problem));
                    focus_soon(id);
                }
            }
        });
    };

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
                <NewPasswordField input=password label=Msg::PasswordLabel />
                <SubmitButton
                    label=Msg::CreateAccountButton
                    busy_label=Msg::CreatingAccount
                    busy=busy.into()
                />
            </form>
            <p class="aside">
                {t(Msg::HaveAccount)}
                " "
                <A href=Route::SignIn.href()>{t(Msg::SignInLink)}</A>
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
            <p><A href=Route::SignIn.href()>{t(Msg::SignInLink)}</A></p>
        </section>
    }
}
