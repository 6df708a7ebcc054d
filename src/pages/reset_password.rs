use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::dto::PasswordResetComplete;
use portal_api::error::ErrorCode;

use super::focus_soon;
use crate::api;
use crate::components::{
    CodeField, FormAlert, NewPasswordField, NewPasswordInput, PageHeading, SubmitButton,
};
use crate::form::{from_api, Problem};
use crate::i18n::Msg;
use crate::locale::t;
use crate::route::{query_param, Route};

#[derive(Clone, Copy, PartialEq)]
enum Outcome {
    Choosing,
    Done,
    /// Unknown, used or expired: the server does not say which, nor do we.
    LinkInvalid,
}

/// `/reset-password?token=…`, where the link in the reset mail lands. With two-step
/// verification on, the server also wants a code; the field appears when it says so.
#[component]
pub fn ResetPassword() -> impl IntoView {
    let token = query_param("token").unwrap_or_default();
    let outcome = RwSignal::new(if token.trim().is_empty() {
        Outcome::LinkInvalid
    } else {
        Outcome::Choosing
    });
    move || match outcome.get() {
        Outcome::Choosing => view! { <ResetForm token=token.clone() outcome /> }.into_any(),
        Outcome::Done => view! {
            <section class="card">
                <PageHeading text=Msg::ResetTitle />
                <p class="success" role="status">{t(Msg::ResetDoneBody)}</p>
                <p><A href=Route::SignIn.href()>{t(Msg::SignInLink)}</A></p>
            </section>
        }
        .into_any(),
        Outcome::LinkInvalid => view! {
            <section class="card">
                <PageHeading text=Msg::ResetTitle />
                <p class="problem" role="alert">{t(Msg::ResetLinkInvalid)}</p>
                <p><A href=Route::ForgotPassword.href()>{t(Msg::RequestNewLink)}</A></p>
            </section>
        }
        .into_any(),
    }
}

#[component]
fn ResetForm(token: String, outcome: RwSignal<Outcome>) -> impl IntoView {
    // No email or name on this page to weigh the password against; the server uses both.
    let password = NewPasswordInput::new(Vec::new);
    let needs_code = RwSignal::new(false);
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<Problem>);
    let form_error = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);
    let token = StoredValue::new(token);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        let Some(new_password) = password.check() else {
            return focus_soon("password");
        };
        let code_value = code.get_untracked().trim().to_owned();
        if needs_code.get_untracked() && code_value.is_empty() {
            code_error.set(Some(Problem::Msg(Msg::CodeRequired)));
            return focus_soon("code");
        }
        code_error.set(None);
        busy.set(true);
        let request = PasswordResetComplete {
            token: token.get_value(),
            new_password: new_password.as_str().to_owned(),
            code: (!code_value.is_empty()).then_some(code_value),
        };
        spawn_local(async move {
            if password.breached(&request.new_password).await {
                busy.set(false);
                return focus_soon("password");
            }
            let result = api::password_reset_complete(&request).await;
            busy.set(false);
            let Err(e) = result else {
                password.value.set(String::new());
                return outcome.set(Outcome::Done);
            };
            match e.code() {
                Some(ErrorCode::TokenInvalid) => outcome.set(Outcome::LinkInvalid),
                Some(ErrorCode::SecondFactorRequired) => {
                    needs_code.set(true);
                    focus_soon("code");
                }
                Some(ErrorCode::CodeInvalid) => {
                    needs_code.set(true);
                    code_error.set(Some(from_api(&e).1));
                    focus_soon("code");
                }
                _ => {
                    let (field, problem) = from_api(&e);
                    if field.as_deref() == Some("new_password") {
                        password.error.set(Some(problem));
                        focus_soon("password");
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
            <PageHeading text=Msg::ResetTitle />
            <FormAlert problem=form_error />
            <form on:submit=submit novalidate>
                <NewPasswordField input=password label=Msg::NewPasswordLabel />
                {move || needs_code.get().then(|| view! {
                    <p class="notice" role="status">{t(Msg::ResetNeedsCode)}</p>
                    <CodeField value=code error=code_error />
                })}
                <SubmitButton label=Msg::SavePasswordButton busy_label=Msg::Saving busy=busy.into() />
            </form>
        </section>
    }
}
