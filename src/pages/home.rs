use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::route::{use_navigate, Route};

/// `/`: the account for a signed-in visitor, sign-in for anyone else. Asking the server first
/// keeps signed-out visitors on the small public bundle. `replace` keeps Back from bouncing
/// through `/`.
#[component]
pub fn Home() -> impl IntoView {
    let navigate = use_navigate();
    spawn_local(async move {
        let to = match api::me().await {
            Ok(Some(_)) => Route::Account,
            _ => Route::SignIn,
        };
        navigate(to, true);
    });
}
