//! One module per route.

mod account;
mod home;
mod not_found;
mod sign_in;
mod sign_up;
mod verify_email;

pub use account::Account;
pub use home::Home;
pub use not_found::NotFound;
pub use sign_in::SignIn;
pub use sign_up::SignUp;
pub use verify_email::VerifyEmail;

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
