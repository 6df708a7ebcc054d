//! `portal-server seed-demo`: a demo customer with a real-looking history, so a newcomer sees the
//! wallet working at once.
//!
//! It makes, once (running it again changes nothing):
//! - the customer [`EMAIL`] with the password [`PASSWORD`] (it passes the breach and strength
//!   checks), email verified, two-step verification off, display name [`DISPLAY_NAME`];
//! - the merchant [`MERCHANT_NAME`], whose API key is derived from `PORTAL_SECRET_KEY` (so every
//!   run prints the same key without the store ever holding it);
//! - a registered Visa test card (`4242 4242 4242 4242`);
//! - about eighteen months of history up to the start of the current UTC day: several thousand
//!   payments at some forty stores (Japanese and international, some memos in Arabic, with emoji
//!   or line breaks), monthly subscriptions, and top-ups from the card whenever the balance runs
//!   low (a few declined). Everything is posted through the ledger with its past time, from a
//!   seeded generator: the same amounts, stores and memos every time, and no balance ever below
//!   zero;
//! - two other customers ([`NEIGHBOURS`], the same password) with some weeks of such history and
//!   cases for the support queue, made the way the customer's own requests make them: disputes
//!   submitted, under review, waiting for the customer's answer and declined, and a fraud report
//!   (which freezes that customer's wallet, never the demo customer's).

use crate::evidence::disputes;
use crate::identity::factors::password;
use crate::wallet::cards::{self, brand_label};
use crate::wallet::ledger::{self, Entry, Leg, CARD_CLEARING, MERCHANT, SYSTEM_OWNER, WALLET};
use crate::wallet::processor::CardDetails;
use crate::wallet::rows::{self, NewRow};
use crate::wallet::{merchant, WALLET_CURRENCY};
use crate::AppState;
use base64::Engine;
use portal_api::evidence::CreateFraudReportRequest;
use portal_api::wallet::{
    CreateDisputeRequest, DisputeReason, DisputeStatus, TransactionKind, TransactionStatus,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const EMAIL: &str = "demo@mamoru-wallet.example";
pub const PASSWORD: &str = "persimmon-lantern-harbour-2718";
pub const DISPLAY_NAME: &str = "Hanako Yamada";
pub const MERCHANT_NAME: &str = "Mamoru Demo Store";
const DEMO_CARD: &str = "4242424242424242";
/// How far back the history goes.
const DAYS: i64 = 548;
const SEED: u64 = 0x6d61_6d6f_7275;
const DAY: i64 = 86_400;
/// Japan is UTC+9: stores open 07:00 to 23:00 there.
const JST: i64 = 9 * 3600;

/// How far back the other customers' history goes.
const NEIGHBOUR_DAYS: i64 = 45;

/// Another customer of the demo, with cases in the support queue.
pub struct Neighbour {
    pub email: &'static str,
    pub display_name: &'static str,
    locale: &'static str,
    cases: &'static [Plan],
}

/// A case made on the customer's most recent payments (0: the newest), then moved by support.
enum Plan {
    Dispute {
        payment: usize,
        reason: DisputeReason,
        details: &'static str,
        /// The statuses support gives it, in order, with the note the customer sees.
        then: &'static [(DisputeStatus, Option<&'static str>)],
    },
    FraudReport {
        payments: &'static [usize],
        description: &'static str,
    },
}

