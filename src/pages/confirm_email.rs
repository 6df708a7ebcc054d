use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::error::ErrorCode;

use crate::api;
use crate::components::PageHeading;
use crate::form::{from_api, Problem};
use crate::i18n::Msg;
use crate::locale::{t, use_locale};
use crate::route::{query_param, Route};

#[derive(Clone, PartialEq)]
enum Outcome {
    Pending,
    Changed,
    Invalid,
    Failed(Problem),
}

/// `/confirm-email?token=…`, where the link mailed to a new address lands. The link alone is the
/// proof (it reached the new inbox), so no sign-in is needed.
#[component]
pub fn ConfirmEmail() -> impl IntoView {
    let locale = use_locale();
    let token = query_param("token").unwrap_or_default();
    let outcome = RwSignal::new(Outcome::Pending);
    if token.trim().is_empty() {
        outcome.set(Outcome::Invalid);
    } else {
        // Once per visit: the token is single-use.
        spawn_local(async move {
            outcome.set(match api::email_change_confirm(token).await {
                Ok(()) => Outcome::Changed,
                Err(e) if e.code() == Some(ErrorCode::TokenInvalid) => Outcome::Invalid,
                Err(e) => Outcome::Failed(from_api(&e).1),
            });
        });
    }

    view! {
        <section class="card">
            <PageHeading text=Msg::ConfirmEmailTitle />
            <div role="status" aria-live="polite">
                {move || match outcome.get() {
                    Outcome::Pending => view! { <p class="muted">{t(Msg::Loading)}</p> }.into_any(),
                    Outcome::Changed => view! {
                        <p class="success">{t(Msg::EmailChangedBody)}</p>
                        <p><A href=Route::Account.href()>{t(Msg::GoToAccount)}</A></p>
                    }
                    .into_any(),
                    Outcome::Invalid => view! {
                        <p class="problem">{t(Msg::VerifyFailedBody)}</p>
                        <p><A href=Route::SignIn.href()>{t(Msg::SignInLink)}</A></p>
                    }
                    .into_any(),
                    Outcome::Failed(problem) => {
                        view! { <p class="problem">{move || problem.text(locale.get())}</p> }.into_any()
                    }
                }}
            </div>
        </section>
    }
}
