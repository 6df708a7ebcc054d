use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::error::ErrorCode;

use super::text::AccountMsg;
use crate::api;
use crate::components::PageHeading;
use crate::form::{from_api, Problem};
use crate::locale::{t, use_locale};
use crate::route::{query_param, Route};

#[derive(Clone, PartialEq)]
enum Outcome {
    Pending,
    Ended,
    /// The link is unknown or used, or the sign-in ended anyway: the password is still known.
    Gone,
    Failed(Problem),
}

/// `/sign-in/not-me?token=…`, the "This was not me" link of the device-code mail: ends that
/// sign-in, then leads to choosing a new password.
#[component]
pub fn NotMe() -> impl IntoView {
    let locale = use_locale();
    let token = query_param("token").unwrap_or_default();
    let outcome = RwSignal::new(Outcome::Pending);
    if token.trim().is_empty() {
        outcome.set(Outcome::Gone);
    } else {
        // Once per visit: the link is single-use.
        spawn_local(async move {
            outcome.set(match api::sign_in_not_me(token).await {
                Ok(()) => Outcome::Ended,
                Err(e) if e.code() == Some(ErrorCode::TokenInvalid) => Outcome::Gone,
                Err(e) => Outcome::Failed(from_api(&e).1),
            });
        });
    }
    let reset = move || {
        view! {
            <p>
                <A href=Route::ForgotPassword.href() attr:class="button">
                    {t(AccountMsg::ChooseNewPassword)}
                </A>
            </p>
        }
    };

    view! {
        <section class="card">
            <PageHeading text=AccountMsg::NotMeTitle />
            <div role="status" aria-live="polite">
                {move || match outcome.get() {
                    Outcome::Pending => view! { <p class="muted">{t(AccountMsg::NotMeEnding)}</p> }.into_any(),
                    Outcome::Ended => {
                        view! { <p class="success">{t(AccountMsg::NotMeEndedBody)}</p> {reset()} }.into_any()
                    }
                    Outcome::Gone => {
                        view! { <p class="problem">{t(AccountMsg::NotMeGoneBody)}</p> {reset()} }.into_any()
                    }
                    Outcome::Failed(problem) => {
                        view! { <p class="problem">{move || problem.text(locale.get())}</p> }.into_any()
                    }
                }}
            </div>
        </section>
    }
}
