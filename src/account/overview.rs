use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::dto::Me;

use super::text::AccountMsg;
use crate::api;
use crate::components::{FormAlert, PageHeading};
use crate::form::{from_api, Problem};
use crate::i18n::Msg;
use crate::locale::{format_date, iso_date_time, t, use_locale};
use crate::pages::focus_soon;
use crate::route::{use_navigate, Route};
use crate::wallet::text::WalletMsg;

/// `/account`: the signed-in customer, or a redirect to sign-in.
#[component]
pub fn Account() -> impl IntoView {
    let navigate = use_navigate();
    let me = RwSignal::new(None::<Me>);
    let problem = RwSignal::new(None::<Problem>);
    spawn_local(async move {
        match api::me().await {
            Ok(Some(found)) => me.set(Some(found)),
            // Unless the person has already gone elsewhere (this page, and `me`, are gone).
            Ok(None) if !me.is_disposed() => navigate(Route::SignIn, true),
            Ok(None) => {}
            Err(e) => problem.set(Some(from_api(&e).1)),
        }
    });

    view! {
        <section class="card">
            <PageHeading text=AccountMsg::AccountTitle />
            <FormAlert problem />
            {move || match me.get() {
                Some(me) => view! { <AccountDetails me problem /> }.into_any(),
                None if problem.with(Option::is_none) => {
                    view! { <p class="muted">{t(Msg::Loading)}</p> }.into_any()
                }
                None => ().into_any(),
            }}
        </section>
    }
}

#[component]
fn AccountDetails(me: Me, problem: RwSignal<Option<Problem>>) -> impl IntoView {
    let locale = use_locale();
    let navigate = use_navigate();
    let created_at = me.created_at;
    let iso_date = iso_date_time(created_at);
    let signing_out = RwSignal::new(false);

    let sign_out = move |_| {
        if signing_out.get_untracked() {
            return;
        }
        signing_out.set(true);
        problem.set(None);
        spawn_local(async move {
            let result = api::sign_out().await;
            signing_out.set(false);
            match result {
                Ok(()) => navigate(Route::SignIn, false),
                Err(e) => {
                    problem.set(Some(from_api(&e).1));
                    focus_soon("form-alert");
                }
            }
        });
    };

    view! {
        <dl class="details">
            <div>
                <dt>{t(Msg::EmailLabel)}</dt>
                <dd>
                    <span class="email">{me.email.clone()}</span>
                    {if me.email_verified {
                        view! { <span class="badge badge-ok">{t(AccountMsg::Verified)}</span> }.into_any()
                    } else {
                        view! { <span class="badge badge-warn">{t(AccountMsg::Unverified)}</span> }.into_any()
                    }}
                </dd>
            </div>
            // Absent stays absent: no "not set" placeholder that could be mistaken for a value.
            {me.display_name.clone().map(|name| view! {
                <div>
                    <dt>{t(AccountMsg::DisplayNameTerm)}</dt>
                    <dd>{name}</dd>
                </div>
            })}
            <div>
                <dt>{t(AccountMsg::MemberSince)}</dt>
                <dd><time datetime=iso_date>{move || format_date(created_at, locale.get())}</time></dd>
            </div>
        </dl>
        <nav class="account-links" aria-label=t(AccountMsg::AccountTitle)>
            <ul>
                <li><A href=Route::Wallet.href()>{t(AccountMsg::WalletLink)}</A></li>
                // Reachable from the account menu too, and while the wallet is frozen.
                <li><A href=Route::ReportFraud(None).href()>{t(WalletMsg::ReportFraudLink)}</A></li>
                <li>
                    <A href=Route::Security.href()>{t(AccountMsg::SecurityLink)}</A>
                    " "
                    {if me.totp_enabled {
                        view! { <span class="badge badge-ok">{t(AccountMsg::TwoStepOn)}</span> }.into_any()
                    } else {
                        view! { <span class="badge badge-warn">{t(AccountMsg::TwoStepOff)}</span> }.into_any()
                    }}
                </li>
                <li><A href=Route::ChangePassword.href()>{t(AccountMsg::PasswordLink)}</A></li>
                <li><A href=Route::ChangeEmail.href()>{t(AccountMsg::EmailLink)}</A></li>
                <li><A href=Route::Sessions.href()>{t(AccountMsg::SessionsLink)}</A></li>
                {me.role.is_staff().then(|| view! {
                    <li><A href=Route::Agent.href()>{t(crate::agent::text::AgentMsg::ConsoleLink)}</A></li>
                })}
            </ul>
        </nav>
        {(!me.email_verified).then(|| view! { <ResendVerification /> })}
        <div class="actions">
            <button type="button" class="secondary" on:click=sign_out disabled=move || signing_out.get()
                aria-busy=move || if signing_out.get() { "true" } else { "false" }>
                <span class="spinner" aria-hidden="true" class:hidden=move || !signing_out.get()></span>
                {move || if signing_out.get() { t(AccountMsg::SigningOut)() } else { t(AccountMsg::SignOutButton)() }}
            </button>
        </div>
    }
}

/// Why confirming matters and a way to get a new link.
#[component]
fn ResendVerification() -> impl IntoView {
    let locale = use_locale();
    let busy = RwSignal::new(false);
    let sent = RwSignal::new(false);
    let problem = RwSignal::new(None::<Problem>);
    let resend = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        sent.set(false);
        problem.set(None);
        spawn_local(async move {
            let result = api::resend_verification().await;
            busy.set(false);
            match result {
                Ok(()) => sent.set(true),
                Err(e) => problem.set(Some(from_api(&e).1)),
            }
            // The button was disabled while sending, which drops focus; give it back.
            focus_soon("resend");
        });
    };
    view! {
        <section class="notice" aria-labelledby="verify-notice">
            <p id="verify-notice">{t(AccountMsg::UnverifiedExplain)}</p>
            <button id="resend" type="button" class="secondary" on:click=resend disabled=move || busy.get()
                aria-busy=move || if busy.get() { "true" } else { "false" }>
                <span class="spinner" aria-hidden="true" class:hidden=move || !busy.get()></span>
                {move || if busy.get() { t(AccountMsg::Resending)() } else { t(AccountMsg::ResendButton)() }}
            </button>
            <p class="status" role="status">
                {move || sent.get().then(t(AccountMsg::Resent))}
                {move || problem.get().map(|p| p.text(locale.get()))}
            </p>
        </section>
    }
}
