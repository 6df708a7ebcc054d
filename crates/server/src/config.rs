//! Configuration from `PORTAL_*` environment variables, with defaults that work on a laptop.

use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Every variable the server reads, with its default and meaning: the source of `--help`.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    ("PORTAL_LISTEN", "127.0.0.1:8080", "address and port to listen on"),
    ("PORTAL_DATA_DIR", "./data", "directory for the SQLite file and the mail outbox"),
    ("PORTAL_DATABASE_URL", "sqlite file <data dir>/portal.db", "a postgres:// URL selects PostgreSQL"),
    ("PORTAL_SMTP_URL", "unset", "smtp:// or smtps:// relay; unset writes each mail to <data dir>/outbox/*.eml and logs its links (refused unless PORTAL_PUBLIC_URL is on localhost)"),
    ("PORTAL_MAIL_FROM", "Mamoru Wallet <no-reply@localhost>", "sender of every mail"),
    ("PORTAL_PUBLIC_URL", "http://127.0.0.1:8080", "origin people open; used in mail links, cookies and the cross-site check"),
    ("PORTAL_TRUSTED_PROXIES", "unset", "reverse proxies (CIDRs or addresses, comma-separated) whose X-Forwarded-For or Forwarded header names the client; unset: the TCP peer is the client"),
    ("PORTAL_CARD_PROCESSOR", "simulated (on localhost only)", "the card network; simulated (the test cards) is the only one, and must be named outside localhost"),
    ("PORTAL_DIST_DIR", "./dist", "the built single-page app (trunk build --release)"),
    ("PORTAL_PWNED_UPSTREAM", "unset", "an upstream Pwned Passwords range API, e.g. https://api.pwnedpasswords.com/range/"),
    ("PORTAL_PWNED_CORPUS", "the corpus built into the binary", "path to a larger corpus file (portal-server pwned import)"),
    ("PORTAL_SECRET_KEY", "generated into <data dir>/secret.key", "64 hex digits signing device cookies; set the same value on every server process"),
    ("PORTAL_SESSION_IDLE_SECS", "1800", "a session ends after this long without a request"),
    ("PORTAL_SESSION_ABSOLUTE_SECS", "43200", "a session ends this long after sign-in, however active"),
    ("PORTAL_STEP_UP_SECS", "300", "how long a step-up (a fresh TOTP or recovery code; the password while 2FA is off, for settings but never money) lets a session change security settings or move money"),
    ("PORTAL_DEVICE_TRUST_DAYS", "90", "a browser that passed device verification is not asked again for the account for this long (or until the customer signs every other device out)"),
    ("PORTAL_THROTTLE_WINDOW_SECS", "900", "window over which failed sign-ins are counted"),
    ("PORTAL_THROTTLE_PER_ACCOUNT", "5", "failed sign-ins per account (email) per window"),
    ("PORTAL_THROTTLE_PER_ADDRESS", "20", "failed sign-ins per source address per window"),
    ("PORTAL_THROTTLE_GLOBAL", "1000", "failed sign-ins over all accounts per window"),
    ("PORTAL_REGISTER_PER_ADDRESS", "10", "registrations per source address per window"),
    ("PORTAL_REQUEST_TIMEOUT_SECS", "30", "an API request still unanswered after this long (a body trickling in, say) gets 503"),
    ("PORTAL_UPLOAD_TIMEOUT_SECS", "300", "the same for a screenshot upload (10 MiB over a slow mobile link)"),
    ("PORTAL_UPLOADS_AT_ONCE", "16", "screenshot uploads this server process receives at once, over all customers (2 per customer); more get 503"),
    ("PORTAL_TOP_UP_MAX_MINOR", "50000", "largest single top-up, in yen"),
    ("PORTAL_TOP_UP_DAILY_MINOR", "200000", "most a customer may top up per UTC day, in yen (pending top-ups count)"),
    ("PORTAL_PROCESSOR_SETTLE_SECS", "10", "the simulated card processor settles a timed-out charge (twice, as real callbacks may) this long after it; 0 never does (only signed callbacks to /api/processor/callback settle)"),
    ("PORTAL_AGENT_SESSION_IDLE_SECS", "600", "an agent's or admin's session ends after this long without a request"),
    ("PORTAL_AGENT_SESSION_ABSOLUTE_SECS", "28800", "an agent's or admin's session ends this long after sign-in"),
    ("PORTAL_CASE_TARGET_HOURS", "24", "service-level target: an open dispute or fraud report older than this is overdue in the queue"),
    ("PORTAL_REFUND_FOUR_EYES_ABOVE_MINOR", "10000", "a refund needs a second agent's approval when it, with what the same agent refunded alone to the same customer in the window, is above this, in yen"),
    ("PORTAL_REFUND_FOUR_EYES_WINDOW_HOURS", "24", "the four-eyes window: an agent's refunds to one customer this long back count towards the four-eyes amount (at least 1)"),
    ("RUST_LOG", "info", "log filter"),
];

