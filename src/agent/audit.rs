//! `/agent/audit`: the audit log for admins, oldest first, a page at a time, and all of it as
//! CSV. Reading it is itself recorded by the server.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::agent::{AuditEntry, AuditQuery};

use super::api::AUDIT_CSV_URL;
use super::text::AgentMsg;
use crate::account::me::signed_out_or;
use crate::components::FormAlert;
use crate::form::Problem;
use crate::locale::t;
use crate::route::Route;
use crate::wallet::rows::When;

#[component]
pub fn AuditLog() -> impl IntoView {
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let next = RwSignal::new(None::<i64>);
    let problem = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);
    let load = move |after: Option<i64>| {
        busy.set(true);
        spawn_local(async move {
            let q = AuditQuery {
                after,
                ..Default::default()
            };
            let result = super::api::audit_log(&q).await;
            busy.try_set(false);
            match result {
                Ok(page) => {
                    entries.update(|e| e.extend(page.items));
                    next.set(page.next_after);
                }
                Err(e) => signed_out_or(&e, problem),
            }
        });
    };
    load(None);
    view! {
        <p><A href=Route::Agent.href()>{t(AgentMsg::BackToQueue)}</A></p>
        <p>{t(AgentMsg::AuditExplain)}</p>
        <p><a class="button secondary" href=AUDIT_CSV_URL download="">{t(AgentMsg::DownloadCsv)}</a></p>
        <FormAlert problem />
        <div class="table-scroll">
            <table class="audit">
                <caption>{t(AgentMsg::AuditTitle)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t(AgentMsg::SeqTerm)}</th>
                        <th scope="col">{t(AgentMsg::AtTerm)}</th>
                        <th scope="col">{t(AgentMsg::WhoTerm)}</th>
                        <th scope="col">{t(AgentMsg::ActionTerm)}</th>
                        <th scope="col">{t(AgentMsg::CustomerTerm)}</th>
                        <th scope="col">{t(AgentMsg::CaseTerm)}</th>
                        <th scope="col">{t(AgentMsg::FromTerm)}</th>
                        <th scope="col">{t(AgentMsg::DetailTerm)}</th>
                    </tr>
                </thead>
                <tbody>
                    {move || entries.get().into_iter().map(|e| view! {
                        <tr>
                            <th scope="row">{e.seq}</th>
                            <td><When at=e.at /></td>
                            <td class="email">{e.actor_email}</td>
                            <td><code>{e.action}</code></td>
                            <td><code>{e.customer_id}</code></td>
                            <td>{e.case_id.map(|c| {
                                let href = Route::AgentCase(&c).href();
                                view! { <A href=href>{c}</A> }
                            })}</td>
                            <td>{e.ip}</td>
                            <td><code class="as-typed">{e.detail}</code></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {move || next.with(Option::is_some).then(|| view! {
            <button type="button" class="secondary" disabled=move || busy.get()
                on:click=move |_| load(next.get_untracked())>{t(AgentMsg::MoreEntries)}</button>
        })}
    }
}
