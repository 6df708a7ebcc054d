//! A small history-API router.
//!
//! leptos_router costs about 40 KB brotli on its own (measured: an empty two-route app is 67 KB,
//! the same without the router 27 KB), more than a quarter of the sign-in page's whole 150 KB
//! budget. This app needs only flat, static paths, so it matches them itself: the URL lives in a
//! signal, `popstate` updates it, and clicks on same-origin `<a href>` links become
//! `pushState` navigations.
//!
//! Only within one bundle, though: a link or navigation to a page the running bundle does not
//! have (the public bundle and a signed-in page) is left to the browser, a full page load.

use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use web_sys::{HtmlAnchorElement, MouseEvent};

/// The pages. The server answers every unknown path with index.html, so anything not listed
/// here is the app's own "page not found".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Home,
    SignIn,
    SignUp,
    VerifyEmail,
    ForgotPassword,
    ResetPassword,
    ConfirmEmail,
    Account,
    Sessions,
    Security,
    ChangePassword,
    ChangeEmail,
    Wallet,
    TopUp,
    Cards,
    Pay,
    History,
    Transaction,
    Disputes,
    Dispute,
    ReportFraud,
    FraudReports,
    FraudReport,
    Agent,
    AgentCase,
    AgentAudit,
    NotFound,
}

impl Page {
    /// The page of the address bar.
    pub fn current() -> Page {
        Page::from_path(&current_location().path)
    }

    /// In the public bundle: pages a signed-out visitor reaches, and the links from mails.
    pub fn is_public(self) -> bool {
        matches!(
            self,
            Page::Home
                | Page::SignIn
                | Page::SignUp
                | Page::VerifyEmail
                | Page::ForgotPassword
                | Page::ResetPassword
                | Page::ConfirmEmail
                | Page::NotFound
        )
    }

    /// In the support console's bundle.
    pub fn is_console(self) -> bool {
        matches!(self, Page::Agent | Page::AgentCase | Page::AgentAudit)
    }

