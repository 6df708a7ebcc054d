//! The test harness: the real server on a random port, against SQLite or PostgreSQL, with a
//! real SMTP server (tests/support/smtp_sink.py) receiving its mail.
#![allow(dead_code)]

pub mod evidence;
pub mod factor;
pub mod ledger;
pub mod mailbox;
pub mod wallet;

use portal_server::config::Config;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

pub use mailbox::{Mailbox, Received};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: portal_server::AppState,
    pub mailbox: Mailbox,
    /// The authenticator apps of the customers who turned two-step verification on in this
    /// browser for money (`step_up_for_money`), by email address.
    pub authenticators: std::sync::Arc<tokio::sync::Mutex<HashMap<String, factor::Authenticator>>>,
    _data_dir: std::sync::Arc<tempfile::TempDir>,
}

/// Runs each named `async fn(TestApp)` once against SQLite and once against PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test($crate::common::TestApp::spawn($crate::common::Backend::Sqlite).await.unwrap()).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    match $crate::common::TestApp::spawn($crate::common::Backend::Postgres).await {
                        Some(app) => super::$test(app).await,
                        None => eprintln!("skipped: PORTAL_TEST_DATABASE_URL is not set"),
                    }
                }
            )*
        }
    };
}

impl TestApp {
    /// `None` only for PostgreSQL when no test database is configured and this is not CI,
    /// where a missing database is a failure.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, &[]).await
    }

    pub async fn spawn_with(backend: Backend, overrides: &[(&str, &str)]) -> Option<Self> {
        let data_dir = tempfile::tempdir().unwrap();
        let database_url = match backend {
            Backend::Sqlite => format!(
                "sqlite://{}?mode=rwc",
                data_dir.path().join("portal.db").display()
            ),
            Backend::Postgres => fresh_postgres_database().await?,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let smtp = smtp_sink();
        let mut env: HashMap<String, String> = [
            ("PORTAL_DATA_DIR", data_dir.path().display().to_string()),
            ("PORTAL_DATABASE_URL", database_url),
            ("PORTAL_PUBLIC_URL", base.clone()),
            ("PORTAL_SMTP_URL", format!("smtp://127.0.0.1:{}", smtp.port)),
            // The tests' card network, on purpose even when a test serves a public origin.
            ("PORTAL_CARD_PROCESSOR", "simulated".to_owned()),
            (
                "PORTAL_DIST_DIR",
                data_dir.path().join("no-dist").display().to_string(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        for (k, v) in overrides {
            env.insert((*k).to_owned(), (*v).to_owned());
        }
        let config = Config::from_lookup(|k| env.get(k).cloned()).unwrap();
        let state = portal_server::AppState::new(config).await.unwrap();
        state.start_background().unwrap();
        tokio::spawn(portal_server::serve(state.clone(), listener));
        let mut headers = reqwest::header::HeaderMap::new();
        // What a browser on our own page sends with every state-changing request.
        headers.insert("origin", base.parse().unwrap());
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .build()
            .unwrap();
        Some(Self {
            base,
            client,
            state,
            mailbox: Mailbox::new(smtp.maildir.clone()),
            authenticators: Default::default(),
            _data_dir: std::sync::Arc::new(data_dir),
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A second server process on the same database, data directory and secret key, as a
    /// second replica would be; requests to it go through `app.url` of the answer. It keeps this
    /// one's public URL, so this app's browsers are same-origin to both.
    pub async fn another_server(&self) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = portal_server::AppState::new((*self.state.config).clone())
            .await
            .unwrap();
        tokio::spawn(portal_server::serve(state.clone(), listener));
        TestApp {
            base,
            client: self.client.clone(),
            state,
            mailbox: self.mailbox.clone(),
            authenticators: std::sync::Arc::clone(&self.authenticators),
            _data_dir: std::sync::Arc::clone(&self._data_dir),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        read(r).await
    }

    pub async fn register(&self, email: &str, password: &str) -> (StatusCode, Value) {
        self.post(
            "/api/register",
            serde_json::json!({"email": email, "password": password}),
        )
        .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> (StatusCode, Value) {
        self.post(
            "/api/sign-in",
            serde_json::json!({"email": email, "password": password}),
        )
        .await
    }

    /// Sends `body` as it is, for malformed and oversized input.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        let r = self
            .client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        read(r).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        read(self.client.get(self.url(path)).send().await.unwrap()).await
    }

    /// A second browser: its own cookie jar.
    pub fn new_client(&self) -> reqwest::Client {
        self.new_browser().0
    }

    /// A second browser that names itself `user_agent`.
    pub fn browser_with(&self, user_agent: &str) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", self.base.parse().unwrap());
        reqwest::Client::builder()
            .cookie_store(true)
            .user_agent(user_agent)
            .default_headers(headers)
            .build()
            .unwrap()
    }

    /// A second browser and its cookie jar, to read the cookies it holds.
    pub fn new_browser(&self) -> (reqwest::Client, std::sync::Arc<reqwest::cookie::Jar>) {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", self.base.parse().unwrap());
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(std::sync::Arc::clone(&jar))
            .default_headers(headers)
            .build()
            .unwrap();
        (client, jar)
    }

    /// Registers, verifies the address through the link in the mail, and signs in.
    pub async fn signed_in_customer(&self, email: &str, password: &str) -> Value {
        let (status, _) = self
            .post(
                "/api/register",
                serde_json::json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let token = self.mailbox.verification_token(email).await;
        let (status, _) = self
            .post("/api/verify-email", serde_json::json!({"token": token}))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, me) = self
            .post(
                "/api/sign-in",
                serde_json::json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{me}");
        me
    }

    /// Signs `email` in from `client`, a browser new to the account: the password (202, device
    /// verification), then the code from the mail it sends. The signed-in customer.
    pub async fn sign_in_new_browser(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> Value {
        let before = self.mailbox.device_code_mails(email).len();
        let (status, body) = self.sign_in_with(client, email, password).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        assert_eq!(body["status"], "device_verification_required", "{body}");
        let (code, _) = self.mailbox.device_code(email, before + 1).await;
        let (status, me) = read(
            client
                .post(self.url("/api/sign-in/device-code"))
                .json(&serde_json::json!({ "code": code }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{me}");
        me
    }

    /// The password step of a sign-in from `client`.
    pub async fn sign_in_with(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> (StatusCode, Value) {
        read(
            client
                .post(self.url("/api/sign-in"))
                .json(&serde_json::json!({"email": email, "password": password}))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// How many accounts the store holds: to prove a refused request changed nothing.
    pub async fn account_count(&self) -> i64 {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM accounts")
            .fetch_one(&self.state.db.pool)
            .await
            .unwrap();
        n
    }
}

/// A signed-in customer in a browser of their own (own cookie jar).
pub struct Customer {
    pub id: String,
    pub email: String,
    pub client: reqwest::Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
    base: String,
}

impl Customer {
    /// The `Cookie` header this customer's browser sends (session and device cookies), for
    /// requests made by hand.
    pub fn cookie_header(&self) -> String {
        use reqwest::cookie::CookieStore;
        let url = self.base.parse().unwrap();
        let header = self.jar.cookies(&url).expect("the browser holds cookies");
        header.to_str().unwrap().to_owned()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        read(self.client.get(self.url(path)).send().await.unwrap()).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        read(
            self.client
                .post(self.url(path))
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Sends `body` as it is, for malformed and oversized input.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        let r = self
            .client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        read(r).await
    }
}

impl TestApp {
    /// A new customer (registered in `locale`, address verified) signed in in a browser of
    /// their own.
    pub async fn customer(&self, tag: &str, locale: &str) -> Customer {
        let email = unique_email(tag);
        let (status, _) = self
            .post(
                "/api/register",
                serde_json::json!({"email": email, "password": STRONG_PASSWORD, "locale": locale}),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let token = self.mailbox.verification_token(&email).await;
        // Verified in the browser that then signs in, as a customer opens the link: it is the
        // account's device from then on.
        let (client, jar) = self.new_browser();
        let r = client
            .post(self.url("/api/verify-email"))
            .json(&serde_json::json!({"token": token}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let r = client
            .post(self.url("/api/sign-in"))
            .json(&serde_json::json!({"email": email, "password": STRONG_PASSWORD}))
            .send()
            .await
            .unwrap();
        let (status, me) = read(r).await;
        assert_eq!(status, StatusCode::OK, "{me}");
        Customer {
            id: me["id"].as_str().unwrap().to_owned(),
            email,
            client,
            jar,
            base: self.base.clone(),
        }
    }
}

pub async fn read(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

/// Asserts the API's one error shape and returns its code.
pub fn error_code(body: &Value) -> &str {
    let e = &body["error"];
    assert!(
        e["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no message in {body}"
    );
    e["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {body}"))
}

/// A unique address per test, so tests share one SMTP server safely.
pub fn unique_email(tag: &str) -> String {
    format!(
        "{tag}.{}@example.com",
        hex::encode(rand::random::<[u8; 6]>())
    )
}

pub const STRONG_PASSWORD: &str = "violet-kettle-harbour-81-sprocket";

struct SmtpSink {
    port: u16,
    maildir: std::path::PathBuf,
    _child: std::sync::Mutex<std::process::Child>,
    _dir: tempfile::TempDir,
}

/// One SMTP server per test process, shared by all its tests (each writes to addresses of its
/// own). It exits when this process does (its stdin closes).
fn smtp_sink() -> &'static SmtpSink {
    static SINK: OnceLock<SmtpSink> = OnceLock::new();
    SINK.get_or_init(|| {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/support/smtp_sink.py"
        );
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .arg("--maildir")
            .arg(dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect(
                "python3 tests/support/smtp_sink.py (scripts/setup --for-tests installs aiosmtpd)",
            );
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("smtp_sink.py did not report its port: {line:?}"));
        SmtpSink {
            port,
            maildir: dir.path().to_owned(),
            _child: std::sync::Mutex::new(child),
            _dir: dir,
        }
    })
}

async fn fresh_postgres_database() -> Option<String> {
    let Ok(admin_url) = std::env::var("PORTAL_TEST_DATABASE_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must test PostgreSQL: set PORTAL_TEST_DATABASE_URL"
        );
        return None;
    };
    use sqlx::Connection;
    let name = format!("portal_test_{}", hex::encode(rand::random::<[u8; 8]>()));
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to the test PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("URL with a database name");
    Some(format!("{base}/{name}"))
}
