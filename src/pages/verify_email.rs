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
    Verified,
    /// The link is unknown, used or expired: the server does not say which, nor do we.
    Invalid,
    Failed(Problem),
}

/// `/verify-email?token=…`, where the link in the verification mail lands.
#[component]
pub fn VerifyEmail() -> impl IntoView {
    let locale = use_locale();
    let token = query_param("token").unwrap_or_default();
    let outcome = RwSignal::new(Outcome::Pending);
    if token.trim().is_empty() {
        outcome.set(Outcome::Invalid);
    } else {
        // Once per visit, on purpose: the token is single-use, so re-running this on a
        // re-render would turn a success into "invalid".
        spawn_local(async move {
            outcome.set(match api::verify_email(token).await {
                Ok(()) => Outcome::Verified,
                Err(e) if e.code() == Some(ErrorCode::TokenInvalid) => Outcome::Invalid,
                Err(e) => Outcome::Failed(from_api(&e).1),
            });
        });
    }

    view! {
        <section class="card">
            <PageHeading text=Msg::VerifyTitle />
            <div role="status" aria-live="polite">
                {move || match outcome.get() {
                    Outcome::Pending => view! { <p class="muted">{t(Msg::Verifying)}</p> }.into_any(),
                    Outcome::Verified => {
                        view! {
                            <p class="success">{t(Msg::VerifiedBody)}</p>
                            <p><A href=Route::Account.href()>{t(Msg::GoToAccount)}</A></p>
                        }
                            .into_any()
                    }
                    Outcome::Invalid => {
                        view! {
                            <p class="problem">{t(Msg::VerifyFailedBody)}</p>
                            <p><A href=Route::SignIn.href()>{t(Msg::SignInLink)}</A></p>
                        }
                            .into_any()
                    }
                    Outcome::Failed(problem) => {
                        view! { <p class="problem">{move || problem.text(locale.get())}</p> }.into_any()
                    }
                }}
            </div>
        </section>
    }
}
