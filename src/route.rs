//! The app's addresses, typed, on top of leptos_router.
//!
//! Every link (`<A href=Route::….href()>`) and every navigation ([`use_navigate`]) makes its
//! address from a [`Route`], so no page names another by a string. Ids are path segments
//! (`/wallet/disputes/D-…`); the query string is left to what is not a page of its own: the
//! tokens of mail links and the transaction the fraud form begins with.
//!
//! leptos_router matches the paths (each bundle's `<FlatRoutes>`: [`crate::pages::PublicRoutes`],
//! [`crate::account::AccountRoutes`], [`crate::wallet::WalletRoutes`],
//! [`crate::agent::AgentRoutes`]); [`bundle_of`] says which bundle has a path before any of them
//! is running. Crossing from one bundle to another is a full page load: [`use_navigate`] leaves
//! such an address to the browser, and a link to one lands in the router's fallback
//! ([`OtherBundleOrNotFound`]), which reloads the new address.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::NavigateOptions;

/// Every page the app links to or navigates to, with what its address carries. Not here: the
/// pages only mails link to (`/verify-email`, `/reset-password`, `/confirm-email`,
/// `/sign-in/not-me`), whose addresses, with their tokens, the server makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    Home,
    SignIn,
    SignUp,
    ForgotPassword,
    Account,
    Sessions,
    Security,
    /// The security page, to turn on two-step verification and come straight back to a page
    /// that moves money.
    SecurityThen(MoneyPage),
    ChangePassword,
    ChangeEmail,
    Wallet,
    TopUp,
    Cards,
    Pay,
    History,
    Transaction(&'a str),
    Disputes,
    Dispute(&'a str),
    /// The fraud form; `Some` ticks that transaction to begin with.
    ReportFraud(Option<&'a str>),
    FraudReports,
    FraudReport(&'a str),
    Agent,
    AgentCase(&'a str),
    AgentAudit,
}

impl Route<'_> {
    /// The address, path and query.
    pub fn href(self) -> String {
        let (path, id) = match self {
            Route::Home => ("/", None),
            Route::SignIn => ("/sign-in", None),
            Route::SignUp => ("/sign-up", None),
            Route::ForgotPassword => ("/forgot-password", None),
            Route::Account => ("/account", None),
            Route::Sessions => ("/account/sessions", None),
            Route::Security => ("/account/security", None),
            Route::SecurityThen(page) => ("/account/security?then=", Some(page.as_query())),
            Route::ChangePassword => ("/account/password", None),
            Route::ChangeEmail => ("/account/email", None),
            Route::Wallet => ("/wallet", None),
            Route::TopUp => ("/wallet/top-up", None),
            Route::Cards => ("/wallet/cards", None),
            Route::Pay => ("/wallet/pay", None),
            Route::History => ("/wallet/history", None),
            Route::Transaction(id) => ("/wallet/transactions/", Some(id)),
            Route::Disputes => ("/wallet/disputes", None),
            Route::Dispute(id) => ("/wallet/disputes/", Some(id)),
            Route::ReportFraud(None) => ("/wallet/report-fraud", None),
            Route::ReportFraud(Some(tx)) => ("/wallet/report-fraud?tx=", Some(tx)),
            Route::FraudReports => ("/wallet/fraud-reports", None),
            Route::FraudReport(id) => ("/wallet/fraud-reports/", Some(id)),
            Route::Agent => ("/agent", None),
            Route::AgentCase(id) => ("/agent/cases/", Some(id)),
            Route::AgentAudit => ("/agent/audit", None),
        };
        let mut href = path.to_owned();
        if let Some(id) = id {
            encode_into(&mut href, id);
        }
        href
    }

    /// The bundle that has the page.
    pub fn bundle(self) -> Bundle {
        match self {
            Route::Home | Route::SignIn | Route::SignUp | Route::ForgotPassword => Bundle::Public,
            Route::Agent | Route::AgentCase(_) | Route::AgentAudit => Bundle::Console,
            _ => Bundle::Whole,
        }
    }
}

/// The pages that move money, which need two-step verification (docs/threat-model.md#t9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyPage {
    Cards,
    TopUp,
}

impl MoneyPage {
    fn as_query(self) -> &'static str {
        match self {
            MoneyPage::Cards => "cards",
            MoneyPage::TopUp => "top-up",
        }
    }

    /// The page a `then=` names; nothing else, so the parameter cannot send anyone elsewhere.
    pub fn from_query(value: &str) -> Option<Self> {
        [MoneyPage::Cards, MoneyPage::TopUp]
            .into_iter()
            .find(|page| page.as_query() == value)
    }

    pub fn route(self) -> Route<'static> {
        match self {
            MoneyPage::Cards => Route::Cards,
            MoneyPage::TopUp => Route::TopUp,
        }
    }
}

