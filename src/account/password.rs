//! `/account/password`: a new password, after step-up and the current password. The server ends
//! every other session when it changes (docs/threat-model.md#t8).

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api::dto::{Me, PasswordChangeRequest};
use portal_api::error::ErrorCode;
use portal_api::rules::strength_context;

use super::me::{signed_out_or, SignedInPage};
use super::step_up::{StepUp, StepUpGate};
use super::text::AccountMsg;
use crate::api;
use crate::components::{Field, FormAlert, NewPasswordField, NewPasswordInput, SubmitButton};
use crate::form::{from_api, Problem};
use crate::i18n::Msg;
use crate::locale::t;
use crate::pages::focus_soon;

#[component]
pub fn ChangePassword() -> impl IntoView {
    view! {
        <SignedInPage title=AccountMsg::PasswordTitle render=|me| {
            let step_up = StepUp::new(&me);
            view! {
                <StepUpGate step_up>
                    <PasswordForm me=me.clone() step_up />
                </StepUpGate>
            }
        } />
    }
}

#[component]
fn PasswordForm(me: Me, step_up: StepUp) -> impl IntoView {
    let current = RwSignal::new(String::new());
    let current_error = RwSignal::new(None::<Problem>);
    let form_error = RwSignal::new(None::<Problem>);
    let changed = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let (email, name) = (me.email.clone(), me.display_name.clone());
    let password = NewPasswordInput::new(move || strength_context(&email, name.as_deref()));

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        changed.set(false);
        let current_value = current.get_untracked();
        current_error.set(
            current_value
                .is_empty()
                .then_some(Problem::Msg(Msg::PasswordRequired)),
        );
        let new_password = password.check();
        if current_value.is_empty() {
            return focus_soon("current-password");
        }
        let Some(new_password) = new_password else {
            return focus_soon("password");
        };
        busy.set(true);
        let request = PasswordChangeRequest {
            current_password: current_value,
            new_password: new_password.as_str().to_owned(),
        };
        spawn_local(async move {
            if password.breached(&request.new_password).await {
                busy.set(false);
                return focus_soon("password");
            }
            let result = api::password_change(&request).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    current.set(String::new());
                    password.value.set(String::new());
                    changed.set(true);
                    focus_soon("password-status");
                }
                Err(e) if step_up.expired(&e) => {}
                Err(e) if e.code() == Some(ErrorCode::InvalidCredentials) => {
                    current_error.set(Some(from_api(&e).1));
                    focus_soon("current-password");
                }
                Err(e) => {
                    let (field, problem) = from_api(&e);
                    if field.as_deref() == Some("new_password") {
                        password.error.set(Some(problem));
                        focus_soon("password");
                    } else {
                        signed_out_or(&e, form_error);
                        focus_soon("form-alert");
                    }
                }
            }
        });
    };

    view! {
        <p id="password-status" class="success" role="status" tabindex="-1" class:hidden=move || !changed.get()>
            {move || changed.get().then(t(AccountMsg::PasswordChanged))}
        </p>
        <FormAlert problem=form_error />
        <form on:submit=submit novalidate>
            <Field
                id="current-password"
                label=AccountMsg::CurrentPasswordLabel
                input_type="password"
                autocomplete="current-password"
                required=true
                value=current
                error=current_error
            />
            <NewPasswordField input=password label=AccountMsg::NewPasswordLabel />
            <SubmitButton label=AccountMsg::SavePassword busy_label=AccountMsg::Saving busy=busy.into() />
        </form>
    }
}
