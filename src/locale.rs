//! The page's current language: where it comes from, where it is remembered, and the helpers
//! views use to show catalogue text and locale-formatted numbers and dates.

use leptos::prelude::*;
use portal_api::dto::Locale;

use crate::i18n::{Msg, Text};

/// Where the person's explicit choice is remembered. Only an explicit choice is stored, so
/// someone who never picks keeps following their browser's languages.
const STORAGE_KEY: &str = "portal.locale";

#[derive(Clone, Copy)]
pub struct CurrentLocale(pub RwSignal<Locale>);

/// The language at start-up: the remembered choice, else the browser's preference.
pub fn initial_locale() -> Locale {
    let window = web_sys::window();
    let remembered = window
        .as_ref()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|tag| Locale::from_tag(&tag));
    if let Some(locale) = remembered {
        return locale;
    }
    let tags: Vec<String> = window
        .map(|w| w.navigator().languages())
        .map(|list| list.iter().filter_map(|v| v.as_string()).collect())
        .unwrap_or_default();
    Locale::negotiate(tags.iter().map(String::as_str))
}

pub fn provide_locale() -> RwSignal<Locale> {
    let locale = RwSignal::new(initial_locale());
    provide_context(CurrentLocale(locale));
    // `<html lang>` tells screen readers which voice to use and browsers which fonts to pick.
    Effect::new(move |_| {
        let tag = locale.get().as_str();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", tag);
        }
    });
    locale
}

/// Switches language and remembers the choice.
pub fn choose_locale(current: RwSignal<Locale>, locale: Locale) {
    current.set(locale);
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(STORAGE_KEY, locale.as_str());
    }
}

pub fn use_locale() -> RwSignal<Locale> {
    expect_context::<CurrentLocale>().0
}

/// A catalogue message that follows the language switch.
pub fn t(msg: impl Text) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let locale = use_locale();
    move || msg.text(locale.get())
}

/// A number written the way the locale writes numbers (digit grouping).
pub fn format_count(count: u64, locale: Locale) -> String {
    js_sys::Number::from(count as f64)
        .to_locale_string(locale.bcp47())
        .as_string()
        .unwrap_or_else(|| count.to_string())
}

/// A calendar date (Unix seconds) in the locale's long form, e.g. "July 1, 2019" or
/// "2019年7月1日", through `Intl.DateTimeFormat`.
pub fn format_date(unix_seconds: i64, locale: Locale) -> String {
    intl_format(unix_seconds, locale, false)
}

/// A date and time of day (Unix seconds, shown in the browser's time zone), e.g.
/// "July 1, 2019 at 9:05 PM" or "2019年7月1日 21:05".
pub fn format_date_time(unix_seconds: i64, locale: Locale) -> String {
    intl_format(unix_seconds, locale, true)
}

fn intl_format(unix_seconds: i64, locale: Locale, with_time: bool) -> String {
    use wasm_bindgen::JsValue;
    let locales = js_sys::Array::of1(&JsValue::from_str(locale.bcp47()));
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"long".into());
    if with_time {
        let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    }
    let format = js_sys::Intl::DateTimeFormat::new(&locales, &options).format();
    format
        .call1(&JsValue::UNDEFINED, &js_date(unix_seconds))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// The machine-readable form for `<time datetime>`, e.g. "2019-07-01T12:05:00.000Z".
pub fn iso_date_time(unix_seconds: i64) -> String {
    js_date(unix_seconds)
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}

fn js_date(unix_seconds: i64) -> js_sys::Date {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        unix_seconds as f64 * 1000.0,
    ))
}

/// Sets the document title ("Sign in – Mamoru Wallet"), so the browser tab, history and a
/// screen reader announcing the navigation all name the page.
pub fn set_title(page: impl Text) {
    let locale = use_locale();
    Effect::new(move |_| {
        let loc = locale.get();
        document().set_title(&crate::i18n::fill(
            Msg::PageTitle.text(loc),
            &[
                ("page", page.text(loc)),
                ("service", portal_api::SERVICE_NAME),
            ],
        ));
    });
}