/// Far above any real limit, and far enough below `i64::MAX` that sums of a day's top-ups
/// cannot overflow.
const MAX_LIMIT_MINOR: i64 = 1_000_000_000_000;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub public_url: PublicUrl,
    /// Peers whose forwarded headers are believed (`PORTAL_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<IpNet>,
    /// `PORTAL_CARD_PROCESSOR=simulated` was set: the simulated card network on purpose.
    pub simulated_processor_chosen: bool,
    pub dist_dir: PathBuf,
    pub pwned_upstream: Option<String>,
    pub pwned_corpus: Option<PathBuf>,
    pub secret_key: Option<[u8; 32]>,
    pub request_timeout: Duration,
    pub upload_timeout: Duration,
    /// Screenshot uploads this process receives at once (`PORTAL_UPLOADS_AT_ONCE`), at least 1.
    pub uploads_at_once: usize,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    /// How long a step-up lets a session make sensitive changes (`PORTAL_STEP_UP_SECS`).
    pub step_up: Duration,
    /// How long a verified browser stays trusted (`PORTAL_DEVICE_TRUST_DAYS`), at least a day.
    pub device_trust: Duration,
    pub throttle: ThrottleLimits,
    pub top_up: TopUpLimits,
    pub support: SupportRules,
    /// When the simulated processor settles a timed-out charge; `None` never.
    pub processor_settle: Option<Duration>,
}

/// The support console's rules (`PORTAL_AGENT_*`, `PORTAL_CASE_*`, `PORTAL_REFUND_*`).
#[derive(Debug, Clone, Copy)]
pub struct SupportRules {
    pub session_idle: Duration,
    pub session_absolute: Duration,
    /// An open case older than this is overdue.
    pub case_target: Duration,
    /// A refund needs a second agent when it, with what the same agent refunded alone to the
    /// same customer over the last `four_eyes_window`, is above this (minor units).
    pub four_eyes_above: i64,
    pub four_eyes_window: Duration,
}

/// Top-up limits in the wallet's currency's minor unit (`PORTAL_TOP_UP_*`).
#[derive(Debug, Clone, Copy)]
pub struct TopUpLimits {
    pub per_top_up: i64,
    pub daily: i64,
}

#[derive(Debug, Clone, Copy)]
pub struct ThrottleLimits {
    pub window: Duration,
    pub per_account: u32,
    pub per_address: u32,
    pub global: u32,
    pub register_per_address: u32,
}

/// The origin people open, parsed once: scheme, host and port decide cookie flags and which
/// `Origin` headers count as our own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    /// Without a trailing slash, e.g. `https://wallet.example`.
    pub base: String,
    pub https: bool,
    pub host: String,
    pub port: u16,
}

