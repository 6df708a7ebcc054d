//! Step-up: sensitive changes need a fresh proof that it is still the customer
//! (docs/threat-model.md#t9): a TOTP or recovery code when two-step verification is on, the
//! password only while it is off, and never the password for money. The server decides; these
//! gates only ask before the form instead of after a refusal.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api::dto::{Me, StepUpRequest};
use portal_api::error::ErrorCode;

use super::me::signed_out_or;
use super::text::AccountMsg;
use crate::api;
use crate::components::{CodeField, Field, FormAlert, SubmitButton};
use crate::form::{from_api, Problem};
use crate::i18n::Msg;
use crate::locale::t;
use crate::pages::focus_soon;
use crate::route::{MoneyPage, Route};
use leptos_router::components::A;

#[derive(Clone, Copy)]
pub struct StepUp {
    until: RwSignal<Option<i64>>,
    with_code: RwSignal<bool>,
}

fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

impl StepUp {
    pub fn new(me: &Me) -> Self {
        StepUp {
            until: RwSignal::new(me.step_up_until),
            with_code: RwSignal::new(me.totp_enabled),
        }
    }

    /// For money: only a step-up with a second factor counts, so the proof is always a code.
    pub fn for_money(me: &Me) -> Self {
        StepUp {
            until: RwSignal::new(me.money_step_up_until),
            with_code: RwSignal::new(true),
        }
    }

    fn fresh(self) -> bool {
        self.until.get().is_some_and(|until| until > now_secs())
    }

    /// Two-step verification was just turned on: from now on the proof is a code.
    pub fn use_codes(self) {
        self.with_code.set(true);
    }

    /// Two-step verification was just turned off: from now on the proof is the password.
    pub fn use_password(self) {
        self.with_code.set(false);
    }

    /// For an answer of `step_up_required` (the proof expired meanwhile): ask again. True if
    /// that was the error.
    pub fn expired(self, e: &api::ApiError) -> bool {
        let expired = e.code() == Some(ErrorCode::StepUpRequired);
        if expired {
            self.until.set(None);
        }
        expired
    }
}

/// Shows `children` while this session is stepped up, and the proof form otherwise.
#[component]
pub fn StepUpGate(step_up: StepUp, children: ChildrenFn) -> impl IntoView {
    move || {
        if step_up.fresh() {
            children().into_any()
        } else {
            view! { <StepUpForm step_up /> }.into_any()
        }
    }
}

/// For a page that moves money (`back`): without two-step verification, leads to turning it on
/// and straight back; with it, a [`StepUpGate`] that takes only a code (`StepUp::for_money`).
#[component]
pub fn MoneyGate(
    step_up: StepUp,
    two_step_on: bool,
    back: MoneyPage,
    children: ChildrenFn,
) -> impl IntoView {
    if two_step_on {
        return view! { <StepUpGate step_up>{children()}</StepUpGate> }.into_any();
    }
    view! {
        <section class="step-up" aria-labelledby="money-two-step-title">
            <h2 id="money-two-step-title">{t(AccountMsg::MoneyTwoStepTitle)}</h2>
            <p>{t(AccountMsg::MoneyTwoStepExplain)}</p>
            <p>
                <A href=Route::SecurityThen(back).href() attr:class="button primary">
                    {t(AccountMsg::MoneyTwoStepLink)}
                </A>
            </p>
        </section>
    }
    .into_any()
}

#[component]
fn StepUpForm(step_up: StepUp) -> impl IntoView {
    let value = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Problem>);
    let form_error = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);
    let with_code = step_up.with_code.get_untracked();
    let field_id = if with_code {
        "step-up-code"
    } else {
        "step-up-password"
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        let proof = value.get_untracked();
        if proof.trim().is_empty() {
            let required = if with_code {
                Msg::CodeRequired
            } else {
                Msg::PasswordRequired
            };
            error.set(Some(Problem::Msg(required)));
            return focus_soon(field_id);
        }
        error.set(None);
        let request = if with_code {
            StepUpRequest {
                code: Some(proof.trim().to_owned()),
                password: None,
            }
        } else {
            StepUpRequest {
                code: None,
                password: Some(proof),
            }
        };
        busy.set(true);
        spawn_local(async move {
            let result = api::step_up(&request).await;
            busy.set(false);
            match result {
                Ok(answer) => {
                    value.set(String::new());
                    step_up.until.set(Some(answer.valid_until));
                }
                Err(e) => match e.code() {
                    Some(ErrorCode::InvalidCredentials | ErrorCode::CodeInvalid) => {
                        error.set(Some(from_api(&e).1));
                        focus_soon(field_id);
                    }
                    _ => {
                        signed_out_or(&e, form_error);
                        focus_soon("form-alert");
                    }
                },
            }
        });
    };

    view! {
        <section class="step-up" aria-labelledby="step-up-title">
            <h2 id="step-up-title">{t(AccountMsg::StepUpTitle)}</h2>
            <p>
                {if with_code {
                    t(AccountMsg::StepUpWithCode)
                } else {
                    t(AccountMsg::StepUpWithPassword)
                }}
            </p>
            <FormAlert problem=form_error />
            <form on:submit=submit novalidate>
                {if with_code {
                    view! { <CodeField id="step-up-code" value error /> }.into_any()
                } else {
                    view! {
                        <Field
                            id="step-up-password"
                            label=Msg::PasswordLabel
                            input_type="password"
                            autocomplete="current-password"
                            required=true
                            value
                            error
                        />
                    }
                        .into_any()
                }}
                <SubmitButton label=AccountMsg::ContinueButton busy_label=Msg::CheckingCode busy=busy.into() />
            </form>
        </section>
    }
}
