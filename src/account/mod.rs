//! The signed-in area: only in the whole app (see the crate docs).

mod overview;
mod sessions;
mod text;

use leptos::prelude::*;

use crate::router::Page;
use overview::Account;
use sessions::Sessions;

/// The view of a signed-in page; `None` for the public ones.
pub fn page(page: Page) -> Option<AnyView> {
    Some(match page {
        Page::Account => view! { <Account /> }.into_any(),
        Page::Sessions => view! { <Sessions /> }.into_any(),
        _ => return None,
    })
}