impl PublicUrl {
    pub fn parse(input: &str) -> Result<Self, String> {
        let base = input.trim().trim_end_matches('/').to_owned();
        let (https, rest) = if let Some(r) = base.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = base.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(format!(
                "PORTAL_PUBLIC_URL must start with http:// or https://: {input}"
            ));
        };
        if rest.contains('/') || rest.is_empty() {
            return Err(format!(
                "PORTAL_PUBLIC_URL must be an origin without a path: {input}"
            ));
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || rest.starts_with('[') => {
                let port = p
                    .parse()
                    .map_err(|_| format!("bad port in PORTAL_PUBLIC_URL: {input}"))?;
                (h.to_owned(), port)
            }
            _ => (rest.to_owned(), if https { 443 } else { 80 }),
        };
        let url = Self {
            base,
            https,
            host,
            port,
        };
        if !https && !url.is_loopback() {
            return Err(format!(
                "PORTAL_PUBLIC_URL must use https:// unless it is on this machine (localhost): {input}"
            ));
        }
        Ok(url)
    }

    pub fn is_loopback(&self) -> bool {
        matches!(self.host.as_str(), "localhost" | "127.0.0.1" | "[::1]")
    }

    /// The `Origin` header values that are this site. On loopback, `localhost` and `127.0.0.1`
    /// are the same machine, and developers use either.
    pub fn origins(&self) -> Vec<String> {
        let mut origins = vec![self.base.clone()];
        if self.is_loopback() {
            let scheme = if self.https { "https" } else { "http" };
            for host in ["localhost", "127.0.0.1", "[::1]"] {
                origins.push(format!("{scheme}://{host}:{}", self.port));
            }
        }
        origins.sort();
        origins.dedup();
        origins
    }
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let listen = get("PORTAL_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen
            .parse()
            .map_err(|_| format!("PORTAL_LISTEN is not an address:port: {listen}"))?;
        let data_dir = PathBuf::from(get("PORTAL_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = get("PORTAL_DATABASE_URL").unwrap_or_else(|| {
            format!("sqlite://{}?mode=rwc", data_dir.join("portal.db").display())
        });
        let public_url = PublicUrl::parse(
            &get("PORTAL_PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:8080".into()),
        )?;
        let secs = |k: &str, default: u64| -> Result<Duration, String> {
            number(get(k), k, default).map(Duration::from_secs)
        };
        let minor = |k: &str, default: u64| -> Result<i64, String> {
            let n = number(get(k), k, default)?;
            match i64::try_from(n) {
                Ok(n) if n > 0 && n <= MAX_LIMIT_MINOR => Ok(n),
                _ => Err(format!("{k} must be between 1 and {MAX_LIMIT_MINOR}: {n}")),
            }
        };
        let count = |k: &str, default: u32| -> Result<u32, String> {
            number(get(k), k, default as u64).map(|n| n.min(u32::MAX as u64) as u32)
        };
        Ok(Self {
            listen,
            database_url,
            smtp_url: get("PORTAL_SMTP_URL"),
            mail_from: get("PORTAL_MAIL_FROM")
                .unwrap_or_else(|| format!("{} <no-reply@localhost>", portal_api::SERVICE_NAME)),
            public_url,
            trusted_proxies: get("PORTAL_TRUSTED_PROXIES")
                .map(|list| parse_proxies(&list))
                .transpose()?
                .unwrap_or_default(),
            simulated_processor_chosen: match get("PORTAL_CARD_PROCESSOR").as_deref().map(str::trim) {
                None => false,
                Some("simulated") => true,
                Some(other) => {
                    return Err(format!(
                        "PORTAL_CARD_PROCESSOR: unknown card processor {other:?} (the only one is simulated)"
                    ))
                }
            },
            dist_dir: PathBuf::from(get("PORTAL_DIST_DIR").unwrap_or_else(|| "./dist".into())),
            pwned_upstream: get("PORTAL_PWNED_UPSTREAM"),
            pwned_corpus: get("PORTAL_PWNED_CORPUS").map(PathBuf::from),
            secret_key: get("PORTAL_SECRET_KEY")
                .map(|k| parse_key(&k))
                .transpose()?,
            request_timeout: secs("PORTAL_REQUEST_TIMEOUT_SECS", 30)?,
            upload_timeout: secs("PORTAL_UPLOAD_TIMEOUT_SECS", 300)?,
            uploads_at_once: match count("PORTAL_UPLOADS_AT_ONCE", 16)? {
                0 => return Err("PORTAL_UPLOADS_AT_ONCE must be at least 1".into()),
                n => n as usize,
            },
            session_idle: secs("PORTAL_SESSION_IDLE_SECS", 1800)?,
            session_absolute: secs("PORTAL_SESSION_ABSOLUTE_SECS", 43_200)?,
            step_up: secs("PORTAL_STEP_UP_SECS", 300)?,
            device_trust: match secs("PORTAL_DEVICE_TRUST_DAYS", 90)? {
                days if days.is_zero() => {
                    return Err("PORTAL_DEVICE_TRUST_DAYS must be at least 1".into())
                }
                days => days * 86_400,
            },
            throttle: ThrottleLimits {
                window: secs("PORTAL_THROTTLE_WINDOW_SECS", 900)?,
                per_account: count("PORTAL_THROTTLE_PER_ACCOUNT", 5)?,
                per_address: count("PORTAL_THROTTLE_PER_ADDRESS", 20)?,
                global: count("PORTAL_THROTTLE_GLOBAL", 1000)?,
                register_per_address: count("PORTAL_REGISTER_PER_ADDRESS", 10)?,
            },
            top_up: TopUpLimits {
                per_top_up: minor("PORTAL_TOP_UP_MAX_MINOR", 50_000)?,
                daily: minor("PORTAL_TOP_UP_DAILY_MINOR", 200_000)?,
            },
            support: SupportRules {
                session_idle: secs("PORTAL_AGENT_SESSION_IDLE_SECS", 600)?,
                session_absolute: secs("PORTAL_AGENT_SESSION_ABSOLUTE_SECS", 28_800)?,
                case_target: secs("PORTAL_CASE_TARGET_HOURS", 24)? * 3600,
                four_eyes_above: minor("PORTAL_REFUND_FOUR_EYES_ABOVE_MINOR", 10_000)?,
                four_eyes_window: match secs("PORTAL_REFUND_FOUR_EYES_WINDOW_HOURS", 24)? {
                    // No window would let one agent refund any sum in pieces under the amount.
                    hours if hours.is_zero() => {
                        return Err("PORTAL_REFUND_FOUR_EYES_WINDOW_HOURS must be at least 1".into())
                    }
                    hours => hours * 3600,
                },
            },
            processor_settle: Some(secs("PORTAL_PROCESSOR_SETTLE_SECS", 10)?)
                .filter(|d| !d.is_zero()),
            data_dir,
        })
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://")
    }
}

