//! Two-step verification from the customer's side: an authenticator app (pyotp when it is
//! installed, the crate's own TOTP otherwise), enrolment through the API, and mail look-ups.

use super::{read, Received, TestApp, STRONG_PASSWORD};
use portal_server::identity::factors::totp::{self, Secret, PERIOD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The current Unix second, at least three seconds before the current TOTP step ends (waiting for
/// the next step otherwise), so a code computed now is judged in the same step by the server.
pub async fn steady_now() -> i64 {
    loop {
        let ms = now_millis();
        let into_step = ms.rem_euclid(PERIOD * 1000);
        if into_step < (PERIOD - 3) * 1000 {
            return ms / 1000;
        }
        tokio::time::sleep(Duration::from_millis(
            (PERIOD * 1000 - into_step + 100) as u64,
        ))
        .await;
    }
}

/// The customer's authenticator app.
pub struct Authenticator {
    pub secret: Secret,
    pub uri: String,
    /// The latest step whose code was handed out: the server refuses it and older ones again.
    last_step: Option<i64>,
}

impl Authenticator {
    pub fn new(secret_base32: &str, uri: &str) -> Self {
        let bytes = totp::base32_decode(secret_base32).expect("base32 secret");
        Self {
            secret: Secret::from_bytes(&bytes).expect("a 160-bit secret"),
            uri: uri.to_owned(),
            last_step: None,
        }
    }

    /// The code for the moment `t`, made by pyotp from the `otpauth://` URI when pyotp is
    /// available (and checked against ours), by our own TOTP otherwise.
    pub fn code_at(&self, t: i64) -> String {
        let ours = totp::code_at(&self.secret, t);
        if let Some(theirs) = pyotp_code(&self.uri, t) {
            assert_eq!(theirs, ours, "pyotp and our TOTP disagree at {t}");
            return theirs;
        }
        ours
    }

    /// A code the server has not seen yet and accepts now: the earliest unused step of now ±1.
    /// When all three are used, waits for the next step.
    pub async fn next_code(&mut self) -> String {
        loop {
            let now = steady_now().await;
            let current = now.div_euclid(PERIOD);
            for step in current - 1..=current + 1 {
                if self.last_step.is_none_or(|last| step > last) {
                    self.last_step = Some(step);
                    return self.code_at(step * PERIOD);
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Records that the server has seen the code of `step` (used by tests that use codes by hand).
    pub fn used(&mut self, step: i64) {
        self.last_step = Some(self.last_step.map_or(step, |l| l.max(step)));
    }
}

/// pyotp's code at `t` from the URI; `None` when python3 or pyotp is missing (a failure in CI).
fn pyotp_code(uri: &str, t: i64) -> Option<String> {
    let output = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys\ntry:\n    import pyotp\nexcept ImportError:\n    sys.exit(3)\nprint(pyotp.parse_uri(sys.argv[1]).at(int(sys.argv[2])))",
            uri,
            &t.to_string(),
        ])
        .output();
    match output {
        Ok(o) if o.status.success() => Some(String::from_utf8(o.stdout).unwrap().trim().to_owned()),
        _ if std::env::var_os("CI").is_some() => panic!("pyotp is needed in CI"),
        _ => None,
    }
}

pub async fn post_with(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    read(client.post(app.url(path)).json(&body).send().await.unwrap()).await
}

pub async fn get_with(app: &TestApp, client: &reqwest::Client, path: &str) -> (StatusCode, Value) {
    read(client.get(app.url(path)).send().await.unwrap()).await
}

impl TestApp {
    /// Steps up `app.client`'s session with the password (two-step verification off).
    pub async fn step_up_with_password(&self) {
        let (status, body) = self
            .post("/api/me/step-up", json!({"password": STRONG_PASSWORD}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    /// Turns two-step verification on for the customer signed in on `app.client` (stepping up
    /// with the password first): the app and the ten recovery codes.
    pub async fn enrol(&self) -> (Authenticator, Vec<String>) {
        self.enrol_on(&self.client).await
    }

    /// [`Self::enrol`] for the customer signed in on `browser`.
    pub async fn enrol_on(&self, browser: &reqwest::Client) -> (Authenticator, Vec<String>) {
        let (status, body) = post_with(
            self,
            browser,
            "/api/me/step-up",
            json!({"password": STRONG_PASSWORD}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, enrolment) = post_with(self, browser, "/api/me/totp/enroll", json!({})).await;
        assert_eq!(status, StatusCode::OK, "{enrolment}");
        let mut app = Authenticator::new(
            enrolment["secret"].as_str().unwrap(),
            enrolment["otpauth_uri"].as_str().unwrap(),
        );
        let code = app.next_code().await;
        let (status, body) =
            post_with(self, browser, "/api/me/totp/confirm", json!({"code": code})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let codes = body["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        (app, codes)
    }

    /// A verified customer signed in on `app.client` with two-step verification on.
    pub async fn customer_with_2fa(&self, email: &str) -> (Authenticator, Vec<String>) {
        self.signed_in_customer(email, STRONG_PASSWORD).await;
        self.enrol().await
    }

    /// [`Self::customer_with_2fa`] signed in on `browser`.
    pub async fn customer_with_2fa_on(
        &self,
        browser: &reqwest::Client,
        email: &str,
    ) -> (Authenticator, Vec<String>) {
        let (status, _) = post_with(
            self,
            browser,
            "/api/register",
            json!({"email": email, "password": STRONG_PASSWORD}),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let token = self.mailbox.verification_token(email).await;
        let (status, _) =
            post_with(self, browser, "/api/verify-email", json!({"token": token})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = post_with(
            self,
            browser,
            "/api/sign-in",
            json!({"email": email, "password": STRONG_PASSWORD}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        self.enrol_on(browser).await
    }

    /// Waits (up to 10 s) for a mail to `to` whose subject contains `needle`; the latest such.
    pub async fn mail_with_subject(&self, to: &str, needle: &str) -> Received {
        for _ in 0..200 {
            if let Some(m) = self
                .mailbox
                .all_for(to)
                .into_iter()
                .rev()
                .find(|m| m.subject.contains(needle))
            {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "no mail to {to} with {needle:?} in its subject; got {:?}",
            self.mailbox
                .all_for(to)
                .iter()
                .map(|m| &m.subject)
                .collect::<Vec<_>>()
        );
    }

    /// How many mails to `to` have `needle` in their subject, after giving the outbox a moment
    /// to deliver anything still queued.
    pub async fn count_mails_settled(&self, to: &str, needle: &str) -> usize {
        tokio::time::sleep(Duration::from_millis(600)).await;
        self.mailbox
            .all_for(to)
            .iter()
            .filter(|m| m.subject.contains(needle))
            .count()
    }

    /// The value of a column of the account with this address.
    pub async fn account_column<T>(&self, email: &str, column: &str) -> T
    where
        T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + Unpin,
    {
        let (value,): (T,) = sqlx::query_as(&format!(
            "SELECT {column} FROM accounts WHERE email_key = $1"
        ))
        .bind(email.to_lowercase())
        .fetch_one(&self.state.db.pool)
        .await
        .unwrap();
        value
    }
}
