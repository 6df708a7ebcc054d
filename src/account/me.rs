//! The signed-in customer, fetched once by each signed-in page; a visitor who is not signed in
//! (or whose session ended) goes to sign-in.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::dto::Me;
use portal_api::error::ErrorCode;

use super::text::AccountMsg;
use crate::api::{self, ApiError};
use crate::components::{FormAlert, PageHeading};
use crate::form::{from_api, Problem};
use crate::i18n::{Msg, Text};
use crate::locale::t;
use crate::route::{use_navigate, Route};

/// `me` is `None` until the answer; `problem` says why it failed (other than "not signed in").
pub fn load_me(me: RwSignal<Option<Me>>, problem: RwSignal<Option<Problem>>) {
    let navigate = use_navigate();
    spawn_local(async move {
        match api::me().await {
            Ok(Some(found)) => {
                me.try_set(Some(found));
            }
            // Unless the person has already gone elsewhere (this page, and `me`, are gone).
            Ok(None) if !me.is_disposed() => navigate(Route::SignIn, true),
            Ok(None) => {}
            Err(e) => {
                problem.try_set(Some(from_api(&e).1));
            }
        }
    });
}

/// For a failed action: a session that ended meanwhile goes to sign-in; anything else is shown.
pub fn signed_out_or(e: &ApiError, problem: RwSignal<Option<Problem>>) {
    if e.code() == Some(ErrorCode::NotSignedIn) {
        use_navigate()(Route::SignIn, true);
    } else {
        problem.set(Some(from_api(e).1));
    }
}

/// A signed-in page: its heading, then `render` once the customer is known, then a way back to
/// `back` (the account page, or the wallet).
#[component]
pub fn SignedInPage<T, F, V>(
    title: T,
    render: F,
    #[prop(default = Route::Account)] back: Route<'static>,
) -> impl IntoView
where
    T: Text,
    F: Fn(Me) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let me = RwSignal::new(None::<Me>);
    let problem = RwSignal::new(None::<Problem>);
    load_me(me, problem);
    view! {
        <section class="card">
            <PageHeading text=title />
            <FormAlert problem />
            {move || match me.get() {
                Some(me) => render(me).into_any(),
                None if problem.with(Option::is_none) => {
                    view! { <p class="muted">{t(Msg::Loading)}</p> }.into_any()
                }
                None => ().into_any(),
            }}
            <p class="aside">
                <A href=back.href()>
                    {t(if back == Route::Wallet { AccountMsg::BackToWallet } else { AccountMsg::BackToAccount })}
                </A>
            </p>
        </section>
    }
}