pub const NEIGHBOURS: &[Neighbour] = &[
    Neighbour {
        email: "kenji.sato@mamoru-wallet.example",
        display_name: "佐藤 健二",
        locale: "ja",
        cases: &[
            Plan::Dispute {
                payment: 0,
                reason: DisputeReason::WrongAmount,
                details: "レシートでは¥480でしたが、¥4,800請求されています。\n桁が一つ多いようです。",
                then: &[
                    (DisputeStatus::UnderReview, None),
                    (
                        DisputeStatus::MoreInfoNeeded,
                        Some("レシートの写真をお送りいただけますか。\nCould you send us a photo of the receipt?"),
                    ),
                ],
            },
            Plan::Dispute {
                payment: 1,
                reason: DisputeReason::ChargedTwice,
                details: "同じお店で同じ金額が2回引き落とされています。",
                then: &[],
            },
            Plan::FraudReport {
                payments: &[2, 3],
                description: "電車でスマートフォンを落としました。この2件の支払いは私ではありません。\nI lost my phone on the train: these two payments were not me.",
            },
        ],
    },
    Neighbour {
        email: "amira.haddad@mamoru-wallet.example",
        display_name: "Amira Haddad",
        locale: "en",
        cases: &[
            Plan::Dispute {
                payment: 0,
                reason: DisputeReason::NotReceived,
                details: "I ordered a delivery and it never came.\nThe app says \"delivered\" 🤔 — لم يصل الطلب",
                then: &[(DisputeStatus::UnderReview, None)],
            },
            Plan::Dispute {
                payment: 1,
                reason: DisputeReason::NotRecognised,
                details: "I don't remember paying here.",
                then: &[(
                    DisputeStatus::Declined,
                    Some("The store's records show this payment at its till, made with the payment code on your phone.\nIf someone else used your phone, please report fraud instead."),
                )],
            },
        ],
    },
];

/// What `seed-demo` made or found.
#[derive(Debug)]
pub struct Demo {
    pub email: &'static str,
    pub password: &'static str,
    pub merchant_name: &'static str,
    pub merchant_key: String,
    pub card: String,
    /// Whether this run made the history (false: it was there already).
    pub created: bool,
    pub top_ups: usize,
    pub declined: usize,
    pub payments: usize,
    pub balance: i64,
    pub from: i64,
    pub to: i64,
    /// The other customers' cases in the support queue, open or closed.
    pub cases: usize,
}

/// A store, what its payments cost, and what its receipts say.
struct Store {
    name: &'static str,
    min: i64,
    max: i64,
    /// Relative weight of a visit on any given day.
    weight: u32,
    memos: &'static [&'static str],
}

