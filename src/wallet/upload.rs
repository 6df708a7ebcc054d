//! One screenshot upload, through `XMLHttpRequest` rather than fetch: only XHR reports how much
//! of a request body has been sent, and on a slow phone line a 5 MB screenshot needs a progress
//! bar that moves.
//!
//! The few browser APIs this needs are declared here rather than as web-sys features: enabling
//! those features grew the public bundle (measured: +147 bytes brotli), which has no headroom
//! to spare, although none of it runs there.

use std::cell::RefCell;
use std::rc::Rc;

use portal_api::evidence::Screenshot;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;

use crate::api::{self, ApiError};

#[wasm_bindgen]
extern "C" {
    /// A file the customer chose (`File`, from an `<input type=file>`).
    pub type File;
    #[wasm_bindgen(method, getter)]
    pub fn name(this: &File) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn size(this: &File) -> f64;

    #[wasm_bindgen(js_name = XMLHttpRequest)]
    pub type Request;
    #[wasm_bindgen(constructor, js_class = "XMLHttpRequest", catch)]
    fn new() -> Result<Request, JsValue>;
    #[wasm_bindgen(method, js_class = "XMLHttpRequest", catch)]
    fn open(this: &Request, method: &str, url: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method, js_class = "XMLHttpRequest", catch)]
    fn send(this: &Request, body: &File) -> Result<(), JsValue>;
    #[wasm_bindgen(method, js_class = "XMLHttpRequest")]
    pub fn abort(this: &Request);
    #[wasm_bindgen(method, getter, js_class = "XMLHttpRequest")]
    fn status(this: &Request) -> u16;
    #[wasm_bindgen(method, getter, js_class = "XMLHttpRequest", js_name = responseText)]
    fn response_text(this: &Request) -> String;
    #[wasm_bindgen(method, js_class = "XMLHttpRequest", js_name = getResponseHeader)]
    fn response_header(this: &Request, name: &str) -> Option<String>;
    #[wasm_bindgen(method, getter, js_class = "XMLHttpRequest")]
    fn upload(this: &Request) -> Upload;
    #[wasm_bindgen(method, setter, js_class = "XMLHttpRequest")]
    fn set_onloadend(this: &Request, handler: &JsValue);

    /// `XMLHttpRequestUpload`: the events of the request body going out.
    type Upload;
    #[wasm_bindgen(method, setter)]
    fn set_onprogress(this: &Upload, handler: &JsValue);

    type Progress;
    #[wasm_bindgen(method, getter, js_name = lengthComputable)]
    fn length_computable(this: &Progress) -> bool;
    #[wasm_bindgen(method, getter)]
    fn loaded(this: &Progress) -> f64;
    #[wasm_bindgen(method, getter)]
    fn total(this: &Progress) -> f64;
}

/// The files chosen in a file input, in order.
pub fn chosen_files(input: &web_sys::HtmlElement) -> Vec<File> {
    let files = js_sys::Reflect::get(input, &"files".into()).unwrap_or(JsValue::NULL);
    if files.is_null() || files.is_undefined() {
        return Vec::new();
    }
    js_sys::Array::from(&files)
        .iter()
        .map(JsCast::unchecked_into)
        .collect()
}

/// Starts uploading `file`. `on_progress` gets (bytes sent, bytes in all) as the body goes out;
/// `on_end` gets the outcome exactly once (after an `abort` too, as a network failure). The
/// returned request can be aborted.
pub fn start(
    file: &File,
    on_progress: impl Fn(f64, f64) + 'static,
    on_end: impl FnOnce(Result<Screenshot, ApiError>) + 'static,
) -> Result<Request, ApiError> {
    let xhr = Request::new().map_err(|_| ApiError::Network)?;
    let url = format!(
        "/api/evidence?name={}",
        js_sys::encode_uri_component(&file.name())
    );
    // Same origin, like every other call: the session cookie goes along, and the browser adds
    // the `Origin` header the server's cross-site check reads. The body is the file as it is;
    // the server decides what it is by decoding it, whatever its Content-Type says.
    xhr.open("POST", &url).map_err(|_| ApiError::Network)?;

    let progress = Closure::<dyn Fn(Progress)>::new(move |ev: Progress| {
        if ev.length_computable() {
            on_progress(ev.loaded(), ev.total());
        }
    });
    let upload = xhr.upload();
    upload.set_onprogress(progress.as_ref());
    // Kept alive until `loadend`, which comes after the upload's last progress event.
    let progress = Rc::new(RefCell::new(Some(progress)));

    let finished: Request = xhr.clone().unchecked_into();
    // `loadend` fires once whatever happened (load, error, abort, timeout), so a one-shot
    // closure that frees itself is enough.
    let on_loadend = Closure::once_into_js(move || {
        upload.set_onprogress(&JsValue::NULL);
        progress.borrow_mut().take();
        on_end(outcome(&finished));
    });
    xhr.set_onloadend(&on_loadend);
    xhr.send(file).map_err(|_| ApiError::Network)?;
    Ok(xhr)
}

fn outcome(xhr: &Request) -> Result<Screenshot, ApiError> {
    // 0: no answer at all (offline, aborted, refused before any headers).
    match xhr.status() {
        0 => Err(ApiError::Network),
        200..=299 => serde_json::from_str(&xhr.response_text()).map_err(|_| ApiError::Network),
        _ => {
            let retry_after = xhr
                .response_header("retry-after")
                .and_then(|v| v.trim().parse().ok());
            Err(api::error_from_text(&xhr.response_text(), retry_after))
        }
    }
}
