//! `/account/sessions`: every browser and device signed in to the account, each of which the
//! customer can sign out at once (docs/threat-model.md#t8).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::dto::{Locale, SessionInfo};
use portal_api::error::ErrorCode;

use super::sign_ins::SignInActivity;
use super::text::AccountMsg;
use crate::api::{self, ApiError};
use crate::components::{FormAlert, PageHeading};
use crate::form::{from_api, OtherText, Problem};
use crate::i18n::{fill, Msg, Text};
use crate::locale::{format_count, format_date_time, iso_date_time, t, use_locale};
use crate::pages::focus_soon;
use crate::route::{use_navigate, Route};

/// The live region that says what the last action did; focused after it, so that keyboard users
/// continue from there.
const STATUS_ID: &str = "sessions-status";

/// What the list calls a session: the browser and the system the server recognised, or words
/// that say they are unknown, never a guess.
#[derive(Debug, Clone, PartialEq)]
struct Device {
    browser: Option<String>,
    os: Option<String>,
}

impl Device {
    fn of(session: &SessionInfo) -> Self {
        Device {
            browser: session.browser.clone(),
            os: session.os.clone(),
        }
    }

    /// "Chrome on Android", "AndroidのChrome".
    fn name(&self, locale: Locale) -> String {
        let browser = self.browser.as_deref();
        let os = self.os.as_deref();
        fill(
            AccountMsg::DeviceName.text(locale),
            &[
                (
                    "browser",
                    browser.unwrap_or(AccountMsg::UnknownBrowser.text(locale)),
                ),
                ("os", os.unwrap_or(AccountMsg::UnknownDevice.text(locale))),
            ],
        )
    }

    fn with_name(&self, msg: AccountMsg, locale: Locale) -> String {
        fill(msg.text(locale), &[("device", &self.name(locale))])
    }
}

/// What the last action did, kept as data so that a language switch re-translates it.
#[derive(Debug, Clone, PartialEq)]
enum Done {
    Device(Device),
    Others(u64),
}

impl Done {
    fn text(&self, locale: Locale) -> String {
        match self {
            Done::Device(device) => device.with_name(AccountMsg::SignedOutDevice, locale),
            Done::Others(0) => AccountMsg::NoOtherDevices.text(locale).to_owned(),
            Done::Others(1) => AccountMsg::SignedOutOne.text(locale).to_owned(),
            Done::Others(n) => fill(
                AccountMsg::SignedOutCount.text(locale),
                &[("count", &format_count(*n, locale))],
            ),
        }
    }
}

#[component]
pub fn Sessions() -> impl IntoView {
    let locale = use_locale();
    let navigate = use_navigate();
    let list = RwSignal::new(None::<Vec<SessionInfo>>);
    let problem = RwSignal::new(None::<Problem>);
    let done = RwSignal::new(None::<Done>);
    // While a request runs: the id of the session being signed out, or "" for all the others.
    let busy = RwSignal::new(None::<String>);

    // Signed out meanwhile (from another device, say): to sign-in. Anything else is announced.
    let fail = move |e: ApiError| {
        if list.is_disposed() {
            return;
        }
        if e.code() == Some(ErrorCode::NotSignedIn) {
            navigate(Route::SignIn, true);
        } else {
            problem.set(Some(from_api(&e).1));
            focus_soon("form-alert");
        }
    };
    // (Re)loads the list, then ends the busy state and moves the focus to `focus`, if given. One
    // task for the first load and every reload, so its code is in the app once.
    let reload = move |focus: Option<&'static str>| async move {
        let result = api::sessions().await;
        if list.is_disposed() {
            return;
        }
        match result {
            Ok(found) => {
                list.set(Some(found));
                if let Some(id) = focus {
                    focus_soon(id);
                }
            }
            Err(e) => fail(e),
        }
        busy.set(None);
    };
    spawn_local(reload(None));

    // Signs out one session, or with `None` every other one, then reloads the list.
    let sign_out = move |target: Option<SessionInfo>| {
        if busy.with_untracked(Option::is_some) {
            return;
        }
        busy.set(Some(
            target.as_ref().map(|s| s.id.clone()).unwrap_or_default(),
        ));
        problem.set(None);
        done.set(None);
        spawn_local(async move {
            let result = match &target {
                Some(session) => api::revoke_session(&session.id)
                    .await
                    .map(|()| Done::Device(Device::of(session))),
                None => api::revoke_other_sessions().await.map(Done::Others),
            };
            let focus = match result {
                Ok(what) => {
                    done.try_set(Some(what));
                    STATUS_ID
                }
                // Gone already (signed out elsewhere, or expired): say so and show the list as it is.
                Err(e) if e.code() == Some(ErrorCode::NotFound) => {
                    problem.try_set(Some(Problem::Other(OtherText(&AccountMsg::SessionGone))));
                    "form-alert"
                }
                Err(e) => {
                    busy.try_set(None);
                    return fail(e);
                }
            };
            spawn_local(reload(Some(focus)));
        });
    };

    // One rendering of everything that depends on the list, the language and the busy state:
    // plain text and attributes inside, so the page adds little to the app's size. A change
    // updates the elements in place.
    let body = move || {
        let loc = locale.get();
        let busy_id = busy.get();
        let busy_now = busy_id.is_some();
        list.with(|sessions| {
            let loading = sessions.is_none() && problem.with(Option::is_none);
            let others = sessions.as_ref().map(|l| l.iter().any(|s| !s.current));
            let all_busy = busy_id.as_deref() == Some("");
            let items = sessions.as_ref().map(|l| {
                let items: Vec<_> = l
                    .iter()
                    .map(|s| session_item(s, loc, busy_id.as_deref(), sign_out))
                    .collect();
                view! { <ul class="sessions">{items}</ul> }
            });
            let sign_out_others = (others == Some(true)).then(|| {
                view! {
                    <div class="actions">
                        <button type="button" class="secondary" disabled=busy_now
                            aria-busy=if all_busy { "true" } else { "false" }
                            on:click=move |_| sign_out(None)>
                            <span class="spinner" aria-hidden="true" class:hidden=!all_busy></span>
                            {if all_busy { AccountMsg::SigningOut } else { AccountMsg::SignOutOthers }.text(loc)}
                        </button>
                    </div>
                }
            });
            view! {
                {loading.then(|| view! { <p class="muted">{Msg::Loading.text(loc)}</p> })}
                {items}
                {sign_out_others}
                {(others == Some(false))
                    .then(|| view! { <p class="muted">{AccountMsg::NoOtherDevices.text(loc)}</p> })}
            }
        })
    };

    view! {
        <section class="card">
            <PageHeading text=AccountMsg::SessionsTitle />
            <p class="intro">{t(AccountMsg::SessionsIntro)}</p>
            <FormAlert problem />
            <p id=STATUS_ID class="announce" role="status" tabindex="-1">
                {move || done.get().map(|d| d.text(locale.get()))}
            </p>
            {body}
            <SignInActivity />
            <p class="aside">
                <A href=Route::Account.href()>{t(AccountMsg::BackToAccount)}</A>
            </p>
        </section>
    }
}