const STORES: &[Store] = &[
    Store {
        name: "ローソン 渋谷道玄坂店",
        min: 120,
        max: 1_400,
        weight: 14,
        memos: &[
            "おにぎり・お茶",
            "からあげクン",
            "Lチキ ×2",
            "コーヒー (S)",
            "雑誌",
            "",
        ],
    },
    Store {
        name: "ファミリーマート 新宿三丁目店",
        min: 120,
        max: 1_300,
        weight: 12,
        memos: &["ファミチキ", "お弁当", "いろはす 555ml", "プリン🍮", ""],
    },
    Store {
        name: "セブン-イレブン 目黒駅前店",
        min: 110,
        max: 1_600,
        weight: 13,
        memos: &[
            "セブンカフェ R",
            "サンドイッチ",
            "切手 ×5",
            "おでん 大根・卵",
            "",
        ],
    },
    Store {
        name: "スターバックス 表参道店",
        min: 350,
        max: 1_200,
        weight: 8,
        memos: &[
            "スターバックス ラテ Tall",
            "抹茶 ティー ラテ",
            "ドリップ コーヒー ☕",
            "Caramel Macchiato (Grande)",
        ],
    },
    Store {
        name: "Blue Bottle Coffee 清澄白河",
        min: 550,
        max: 1_800,
        weight: 3,
        memos: &["Flat white", "New Orleans ×2", "Beans: Bella Donovan 200g"],
    },
    Store {
        name: "ドトールコーヒー 池袋東口店",
        min: 250,
        max: 900,
        weight: 6,
        memos: &["ブレンドコーヒー M", "ミラノサンド A", ""],
    },
    Store {
        name: "吉野家 神保町店",
        min: 450,
        max: 1_100,
        weight: 5,
        memos: &["牛丼 並盛・味噌汁", "牛すき鍋膳", ""],
    },
    Store {
        name: "すき家 中野店",
        min: 400,
        max: 1_000,
        weight: 4,
        memos: &["チーズ牛丼 中盛", "朝食 納豆定食"],
    },
    Store {
        name: "一蘭 渋谷店",
        min: 980,
        max: 1_600,
        weight: 2,
        memos: &["天然とんこつラーメン＋替玉", "ラーメン 🍜"],
    },
    Store {
        name: "CoCo壱番屋 高田馬場店",
        min: 700,
        max: 1_500,
        weight: 3,
        memos: &["ロースカツカレー 3辛", "チキン煮込みカレー"],
    },
    Store {
        name: "モスバーガー 恵比寿店",
        min: 400,
        max: 1_300,
        weight: 3,
        memos: &["モスバーガーセット", "テリヤキバーガー"],
    },
    Store {
        name: "無印良品 有楽町",
        min: 300,
        max: 8_000,
        weight: 2,
        memos: &["ノート・ペン", "バターチキンカレー ×3", "収納ケース"],
    },
    Store {
        name: "ユニクロ 銀座店",
        min: 990,
        max: 9_000,
        weight: 1,
        memos: &[
            "エアリズム Tシャツ",
            "ヒートテック ×2",
            "ウルトラライトダウン",
        ],
    },
    Store {
        name: "マツモトキヨシ 上野店",
        min: 200,
        max: 4_000,
        weight: 3,
        memos: &["目薬", "シャンプー・リンス", "ハンドクリーム", ""],
    },
    Store {
        name: "紀伊國屋書店 新宿本店",
        min: 600,
        max: 5_000,
        weight: 2,
        memos: &["文庫本 ×2", "雑誌『BRUTUS』", "技術書"],
    },
    Store {
        name: "成城石井 麻布十番店",
        min: 500,
        max: 6_000,
        weight: 3,
        memos: &["ワイン・チーズ 🧀", "パン・サラダ", "お惣菜"],
    },
    Store {
        name: "イオン 幕張新都心",
        min: 800,
        max: 12_000,
        weight: 2,
        memos: &["食料品", "日用品まとめ買い", "トップバリュ お米 5kg"],
    },
    Store {
        name: "ヨドバシカメラ 新宿西口本店",
        min: 1_000,
        max: 30_000,
        weight: 1,
        memos: &["USB-C ケーブル", "ワイヤレスイヤホン 🎧", "SDカード 128GB"],
    },
    Store {
        name: "ビックカメラ 有楽町",
        min: 800,
        max: 25_000,
        weight: 1,
        memos: &["電池 単3×8", "モバイルバッテリー"],
    },
    Store {
        name: "ダイソー 原宿店",
        min: 110,
        max: 2_200,
        weight: 3,
        memos: &["キッチン用品", "文房具 ×6", ""],
    },
    Store {
        name: "TOHOシネマズ 日比谷",
        min: 1_900,
        max: 4_000,
        weight: 1,
        memos: &["映画 大人1枚 🎬", "ポップコーン・ドリンク"],
    },
    Store {
        name: "Tully's Coffee 丸の内",
        min: 380,
        max: 900,
        weight: 3,
        memos: &["Honey Milk Latte", "Swedish Cherry"],
    },
    Store {
        name: "Uber Eats",
        min: 1_200,
        max: 4_500,
        weight: 3,
        memos: &[
            "Order #A7F3-22\nGreen curry + rice",
            "Pizza Margherita 🍕",
            "Poke bowl",
        ],
    },
    Store {
        name: "Amazon.co.jp",
        min: 500,
        max: 15_000,
        weight: 2,
        memos: &["注文番号 249-1183-77", "Kindle本", "日用品"],
    },
    Store {
        name: "Le Petit Café de Paris",
        min: 480,
        max: 2_400,
        weight: 2,
        memos: &[
            "Croissant & café crème",
            "Pain au chocolat ×2",
            "Crêpe complète",
        ],
    },
    Store {
        name: "Bäckerei Müller",
        min: 300,
        max: 1_500,
        weight: 1,
        memos: &["Brötchen ×3", "Brezel + Kaffee", "Apfelstrudel"],
    },
    Store {
        name: "Café Olé São Paulo",
        min: 400,
        max: 1_600,
        weight: 1,
        memos: &["Pão de queijo 🧀", "Café com leite"],
    },
    Store {
        name: "مقهى الفنار",
        min: 500,
        max: 1_800,
        weight: 1,
        memos: &["قهوة عربية ×2", "شاي بالنعناع", "كنافة 🍯"],
    },
    Store {
        name: "Pizzeria Napoli",
        min: 1_200,
        max: 3_800,
        weight: 1,
        memos: &["Margherita DOC", "Quattro formaggi + birra"],
    },
    Store {
        name: "Seoul Kitchen 新大久保",
        min: 900,
        max: 2_800,
        weight: 1,
        memos: &["비빔밥", "김치찌개 🌶️", "チーズタッカルビ"],
    },
    Store {
        name: "Golden Dragon 横浜中華街",
        min: 1_000,
        max: 5_000,
        weight: 1,
        memos: &["小籠包 ×2", "麻婆豆腐 定食", "北京烤鸭 (半只)"],
    },
    Store {
        name: "JR東日本 みどりの窓口",
        min: 1_500,
        max: 14_000,
        weight: 1,
        memos: &["新幹線 東京→京都", "特急券"],
    },
];