/// Percent-encodes one path segment or query value (ids are plain ASCII, but an address typed
/// by hand may hold anything). Not `encodeURIComponent`, so that it runs in the native tests too.
fn encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
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
    /// Whether this bundle has the pages of `other`: the whole app and the console carry the
    /// public pages too.
    pub fn serves(self, other: Bundle) -> bool {
        self == other || other == Bundle::Public
    }
}

/// The bundle that has `path`; the public one for an unknown path, whose "page not found" it
/// shows. Must agree with the `path!`s of the bundles' routes (the tests check every [`Route`]).
pub fn bundle_of(path: &str) -> Bundle {
    let mut segments = path.trim_end_matches('/').split('/').skip(1);
    let segments = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    );
    match segments {
        (Some("account"), None | Some("sessions" | "security" | "password" | "email"), None, _)
        | (
            Some("wallet"),
            None
            | Some(
                "top-up" | "cards" | "pay" | "history" | "disputes" | "report-fraud"
                | "fraud-reports",
            ),
            None,
            _,
        )
        | (Some("wallet"), Some("transactions" | "disputes" | "fraud-reports"), Some(_), None) => {
            Bundle::Whole
        }
        // A mail link's page, rare enough to leave out of the public bundle's first load.
        (Some("sign-in"), Some("not-me"), None, _) => Bundle::Whole,
        // Addresses from before ids were path segments, in mails already sent.
        (Some("wallet"), Some("transaction" | "dispute" | "fraud-report"), None, _) => {
            Bundle::Whole
        }
        (Some("agent"), None | Some("audit" | "case"), None, _)
        | (Some("agent"), Some("cases"), Some(_), None) => Bundle::Console,
        _ => Bundle::Public,
    }
}

/// The router's navigation, kept for the life of the page: an answer that arrives after its page
/// was left may still navigate (to sign-in, say) without meeting a disposed value.
#[derive(Clone, Copy)]
struct Navigate(StoredValue<NavigateFn, LocalStorage>);

type NavigateFn = Box<dyn Fn(&str, NavigateOptions)>;

/// Inside `<Router>`, around the routes.
#[component]
pub fn Navigation(children: Children) -> impl IntoView {
    let navigate = leptos_router::hooks::use_navigate();
    provide_context(Navigate(StoredValue::new_local(Box::new(navigate))));
    children()
}

/// Navigates to `to` within the app (`replace` keeps the current entry out of the Back history,
/// for redirects), or loads it if the running bundle does not have it.
pub fn use_navigate() -> impl Fn(Route<'_>, bool) + Copy + 'static {
    let bundle: Bundle = expect_context();
    let Navigate(navigate) = expect_context();
    move |to: Route<'_>, replace: bool| {
        let href = to.href();
        if bundle.serves(to.bundle()) {
            let options = NavigateOptions {
                replace,
                ..NavigateOptions::default()
            };
            navigate.with_value(|navigate| navigate(&href, options));
        } else {
            let location = window().location();
            let _ = if replace {
                location.replace(&href)
            } else {
                location.assign(&href)
            };
        }
    }
}

/// The `:id` segment of the current page's path.
pub fn path_id() -> String {
    use_params_map()
        .with_untracked(|params| params.get("id"))
        .unwrap_or_default()
}

/// One query parameter of the current address, e.g. `token` on `/verify-email?token=…`.
pub fn query_param(name: &str) -> Option<String> {
    use_query_map().with_untracked(|query| query.get(name))
}

/// The router's fallback: a path of another bundle (reached by a link) is loaded anew, which
/// starts that bundle; anything else is the app's own "page not found".
///
/// The path is the router's, not the address bar's: after a click leptos_router renders the
/// new route first and writes the address bar only afterwards (in a later microtask). So the
/// load waits for the next frame, when the address bar holds the new entry, and replaces it
/// (Back then leads to the page the link was on, not to a second copy of the new one).
#[component]
pub fn OtherBundleOrNotFound() -> impl IntoView {
    let bundle: Bundle = expect_context();
    let location = leptos_router::hooks::use_location();
    let path = location.pathname.get_untracked();
    if bundle.serves(bundle_of(&path)) {
        view! { <crate::pages::NotFound /> }.into_any()
    } else {
        let search = location.search.get_untracked();
        let href = if search.is_empty() {
            path
        } else {
            format!("{path}?{search}")
        };
        request_animation_frame(move || {
            let _ = window().location().replace(&href);
        });
        ().into_any()
    }
}

