//! The wallet from the customer's and the store's side: cards, top-ups, payment codes, merchants,
//! signed processor callbacks, and looks into the journal.

use super::{read, TestApp, STRONG_PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

pub const VISA: &str = "4242 4242 4242 4242";
pub const DECLINES: &str = "4000 0000 0000 0002";
pub const TIMES_OUT_THEN_APPROVED: &str = "4000 0000 0000 0101";
pub const TIMES_OUT_THEN_DECLINED: &str = "4000 0000 0000 0200";

pub fn yen(minor: i64) -> Value {
    json!({"minor": minor, "currency": "JPY"})
}

/// A fresh random idempotency key.
pub fn new_key() -> String {
    hex::encode(rand::random::<[u8; 12]>())
}

impl TestApp {
    /// The same server seen from another browser: its own cookie jar, nobody signed in.
    pub fn another_browser(&self) -> TestApp {
        TestApp {
            base: self.base.clone(),
            client: self.new_client(),
            state: self.state.clone(),
            mailbox: self.mailbox.clone(),
            authenticators: Default::default(),
            _data_dir: std::sync::Arc::clone(&self._data_dir),
        }
    }

    /// A verified customer signed in on `app.client`, with two-step verification on and
    /// stepped up for money.
    pub async fn wallet_customer(&self, email: &str) {
        self.signed_in_customer(email, STRONG_PASSWORD).await;
        self.step_up_for_money().await;
    }

    /// Signs `email` (whose two-step verification `step_up_for_money` turned on) in from
    /// `client`: the password, then a code from its authenticator app.
    pub async fn sign_in_with_totp(&self, client: &reqwest::Client, email: &str) {
        let (status, body) = self.sign_in_with(client, email, STRONG_PASSWORD).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        assert_eq!(body["status"], "second_factor_required", "{body}");
        let code = self
            .authenticators
            .lock()
            .await
            .get_mut(email)
            .unwrap()
            .next_code()
            .await;
        let r = client
            .post(self.url("/api/sign-in/second-factor"))
            .json(&json!({ "code": code }))
            .send()
            .await
            .unwrap();
        let (status, body) = read(r).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    /// Steps the session on `app.client` up for money (adding a card, a top-up): the first
    /// time two-step verification is turned on (its confirming code counts as the step-up),
    /// after that with a code from the authenticator app.
    pub async fn step_up_for_money(&self) {
        let (status, me) = self.get("/api/me").await;
        assert_eq!(status, StatusCode::OK, "{me}");
        let email = me["email"].as_str().unwrap().to_owned();
        let mut apps = self.authenticators.lock().await;
        match apps.get_mut(&email) {
            None => {
                assert_eq!(me["totp_enabled"], false, "two-step turned on elsewhere");
                let (app, _) = self.enrol().await;
                apps.insert(email, app);
            }
            Some(app) => {
                let code = app.next_code().await;
                let (status, body) = self.post("/api/me/step-up", json!({ "code": code })).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                assert_eq!(body["money"], true, "{body}");
            }
        }
    }

    pub async fn add_card_with(
        &self,
        client: &reqwest::Client,
        number: &str,
    ) -> (StatusCode, Value) {
        let r = client
            .post(self.url("/api/cards"))
            .json(&json!({"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}))
            .send()
            .await
            .unwrap();
        read(r).await
    }

    /// Registers `number` for the customer on `app.client`; answers the card's id.
    pub async fn add_card(&self, number: &str) -> String {
        let (status, card) = self.add_card_with(&self.client, number).await;
        assert_eq!(status, StatusCode::CREATED, "{card}");
        card["id"].as_str().unwrap().to_owned()
    }

    pub async fn top_up_with(
        &self,
        client: &reqwest::Client,
        card_id: &str,
        minor: i64,
        key: &str,
    ) -> (StatusCode, Value) {
        let r = client
            .post(self.url("/api/top-ups"))
            .header("idempotency-key", key)
            .json(&json!({"card_id": card_id, "amount": yen(minor)}))
            .send()
            .await
            .unwrap();
        read(r).await
    }

    pub async fn top_up(&self, card_id: &str, minor: i64, key: &str) -> (StatusCode, Value) {
        self.top_up_with(&self.client, card_id, minor, key).await
    }

    /// Tops the wallet of the customer on `app.client` up by `minor` with a new Visa card.
    pub async fn funded(&self, minor: i64) {
        let card = self.add_card(VISA).await;
        let (status, body) = self.top_up(&card, minor, &new_key()).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    pub async fn balance(&self) -> i64 {
        let (status, wallet) = self.get("/api/wallet").await;
        assert_eq!(status, StatusCode::OK, "{wallet}");
        assert_eq!(wallet["balance"]["currency"], "JPY");
        wallet["balance"]["minor"].as_i64().unwrap()
    }

    /// A new code for the customer on `app.client`.
    pub async fn payment_code(&self) -> String {
        let (status, code) = self.post("/api/payment-codes", json!({})).await;
        assert_eq!(status, StatusCode::OK, "{code}");
        code["code"].as_str().unwrap().to_owned()
    }

    /// A merchant named `name`; answers its API key.
    pub async fn merchant(&self, name: &str) -> String {
        portal_server::wallet::merchant::create(&self.state.db, name)
            .await
            .unwrap()
            .1
    }

    /// What a store's till sends: no browser headers, the API key, an idempotency key.
    pub async fn redeem(&self, api_key: &str, key: &str, body: Value) -> (StatusCode, Value) {
        let r = reqwest::Client::new()
            .post(self.url("/api/merchant/redemptions"))
            .bearer_auth(api_key)
            .header("idempotency-key", key)
            .json(&body)
            .send()
            .await
            .unwrap();
        read(r).await
    }

    /// A settlement callback as the processor sends it: signed with the shared key, now.
    pub async fn processor_callback(&self, reference: &str, outcome: &str) -> (StatusCode, Value) {
        let body = json!({"reference": reference, "outcome": outcome}).to_string();
        let signature = portal_server::wallet::processor::sign_callback(
            &self.state.secret_key,
            portal_server::clock::now(),
            body.as_bytes(),
        );
        self.raw_callback(&body, Some(&signature)).await
    }

    pub async fn raw_callback(&self, body: &str, signature: Option<&str>) -> (StatusCode, Value) {
        let mut r = reqwest::Client::new()
            .post(self.url("/api/processor/callback"))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(s) = signature {
            r = r.header("processor-signature", s);
        }
        read(r.send().await.unwrap()).await
    }

    /// A number from the store: `SELECT COUNT(*) ...`, say.
    pub async fn scalar(&self, sql: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sql)
            .fetch_one(&self.state.db.pool)
            .await
            .unwrap();
        n
    }

    /// A text from the store: `SELECT id FROM ...`, say.
    pub async fn scalar_text(&self, sql: &str) -> String {
        let (s,): (String,) = sqlx::query_as(sql)
            .fetch_one(&self.state.db.pool)
            .await
            .unwrap();
        s
    }

    /// The journal replays cleanly: every entry sums to zero, every balance adds up.
    pub async fn assert_ledger_consistent(&self) {
        let report = portal_server::wallet::ledger::verify(&self.state.db)
            .await
            .unwrap();
        assert!(report.mismatches.is_empty(), "{:?}", report.mismatches);
    }

    /// The history row `id`: (kind, status, amount_minor, merchant_name, memo, entry_id).
    pub async fn history_row(
        &self,
        id: &str,
    ) -> (
        String,
        String,
        i64,
        Option<String>,
        Option<String>,
        Option<String>,
    ) {
        sqlx::query_as(
            "SELECT kind, status, amount_minor, merchant_name, memo, entry_id
             FROM wallet_transactions WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&self.state.db.pool)
        .await
        .unwrap()
    }
}