/// Charged on the same day every month.
const SUBSCRIPTIONS: &[(&str, i64, i64, &str)] = &[
    ("Netflix", 1_490, 3, "Standard plan"),
    ("Spotify", 980, 12, "Premium Individual"),
    ("Apple Services", 400, 21, "iCloud+ 200GB"),
];

/// The demo merchant's API key: a sub-key of the configured key, so every run prints the same
/// key and the store holds only its hash.
pub fn merchant_key(secret_key: &[u8; 32]) -> String {
    let key = crate::secret_box::subkey(secret_key, "demo-merchant-key v1");
    format!(
        "mk_demo_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key)
    )
}

fn rng_id(rng: &mut ChaCha8Rng) -> String {
    hex::encode(rng.gen::<[u8; 16]>())
}

fn err(what: &str) -> impl Fn(sqlx::Error) -> String {
    let what = what.to_owned();
    move |e: sqlx::Error| format!("{what}: {e}")
}

/// Finds or makes the customer `email` (verified, two-step verification off, [`PASSWORD`]).
async fn customer(
    state: &AppState,
    email: &str,
    display_name: &str,
    locale: &str,
    since: i64,
) -> Result<String, String> {
    let db = &state.db;
    let existing: Option<(String,)> =
        sqlx::query_as("SELECT id FROM accounts WHERE email_key = $1")
            .bind(email.to_lowercase())
            .fetch_optional(&db.pool)
            .await
            .map_err(err("customer"))?;
    if let Some((id,)) = existing {
        return Ok(id);
    }
    let checked = password::check_new(PASSWORD, email, Some(display_name), &state.pwned)
        .await
        .map_err(|e| format!("the demo password is refused: {}", e.message))?;
    let phc = state
        .hasher
        .hash(checked.as_str())
        .await
        .map_err(|e| e.message)?;
    let id = crate::token::id();
    let new = crate::identity::accounts::NewAccount {
        id: &id,
        email,
        email_key: &email.to_lowercase(),
        password_hash: &phc,
        display_name: Some(display_name),
        locale,
        created_at: since,
    };
    crate::identity::accounts::insert_verified(&db.pool, &new)
        .await
        .map_err(err("customer"))?;
    Ok(id)
}

/// Finds or registers the customer's test card: (id, brand, last4).
async fn card(
    state: &AppState,
    account_id: &str,
    end: i64,
) -> Result<(String, String, String), String> {
    let card: Option<(String, String, String)> = sqlx::query_as(
        "SELECT id, brand, last4 FROM cards WHERE account_id = $1 AND removed_at IS NULL ORDER BY created_at LIMIT 1",
    )
    .bind(account_id)
    .fetch_optional(&state.db.pool)
    .await
    .map_err(err("card"))?;
    if let Some(c) = card {
        return Ok(c);
    }
    let (year, _, _) = crate::clock::civil_from_days(end.div_euclid(DAY));
    let details = CardDetails {
        number: DEMO_CARD.into(),
        exp_month: 12,
        exp_year: u16::try_from(year + 3).unwrap_or(2030),
        cvc: "123".into(),
    };
    let card = cards::register(state, account_id, &details)
        .await
        .map_err(|e| e.message)?;
    Ok((card.id, card.brand, card.last4))
}

