//! One screenshot upload, through `XMLHttpRequest` rather than fetch: only XHR reports how much
//! of a request body has been sent, and on a slow phone line a 5 MB screenshot needs a progress
//! bar that moves.

use std::cell::RefCell;
use std::rc::Rc;

use portal_api::evidence::Screenshot;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{File, ProgressEvent, XmlHttpRequest};

use crate::api::{self, ApiError};

/// Starts uploading `file`. `on_progress` gets (bytes sent, bytes in all) as the body goes out;
/// `on_end` gets the outcome exactly once (after an `abort` too, as a network failure). The
/// returned request can be aborted.
pub fn start(
    file: &File,
    on_progress: impl Fn(f64, f64) + 'static,
    on_end: impl FnOnce(Result<Screenshot, ApiError>) + 'static,
) -> Result<XmlHttpRequest, ApiError> {
    let xhr = XmlHttpRequest::new().map_err(|_| ApiError::Network)?;
    let url = format!(
        "/api/evidence?name={}",
        js_sys::encode_uri_component(&file.name())
    );
    // Same origin, like every other call: the session cookie goes along, and the browser adds
    // the `Origin` header the server's cross-site check reads. The body is the file as it is;
    // the server decides what it is by decoding it, whatever its Content-Type says.
    xhr.open("POST", &url).map_err(|_| ApiError::Network)?;

    let progress = Closure::<dyn Fn(ProgressEvent)>::new(move |ev: ProgressEvent| {
        if ev.length_computable() {
            on_progress(ev.loaded(), ev.total());
        }
    });
    let upload = xhr.upload().map_err(|_| ApiError::Network)?;
    upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    // Kept alive until `loadend`, which comes after the upload's last progress event.
    let progress = Rc::new(RefCell::new(Some(progress)));

    let finished = xhr.clone();
    // `loadend` fires once whatever happened (load, error, abort, timeout), so a one-shot
    // closure that frees itself is enough.
    let on_loadend = Closure::once_into_js(move || {
        upload.set_onprogress(None);
        progress.borrow_mut().take();
        on_end(outcome(&finished));
    });
    xhr.set_onloadend(Some(on_loadend.unchecked_ref()));
    xhr.send_with_opt_blob(Some(file))
        .map_err(|_| ApiError::Network)?;
    Ok(xhr)
}

fn outcome(xhr: &XmlHttpRequest) -> Result<Screenshot, ApiError> {
    // 0: no answer at all (offline, aborted, refused before any headers).
    let status = xhr.status().unwrap_or(0);
    let body = xhr.response_text().ok().flatten().unwrap_or_default();
    match status {
        0 => Err(ApiError::Network),
        200..=299 => serde_json::from_str(&body).map_err(|_| ApiError::Network),
        _ => {
            let retry_after = xhr
                .get_response_header("retry-after")
                .ok()
                .flatten()
                .and_then(|v| v.trim().parse().ok());
            Err(api::error_from_text(&body, retry_after))
        }
    }
}
