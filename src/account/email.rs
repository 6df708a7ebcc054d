//! `/account/email`: a new address takes effect only once the link mailed to it is opened; the
//! current address is told (docs/threat-model.md#t4).

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api::dto::Me;
use portal_api::rules::Email;

use super::me::{signed_out_or, SignedInPage};
use super::step_up::{StepUp, StepUpGate};
use super::text::AccountMsg;
use crate::api;
use crate::components::{Field, FormAlert, SubmitButton};
use crate::form::{from_api, Problem};
use crate::i18n::{fill, Text};
use crate::locale::{t, use_locale};
use crate::pages::focus_soon;

#[component]
pub fn ChangeEmail() -> impl IntoView {
    view! {
        <SignedInPage title=AccountMsg::EmailTitle render=|me| {
            let step_up = StepUp::new(&me);
            view! { <EmailChange me step_up /> }
        } />
    }
}

#[component]
fn EmailChange(me: Me, step_up: StepUp) -> impl IntoView {
    let locale = use_locale();
    let pending = RwSignal::new(me.pending_email.clone());
    let sent = RwSignal::new(false);
    view! {
        <dl class="details">
            <div>
                <dt>{t(AccountMsg::CurrentEmail)}</dt>
                <dd class="email">{me.email.clone()}</dd>
            </div>
        </dl>
        <p class="muted">{t(AccountMsg::EmailChangeSignsOut)}</p>
        <p id="email-status" role="status" tabindex="-1" class:success=move || sent.get()>
            {move || pending.get().map(|address| {
                let msg = if sent.get() { AccountMsg::EmailChangeSent } else { AccountMsg::PendingEmail };
                fill(msg.text(locale.get()), &[("email", &address)])
            })}
        </p>
        <StepUpGate step_up>
            <EmailForm step_up pending sent />
        </StepUpGate>
    }
}

#[component]
fn EmailForm(
    step_up: StepUp,
    pending: RwSignal<Option<String>>,
    sent: RwSignal<bool>,
) -> impl IntoView {
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
            return focus_soon("new-email");
        };
        busy.set(true);
        spawn_local(async move {
            let address = address.as_str().to_owned();
            let result = api::email_change(address.clone()).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    email.set(String::new());
                    pending.set(Some(address));
                    sent.set(true);
                    focus_soon("email-status");
                }
                Err(e) if step_up.expired(&e) => {}
                Err(e) => {
                    let (field, problem) = from_api(&e);
                    if field.is_some()
                        || e.code() == Some(portal_api::error::ErrorCode::EmailUnchanged)
                    {
                        email_error.set(Some(problem));
                        focus_soon("new-email");
                    } else {
                        signed_out_or(&e, form_error);
                        focus_soon("form-alert");
                    }
                }
            }
        });
    };
    view! {
        <FormAlert problem=form_error />
        <form on:submit=submit novalidate>
            <Field
                id="new-email"
                label=AccountMsg::NewEmailLabel
                inputmode="email"
                autocomplete="email"
                required=true
                value=email
                error=email_error
            />
            <SubmitButton label=AccountMsg::SendConfirmation busy_label=AccountMsg::Sending busy=busy.into() />
        </form>
    }
}
