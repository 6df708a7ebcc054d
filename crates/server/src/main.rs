//! `portal-server`: the one binary of the portal.

use portal_api::agent::Role;
use portal_server::config::{Config, VARIABLES};
use portal_server::support::agent::Made;
use std::process::ExitCode;

fn usage() -> String {
    let mut s = String::from(
        "portal-server: the Mamoru Wallet portal's API and web server\n\n\
         USAGE:\n    portal-server <COMMAND>\n\n\
         COMMANDS:\n\
         \x20   serve                                   run the server (migrates the database first)\n\
         \x20   pwned import --format <plain|hibp> <INPUT> <OUTPUT>\n\
         \x20                                           build a breach corpus file from a password list\n\
         \x20                                           (plain: one password a line) or a Pwned Passwords\n\
         \x20                                           download (hibp: SHA1:COUNT lines)\n\
         \x20   ledger verify                           replay the whole journal and report every entry that\n\
         \x20                                           does not sum to zero and every balance that does not\n\
         \x20                                           add up (exit status 1 when anything does not)\n\
         \x20   evidence verify                         check every fraud report's evidence chain and the files\n\
         \x20                                           it seals, and say which, if any, is broken (exit\n\
         \x20                                           status 1 when any is)\n\
         \x20   merchant create --name NAME             make a merchant for the merchant API and print its\n\
         \x20                                           API key, once (only its SHA-256 is stored)\n\
         \x20   seed-demo                               make a demo customer, merchant, card and 18 months of\n\
         \x20                                           history, and print their credentials (running it\n\
         \x20                                           again changes nothing)\n\
         \x20   help, --help                            this text\n\n\
         ENVIRONMENT:\n",
    );
    for (name, default, meaning) in VARIABLES {
        s.push_str(&format!(
            "    {name:<30} {meaning}\n    {:<30} (default: {default})\n",
            ""
        ));
    }
    s
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["serve"] => run_server(),
        ["pwned", "import", "--format", format, input, output] => {
            import_corpus(format, input, output)
        }
        ["ledger", "verify"] => with_store(|db| async move { verify_ledger(&db).await }),
        ["evidence", "verify"] => with_store(|db| async move { verify_evidence(&db).await }),
        ["merchant", "create", "--name", name] => {
            let name = name.to_string();
            with_store(|db| async move { create_merchant(&db, &name).await })
        }
        ["seed-demo"] => seed_demo(),
        ["agent", "create", "--email", email] => create_agent(email, Role::Agent),
        ["agent", "create", "--email", email, "--admin"] => create_agent(email, Role::Admin),
        ["audit", "verify"] => with_store(|db| async move { verify_audit(&db).await }),
        [] | ["help"] | ["--help"] | ["-h"] => {
            print!("{}", usage());
            ExitCode::SUCCESS
        }
        _ => {
            eprint!("unknown command: {}\n\n{}", args.join(" "), usage());
            ExitCode::from(2)
        }
    }
}

