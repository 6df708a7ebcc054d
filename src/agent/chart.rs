//! New cases per hour over the last 7 days as bars, the current hour marked when it is a spike
//! (docs/threat-model.md#t14), and every count as a table for anyone who cannot see the bars.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api::agent::CaseStats;

use super::text::AgentMsg;
use crate::account::me::signed_out_or;
use crate::components::FormAlert;
use crate::form::Problem;
use crate::i18n::{fill, Text};
use crate::locale::{format_count, format_date_time, t, use_locale};

/// "2.4": the usual level to one decimal, as people say it.
fn per_hour(usual: f64) -> String {
    format!("{:.1}", usual)
}

#[component]
pub fn CaseChart() -> impl IntoView {
    let locale = use_locale();
    let stats = RwSignal::new(None::<CaseStats>);
    let problem = RwSignal::new(None::<Problem>);
    spawn_local(async move {
        match super::api::stats().await {
            Ok(found) => {
                stats.try_set(Some(found));
            }
            Err(e) => signed_out_or(&e, problem),
        }
    });
    view! {
        <FormAlert problem />
        {move || stats.get().map(|s| {
            let current = s.hours.last().map_or(0, |h| h.disputes + h.fraud_reports);
            let usual = per_hour(s.usual_per_hour);
            let summary = {
                let usual = usual.clone();
                move || fill(
                    AgentMsg::ChartSummary.text(locale.get()),
                    &[("usual", &usual), ("current", &current.to_string())],
                )
            };
            let spike = s.spike.then(|| {
                let usual = usual.clone();
                view! {
                    <p class="form-alert" role="alert">
                        {move || fill(
                            AgentMsg::SpikeAlert.text(locale.get()),
                            &[("usual", &usual), ("current", &current.to_string())],
                        )}
                    </p>
                }
            });
            let most = s.hours.iter().map(|h| h.disputes + h.fraud_reports).max().unwrap_or(0).max(1);
            let n = s.hours.len().max(1) as u64;
            let last = s.hours.len().saturating_sub(1);
            let bars = s.hours.iter().enumerate().map(|(i, h)| {
                let height = (h.disputes + h.fraud_reports) * 100 / most;
                let class = match (i == last, s.spike) {
                    (true, true) => "spike",
                    (true, false) => "current",
                    _ => "",
                };
                // 1,000 units wide: 168 bars of about 6 each.
                view! {
                    <rect class=class x=(i as u64 * 1000 / n).to_string() y=(100 - height).to_string()
                        width=(1000 / n).saturating_sub(1).max(1).to_string() height=height.to_string() />
                }
            }).collect_view();
            let rows = s.hours.into_iter().rev().map(|h| {
                let hour = h.hour;
                view! {
                    <tr>
                        <th scope="row">{move || format_date_time(hour, locale.get())}</th>
                        <td>{h.disputes}</td>
                        <td>{h.fraud_reports}</td>
                        <td>{h.sign_in_failures}</td>
                        <td>{h.new_device_sign_ins}</td>
                        <td>{h.password_resets}</td>
                        <td>{h.top_ups}</td>
                    </tr>
                }
            }).collect_view();
            let (open, overdue) = (s.open, s.overdue);
            view! {
                {spike}
                <dl class="details">
                    <div><dt>{t(AgentMsg::OpenTerm)}</dt><dd>{move || format_count(open, locale.get())}</dd></div>
                    <div><dt>{t(AgentMsg::OverdueTerm)}</dt><dd>{move || format_count(overdue, locale.get())}</dd></div>
                </dl>
                <figure class="chart hourly">
                    <figcaption>{t(AgentMsg::ChartHeading)}</figcaption>
                    <svg viewBox="0 0 1000 100" preserveAspectRatio="none" role="img" aria-label=summary.clone()>
                        {bars}
                    </svg>
                    <details>
                        <summary>{t(AgentMsg::ChartAsTable)}</summary>
                        <div class="table-scroll">
                            <table>
                                <caption>{summary}</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">{t(AgentMsg::HourTerm)}</th>
                                        <th scope="col">{t(AgentMsg::DisputesTerm)}</th>
                                        <th scope="col">{t(AgentMsg::FraudReportsTerm)}</th>
                                        <th scope="col">{t(AgentMsg::SignInFailuresTerm)}</th>
                                        <th scope="col">{t(AgentMsg::NewDevicesTerm)}</th>
                                        <th scope="col">{t(AgentMsg::ResetsTerm)}</th>
                                        <th scope="col">{t(AgentMsg::TopUpsTerm)}</th>
                                    </tr>
                                </thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                    </details>
                </figure>
            }
        })}
    }
}
