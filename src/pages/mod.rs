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

use crate::router::Page;
use confirm_email::ConfirmEmail;
use forgot_password::ForgotPassword;
use home::Home;
use not_found::NotFound;
use reset_password::ResetPassword;
use sign_in::SignIn;
use sign_up::SignUp;
use verify_email::VerifyEmail;

/// The view of a public page. Any other page needs the whole app, which a page load fetches (the
/// public bundle gets here only if the address changed without one).
pub fn public_page(page: Page) -> AnyView {
    match page {
        Page::Home => view! { <Home /> }.into_any(),
        Page::SignIn => view! { <SignIn /> }.into_any(),
        Page::SignUp => view! { <SignUp /> }.into_any(),
        Page::VerifyEmail => view! { <VerifyEmail /> }.into_any(),
        Page::ForgotPassword => view! { <ForgotPassword /> }.into_any(),
        Page::ResetPassword => view! { <ResetPassword /> }.into_any(),
        Page::ConfirmEmail => view! { <ConfirmEmail /> }.into_any(),
        Page::NotFound => view! { <NotFound /> }.into_any(),
        _ => {
            let _ = window().location().reload();
            ().into_any()
        }
    }
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
