//! The breach check (k-anonymity): the password is hashed here, only the first 5 hex characters
//! of its SHA-1 leave the page, and the rest is looked for in the answer locally.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use portal_api::pwned::{count_in_range, sha1_hex, split_hash};

use crate::api::{self, ApiError};

thread_local! {
    /// Range answers by prefix: leaving and re-entering the field, or submitting after the
    /// blur check, asks the server once.
    static RANGES: RefCell<HashMap<String, Rc<str>>> = RefCell::new(HashMap::new());
}

/// How many times `password` appears in the breach corpus (0: not found).
pub async fn breach_count(password: &str) -> Result<u64, ApiError> {
    let hash = sha1_hex(password);
    let (prefix, suffix) = split_hash(&hash);
    let prefix = prefix.as_str().to_owned();
    let cached = RANGES.with(|r| r.borrow().get(&prefix).cloned());
    let body = match cached {
        Some(body) => body,
        None => {
            let body: Rc<str> = api::pwned_range(&prefix).await?.into();
            RANGES.with(|r| r.borrow_mut().insert(prefix, body.clone()));
            body
        }
    };
    Ok(count_in_range(&body, suffix))
}
