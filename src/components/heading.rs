use std::cell::Cell;

use leptos::html::H1;
use leptos::prelude::*;

use crate::i18n::Text;
use crate::locale::{set_title, t};

thread_local! {
    /// On the first page of a visit the browser has already put the reader at the top; only
    /// later (client-side) navigations need focus moved, as a full page load would have done.
    static FIRST_PAGE: Cell<bool> = const { Cell::new(true) };
}

/// The page's `<h1>`, also its document title. Focused after a client-side navigation so that
/// keyboard and screen-reader users start at the new page rather than at the link they used.
#[component]
pub fn PageHeading<M: Text>(text: M) -> impl IntoView {
    set_title(text);
    let node = NodeRef::<H1>::new();
    let first = FIRST_PAGE.with(|f| f.replace(false));
    if !first {
        Effect::new(move |_| {
            if let Some(h1) = node.get() {
                let _ = h1.focus();
            }
        });
    }
    view! { <h1 node_ref=node tabindex="-1">{t(text)}</h1> }
}