/// One session: what it is, where from, when; "This device" on the current one, a sign-out
/// button named after the device on every other.
fn session_item(
    session: &SessionInfo,
    loc: Locale,
    busy_id: Option<&str>,
    sign_out: impl Fn(Option<SessionInfo>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let device = Device::of(session);
    // The button's description, which tells apart two sessions of the same browser and system.
    let facts_id = format!("session-{}", session.id);
    let this_busy = busy_id == Some(session.id.as_str());
    let time = |unix: i64| {
        view! { <time datetime=iso_date_time(unix)>{format_date_time(unix, loc)}</time> }
    };
    let ip = session.ip.clone().map(|ip| {
        view! {
            <dt>{AccountMsg::IpAddressTerm.text(loc)}</dt>
            <dd>{ip}</dd>
        }
    });
    let button = (!session.current).then(|| {
        let target = session.clone();
        view! {
            <button type="button" class="secondary"
                aria-label=device.with_name(AccountMsg::SignOutDevice, loc)
                aria-describedby=facts_id.clone()
                disabled=busy_id.is_some()
                aria-busy=if this_busy { "true" } else { "false" }
                on:click=move |_| sign_out(Some(target.clone()))>
                <span class="spinner" aria-hidden="true" class:hidden=!this_busy></span>
                {if this_busy { AccountMsg::SigningOut } else { AccountMsg::SignOutButton }.text(loc)}
            </button>
        }
    });
    view! {
        <li class="session" class:session-current=session.current>
            <div class="session-head">
                <h2>{device.name(loc)}</h2>
                {session
                    .current
                    .then(|| view! { <span class="badge badge-ok">{AccountMsg::ThisDevice.text(loc)}</span> })}
            </div>
            <dl class="facts" id=facts_id>
                {ip}
                <dt>{AccountMsg::SignedInAt.text(loc)}</dt>
                <dd>{time(session.created_at)}</dd>
                <dt>{AccountMsg::LastActive.text(loc)}</dt>
                <dd>{time(session.last_seen_at)}</dd>
            </dl>
            {button}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(browser: Option<&str>, os: Option<&str>) -> Device {
        Device {
            browser: browser.map(str::to_owned),
            os: os.map(str::to_owned),
        }
    }

    #[test]
    fn devices_are_named_without_guessing() {
        let phone = device(Some("Chrome"), Some("Android"));
        assert_eq!(phone.name(Locale::En), "Chrome on Android");
        assert_eq!(phone.name(Locale::Ja), "AndroidのChrome");
        assert_eq!(
            phone.with_name(AccountMsg::SignOutDevice, Locale::En),
            "Sign out Chrome on Android"
        );
        assert_eq!(
            device(None, None).name(Locale::En),
            "Unknown browser on unknown device"
        );
        assert_eq!(
            device(Some("Firefox"), None).name(Locale::Ja),
            "不明なデバイスのFirefox"
        );
    }

    #[test]
    fn results_are_counted_in_words() {
        assert_eq!(
            Done::Others(0).text(Locale::En),
            "No other devices are signed in."
        );
        assert_eq!(Done::Others(1).text(Locale::En), "Signed out 1 device.");
        assert_eq!(
            Done::Device(device(Some("Safari"), Some("iOS"))).text(Locale::Ja),
            "iOSのSafariをログアウトしました。"
        );
    }
}