/// Finds or makes the customer's card and `days` of history up to `end` from the generator
/// seeded with `seed`; answers whether this run made the history.
async fn card_and_history(
    state: &AppState,
    account_id: &str,
    end: i64,
    days: i64,
    seed: u64,
) -> Result<(String, bool), String> {
    let (card_id, brand, last4) = card(state, account_id, end).await?;
    let card_label = format!("{} •••• {last4}", brand_label(&brand));
    let seeded: Option<(String,)> =
        sqlx::query_as("SELECT id FROM journal_entries WHERE idempotency_scope = $1 LIMIT 1")
            .bind(scope(account_id))
            .fetch_optional(&state.db.pool)
            .await
            .map_err(err("history"))?;
    if seeded.is_some() {
        return Ok((card_label, false));
    }
    let start = end - days * DAY;
    history(state, account_id, &card_id, &card_label, start, days, seed).await?;
    Ok((card_label, true))
}

/// Makes the cases of `plans` that are not there yet, through the same code as the customer's
/// requests; answers how many cases the customer has.
async fn cases(state: &AppState, account_id: &str, plans: &[Plan]) -> Result<usize, String> {
    let db = &state.db;
    let account = crate::identity::accounts::find_by_id(db, account_id)
        .await
        .map_err(|e| format!("cases: {}", e.message))?
        .ok_or("cases: the customer is gone")?;
    let payment = |n: usize| async move {
        let found: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM wallet_transactions WHERE account_id = $1 AND kind = 'payment'
             ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $2",
        )
        .bind(account_id)
        .bind(n as i64)
        .fetch_optional(&db.pool)
        .await
        .map_err(err("cases"))?;
        found
            .map(|(id,)| id)
            .ok_or_else(|| format!("cases: the customer has no payment {n}"))
    };
    for plan in plans {
        match plan {
            Plan::Dispute {
                payment: n,
                reason,
                details,
                then,
            } => {
                let transaction = payment(*n).await?;
                let (made,): (i64,) =
                    sqlx::query_as("SELECT COUNT(*) FROM disputes WHERE transaction_id = $1")
                        .bind(&transaction)
                        .fetch_one(&db.pool)
                        .await
                        .map_err(err("cases"))?;
                if made > 0 {
                    continue;
                }
                let request = CreateDisputeRequest {
                    reason: *reason,
                    details: (*details).to_owned(),
                    screenshots: Vec::new(),
                };
                let dispute = disputes::create(state, &account, &transaction, &request)
                    .await
                    .map_err(|e| format!("dispute: {}", e.message))?;
                for (status, note) in *then {
                    disputes::record_status(db, &dispute.id, *status, *note)
                        .await
                        .map_err(|e| format!("dispute {}: {e}", dispute.id))?;
                }
            }
            Plan::FraudReport {
                payments,
                description,
            } => {
                let (made,): (i64,) =
                    sqlx::query_as("SELECT COUNT(*) FROM fraud_reports WHERE account_id = $1")
                        .bind(account_id)
                        .fetch_one(&db.pool)
                        .await
                        .map_err(err("cases"))?;
                if made > 0 {
                    continue;
                }
                let mut transaction_ids = Vec::new();
                for n in *payments {
                    transaction_ids.push(payment(*n).await?);
                }
                let request = CreateFraudReportRequest {
                    transaction_ids,
                    description: (*description).to_owned(),
                    screenshots: Vec::new(),
                };
                crate::evidence::reports::create(state, &account, &request)
                    .await
                    .map_err(|e| format!("fraud report: {}", e.message))?;
            }
        }
    }
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cases WHERE account_id = $1")
        .bind(account_id)
        .fetch_one(&db.pool)
        .await
        .map_err(err("cases"))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Makes (or finds) the demo customer, merchant, card and history, and the other customers with
