//! The support console: the queue of disputes and fraud reports, one case with what an agent
//! may do on it, and the audit log for admins. Signed-in bundle only. The server decides who
//! may see what (docs/threat-model.md#t12, #t14, #t15); these pages only say so early.

mod api;
mod audit;
mod case;
mod chart;
mod queue;
pub(crate) mod text;

use leptos::prelude::*;
use leptos_router::components::Route;
use leptos_router::components::A;
use leptos_router::{path, MatchNestedRoutes};
use portal_api::agent::Role;
use portal_api::dto::Me;

use crate::account::me::SignedInPage;
use crate::locale::t;
use crate::route::{Moved, Route as To};
use text::AgentMsg;

/// The console's routes (their paths: [`crate::route::Route::href`]), and the address from
/// before case ids were path segments.
#[component(transparent)]
pub fn AgentRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/agent") view=|| view! {
            <SignedInPage title=AgentMsg::QueueTitle render=|me| staff(me, Role::Agent, |me| view! { <queue::Queue me /> }) />
        } />
        <Route path=path!("/agent/cases/:id") view=|| view! {
            <SignedInPage title=AgentMsg::CaseTitle render=|me| staff(me, Role::Agent, |me| view! { <case::CaseLoader me=me.id /> }) />
        } />
        <Route path=path!("/agent/audit") view=|| view! {
            <SignedInPage title=AgentMsg::AuditTitle render=|me| staff(me, Role::Admin, |_| view! { <audit::AuditLog /> }) />
        } />
        <Route path=path!("/agent/case") view=|| view! { <Moved to=|id| To::AgentCase(id) /> } />
    }
    .into_inner()
}

/// `render` for staff of at least `needed` with two-step verification on; otherwise what they
/// must do first. The server refuses the calls either way.
fn staff<V: IntoView + 'static>(me: Me, needed: Role, render: impl Fn(Me) -> V) -> AnyView {
    let allowed = match needed {
        Role::Admin => me.role == Role::Admin,
        _ => me.role.is_staff(),
    };
    if !allowed {
        view! { <p class="form-alert" role="alert">{t(AgentMsg::StaffOnly)}</p> }.into_any()
    } else if !me.totp_enabled {
        view! { <TwoStepFirst /> }.into_any()
    } else {
        view! { <div class="console">{render(me)}</div> }.into_any()
    }
}

/// What an agent without two-step verification sees instead of customer data.
#[component]
pub fn TwoStepFirst() -> impl IntoView {
    view! {
        <div class="form-alert" role="alert">
            <p>{t(AgentMsg::TurnOnTwoStep)}</p>
            <p><A href=To::Security.href()>{t(AgentMsg::TurnOnTwoStepLink)}</A></p>
        </div>
    }
}
