//! `/account/security`: two-step verification (TOTP, RFC 6238) and recovery codes
//! (docs/threat-model.md#t2, #t5).

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api::dto::{Me, TotpEnrollment};
use portal_api::error::ErrorCode;

use super::me::{signed_out_or, SignedInPage};
use super::qr::Qr;
use super::step_up::{StepUp, StepUpGate};
use super::text::AccountMsg;
use crate::api;
use crate::components::{CodeField, Field, FormAlert, SubmitButton};
use crate::form::{from_api, Problem};
use crate::i18n::{fill, Msg, Text};
use crate::locale::{format_count, t, use_locale};
use crate::pages::focus_soon;
use crate::route::{use_navigate, MoneyPage};

const STATUS_ID: &str = "security-status";

#[derive(Clone, PartialEq)]
enum Panel {
    Status,
    Enrolling(TotpEnrollment),
    /// Fresh recovery codes, shown once.
    Codes(Vec<String>),
}

#[component]
pub fn Security() -> impl IntoView {
    view! { <SignedInPage title=AccountMsg::SecurityTitle render=|me| view! { <TwoStep me /> } /> }
}

/// The page's state, shared by its parts.
#[derive(Clone, Copy)]
struct TwoStepState {
    on: RwSignal<bool>,
    codes_left: RwSignal<u32>,
    panel: RwSignal<Panel>,
    /// What the last action did, announced.
    done: RwSignal<Option<AccountMsg>>,
    problem: RwSignal<Option<Problem>>,
    step_up: StepUp,
}

#[component]
fn TwoStep(me: Me) -> impl IntoView {
    let locale = use_locale();
    let state = TwoStepState {
        on: RwSignal::new(me.totp_enabled),
        codes_left: RwSignal::new(me.recovery_codes_left),
        panel: RwSignal::new(Panel::Status),
        done: RwSignal::new(None),
        problem: RwSignal::new(None),
        step_up: StepUp::new(&me),
    };
    let email = StoredValue::new(me.email.clone());
    view! {
        <section aria-labelledby="two-step-heading">
            <h2 id="two-step-heading">
                {t(AccountMsg::TwoStepHeading)} " "
                {move || if state.on.get() {
                    view! { <span class="badge badge-ok">{t(AccountMsg::TwoStepOn)}</span> }.into_any()
                } else {
                    view! { <span class="badge badge-warn">{t(AccountMsg::TwoStepOff)}</span> }.into_any()
                }}
            </h2>
            <p id=STATUS_ID class="status" role="status" tabindex="-1">
                {move || state.done.get().map(|m| m.text(locale.get()))}
            </p>
            <FormAlert problem=state.problem />
            {move || match state.panel.get() {
                Panel::Enrolling(enrollment) => view! { <Enrol state enrollment /> }.into_any(),
                Panel::Codes(codes) => view! { <RecoveryCodesShown state codes email=email.get_value() /> }.into_any(),
                Panel::Status if state.on.get() => view! { <WhileOn state /> }.into_any(),
                Panel::Status => view! { <WhileOff state /> }.into_any(),
            }}
        </section>
    }
}

/// A button that runs `action` once at a time, with its busy label.
#[component]
fn ActionButton(
    id: &'static str,
    label: AccountMsg,
    busy_label: AccountMsg,
    busy: RwSignal<bool>,
    on_press: impl Fn() + 'static,
) -> impl IntoView {
    view! {
        <button id=id type="button" class="secondary" disabled=move || busy.get()
            aria-busy=move || if busy.get() { "true" } else { "false" }
            on:click=move |_| if !busy.get_untracked() { on_press() }>
            <span class="spinner" aria-hidden="true" class:hidden=move || !busy.get()></span>
            {move || if busy.get() { t(busy_label)() } else { t(label)() }}
        </button>
    }
}

#[component]
fn WhileOff(state: TwoStepState) -> impl IntoView {
    let busy = RwSignal::new(false);
    let start = move || {
        busy.set(true);
        state.problem.set(None);
        state.done.set(None);
        spawn_local(async move {
            let result = api::totp_enroll_start().await;
            busy.set(false);
            match result {
                Ok(enrollment) => {
                    state.panel.set(Panel::Enrolling(enrollment));
                    focus_soon("enrol-heading");
                }
                Err(e) if state.step_up.expired(&e) => {}
                Err(e) => {
                    signed_out_or(&e, state.problem);
                    focus_soon("form-alert");
                }
            }
        });
    };
    view! {
        <p>{t(AccountMsg::TwoStepExplain)}</p>
        <StepUpGate step_up=state.step_up>
            <ActionButton id="set-up" label=AccountMsg::SetUpButton busy_label=AccountMsg::Starting busy on_press=start />
        </StepUpGate>
    }
}