/// their cases.
pub async fn seed(state: &AppState) -> Result<Demo, String> {
    let db = &state.db;
    let now = crate::clock::now();
    let end = now - now.rem_euclid(DAY);
    let start = end - DAYS * DAY;

    let account_id = customer(state, EMAIL, DISPLAY_NAME, "en", start - DAY).await?;

    // The merchant whose key is printed.
    let key = merchant_key(&state.secret_key);
    let found: Option<(String,)> =
        sqlx::query_as("SELECT id FROM merchants WHERE api_key_hash = $1")
            .bind(crate::token::hash(&key))
            .fetch_optional(&db.pool)
            .await
            .map_err(err("merchant"))?;
    if found.is_none() {
        merchant::create_with_key(db, MERCHANT_NAME, &key).await?;
    }

    let (card_label, created) = card_and_history(state, &account_id, end, DAYS, SEED).await?;
    let mut demo = Demo {
        email: EMAIL,
        password: PASSWORD,
        merchant_name: MERCHANT_NAME,
        merchant_key: key,
        card: format!("{card_label} (4242 4242 4242 4242)"),
        created,
        top_ups: 0,
        declined: 0,
        payments: 0,
        balance: 0,
        from: start,
        to: end,
        cases: 0,
    };

    // The other customers and their cases, after the demo customer's history (whose stores
    // they share).
    for (n, neighbour) in NEIGHBOURS.iter().enumerate() {
        let since = end - (NEIGHBOUR_DAYS + 1) * DAY;
        let id = customer(
            state,
            neighbour.email,
            neighbour.display_name,
            neighbour.locale,
            since,
        )
        .await?;
        let seed = SEED + 1 + n as u64;
        let (_, made) = card_and_history(state, &id, end, NEIGHBOUR_DAYS, seed).await?;
        demo.created |= made;
        demo.cases += cases(state, &id, neighbour.cases).await?;
    }
    let mut conn = db.pool.acquire().await.map_err(err("balance"))?;
    if let Some(wallet) = ledger::find_account(&mut conn, WALLET, &account_id, WALLET_CURRENCY)
        .await
        .map_err(err("balance"))?
    {
        demo.balance = ledger::balance(&mut conn, &wallet)
            .await
            .map_err(err("balance"))?;
    }
    let counts: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT kind, status, COUNT(*) FROM wallet_transactions WHERE account_id = $1 GROUP BY kind, status",
    )
    .bind(&account_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(err("history"))?;
    for (kind, status, n) in counts {
        let n = usize::try_from(n).unwrap_or(0);
        match (kind.as_str(), status.as_str()) {
            ("top_up", "declined") => demo.declined += n,
            ("top_up", _) => demo.top_ups += n,
            ("payment", _) => demo.payments += n,
            _ => {}
        }
    }
    Ok(demo)
}

/// One line of the demo history before it is posted.
enum Event {
    TopUp {
        amount: i64,
        declined: bool,
    },
    Payment {
        store: usize,
        amount: i64,
        memo: Option<&'static str>,
    },
    Subscription {
        index: usize,
    },
}

/// The idempotency scope of a customer's demo history: once it is in the journal, it is made.
fn scope(account_id: &str) -> String {
    format!("seed-demo:{account_id}")
}

