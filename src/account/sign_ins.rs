//! The sign-in activity on `/account/sessions`: every attempt on the account in the last 90
//! days, newest first (docs/threat-model.md#t15), so the customer sees an attack themselves.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api::dto::{Locale, SignInAttempt, SignInOutcome};

use super::me::signed_out_or;
use super::text::AccountMsg;
use crate::api;
use crate::components::FormAlert;
use crate::form::Problem;
use crate::i18n::{fill, Text};
use crate::locale::{format_date_time, iso_date_time, t, use_locale};

fn outcome_text(outcome: SignInOutcome) -> AccountMsg {
    match outcome {
        SignInOutcome::SignedIn => AccountMsg::OutcomeSignedIn,
        SignInOutcome::WrongPassword => AccountMsg::OutcomeWrongPassword,
        SignInOutcome::WrongCode => AccountMsg::OutcomeWrongCode,
        SignInOutcome::DeviceCodeSent => AccountMsg::OutcomeDeviceCodeSent,
        SignInOutcome::DeviceVerified => AccountMsg::OutcomeDeviceVerified,
        SignInOutcome::NotMe => AccountMsg::OutcomeNotMe,
    }
}

fn device(attempt: &SignInAttempt, loc: Locale) -> String {
    fill(
        AccountMsg::DeviceName.text(loc),
        &[
            (
                "browser",
                attempt
                    .browser
                    .as_deref()
                    .unwrap_or(AccountMsg::UnknownBrowser.text(loc)),
            ),
            (
                "os",
                attempt
                    .os
                    .as_deref()
                    .unwrap_or(AccountMsg::UnknownDevice.text(loc)),
            ),
        ],
    )
}

#[component]
pub fn SignInActivity() -> impl IntoView {
    let locale = use_locale();
    let attempts = RwSignal::new(None::<Vec<SignInAttempt>>);
    let next = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);
    let load = move |cursor: Option<String>| {
        busy.set(true);
        spawn_local(async move {
            let result = api::sign_in_history(cursor.as_deref()).await;
            if attempts.is_disposed() {
                return;
            }
            busy.set(false);
            match result {
                Ok(page) => {
                    attempts.update(|list| list.get_or_insert_with(Vec::new).extend(page.attempts));
                    next.set(page.next_cursor);
                }
                Err(e) => signed_out_or(&e, problem),
            }
        });
    };
    load(None);

    let body = move || {
        let loc = locale.get();
        attempts.with(|list| match list {
            None => None,
            Some(list) if list.is_empty() => {
                Some(view! { <p class="muted">{AccountMsg::NoSignIns.text(loc)}</p> }.into_any())
            }
            Some(list) => Some(
                view! {
                    <ol class="sign-ins">
                        {list
                            .iter()
                            .map(|a| {
                                let wrong = !matches!(
                                    a.outcome,
                                    SignInOutcome::SignedIn | SignInOutcome::DeviceVerified
                                );
                                view! {
                                    <li class:sign-in-failed=wrong>
                                        <strong>{outcome_text(a.outcome).text(loc)}</strong>
                                        " "
                                        <time datetime=iso_date_time(a.at)>{format_date_time(a.at, loc)}</time>
                                        <br />
                                        <span class="muted">{format!("{} · {}", a.address, device(a, loc))}</span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                }
                .into_any(),
            ),
        })
    };

    view! {
        <section aria-labelledby="sign-ins-heading">
            <h2 id="sign-ins-heading">{t(AccountMsg::SignInsHeading)}</h2>
            <p>{t(AccountMsg::SignInsIntro)}</p>
            <FormAlert problem />
            {body}
            {move || next.get().map(|cursor| view! {
                <button type="button" class="secondary" disabled=move || busy.get()
                    on:click=move |_| load(Some(cursor.clone()))>
                    {t(AccountMsg::ShowOlder)}
                </button>
            })}
        </section>
    }
}