/// An address from before ids were path segments (`/wallet/dispute?id=…`, in mails already
/// sent): replaced by the page's own.
#[component]
pub fn Moved(to: fn(&str) -> Route<'_>) -> impl IntoView {
    let navigate = use_navigate();
    let id = query_param("id").unwrap_or_default();
    request_animation_frame(move || navigate(to(&id), true));
}

#[cfg(test)]
mod tests {
    use super::{bundle_of, Bundle, Route};

    const ALL: [Route<'static>; 26] = [
        Route::Home,
        Route::SignIn,
        Route::SignUp,
        Route::ForgotPassword,
        Route::Account,
        Route::Sessions,
        Route::Security,
        Route::SecurityThen(super::MoneyPage::Cards),
        Route::ChangePassword,
        Route::ChangeEmail,
        Route::Wallet,
        Route::TopUp,
        Route::Cards,
        Route::Pay,
        Route::History,
        Route::Transaction("T-1"),
        Route::Disputes,
        Route::Dispute("D-AAAA-AAAA"),
        Route::ReportFraud(None),
        Route::ReportFraud(Some("T-1")),
        Route::FraudReports,
        Route::FraudReport("F-AAAA-AAAA-AAAA"),
        Route::Agent,
        Route::AgentCase("D-AAAA-AAAA"),
        Route::AgentCase("F-AAAA-AAAA-AAAA"),
        Route::AgentAudit,
    ];

    #[test]
    fn every_address_is_in_its_bundle() {
        for route in ALL {
            let href = route.href();
            let path = href.split('?').next().unwrap();
            assert_eq!(bundle_of(path), route.bundle(), "{href}");
            assert_eq!(bundle_of(&format!("{path}/")), route.bundle(), "{href}/");
        }
    }

    #[test]
    fn then_names_only_a_money_page() {
        use super::MoneyPage;
        assert_eq!(
            Route::SecurityThen(MoneyPage::TopUp).href(),
            "/account/security?then=top-up"
        );
        for page in [MoneyPage::Cards, MoneyPage::TopUp] {
            assert_eq!(MoneyPage::from_query(page.as_query()), Some(page));
        }
        for other in [
            "",
            "//evil.example",
            "/wallet/cards",
            "https://evil.example",
            "account",
        ] {
            assert_eq!(MoneyPage::from_query(other), None, "{other}");
        }
    }

    #[test]
    fn the_not_me_page_is_in_the_whole_app() {
        assert_eq!(bundle_of("/sign-in/not-me"), Bundle::Whole);
        assert_eq!(bundle_of("/sign-in"), Bundle::Public);
    }

    #[test]
    fn addresses() {
        assert_eq!(Route::Home.href(), "/");
        assert_eq!(Route::Sessions.href(), "/account/sessions");
        assert_eq!(Route::Dispute("D-1").href(), "/wallet/disputes/D-1");
        assert_eq!(
            Route::Transaction("a/b c").href(),
            "/wallet/transactions/a%2Fb%20c"
        );
        assert_eq!(
            Route::ReportFraud(Some("T 1")).href(),
            "/wallet/report-fraud?tx=T%201"
        );
        assert_eq!(Route::AgentCase("é").href(), "/agent/cases/%C3%A9");
    }

    #[test]
    fn bundles_of_paths() {
        assert_eq!(bundle_of("/"), Bundle::Public);
        assert_eq!(bundle_of("/verify-email"), Bundle::Public);
        assert_eq!(bundle_of("/reset-password/"), Bundle::Public);
        assert_eq!(bundle_of(""), Bundle::Public);
        assert_eq!(bundle_of("/account/x"), Bundle::Public);
        assert_eq!(bundle_of("/Sign-In"), Bundle::Public);
        assert_eq!(bundle_of("/index.html"), Bundle::Public);
        assert_eq!(bundle_of("/wallet/transactions"), Bundle::Public);
        assert_eq!(bundle_of("/wallet/disputes/D-1/x"), Bundle::Public);
        assert_eq!(bundle_of("/wallet/dispute"), Bundle::Whole);
        assert_eq!(bundle_of("/agent/case"), Bundle::Console);
        assert!(Bundle::Whole.serves(Bundle::Public) && Bundle::Console.serves(Bundle::Public));
        assert!(!Bundle::Public.serves(Bundle::Whole) && !Bundle::Whole.serves(Bundle::Console));
        assert!(!Bundle::Console.serves(Bundle::Whole));
    }
}
