//! The public pages, one module per route: what the public bundle serves.

mod confirm_email;
mod forgot_password;
mod home;
mod not_found;
mod reset_password;
mod sign_in;
mod sign_up;
mod verify_email;

use leptos::prelude::*;
use leptos_router::components::Route;
use leptos_router::{path, MatchNestedRoutes};

use confirm_email::ConfirmEmail;
use forgot_password::ForgotPassword;
use home::Home;
pub(crate) use not_found::NotFound;
use reset_password::ResetPassword;
use sign_in::SignIn;
use sign_up::SignUp;
use verify_email::VerifyEmail;

/// The public pages' routes, in every bundle (their paths: [`crate::route::Route::href`]).
#[component(transparent)]
pub fn PublicRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/") view=Home />
        <Route path=path!("/sign-in") view=SignIn />
        <Route path=path!("/sign-up") view=SignUp />
        <Route path=path!("/verify-email") view=VerifyEmail />
        <Route path=path!("/forgot-password") view=ForgotPassword />
        <Route path=path!("/reset-password") view=ResetPassword />
        <Route path=path!("/confirm-email") view=ConfirmEmail />
    }
    .into_inner()
}

/// Moves keyboard focus to the element with `id` once the view has caught up with the state
/// change that created it (errors, results), since a disabled button drops focus on its own.
pub(crate) fn focus_soon(id: &'static str) {
    use leptos::prelude::{document, request_animation_frame};
    use wasm_bindgen::JsCast;
    request_animation_frame(move || {
        if let Some(el) = document().get_element_by_id(id) {
            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    });
}
