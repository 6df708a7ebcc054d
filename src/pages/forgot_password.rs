use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::rules::Email;

use super::focus_soon;
use crate::api;
use crate::components::{Field, FormAlert, PageHeading, SubmitButton};
use crate::form::{from_api, Problem};
use crate::i18n::{fill, Msg, Text};
use crate::locale::{t, use_locale};
use crate::route::Route;

/// `/forgot-password`: asks for a reset link. Only the address is sent; the server mails the
/// link to the confirmed address on file and answers the same whether or not there is one, and
/// so does this page.
#[component]
pub fn ForgotPassword() -> impl IntoView {
    let sent_to = RwSignal::new(None::<String>);
    move || match sent_to.get() {
        None => view! { <ForgotForm sent_to /> }.into_any(),
        Some(email) => view! { <LinkSent email /> }.into_any(),
    }
}

#[component]
fn ForgotForm(sent_to: RwSignal<Option<String>>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let email_error = RwSignal::new(None::<Problem>);
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
        let Ok(address) = parsed else {
            return focus_soon("email");
        };
        busy.set(true);
        spawn_local(async move {
            let address = address.as_str().to_owned();
            let result = api::password_reset_request(address.clone()).await;
            busy.set(false);
            match result {
                Ok(()) => sent_to.set(Some(address)),
                Err(e) => {
                    let (field, problem) = from_api(&e);
                    if field.as_deref() == Some("email") {
                        email_error.set(Some(problem));
                        focus_soon("email");
                    } else {
                        form_error.set(Some(problem));
                        focus_soon("form-alert");
                    }
                }
            }
        });
    };

    view! {
        <section class="card">
            <PageHeading text=Msg::ForgotTitle />
            <p class="intro">{t(Msg::ForgotIntro)}</p>
            <FormAlert problem=form_error />
            <form on:submit=submit novalidate>
                <Field
                    id="email"
                    label=Msg::EmailLabel
                    inputmode="email"
                    autocomplete="username"
                    required=true
                    value=email
                    error=email_error
                />
                <SubmitButton label=Msg::SendLinkButton busy_label=Msg::SendingLink busy=busy.into() />
            </form>
            <p class="aside">
                <A href=Route::SignIn.href()>{t(Msg::SignInLink)}</A>
            </p>
        </section>
    }
}

#[component]
fn LinkSent(email: String) -> impl IntoView {
    let locale = use_locale();
    view! {
        <section class="card">
            <PageHeading text=Msg::CheckEmailTitle />
            <p role="status">{move || fill(Msg::ForgotSentBody.text(locale.get()), &[("email", &email)])}</p>
            <p class="muted">{t(Msg::ForgotSentSpam)}</p>
            <p><A href=Route::SignIn.href()>{t(Msg::SignInLink)}</A></p>
        </section>
    }
}