/// The secret in groups of four, as authenticator apps show it and people type it.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
fn Enrol(state: TwoStepState, enrollment: TotpEnrollment) -> impl IntoView {
    let locale = use_locale();
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let value = code.get_untracked().trim().to_owned();
        if value.is_empty() {
            code_error.set(Some(Problem::Msg(Msg::CodeRequired)));
            return focus_soon("enrol-code");
        }
        code_error.set(None);
        state.problem.set(None);
        busy.set(true);
        spawn_local(async move {
            let result = api::totp_enroll_confirm(value).await;
            busy.set(false);
            match result {
                Ok(codes) => {
                    state.on.set(true);
                    state.codes_left.set(codes.codes.len() as u32);
                    state.step_up.use_codes();
                    state.done.set(Some(AccountMsg::TwoStepTurnedOn));
                    state.panel.set(Panel::Codes(codes.codes));
                    focus_soon("codes-heading");
                }
                Err(e) if e.code() == Some(ErrorCode::CodeInvalid) => {
                    code_error.set(Some(from_api(&e).1));
                    focus_soon("enrol-code");
                }
                Err(e) if state.step_up.expired(&e) => state.panel.set(Panel::Status),
                Err(e) => {
                    signed_out_or(&e, state.problem);
                    focus_soon("form-alert");
                }
            }
        });
    };
    let qr_label = Signal::derive(move || AccountMsg::QrLabel.text(locale.get()));
    view! {
        <section class="enrol" aria-labelledby="enrol-heading">
            <h3 id="enrol-heading" tabindex="-1">{t(AccountMsg::EnrolHeading)}</h3>
            <p>{t(AccountMsg::EnrolScan)}</p>
            <Qr text=enrollment.otpauth_uri.clone() label=qr_label />
            <p id="setup-key-intro">{t(AccountMsg::EnrolKey)}</p>
            <p>
                <code class="setup-key" role="group" aria-labelledby="setup-key-intro">
                    {grouped(&enrollment.secret)}
                </code>
            </p>
            <p><a href=enrollment.otpauth_uri>{t(AccountMsg::OpenInApp)}</a></p>
            <p>{t(AccountMsg::EnrolCode)}</p>
            <form on:submit=submit novalidate>
                <CodeField id="enrol-code" value=code error=code_error />
                <div class="actions">
                    <SubmitButton label=AccountMsg::TurnOnButton busy_label=AccountMsg::TurningOn busy=busy.into() />
                    <button type="button" class="secondary" on:click=move |_| state.panel.set(Panel::Status)>
                        {t(AccountMsg::CancelButton)}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// A plain-text file of the codes, offered as a download (a `data:` link: nothing leaves the
/// page).
fn codes_file(codes: &[String], header: &str) -> String {
    let mut text = format!("{header}\r\n\r\n");
    for code in codes {
        text.push_str(code);
        text.push_str("\r\n");
    }
    format!(
        "data:text/plain;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(&text))
    )
}

#[component]
fn RecoveryCodesShown(state: TwoStepState, codes: Vec<String>, email: String) -> impl IntoView {
    let locale = use_locale();
    let file = {
        let codes = codes.clone();
        move || {
            let header = fill(
                AccountMsg::CodesFileHeader.text(locale.get()),
                &[("service", portal_api::SERVICE_NAME), ("email", &email)],
            );
            codes_file(&codes, &header)
        }
    };
    // Sent here from a page that moves money: back to it once the codes are saved.
    let then = crate::route::query_param("then").and_then(|v| MoneyPage::from_query(&v));
    let navigate = use_navigate();
    view! {
        <section class="recovery" aria-labelledby="codes-heading">
            <h3 id="codes-heading" tabindex="-1">{t(AccountMsg::CodesHeading)}</h3>
            <p>{t(AccountMsg::CodesExplain)}</p>
            <ol class="recovery-codes" aria-label=t(AccountMsg::CodesListLabel)>
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ol>
            <div class="actions">
                <a class="button secondary" href=file download="mamoru-wallet-recovery-codes.txt">
                    {t(AccountMsg::DownloadCodes)}
                </a>
                <button type="button" class="secondary" on:click=move |_| { let _ = window().print(); }>
                    {t(AccountMsg::PrintCodes)}
                </button>
                <button type="button" class="primary" on:click=move |_| match then {
                    Some(page) => navigate(page.route(), false),
                    None => {
                        state.panel.set(Panel::Status);
                        focus_soon("two-step-heading");
                    }
                }>
                    {t(AccountMsg::CodesSaved)}
                </button>
            </div>
        </section>
    }
}

#[component]
fn WhileOn(state: TwoStepState) -> impl IntoView {
    let locale = use_locale();
    let busy = RwSignal::new(false);
    let regenerate = move || {
        busy.set(true);
        state.problem.set(None);
        state.done.set(None);
        spawn_local(async move {
            let result = api::recovery_codes_regenerate().await;
            busy.set(false);
            match result {
                Ok(codes) => {
                    state.codes_left.set(codes.codes.len() as u32);
                    state.panel.set(Panel::Codes(codes.codes));
                    focus_soon("codes-heading");
                }
                Err(e) if state.step_up.expired(&e) => {}
                Err(e) => {
                    signed_out_or(&e, state.problem);
                    focus_soon("form-alert");
                }
            }
        });
    };
    view! {
        <p>
            {move || fill(
                AccountMsg::CodesLeft.text(locale.get()),
                &[("count", &format_count(state.codes_left.get().into(), locale.get()))],
            )}
        </p>
        <p class="muted">{t(AccountMsg::NewCodesExplain)}</p>
        <StepUpGate step_up=state.step_up>
            <ActionButton id="new-codes" label=AccountMsg::NewCodesButton busy_label=AccountMsg::Starting busy on_press=regenerate />
        </StepUpGate>
        <TurnOff state />
    }
}

#[component]
fn TurnOff(state: TwoStepState) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let password_error = RwSignal::new(None::<Problem>);
    let code_error = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let pw = password.get_untracked();
        let value = code.get_untracked().trim().to_owned();
        password_error.set(pw.is_empty().then_some(Problem::Msg(Msg::PasswordRequired)));
        code_error.set(value.is_empty().then_some(Problem::Msg(Msg::CodeRequired)));
        if pw.is_empty() {
            return focus_soon("disable-password");
        }
        if value.is_empty() {
            return focus_soon("disable-code");
        }
        state.problem.set(None);
        state.done.set(None);
        busy.set(true);
        spawn_local(async move {
            let result = api::totp_disable(pw, value).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    state.on.set(false);
                    state.codes_left.set(0);
                    state.step_up.use_password();
                    state.done.set(Some(AccountMsg::TwoStepTurnedOff));
                    focus_soon(STATUS_ID);
                }
                Err(e) => match e.code() {
                    Some(ErrorCode::InvalidCredentials) => {
                        password_error.set(Some(from_api(&e).1));
                        focus_soon("disable-password");
                    }
                    Some(ErrorCode::CodeInvalid) => {
                        code_error.set(Some(from_api(&e).1));
                        focus_soon("disable-code");
                    }
                    _ => {
                        signed_out_or(&e, state.problem);
                        focus_soon("form-alert");
                    }
                },
            }
        });
    };
    view! {
        <section class="turn-off" aria-labelledby="turn-off-heading">
            <h3 id="turn-off-heading">{t(AccountMsg::TurnOffHeading)}</h3>
            <p class="muted">{t(AccountMsg::TurnOffExplain)}</p>
            <form on:submit=submit novalidate>
                <Field
                    id="disable-password"
                    label=Msg::PasswordLabel
                    input_type="password"
                    autocomplete="current-password"
                    required=true
                    value=password
                    error=password_error
                />
                <CodeField id="disable-code" value=code error=code_error />
                <SubmitButton label=AccountMsg::TurnOffButton busy_label=AccountMsg::TurningOff busy=busy.into() />
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::grouped;

    #[test]
    fn the_key_is_shown_in_groups_of_four() {
        assert_eq!(grouped("JBSWY3DPEHPK3PXP"), "JBSW Y3DP EHPK 3PXP");
        assert_eq!(grouped("ABCDEF"), "ABCD EF");
        assert_eq!(grouped(""), "");
    }
}
