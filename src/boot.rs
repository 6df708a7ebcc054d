//! How the public bundle fetches the whole app or the console: a module import of that bundle,
//! with a plain status line meanwhile (the public bundle mounts nothing for a signed-in address).

use wasm_bindgen::prelude::*;

use crate::i18n::{Msg, Text};

/// Imports a bundle's JS module and starts its wasm (which runs its `main`). It lives in the
/// public bundle's `main.rs`: JavaScript inlined in this library would be written by every
/// bundle's build to the same snippet file, and the last writer could leave a file whose hash no
/// longer matches the integrity index.html names for it.
pub type ImportApp = fn(&str) -> js_sys::Promise;

/// Trunk's output for the whole app (`data-type="worker"` in index.html keeps the name unhashed).
pub const WHOLE_APP: &str = "/portal-account.js";
/// The support console's, likewise.
pub const CONSOLE: &str = "/portal-agent.js";
const STATUS_ID: &str = "boot-status";

pub fn load_bundle(url: &'static str, import_app: ImportApp) {
    let locale = crate::locale::initial_locale();
    let document = leptos::prelude::document();
    if let Some(root) = document.document_element() {
        let _ = root.set_attribute("lang", locale.as_str());
    }
    let Ok(status) = document.create_element("p") else {
        return;
    };
    status.set_id(STATUS_ID);
    status.set_class_name("boot-status");
    let _ = status.set_attribute("role", "status");
    status.set_text_content(Some(Msg::Loading.text(locale)));
    if let Some(body) = document.body() {
        let _ = body.append_child(&status);
    }

    let failed = Closure::once(move |_: JsValue| {
        // Reloading the same address is the retry: the bundle may be reachable again.
        status.set_text_content(Some(Msg::NetworkError.text(locale)));
        if let Ok(retry) = leptos::prelude::document().create_element("a") {
            let _ = retry.set_attribute(
                "href",
                &leptos::prelude::location().href().unwrap_or_default(),
            );
            retry.set_text_content(Some(Msg::TryAgain.text(locale)));
            let _ = status.append_child(&leptos::prelude::document().create_text_node(" "));
            let _ = status.append_child(&retry);
        }
    });
    let _ = import_app(url).catch(&failed);
    failed.forget();
}

/// Removes the status line once the whole app is running.
pub fn clear_status() {
    if let Some(status) = leptos::prelude::document().get_element_by_id(STATUS_ID) {
        status.remove();
    }
}
