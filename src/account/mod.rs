//! The signed-in area: only in the whole app (see the crate docs).

mod email;
pub(crate) mod me;
mod not_me;
mod overview;
mod password;
pub(crate) mod qr;
mod security;
mod sessions;
mod sign_ins;
pub(crate) mod step_up;
pub(crate) mod text;

use leptos::prelude::*;
use leptos_router::components::Route;
use leptos_router::{path, MatchNestedRoutes};

use email::ChangeEmail;
use not_me::NotMe;
use overview::Account;
use password::ChangePassword;
use security::Security;
use sessions::Sessions;

/// The signed-in area's routes (their paths: [`crate::route::Route::href`]).
#[component(transparent)]
pub fn AccountRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/account") view=Account />
        <Route path=path!("/account/sessions") view=Sessions />
        <Route path=path!("/account/security") view=Security />
        <Route path=path!("/account/password") view=ChangePassword />
        <Route path=path!("/account/email") view=ChangeEmail />
        <Route path=path!("/sign-in/not-me") view=NotMe />
    }
    .into_inner()
}
