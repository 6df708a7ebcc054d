//! Evidence against crashes and tampering, with the real binary on SQLite: a server killed
//! (SIGKILL) mid-upload leaves no half-stored file and no report pointing at a missing file; a
//! report reads back the same after a restart, bundle byte for byte; and
//! `portal-server evidence verify` finds a changed screenshot or a changed chain entry, names
//! the report and what changed, and passes again once it is put back.

use crate::common::evidence as fixtures;
use crate::common::ledger;

use fixtures::*;
use ledger::NewTransaction;
use portal_server::db::Db;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

const PASSWORD: &str = "violet-kettle-harbour-81-sprocket";

/// The real `portal-server serve` on a data directory of its own (mail goes to its outbox).
struct Server {
    child: Option<Child>,
    data: PathBuf,
    port: u16,
    logs: tempfile::TempDir,
    starts: u32,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    async fn start(data: &Path) -> Self {
        let mut server = Server {
            child: None,
            data: data.to_owned(),
            port: free_port(),
            logs: tempfile::tempdir().unwrap(),
            starts: 0,
        };
        server.launch().await;
        server
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn database_url(&self) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            self.data.join("portal.db").display()
        )
    }

    fn evidence(&self) -> PathBuf {
        self.data.join("evidence")
    }

    /// What `TestApp::spawn_with` sets, minus the SMTP server: mail lands in the outbox table.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_portal-server"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("PORTAL_DATA_DIR", &self.data)
            .env("PORTAL_LISTEN", self.addr())
            .env("PORTAL_DATABASE_URL", self.database_url())
            .env("PORTAL_PUBLIC_URL", self.base())
            .env("PORTAL_DIST_DIR", self.data.join("no-dist"))
            .env("RUST_LOG", "warn");
        cmd
    }

    async fn launch(&mut self) {
        self.starts += 1;
        let log = self.logs.path().join(format!("serve-{}.log", self.starts));
        let file = std::fs::File::create(&log).unwrap();
        let child = self
            .command(&["serve"])
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = client
                .get(format!("{}/api/health", self.base()))
                .send()
                .await
            {
                if r.status() == StatusCode::OK {
                    return;
                }
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "portal-server exited ({status}) before serving:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            assert!(Instant::now() < deadline, "portal-server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: nothing of the server runs after this, no shutdown code included.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Killed, then started again on the same data directory and port.
    async fn restart_after_kill(&mut self) {
        self.kill();
        self.launch().await;
    }

    /// `portal-server evidence verify` with the server's environment: exit code and stdout.
    fn verify(&self) -> (i32, String) {
        let out = self.command(&["evidence", "verify"]).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr);
        (
            out.status
                .code()
                .unwrap_or_else(|| panic!("killed: {stderr}")),
            format!("{stdout}{stderr}"),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A browser of the customer's: a cookie jar and the Origin our page sends.
fn browser(base: &str) -> (reqwest::Client, std::sync::Arc<reqwest::cookie::Jar>) {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", base.parse().unwrap());
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(std::sync::Arc::clone(&jar))
        .default_headers(headers)
        .build()
        .unwrap();
    (client, jar)
}

async fn read(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

struct Customer {
    id: String,
    email: String,
    client: reqwest::Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
    base: String,
}

impl Customer {
    /// The `Cookie` header the customer's browser sends, for uploads sent by hand.
    fn cookie_header(&self) -> String {
        use reqwest::cookie::CookieStore;
        let header = self.jar.cookies(&self.base.parse().unwrap()).unwrap();
        header.to_str().unwrap().to_owned()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        read(self.client.get(self.url(path)).send().await.unwrap()).await
    }

    async fn bytes(&self, path: &str) -> (StatusCode, Vec<u8>) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        let status = r.status();
        (
            status,
            r.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
        )
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
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

    async fn upload(&self, name: &str, bytes: Vec<u8>) -> Value {
        let r = self
            .client
            .post(self.url("/api/evidence"))
            .query(&[("name", name)])
            .body(bytes)
            .send()
            .await
            .unwrap();
        let (status, body) = read(r).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    async fn report(&self, transactions: &[String], screenshots: &[&Value]) -> Value {
        let ids: Vec<&str> = screenshots
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        let (status, body) = self
            .post(
                "/api/fraud-reports",
                json!({
                    "transaction_ids": transactions,
                    "description": "Not me.\nSomeone used my wallet at night.",
                    "screenshots": ids,
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    /// Signs in again after a restart, in the same browser (its device cookie kept, so no
    /// mailed code; cookies are per host, not per port).
    async fn sign_in_again(&mut self, server: &Server) {
        self.base = server.base();
        let (status, me) = self
            .post(
                "/api/sign-in",
                json!({"email": self.email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{me}");
    }
}

/// Registers, verifies through the link in the mail (read from the outbox table) and signs in.
async fn customer(server: &Server, db: &Db, tag: &str) -> Customer {
    let email = format!(
        "{tag}.{}@example.com",
        hex::encode(rand::random::<[u8; 6]>())
    );
    let base = server.base();
    let (client, jar) = browser(&base);
    let r = client
        .post(format!("{base}/api/register"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let mut token = None;
    for _ in 0..200 {
        let bodies: Vec<(String,)> =
            sqlx::query_as("SELECT body_text FROM mail_outbox WHERE recipient = $1")
                .bind(&email)
                .fetch_all(&db.pool)
                .await
                .unwrap();
        token = bodies.iter().find_map(|(b,)| {
            let start = b.find("/verify-email?token=")? + "/verify-email?token=".len();
            Some(
                b[start..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect::<String>(),
            )
        });
        if token.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let token = token.expect("no verification mail in the outbox");
    let (status, body) = read(
        client
            .post(format!("{base}/api/verify-email"))
            .json(&json!({"token": token}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, me) = read(
        client
            .post(format!("{base}/api/sign-in"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    Customer {
        id: me["id"].as_str().unwrap().to_owned(),
        email,
        client,
        jar,
        base,
    }
}

/// The store the server writes, opened from the test (after the server migrated it).
async fn database(server: &Server) -> Db {
    Db::connect(&server.database_url()).await.unwrap()
}

async fn payments(db: &Db, c: &Customer, n: usize) -> Vec<String> {
    let now = portal_server::clock::now();
    let rows: Vec<NewTransaction> = (0..n)
        .map(|i| NewTransaction::payment(980 + i as i64, "FamilyMart", None, now - 600 - i as i64))
        .collect();
    ledger::insert(db, &c.id, "JPY", &rows).await
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&db.pool).await.unwrap();
    n
}

fn stored_path(server: &Server, sha256: &str) -> PathBuf {
    server.evidence().join(&sha256[..2]).join(&sha256[2..])
}

/// Every catalogued file is in the store with its recorded size, and every upload names a
/// catalogued file.
async fn assert_catalogue_matches_store(server: &Server, db: &Db) {
    let files: Vec<(String, i64)> = sqlx::query_as("SELECT sha256, size FROM evidence_files")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    for (sha, size) in &files {
        let bytes = std::fs::read(stored_path(server, sha))
            .unwrap_or_else(|e| panic!("evidence_files names {sha}, which the store lacks: {e}"));
        assert_eq!(bytes.len() as i64, *size, "{sha}");
        assert_eq!(&sha256_hex(&bytes), sha);
    }
    let orphans = scalar(
        db,
        "SELECT COUNT(*) FROM uploads u LEFT JOIN evidence_files f ON f.sha256 = u.sha256
         WHERE f.sha256 IS NULL",
    )
    .await;
    assert_eq!(orphans, 0, "an upload names an uncatalogued file");
}

/// Starts an upload of `body` (Content-Length: all of it) and sends only the first `sent`
/// bytes, slowly; answers the open connection.
async fn start_upload(
    server: &Server,
    cookie: &str,
    body: &[u8],
    sent: usize,
) -> tokio::net::TcpStream {
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let head = format!(
        "POST /api/evidence?name=cut.png HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\nCookie: {cookie}\r\n\
         Content-Type: image/png\r\nContent-Length: {}\r\n\r\n",
        server.addr(),
        server.base(),
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for part in body[..sent].chunks(256 * 1024) {
        stream.write_all(part).await.unwrap();
        stream.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_mid_upload_leaves_nothing_half_stored() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Server::start(data.path()).await;
    let db = database(&server).await;
    let mut c = customer(&server, &db, "crash").await;
    let t = payments(&db, &c, 2).await;
    let before_crash = c.upload("before.png", png(40, 30, 1)).await;
    let first = c.report(&t[..1], &[&before_crash]).await;
    let uploads_before = scalar(&db, "SELECT COUNT(*) FROM uploads").await;
    assert_eq!(uploads_before, 1);

    // A large valid screenshot, half of it sent, slowly; then the server is killed.
    let big = noise_png(1400, 1200, 7);
    assert!(big.len() > 4_000_000 && big.len() < portal_api::evidence::SCREENSHOT_MAX_BYTES);
    let cookie = c.cookie_header();
    let half = start_upload(&server, &cookie, &big, big.len() / 2).await;
    // Meanwhile complete uploads are decoded and stored, so the kill may land in any step.
    let mut racing = Vec::new();
    for i in 0..6u64 {
        let client = c.client.clone();
        let url = c.url(&format!("/api/evidence?name=racing-{i}.png"));
        let bytes = noise_png(500, 400, 100 + i);
        racing.push((
            sha256_hex(&bytes),
            tokio::spawn(async move { client.post(url).body(bytes).send().await }),
        ));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.kill();
    drop(half);
    let mut answered = Vec::new();
    for (sha, task) in racing {
        if let Ok(Ok(r)) = task.await {
            if r.status() == StatusCode::CREATED {
                answered.push(sha);
            }
        }
    }
    // What a kill in the middle of writing a file leaves: a partial file in tmp.
    let tmp = server.evidence().join("tmp");
    std::fs::write(tmp.join(".tmpHALF01"), &big[..big.len() / 3]).unwrap();

    server.launch().await;
    let leftovers: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(
        leftovers.is_empty(),
        "evidence/tmp after the restart: {leftovers:?}"
    );
    assert_store_consistent(&server.evidence());
    assert_catalogue_matches_store(&server, &db).await;
    let cut = scalar(
        &db,
        &format!(
            "SELECT COUNT(*) FROM uploads WHERE original_sha256 = '{}' OR name = 'cut.png'",
            sha256_hex(&big)
        ),
    )
    .await;
    assert_eq!(cut, 0, "the cut upload was recorded");
    // Uploads answered 201 before the kill were committed; no other rows appeared.
    let rows: Vec<(String,)> = sqlx::query_as("SELECT original_sha256 FROM uploads")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    for sha in &answered {
        assert!(rows.iter().any(|(r,)| r == sha), "a 201 upload was lost");
    }
    assert!(rows.len() as i64 <= uploads_before + 6);
    // Every report's files are there.
    let missing = scalar(
        &db,
        "SELECT COUNT(*) FROM uploads u WHERE u.report_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM evidence_files f WHERE f.sha256 = u.sha256)",
    )
    .await;
    assert_eq!(missing, 0);

    // The report made before the crash reads back whole, and a new one works.
    c.sign_in_again(&server).await;
    let (status, again) = c
        .get(&format!(
            "/api/fraud-reports/{}",
            first["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again, first);
    let (status, zip) = c.bytes(first["bundle_url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(zip_entries(&zip).iter().any(|(n, _)| n == "manifest.json"));
    // Make room (the racing uploads may be waiting), then a new screenshot and report.
    let waiting: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM uploads WHERE account_id = $1 AND report_id IS NULL AND dispute_id IS NULL",
    )
    .bind(&c.id)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    for (id,) in &waiting {
        let r = c
            .client
            .delete(c.url(&format!("/api/evidence/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
    let after_crash = c.upload("after.png", png(40, 30, 2)).await;
    let second = c.report(&t[1..], &[&after_crash]).await;
    assert_eq!(second["screenshots"][0]["id"], after_crash["id"]);
    let (status, served) = c.bytes(after_crash["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after_crash["sha256"], sha256_hex(&served));
    let (status, _) = c.bytes(second["bundle_url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);

    let (code, out) = server.verify();
    assert_eq!(code, 0, "{out}");
    for report in [&first, &second] {
        let id = report["id"].as_str().unwrap();
        assert!(out.contains(&format!("{id}: intact")), "{out}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_reads_back_the_same_after_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Server::start(data.path()).await;
    let db = database(&server).await;
    let mut c = customer(&server, &db, "restart").await;
    let t = payments(&db, &c, 3).await;
    let shots = [
        c.upload("one.png", png(30, 20, 3)).await,
        c.upload("two.jpg", jpeg(64, 48, 4)).await,
    ];
    let report = c.report(&t[..2], &[&shots[0], &shots[1]]).await;
    let id = report["id"].as_str().unwrap().to_owned();
    let more = c.upload("three.webp", webp(20, 20, 5)).await;
    let (status, _) = c
        .post(
            &format!("/api/fraud-reports/{id}/evidence"),
            json!({"screenshots": [more["id"]], "note": "One more.\r\n🙂"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, before) = c.get(&format!("/api/fraud-reports/{id}")).await;
    let (_, list_before) = c.get("/api/fraud-reports").await;
    let (status, zip_before) = c
        .bytes(&format!("/api/fraud-reports/{id}/bundle.zip"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, shot_before) = c.bytes(shots[1]["url"].as_str().unwrap()).await;

    server.restart_after_kill().await;
    c.sign_in_again(&server).await;

    let (status, after) = c.get(&format!("/api/fraud-reports/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(
        after, before,
        "the report's JSON changed across the restart"
    );
    let (_, list_after) = c.get("/api/fraud-reports").await;
    assert_eq!(list_after, list_before);
    let (status, zip_after) = c
        .bytes(&format!("/api/fraud-reports/{id}/bundle.zip"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        zip_after == zip_before,
        "the bundle's bytes changed across the restart"
    );
    let (_, shot_after) = c.bytes(shots[1]["url"].as_str().unwrap()).await;
    assert_eq!(shot_after, shot_before);
    let (_, wallet) = c.get("/api/wallet").await;
    assert_eq!(wallet["freeze"]["report_id"], id.as_str(), "still frozen");

    let (code, out) = server.verify();
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("{id}: intact (2 entries, 5 files)")),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_verify_names_a_changed_file_or_entry() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path()).await;
    let db = database(&server).await;
    let c = customer(&server, &db, "tamper").await;
    let other = customer(&server, &db, "untouched").await;
    let t = payments(&db, &c, 1).await;
    let t_other = payments(&db, &other, 1).await;
    let shot = c.upload("evidence.png", png(48, 32, 6)).await;
    let report = c.report(&t, &[&shot]).await;
    let id = report["id"].as_str().unwrap().to_owned();
    let (status, _) = c
        .post(
            &format!("/api/fraud-reports/{id}/evidence"),
            json!({"note": "They called me pretending to be the bank."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let other_shot = other.upload("other.png", png(48, 32, 7)).await;
    let other_report = other.report(&t_other, &[&other_shot]).await;
    let other_id = other_report["id"].as_str().unwrap().to_owned();

    let (code, out) = server.verify();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("{id}: intact")), "{out}");

    // One byte of the sealed screenshot changed on disk.
    let sha = shot["sha256"].as_str().unwrap();
    let path = stored_path(&server, sha);
    let original = std::fs::read(&path).unwrap();
    let mut changed = original.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 0x01;
    std::fs::write(&path, &changed).unwrap();
    let (code, out) = server.verify();
    assert_eq!(code, 1, "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap_or_else(|| panic!("{id} not named: {out}"));
    assert!(line.contains("BROKEN"), "{out}");
    assert!(line.contains(sha), "the file is not named: {line}");
    assert!(
        line.contains(&format!("screenshots/01-{}.png", &sha[..12])),
        "{line}"
    );
    assert!(out.contains(&format!("{other_id}: intact")), "{out}");
    // Changed evidence is never served as if it were the original.
    let (status, served) = c.bytes(shot["url"].as_str().unwrap()).await;
    assert_ne!(status, StatusCode::OK);
    assert!(served != changed);

    std::fs::write(&path, &original).unwrap();
    let (code, out) = server.verify();
    assert_eq!(code, 0, "{out}");
    let (status, served) = c.bytes(shot["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(served, original);

    // An entry's text edited in the database: entry 2 (the note), then entry 1 (the manifest).
    for (seq, from, to) in [
        (2, "pretending to be the bank", "pretending to be the shop"),
        (1, "Someone used my wallet", "I used my wallet"),
    ] {
        let (body,): (String,) =
            sqlx::query_as("SELECT body FROM evidence_entries WHERE report_id = $1 AND seq = $2")
                .bind(&id)
                .bind(seq)
                .fetch_one(&db.pool)
                .await
                .unwrap();
        assert!(body.contains(from), "{body}");
        let set = |text: String| {
            let (db, id) = (&db, &id);
            async move {
                sqlx::query(
                    "UPDATE evidence_entries SET body = $1 WHERE report_id = $2 AND seq = $3",
                )
                .bind(text)
                .bind(id)
                .bind(seq)
                .execute(&db.pool)
                .await
                .unwrap();
            }
        };
        set(body.replace(from, to)).await;
        let (code, out) = server.verify();
        assert_eq!(code, 1, "{out}");
        let line = out
            .lines()
            .find(|l| l.starts_with(&id))
            .unwrap_or_else(|| panic!("{id} not named: {out}"));
        assert!(line.contains("BROKEN"), "{out}");
        assert!(
            line.contains(&format!("entry {seq}")),
            "which entry: {line}"
        );
        assert!(out.contains(&format!("{other_id}: intact")), "{out}");
        set(body).await;
        let (code, out) = server.verify();
        assert_eq!(code, 0, "{out}");
    }
}