    pub fn from_path(path: &str) -> Page {
        // "/sign-in/" is the same page as "/sign-in".
        let path = match path.trim_end_matches('/') {
            "" => "/",
            p => p,
        };
        match path {
            "/" => Page::Home,
            "/sign-in" => Page::SignIn,
            "/sign-up" => Page::SignUp,
            "/verify-email" => Page::VerifyEmail,
            "/forgot-password" => Page::ForgotPassword,
            "/reset-password" => Page::ResetPassword,
            "/confirm-email" => Page::ConfirmEmail,
            "/account" => Page::Account,
            "/account/sessions" => Page::Sessions,
            "/account/security" => Page::Security,
            "/account/password" => Page::ChangePassword,
            "/account/email" => Page::ChangeEmail,
            "/wallet" => Page::Wallet,
            "/wallet/top-up" => Page::TopUp,
            "/wallet/cards" => Page::Cards,
            "/wallet/pay" => Page::Pay,
            "/wallet/history" => Page::History,
            "/wallet/transaction" => Page::Transaction,
            "/wallet/disputes" => Page::Disputes,
            "/wallet/dispute" => Page::Dispute,
            "/wallet/report-fraud" => Page::ReportFraud,
            "/wallet/fraud-reports" => Page::FraudReports,
            "/wallet/fraud-report" => Page::FraudReport,
            "/agent" => Page::Agent,
            "/agent/case" => Page::AgentCase,
            "/agent/audit" => Page::AgentAudit,
            _ => Page::NotFound,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Location {
    path: String,
    search: String,
}

fn current_location() -> Location {
    let loc = window().location();
    Location {
        path: loc.pathname().unwrap_or_default(),
        search: loc.search().unwrap_or_default(),
    }
}

/// Which of the three bundles is running (see the crate docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bundle {
    Public,
    Whole,
    Console,
}

impl Bundle {
    fn serves(self, page: Page) -> bool {
        match self {
            Bundle::Public => page.is_public(),
            Bundle::Whole => !page.is_console(),
            Bundle::Console => page.is_console() || page.is_public(),
        }
    }
}

#[derive(Clone, Copy)]
struct Router {
    location: RwSignal<Location>,
    bundle: Bundle,
}

/// Starts following the address bar; returns the page to show.
pub fn provide_router(bundle: Bundle) -> Memo<Page> {
    let location = RwSignal::new(current_location());
    let router = Router { location, bundle };
    provide_context(router);

    // Back and Forward. Both listeners live as long as the page, so they are never removed.
    let on_popstate = Closure::<dyn Fn()>::new(move || location.set(current_location()));
    let _ =
        window().add_event_listener_with_callback("popstate", on_popstate.as_ref().unchecked_ref());
    on_popstate.forget();

    let on_click = Closure::<dyn Fn(MouseEvent)>::new(move |ev: MouseEvent| {
        if let Some((path, href)) = in_app_link(&ev) {
            if bundle.serves(Page::from_path(&path)) {
                ev.prevent_default();
                go(router, &href, false);
            }
        }
    });
    let _ = document().add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    on_click.forget();

    Memo::new(move |_| location.with(|l| Page::from_path(&l.path)))
}

/// The path, and path with query, of the link a click was on, if the app may handle it itself:
/// a plain left click on a same-origin link that does not ask for a new window or a download.
fn in_app_link(ev: &MouseEvent) -> Option<(String, String)> {
    if ev.default_prevented()
        || ev.button() != 0
        || ev.meta_key()
        || ev.ctrl_key()
        || ev.shift_key()
        || ev.alt_key()
    {
        return None;
    }
    let target: web_sys::Element = ev.target()?.dyn_into().ok()?;
    let anchor: HtmlAnchorElement = target.closest("a[href]").ok()??.dyn_into().ok()?;
    if anchor.has_attribute("target") || anchor.has_attribute("download") {
        return None;
    }
    if anchor.origin() != window().location().origin().ok()? {
        return None;
    }
    let path = anchor.pathname();
    let href = format!("{path}{}", anchor.search());
    Some((path, href))
}

fn go(Router { location, bundle }: Router, href: &str, replace: bool) {
    let path = href.split(['?', '#']).next().unwrap_or_default();
    if !bundle.serves(Page::from_path(path)) {
        let loc = window().location();
        let _ = if replace {
            loc.replace(href)
        } else {
            loc.assign(href)
        };
        return;
    }
    let history = window().history().expect("history API");
    let _ = if replace {
        history.replace_state_with_url(&JsValue::NULL, "", Some(href))
    } else {
        history.push_state_with_url(&JsValue::NULL, "", Some(href))
    };
    location.set(current_location());
    if !replace {
        window().scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// Navigates within the app; `replace` keeps the current entry out of the Back history (for
/// redirects).
pub fn use_navigate() -> impl Fn(&str, bool) + Copy + Send + Sync + 'static {
    let router: Router = expect_context();
    move |href: &str, replace: bool| go(router, href, replace)
}

/// One query parameter of the current address, e.g. `token` on `/verify-email?token=…`.
pub fn query_param(name: &str) -> Option<String> {
    let Router { location, .. } = expect_context();
    let search = location.with_untracked(|l| l.search.clone());
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

#[cfg(test)]
mod tests {
    use super::Page;

    #[test]
    fn paths_map_to_pages() {
        assert_eq!(Page::from_path("/"), Page::Home);
        assert_eq!(Page::from_path(""), Page::Home);
        assert_eq!(Page::from_path("/sign-in"), Page::SignIn);
        assert_eq!(Page::from_path("/sign-in/"), Page::SignIn);
        assert_eq!(Page::from_path("/sign-up"), Page::SignUp);
        assert_eq!(Page::from_path("/verify-email"), Page::VerifyEmail);
        assert_eq!(Page::from_path("/forgot-password"), Page::ForgotPassword);
        assert_eq!(Page::from_path("/reset-password"), Page::ResetPassword);
        assert_eq!(Page::from_path("/confirm-email"), Page::ConfirmEmail);
        assert_eq!(Page::from_path("/account"), Page::Account);
        assert_eq!(Page::from_path("/account/sessions"), Page::Sessions);
        assert_eq!(Page::from_path("/account/sessions/"), Page::Sessions);
        assert_eq!(Page::from_path("/account/security"), Page::Security);
        assert_eq!(Page::from_path("/account/password"), Page::ChangePassword);
        assert_eq!(Page::from_path("/account/email"), Page::ChangeEmail);
        assert_eq!(Page::from_path("/wallet"), Page::Wallet);
        assert_eq!(Page::from_path("/wallet/history"), Page::History);
        assert_eq!(Page::from_path("/wallet/dispute"), Page::Dispute);
        assert_eq!(Page::from_path("/wallet/report-fraud"), Page::ReportFraud);
        assert_eq!(Page::from_path("/wallet/fraud-reports"), Page::FraudReports);
        assert_eq!(Page::from_path("/wallet/fraud-report"), Page::FraudReport);
        assert_eq!(Page::from_path("/agent"), Page::Agent);
        assert_eq!(Page::from_path("/agent/case"), Page::AgentCase);
        assert_eq!(Page::from_path("/agent/audit"), Page::AgentAudit);
        assert!(!Page::Agent.is_public() && !Page::AgentAudit.is_public());
        assert!(Page::AgentCase.is_console() && !Page::Account.is_console());
        assert!(!Page::Wallet.is_public() && !Page::Dispute.is_public());
        assert!(!Page::ReportFraud.is_public() && !Page::FraudReport.is_public());
        assert!(Page::SignIn.is_public() && Page::ResetPassword.is_public());
        assert_eq!(Page::from_path("/account/x"), Page::NotFound);
        assert_eq!(Page::from_path("/Sign-In"), Page::NotFound);
        assert_eq!(Page::from_path("/index.html"), Page::NotFound);
    }
}