/// Posts `days` days of history from `start`, drawn from the generator seeded with `seed`.
async fn history(
    state: &AppState,
    account_id: &str,
    card_id: &str,
    card_label: &str,
    start: i64,
    days: i64,
    seed: u64,
) -> Result<(), String> {
    let scope = &scope(account_id);
    let db = &state.db;
    let e = |e: sqlx::Error| format!("history: {e}");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut conn = db.pool.acquire().await.map_err(e)?;
    let wallet = ledger::account(&mut conn, WALLET, account_id, WALLET_CURRENCY)
        .await
        .map_err(e)?;
    let clearing = ledger::account(&mut conn, CARD_CLEARING, SYSTEM_OWNER, WALLET_CURRENCY)
        .await
        .map_err(e)?;
    // The stores are merchants like any other (their keys are thrown away: nobody can redeem
    // as them).
    let mut stores: Vec<(String, String, &'static str)> = Vec::new();
    let names: Vec<&'static str> = STORES
        .iter()
        .map(|s| s.name)
        .chain(SUBSCRIPTIONS.iter().map(|s| s.0))
        .collect();
    for name in names {
        let found: Option<(String,)> =
            sqlx::query_as("SELECT id FROM merchants WHERE name = $1 ORDER BY created_at LIMIT 1")
                .bind(name)
                .fetch_optional(&mut *conn)
                .await
                .map_err(e)?;
        let id = match found {
            Some((id,)) => id,
            None => merchant::create(db, name).await?.0.id,
        };
        let account = ledger::account(&mut conn, MERCHANT, &id, WALLET_CURRENCY)
            .await
            .map_err(e)?;
        stores.push((id, account, name));
    }
    drop(conn);

    // The events, day by day, oldest first.
    let total_weight: u32 = STORES.iter().map(|s| s.weight).sum();
    let mut events: Vec<(i64, Event)> = Vec::new();
    for day in 0..days {
        let day_start = start + day * DAY;
        let weekend = (day_start.div_euclid(DAY) + 3).rem_euclid(7) >= 5;
        let visits = rng.gen_range(if weekend { 3..12 } else { 4..10 });
        let mut times: Vec<i64> = (0..visits)
            .map(|_| day_start - JST + 7 * 3600 + rng.gen_range(0..16 * 3600))
            .collect();
        times.sort_unstable();
        for t in times {
            let mut pick = rng.gen_range(0..total_weight);
            let store = STORES
                .iter()
                .position(|s| {
                    if pick < s.weight {
                        true
                    } else {
                        pick -= s.weight;
                        false
                    }
                })
                .unwrap_or(0);
            let s = &STORES[store];
            // Prices end in 0 mostly, as Japanese prices do.
            let amount = (rng.gen_range(s.min..=s.max) / 10 * 10).max(s.min);
            let memo = s.memos[rng.gen_range(0..s.memos.len())];
            events.push((
                t,
                Event::Payment {
                    store,
                    amount,
                    memo: (!memo.is_empty()).then_some(memo),
                },
            ));
        }
        let (_, _, day_of_month) = crate::clock::civil_from_days(day_start.div_euclid(DAY));
        for (index, sub) in SUBSCRIPTIONS.iter().enumerate() {
            if i64::from(day_of_month) == sub.2 {
                events.push((
                    day_start + 3 * 3600 + index as i64 * 60,
                    Event::Subscription { index },
                ));
            }
        }
    }
    events.sort_by_key(|(t, _)| *t);

    // Top-ups go in before whatever would overdraw the wallet, and now and then when it runs low.
    let mut timeline: Vec<(i64, Event)> = Vec::with_capacity(events.len() + 400);
    let mut balance = 0i64;
    for (t, event) in events {
        let cost = match &event {
            Event::Payment { amount, .. } => *amount,
            Event::Subscription { index } => SUBSCRIPTIONS[*index].1,
            Event::TopUp { .. } => 0,
        };
        if balance < cost || (balance < 3_000 && rng.gen_bool(0.3)) {
            if rng.gen_bool(0.03) {
                timeline.push((
                    t - 900,
                    Event::TopUp {
                        amount: 30_000,
                        declined: true,
                    },
                ));
            }
            let amount = rng.gen_range(1..=5) * 10_000;
            let amount = amount.max((cost - balance + 9_999) / 10_000 * 10_000);
            timeline.push((
                t - 600,
                Event::TopUp {
                    amount,
                    declined: false,
                },
            ));
            balance += amount;
        }
        balance -= cost;
        timeline.push((t, event));
    }

    let daily = state.config.top_up.daily;
    let mut tx = db.pool.begin().await.map_err(e)?;
    for (n, (t, event)) in timeline.into_iter().enumerate() {
        let key = n.to_string();
        let id = rng_id(&mut rng);
        match event {
            Event::TopUp { amount, declined } => {
                let status = if declined {
                    TransactionStatus::Declined
                } else {
                    TransactionStatus::Completed
                };
                let entry = if declined {
                    None
                } else {
                    let legs = [
                        Leg {
                            account_id: clearing.clone(),
                            amount_minor: -amount,
                        },
                        Leg {
                            account_id: wallet.clone(),
                            amount_minor: amount,
                        },
                    ];
                    let posted = ledger::post(
                        &mut tx,
                        db.backend,
                        &Entry {
                            kind: "top_up",
                            scope,
                            key: &key,
                            request_hash: &key,
                            currency: WALLET_CURRENCY,
                            legs: &legs,
                            at: t,
                        },
                    )
                    .await
                    .map_err(|e| format!("history: {e}"))?;
                    crate::wallet::top_up::reserve(
                        &mut tx,
                        account_id,
                        t.div_euclid(DAY),
                        amount,
                        daily,
                    )
                    .await
                    .map_err(e)?;
                    Some(posted.entry_id().to_owned())
                };
                rows::insert(
                    &mut tx,
                    &NewRow {
                        id: &id,
                        account_id,
                        wallet_id: &wallet,
                        kind: TransactionKind::TopUp,
                        status,
                        amount_minor: amount,
                        currency: WALLET_CURRENCY,
                        merchant_id: None,
                        merchant_name: None,
                        memo: Some(card_label),
                        entry_id: entry.as_deref(),
                        at: t,
                    },
                )
                .await
                .map_err(e)?;
                sqlx::query(
                    "INSERT INTO top_ups (id, account_id, card_id, amount_minor, currency, status, limit_day, created_at, settled_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                )
                .bind(&id)
                .bind(account_id)
                .bind(card_id)
                .bind(amount)
                .bind(ledger::currency_code(WALLET_CURRENCY))
                .bind(rows::status_str(status))
                .bind(t.div_euclid(DAY))
                .bind(t)
                .execute(&mut *tx)
                .await
                .map_err(e)?;
            }
            Event::Payment { .. } | Event::Subscription { .. } => {
                let (store, amount, memo) = match event {
                    Event::Payment {
                        store,
                        amount,
                        memo,
                    } => (store, amount, memo),
                    Event::Subscription { index } => (
                        STORES.len() + index,
                        SUBSCRIPTIONS[index].1,
                        Some(SUBSCRIPTIONS[index].3),
                    ),
                    Event::TopUp { .. } => unreachable!(),
                };
                let (merchant_id, merchant_account, name) = &stores[store];
                let legs = [
                    Leg {
                        account_id: wallet.clone(),
                        amount_minor: -amount,
                    },
                    Leg {
                        account_id: merchant_account.clone(),
                        amount_minor: amount,
                    },
                ];
                let posted = ledger::post(
                    &mut tx,
                    db.backend,
                    &Entry {
                        kind: "payment",
                        scope,
                        key: &key,
                        request_hash: &key,
                        currency: WALLET_CURRENCY,
                        legs: &legs,
                        at: t,
                    },
                )
                .await
                .map_err(|e| format!("history: {e}"))?;
                rows::insert(
                    &mut tx,
                    &NewRow {
                        id: &id,
                        account_id,
                        wallet_id: &wallet,
                        kind: TransactionKind::Payment,
                        status: TransactionStatus::Completed,
                        amount_minor: -amount,
                        currency: WALLET_CURRENCY,
                        merchant_id: Some(merchant_id),
                        merchant_name: Some(name),
                        memo,
                        entry_id: Some(posted.entry_id()),
                        at: t,
                    },
                )
                .await
                .map_err(e)?;
            }
        }
    }
    tx.commit().await.map_err(e)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_key_is_stable_and_secret_dependent() {
        assert_eq!(merchant_key(&[1; 32]), merchant_key(&[1; 32]));
        assert_ne!(merchant_key(&[1; 32]), merchant_key(&[2; 32]));
        assert!(merchant_key(&[1; 32]).starts_with("mk_demo_"));
    }

    #[test]
    fn every_store_has_a_sane_price_range_and_a_name_that_passes() {
        for s in STORES {
            assert!(0 < s.min && s.min <= s.max && s.weight > 0, "{}", s.name);
            assert!(merchant::check_name(s.name).is_ok(), "{}", s.name);
            assert!(s
                .memos
                .iter()
                .all(|m| super::merchant::check_memo(Some(m)).is_ok()));
        }
    }
}