/// Refuses a configuration that is safe only on a developer's machine when the portal is
/// served to others: test cards that top up for free, and sign-in links written to the log.
pub fn check_production(config: &Config) -> Result<(), String> {
    if config.public_url.is_loopback() {
        return Ok(());
    }
    let public = &config.public_url.base;
    if !config.simulated_processor_chosen {
        return Err(format!(
            "PORTAL_PUBLIC_URL is {public}, but the card processor is the simulated one, where \
             test card numbers top up for free: set PORTAL_CARD_PROCESSOR=simulated to run it \
             there on purpose"
        ));
    }
    if config.smtp_url.is_none() {
        return Err(format!(
            "PORTAL_PUBLIC_URL is {public}, but PORTAL_SMTP_URL is unset, so mail would be \
             written to files and its links (which carry sign-in tokens) logged: set \
             PORTAL_SMTP_URL to an SMTP relay"
        ));
    }
    Ok(())
}

/// `10.0.0.0/8, 192.0.2.7, fd00::/8`: networks or single addresses, comma- or space-separated.
fn parse_proxies(list: &str) -> Result<Vec<IpNet>, String> {
    list.split([',', ' ', '\t', '\n'])
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("PORTAL_TRUSTED_PROXIES: not an address or CIDR network: {entry:?}")
                })
        })
        .collect()
}

