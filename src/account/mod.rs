//! The signed-in area: only in the whole app (see the crate docs).

mod email;
pub(crate) mod me;
mod overview;
mod password;
pub(crate) mod qr;
mod security;
mod sessions;
pub(crate) mod step_up;
pub(crate) mod text;

use leptos::prelude::*;

use crate::router::Page;
use email::ChangeEmail;
use overview::Account;
use password::ChangePassword;
use security::Security;
use sessions::Sessions;

/// The view of a signed-in page; `None` for the public ones.
pub fn page(page: Page) -> Option<AnyView> {
    Some(match page {
        Page::Account => view! { <Account /> }.into_any(),
        Page::Sessions => view! { <Sessions /> }.into_any(),
        Page::Security => view! { <Security /> }.into_any(),
        Page::ChangePassword => view! { <ChangePassword /> }.into_any(),
        Page::ChangeEmail => view! { <ChangeEmail /> }.into_any(),
        _ => return None,
    })
}
