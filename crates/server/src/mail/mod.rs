//! Outgoing mail: queued in the database in the same transaction as the change it reports,
//! then delivered by a background task with retries, through SMTP or, with no SMTP configured,
//! as `.eml` files in the outbox directory with their links logged (only when the portal is
//! served on localhost: `config::check_production` refuses it elsewhere, as links carry tokens).

pub mod templates;
pub mod wallet;

use crate::config::Config;
use crate::db::Db;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Wakes the delivery task as soon as something is queued.
#[derive(Clone, Default)]
pub struct Outbox {
    wake: Arc<Notify>,
}

impl Outbox {
    pub async fn queue(
        &self,
        conn: &mut sqlx::AnyConnection,
        mail: &Mail,
    ) -> Result<(), sqlx::Error> {
        let now = crate::clock::now();
        sqlx::query(
            "INSERT INTO mail_outbox (id, recipient, subject, body_text, created_at, next_attempt_at, attempts)
             VALUES ($1, $2, $3, $4, $5, $5, 0)",
        )
        .bind(crate::token::id())
        .bind(&mail.to)
        .bind(&mail.subject)
        .bind(&mail.body)
        .bind(now)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Call after the transaction that queued mail has committed.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

const MAX_ATTEMPTS: i64 = 20;
const POLL: Duration = Duration::from_secs(2);

pub fn start_delivery(config: &Config, db: Db, outbox: Outbox) -> Result<(), String> {
    let from: Mailbox = config
        .mail_from
        .parse()
        .map_err(|e| format!("PORTAL_MAIL_FROM: {e}"))?;
    let transport = match &config.smtp_url {
        Some(url) => Transport::Smtp(
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| format!("PORTAL_SMTP_URL: {e}"))?
                .timeout(Some(Duration::from_secs(15)))
                .build(),
        ),
        None => {
            let dir = config.data_dir.join("outbox");
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            tracing::info!(dir = %dir.display(), "no PORTAL_SMTP_URL: mail is written to files");
            Transport::Files(dir)
        }
    };
    tokio::spawn(async move {
        loop {
            if let Err(e) = deliver_due(&db, &transport, &from).await {
                tracing::warn!(error = %e, "mail delivery pass failed");
            }
            let _ = tokio::time::timeout(POLL, outbox.wake.notified()).await;
        }
    });
    Ok(())
}

async fn deliver_due(db: &Db, transport: &Transport, from: &Mailbox) -> Result<(), sqlx::Error> {
    let now = crate::clock::now();
    let due: Vec<(String, String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, recipient, subject, body_text, attempts, next_attempt_at FROM mail_outbox
         WHERE sent_at IS NULL AND next_attempt_at <= $1 AND attempts < $2
         ORDER BY created_at LIMIT 20",
    )
    .bind(now)
    .bind(MAX_ATTEMPTS)
    .fetch_all(&db.pool)
    .await?;
    for (id, to, subject, body, attempts, due_at) in due {
        // Claim the message by moving its next attempt into the future; another process that
        // read the same row loses this race and skips it.
        let backoff = 30i64 << attempts.min(7);
        let claimed = sqlx::query(
            "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $1 WHERE id = $2 AND next_attempt_at = $3",
        )
        .bind(now + backoff)
        .bind(&id)
        .bind(due_at)
        .execute(&db.pool)
        .await?
        .rows_affected();
        if claimed != 1 {
            continue;
        }
        let mail = Mail { to, subject, body };
        match send(transport, from, &id, &mail).await {
            Ok(()) => {
                sqlx::query("UPDATE mail_outbox SET sent_at = $1, last_error = NULL WHERE id = $2")
                    .bind(crate::clock::now())
                    .bind(&id)
                    .execute(&db.pool)
                    .await?;
            }
            Err(e) => {
                tracing::warn!(mail = %id, attempt = attempts + 1, error = %e, "mail not delivered; will retry");
                sqlx::query("UPDATE mail_outbox SET last_error = $1 WHERE id = $2")
                    .bind(e.chars().take(500).collect::<String>())
                    .bind(&id)
                    .execute(&db.pool)
                    .await?;
            }
        }
    }
    Ok(())
}

async fn send(transport: &Transport, from: &Mailbox, id: &str, mail: &Mail) -> Result<(), String> {
    let message = Message::builder()
        .from(from.clone())
        .to(mail.to.parse().map_err(|e| format!("recipient: {e}"))?)
        .subject(&mail.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| e.to_string())?;
    match transport {
        Transport::Smtp(smtp) => smtp
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Transport::Files(dir) => {
            let path = dir.join(format!("{id}.eml"));
            let tmp = dir.join(format!(".{id}.tmp"));
            tokio::fs::write(&tmp, message.formatted())
                .await
                .map_err(|e| e.to_string())?;
            tokio::fs::rename(&tmp, &path)
                .await
                .map_err(|e| e.to_string())?;
            for link in mail
                .body
                .split_whitespace()
                .filter(|w| w.starts_with("http"))
            {
                tracing::info!(to = %mail.to, subject = %mail.subject, %link, file = %path.display(), "mail written");
            }
            // A line of six digits alone is a device code: logged too, so local development
            // can sign in from a new browser.
            for code in mail
                .body
                .lines()
                .filter(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
            {
                tracing::info!(to = %mail.to, subject = %mail.subject, %code, file = %path.display(), "mail written");
            }
            Ok(())
        }
    }
}
