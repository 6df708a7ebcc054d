use leptos::prelude::*;

use crate::router::use_navigate;

/// `/`: the account page decides between showing the account and sending to sign-in, so `/`
/// needs no request of its own. `replace` keeps Back from bouncing through `/`.
#[component]
pub fn Home() -> impl IntoView {
    let navigate = use_navigate();
    // Not while the router is still rendering this page.
    queue_microtask(move || navigate("/account", true));
}