fn parse_key(hex_key: &str) -> Result<[u8; 32], String> {
    let bytes = hex::decode(hex_key.trim())
        .map_err(|_| "PORTAL_SECRET_KEY must be hexadecimal".to_owned())?;
    bytes
        .try_into()
        .map_err(|_| "PORTAL_SECRET_KEY must be 64 hex digits (32 bytes)".to_owned())
}

/// The configured key, or one kept in the data directory (made on first start, owner-only).
pub fn secret_key(config: &Config) -> Result<[u8; 32], String> {
    if let Some(key) = config.secret_key {
        return Ok(key);
    }
    let path = config.data_dir.join("secret.key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        #[cfg(unix)]
        if !config.public_url.is_loopback() {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(format!(
                    "{} is open to other users (mode {:o}): chmod 600 it, or set PORTAL_SECRET_KEY",
                    path.display(),
                    mode & 0o777
                ));
            }
        }
        return parse_key(&text).map_err(|e| format!("{}: {e}", path.display()));
    }
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("{}: {e}", config.data_dir.display()))?;
    let key: [u8; 32] = rand::random();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    std::io::Write::write_all(&mut file, hex::encode(key).as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(key)
}

fn number(value: Option<String>, key: &str, default: u64) -> Result<u64, String> {
    match value {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("{key} must be a whole number: {v}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_local_and_sqlite() {
        let c = Config::from_lookup(|_| None).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(c.database_url.starts_with("sqlite://"));
        assert!(!c.is_postgres());
        assert!(!c.public_url.https);
        assert_eq!(c.session_idle, Duration::from_secs(1800));
        assert_eq!(c.step_up, Duration::from_secs(300));
        assert_eq!(c.device_trust, Duration::from_secs(90 * 86_400));
        assert_eq!(c.top_up.per_top_up, 50_000);
        assert_eq!(c.top_up.daily, 200_000);
        assert_eq!(c.processor_settle, Some(Duration::from_secs(10)));
        assert_eq!(c.support.four_eyes_window, Duration::from_secs(24 * 3600));
        assert_eq!(c.uploads_at_once, 16);
    }

    #[test]
    fn plain_http_is_refused_off_this_machine() {
        assert!(PublicUrl::parse("http://wallet.example").is_err());
        assert!(PublicUrl::parse("https://wallet.example/").is_ok());
        assert!(PublicUrl::parse("https://wallet.example/app").is_err());
        assert!(PublicUrl::parse("ftp://x").is_err());
    }

    #[test]
    fn loopback_origins_include_both_spellings() {
        let u = PublicUrl::parse("http://127.0.0.1:8081").unwrap();
        assert!(u.origins().contains(&"http://localhost:8081".to_owned()));
        let u = PublicUrl::parse("https://wallet.example").unwrap();
        assert_eq!(u.origins(), vec!["https://wallet.example".to_owned()]);
        assert_eq!(u.port, 443);
    }

    #[test]
    fn limits_must_be_positive() {
        for bad in ["0", "-5", "x", "99999999999999999999"] {
            let err = Config::from_lookup(|k| (k == "PORTAL_TOP_UP_MAX_MINOR").then(|| bad.into()));
            assert!(
                err.unwrap_err().contains("PORTAL_TOP_UP_MAX_MINOR"),
                "{bad}"
            );
        }
        let c = Config::from_lookup(|k| (k == "PORTAL_PROCESSOR_SETTLE_SECS").then(|| "0".into()));
        assert_eq!(c.unwrap().processor_settle, None);
        let err = Config::from_lookup(|k| {
            (k == "PORTAL_REFUND_FOUR_EYES_WINDOW_HOURS").then(|| "0".into())
        });
        assert!(err
            .unwrap_err()
            .contains("PORTAL_REFUND_FOUR_EYES_WINDOW_HOURS"));
        let err = Config::from_lookup(|k| (k == "PORTAL_UPLOADS_AT_ONCE").then(|| "0".into()));
        assert!(err.unwrap_err().contains("PORTAL_UPLOADS_AT_ONCE"));
    }

    fn with(pairs: &[(&str, &str)]) -> Result<Config, String> {
        Config::from_lookup(|k| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn trusted_proxies_are_networks_or_addresses() {
        let c = with(&[("PORTAL_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 fd00::/8,")]).unwrap();
        let nets: Vec<String> = c.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(nets, ["10.0.0.0/8", "192.0.2.7/32", "fd00::/8"]);
        assert!(with(&[]).unwrap().trusted_proxies.is_empty());
        for bad in [
            "10.0.0.0/33",
            "10.0.0/8",
            "proxy.internal",
            "10.0.0.0/8;10.1.0.0/16",
        ] {
            let err = with(&[("PORTAL_TRUSTED_PROXIES", bad)]).unwrap_err();
            assert!(err.contains("PORTAL_TRUSTED_PROXIES"), "{bad}: {err}");
        }
    }

    const PUBLIC: (&str, &str) = ("PORTAL_PUBLIC_URL", "https://wallet.example");
    const SIMULATED: (&str, &str) = ("PORTAL_CARD_PROCESSOR", "simulated");
    const SMTP: (&str, &str) = ("PORTAL_SMTP_URL", "smtp://mail.internal:25");

    #[test]
    fn off_this_machine_the_simulated_processor_must_be_chosen() {
        let err = check_production(&with(&[PUBLIC, SMTP]).unwrap()).unwrap_err();
        assert!(err.contains("PORTAL_CARD_PROCESSOR=simulated"), "{err}");
        assert!(check_production(&with(&[PUBLIC, SMTP, SIMULATED]).unwrap()).is_ok());
        let err = with(&[("PORTAL_CARD_PROCESSOR", "stripe")]).unwrap_err();
        assert!(err.contains("PORTAL_CARD_PROCESSOR"), "{err}");
        // On a developer's machine the defaults stand.
        assert!(check_production(&with(&[]).unwrap()).is_ok());
    }

    #[test]
    fn off_this_machine_mail_is_not_written_to_the_log() {
        let err = check_production(&with(&[PUBLIC, SIMULATED]).unwrap()).unwrap_err();
        assert!(err.contains("set PORTAL_SMTP_URL"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn the_generated_key_is_owner_only_and_an_open_one_is_refused_off_this_machine() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = ("PORTAL_DATA_DIR", dir.path().to_str().unwrap());
        let local = with(&[data]).unwrap();
        let public = with(&[data, PUBLIC]).unwrap();
        let key = secret_key(&local).unwrap();
        let path = dir.path().join("secret.key");
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&path) & 0o777, 0o600);
        assert_eq!(secret_key(&public).unwrap(), key);
        for open in [0o640, 0o604, 0o620] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(open)).unwrap();
            let err = secret_key(&public).unwrap_err();
            assert!(err.contains("chmod 600"), "{open:o}: {err}");
            assert_eq!(secret_key(&local).unwrap(), key, "allowed on localhost");
        }
    }

    #[test]
    fn bad_numbers_are_reported_not_defaulted() {
        let err =
            Config::from_lookup(|k| (k == "PORTAL_THROTTLE_PER_ACCOUNT").then(|| "five".into()));
        assert!(err.unwrap_err().contains("PORTAL_THROTTLE_PER_ACCOUNT"));
    }
}