fn run_server() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(async move {
        let listen = config.listen;
        let public = config.public_url.base.clone();
        let state = match portal_server::AppState::new(config).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("cannot start: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Err(e) = state.start_background() {
            tracing::error!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
        let listener = match tokio::net::TcpListener::bind(listen).await {
            Ok(l) => l,
            Err(e) => {
                tracing::error!("cannot listen on {listen}: {e}");
                return ExitCode::FAILURE;
            }
        };
        tracing::info!(%listen, %public, "serving");
        match portal_server::serve(state, listener).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!("server stopped: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Runs `work` against the configured store (migrated first), on a runtime of its own.
fn with_store<F, Fut>(work: F) -> ExitCode
where
    F: FnOnce(portal_server::db::Db) -> Fut,
    Fut: std::future::Future<Output = ExitCode>,
{
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(async move {
        if let Err(e) = std::fs::create_dir_all(&config.data_dir) {
            eprintln!("cannot create {}: {e}", config.data_dir.display());
            return ExitCode::FAILURE;
        }
        let db = match portal_server::db::Db::connect(&config.database_url).await {
            Ok(db) => db,
            Err(e) => {
                eprintln!("database: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Err(e) = db.migrate().await {
            eprintln!("migrations: {e}");
            return ExitCode::FAILURE;
        }
        work(db).await
    })
}

async fn create_merchant(db: &portal_server::db::Db, name: &str) -> ExitCode {
    match portal_server::wallet::merchant::create(db, name).await {
        Ok((merchant, key)) => {
            println!("merchant: {} ({})", merchant.name, merchant.id);
            println!("API key:  {key}");
            println!(
                "This key is shown once and stored only as a hash: keep it now. Send it as\n\
                 Authorization: Bearer <key> to POST /api/merchant/redemptions."
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("merchant create: {e}");
            ExitCode::FAILURE
        }
    }
}

fn create_agent(email: &str, role: Role) -> ExitCode {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(async move {
        let state = match portal_server::AppState::new(config).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("cannot start: {e}");
                return ExitCode::FAILURE;
            }
        };
        let what = if role == Role::Admin { "admin" } else { "agent" };
        match portal_server::support::agent::create(&state, email, role).await {
            Ok(Made::New { id }) => {
                println!("{what}: {email} ({id}), a new account");
                println!("A link to choose a password is in the outbox for {email}; the running server sends it.");
                println!("They must turn on two-step verification before the console shows any case.");
                ExitCode::SUCCESS
            }
            Ok(Made::Promoted { id }) => {
                println!("{what}: {email} ({id}), an existing account: its password, second factors and sessions are gone");
                println!("A link to choose a new password is in the outbox for {email}; the running server sends it.");
                println!("They must turn on two-step verification before the console shows any case.");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("agent create: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

async fn verify_audit(db: &portal_server::db::Db) -> ExitCode {
    match portal_server::support::audit::verify(db).await {
        Ok(v) => match v.broken {
            None => {
                println!("audit log: {} entries, chain intact", v.entries);
                ExitCode::SUCCESS
            }
            Some((seq, why)) => {
                println!(
                    "audit log: BROKEN at entry {seq}: {why} ({} entries before it check out)",
                    v.entries
                );
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("audit verify: {e}");
            ExitCode::FAILURE
        }
    }
}

fn seed_demo() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(async move {
        let started = std::time::Instant::now();
        let state = match portal_server::AppState::new(config).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("cannot start: {e}");
                return ExitCode::FAILURE;
            }
        };
        let demo = match portal_server::demo::seed(&state).await {
            Ok(d) => d,
            Err(e) => {
                eprintln!("seed-demo: {e}");
                return ExitCode::FAILURE;
            }
        };
        let day = |t: i64| {
            let (y, m, d) = portal_server::clock::civil_from_days(t.div_euclid(86_400));
            format!("{y}-{m:02}-{d:02}")
        };
        if demo.created {
            println!("Demo data made in {:.1} s.", started.elapsed().as_secs_f64());
        } else {
            println!("The demo data was already there: nothing changed.");
        }
        println!();
        println!("Customer (email verified, two-step verification off):");
        println!("  email:    {}", demo.email);
        println!("  password: {}", demo.password);
        println!("  card:     {}", demo.card);
        println!(
            "  history:  {} top-ups, {} declined, {} payments, {} to {}",
            demo.top_ups,
            demo.declined,
            demo.payments,
            day(demo.from),
            day(demo.to)
        );
        println!(
            "  balance:  {}",
            portal_api::money::Money {
                minor: demo.balance,
                currency: portal_server::wallet::WALLET_CURRENCY
            }
            .format(portal_api::dto::Locale::En)
        );
        println!();
        println!(
            "Support queue: {} cases of other demo customers, who sign in with the same password:",
            demo.cases
        );
        for neighbour in portal_server::demo::NEIGHBOURS {
            println!("  {} ({})", neighbour.email, neighbour.display_name);
        }
        println!();
        println!("Merchant {}:", demo.merchant_name);
        println!("  API key:  {}", demo.merchant_key);
        println!("  (derived from PORTAL_SECRET_KEY: the same on every run; only its hash is stored)");
        println!("  e.g. curl -X POST <server>/api/merchant/redemptions -H 'Authorization: Bearer {}' \\", demo.merchant_key);
        println!("         -H 'Idempotency-Key: <new random value>' -H 'Content-Type: application/json' \\");
        println!("         -d '{{\"code\":\"<the code on the customer\u{2019}s screen>\",\"amount\":{{\"minor\":500,\"currency\":\"JPY\"}}}}'");
        ExitCode::SUCCESS
    })
}

async fn verify_ledger(db: &portal_server::db::Db) -> ExitCode {
    match portal_server::wallet::ledger::verify(db).await {
        Ok(report) => {
            println!(
                "{} entries, {} postings, {} accounts replayed",
                report.entries, report.postings, report.accounts
            );
            if report.mismatches.is_empty() {
                println!("every entry sums to zero and every balance adds up");
                ExitCode::SUCCESS
            } else {
                for m in &report.mismatches {
                    println!("MISMATCH: {m}");
                }
                println!("{} mismatch(es)", report.mismatches.len());
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("ledger verify: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn verify_evidence(db: &portal_server::db::Db) -> ExitCode {
    use portal_server::evidence::{chain, store::DiskStore};
    let dir = match Config::from_env() {
        Ok(c) => c.data_dir.join("evidence"),
        Err(e) => {
            eprintln!("configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let store = match DiskStore::open(&dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("evidence verify: {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    let verdicts = match chain::verify_all(db, &store).await {
        Ok(v) => v,
        Err(e) => {
            eprintln!("evidence verify: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut broken = 0;
    for v in &verdicts {
        match &v.result {
            Ok(files) => println!(
                "{}: intact ({} entries, {files} files)",
                v.report_id, v.entries
            ),
            Err(why) => {
                broken += 1;
                println!("{}: BROKEN: {why}", v.report_id);
            }
        }
    }
    println!("{} report(s) checked, {broken} broken", verdicts.len());
    if broken == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn import_corpus(format: &str, input: &str, output: &str) -> ExitCode {
    match portal_server::breach::import(format, input.as_ref(), output.as_ref()) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pwned import: {e}");
            ExitCode::FAILURE
        }
    }
}
