//! Spending per month as bars, with the same figures as a table for anyone who cannot see them.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api::dto::Locale;
use portal_api::wallet::{MonthTotal, SpendingQuery};

use super::text::WalletMsg;
use crate::api;
use crate::i18n::{fill, Text};
use crate::locale::{t, use_locale};

const MONTHS: u32 = 12;

/// How a month is named: with its year ("Nov 2026" / "2026年11月"), or alone under a bar ("Nov" /
/// "11月"), where twelve names with their years would wrap at phone width.
#[derive(Clone, Copy)]
enum Style {
    WithYear,
    MonthOnly,
}

/// The name of "2026-11" in `locale`, through `Intl.DateTimeFormat`.
fn month_name(month: &str, locale: Locale, style: Style) -> String {
    let Some((y, m)) = month.split_once('-') else {
        return month.to_owned();
    };
    let (Ok(y), Ok(m)) = (y.parse::<f64>(), m.parse::<f64>()) else {
        return month.to_owned();
    };
    let locales = js_sys::Array::of1(&locale.bcp47().into());
    let options = js_sys::Object::new();
    if let Style::WithYear = style {
        let _ = js_sys::Reflect::set(&options, &"year".into(), &"numeric".into());
    }
    let _ = js_sys::Reflect::set(&options, &"month".into(), &"short".into());
    let _ = js_sys::Reflect::set(&options, &"timeZone".into(), &"UTC".into());
    let date = js_sys::Date::new(&js_sys::Date::utc(y, m - 1.0).into());
    js_sys::Intl::DateTimeFormat::new(&locales, &options)
        .format()
        .call1(&wasm_bindgen::JsValue::UNDEFINED, &date)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| month.to_owned())
}

#[component]
pub fn SpendingChart() -> impl IntoView {
    let locale = use_locale();
    let months = RwSignal::new(None::<Vec<MonthTotal>>);
    // Months end at the reader's midnight, not UTC's.
    let offset = -(js_sys::Date::new_0().get_timezone_offset() as i32);
    spawn_local(async move {
        let q = SpendingQuery {
            months: Some(MONTHS),
            utc_offset_minutes: Some(offset),
        };
        if let Ok(stats) = api::spending(&q).await {
            months.try_set(Some(stats.months));
        }
    });
    let summary = move || {
        fill(
            WalletMsg::ChartSummary.text(locale.get()),
            &[("months", &MONTHS.to_string())],
        )
    };
    move || {
        months.get().map(|list| {
            let most = list.iter().map(|m| m.spent.minor).max().unwrap_or(0).max(1);
            let n = list.len().max(1) as i64;
            let bars = list
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let h = m.spent.minor.max(0) * 100 / most;
                    view! {
                        <rect x=(i as i64 * 100 / n + 1).to_string() y=(100 - h).to_string()
                            width=(100 / n - 2).max(1).to_string() height=h.to_string() />
                    }
                })
                .collect_view();
            let labels = list
                .iter()
                .map(|m| {
                    let month = m.month.clone();
                    view! { <li>{move || month_name(&month, locale.get(), Style::MonthOnly)}</li> }
                })
                .collect_view();
            // The years once, for the whole row of bars: "Dec 2025 – Nov 2026".
            let first = list.first().map(|m| m.month.clone()).unwrap_or_default();
            let last = list.last().map(|m| m.month.clone()).unwrap_or_default();
            let range = move || {
                let l = locale.get();
                format!(
                    "{} – {}",
                    month_name(&first, l, Style::WithYear),
                    month_name(&last, l, Style::WithYear)
                )
            };
            let rows = list
                .into_iter()
                .map(|m| {
                    let spent = m.spent;
                    let month = m.month.clone();
                    view! {
                        <tr>
                            <th scope="row">{move || month_name(&month, locale.get(), Style::WithYear)}</th>
                            <td>{move || spent.format(locale.get())}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <figure class="chart">
                    <figcaption id="chart-caption">{t(WalletMsg::ChartHeading)}</figcaption>
                    <svg viewBox="0 0 100 100" preserveAspectRatio="none" role="img" aria-label=summary>
                        {bars}
                    </svg>
                    // The table below says the same to screen readers.
                    <ol class="chart-labels" aria-hidden="true">{labels}</ol>
                    <p class="chart-range" aria-hidden="true">{range}</p>
                    <details>
                        <summary>{t(WalletMsg::ChartAsTable)}</summary>
                        <table>
                            <caption>{summary}</caption>
                            <thead>
                                <tr>
                                    <th scope="col">{t(WalletMsg::MonthTerm)}</th>
                                    <th scope="col">{t(WalletMsg::SpentTerm)}</th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </details>
                </figure>
            }
        })
    }
}
