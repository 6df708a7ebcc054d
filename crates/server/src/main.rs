//! `portal-server`: the one binary of the portal.

use clap::{Parser, Subcommand};
use portal_api::agent::Role;
use portal_server::config::{Config, VARIABLES};
use portal_server::support::agent::Made;
use std::process::ExitCode;

/// The Mamoru Wallet portal's API and web server, and the operator's commands beside it.
///
/// Every command reads its configuration from the PORTAL_* environment variables below.
#[derive(Parser)]
#[command(name = "portal-server", arg_required_else_help = true, after_help = environment_help())]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (migrates the database first)
    Serve,
    /// The breach corpus that sign-up and password changes check against
    #[command(subcommand)]
    Pwned(PwnedCommand),
    /// The money journal
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// The sealed evidence of fraud reports
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// The stores that redeem payment codes through the merchant API
    #[command(subcommand)]
    Merchant(MerchantCommand),
    /// Support agents and admins of the console
    #[command(subcommand)]
    Agent(AgentCommand),
    /// The audit log of everything agents and admins do
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Make a demo customer, merchant, card and 18 months of history, and print their
    /// credentials (running it again changes nothing)
    SeedDemo,
}

#[derive(Subcommand)]
enum PwnedCommand {
    /// Build a breach corpus file (for PORTAL_PWNED_CORPUS) from a password list
    Import {
        /// plain: one password a line; hibp: a Pwned Passwords download (SHA1:COUNT lines)
        #[arg(long, value_parser = ["plain", "hibp"])]
        format: String,
        /// the list to read
        input: std::path::PathBuf,
        /// the corpus file to write
        output: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Replay the whole journal and report every entry that does not sum to zero and every
    /// balance that does not add up (exit status 1 when anything does not)
    Verify,
}

#[derive(Subcommand)]
enum EvidenceCommand {
    /// Check every fraud report's evidence chain and the files it seals, and say which, if
    /// any, is broken (exit status 1 when any is)
    Verify,
}

#[derive(Subcommand)]
enum MerchantCommand {
    /// Make a merchant and print its API key, once (only its SHA-256 is stored)
    Create {
        /// the store's name, as customers see it in their history
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum AgentCommand {
    /// Make a support agent, or promote an existing account (its password, second factors
    /// and sessions are removed); the invitation mailed to the address is the only way in
    Create {
        /// the agent's address, where the invitation goes
        #[arg(long)]
        email: String,
        /// an admin, who also approves what needs a second agent
        #[arg(long)]
        admin: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the audit log's hash chain from the first entry (exit status 1 when broken)
    Verify,
}

fn environment_help() -> String {
    let mut s = String::from("Environment:\n");
    for (name, default, meaning) in VARIABLES {
        s.push_str(&format!(
            "  {name:<30} {meaning}\n  {:<30} (default: {default})\n",
            ""
        ));
    }
    s
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Serve => run_server(),
        Command::Pwned(PwnedCommand::Import {
            format,
            input,
            output,
        }) => import_corpus(&format, &input, &output),
        Command::Ledger(LedgerCommand::Verify) => {
            with_store(|db| async move { verify_ledger(&db).await })
        }
        Command::Evidence(EvidenceCommand::Verify) => {
            with_store(|db| async move { verify_evidence(&db).await })
        }
        Command::Merchant(MerchantCommand::Create { name }) => {
            with_store(|db| async move { create_merchant(&db, &name).await })
        }
        Command::SeedDemo => seed_demo(),
        Command::Agent(AgentCommand::Create { email, admin }) => {
            create_agent(&email, if admin { Role::Admin } else { Role::Agent })
        }
        Command::Audit(AuditCommand::Verify) => {
            with_store(|db| async move { verify_audit(&db).await })
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

fn import_corpus(format: &str, input: &std::path::Path, output: &std::path::Path) -> ExitCode {
    match portal_server::breach::import(format, input, output) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;
    use clap::CommandFactory;

    #[test]
    fn the_declaration_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Every command, at every depth, answers `--help` with its own usage line: help is made
    /// from the same declaration `main` matches on, so the two cannot drift apart.
    #[test]
    fn every_command_answers_help() {
        fn walk(command: &clap::Command, path: &mut Vec<String>, seen: &mut usize) {
            let mut argv = vec!["portal-server".to_string()];
            argv.extend(path.iter().cloned());
            argv.push("--help".into());
            let err = Cli::try_parse_from(&argv)
                .err()
                .expect("--help stops parsing");
            assert_eq!(err.kind(), ErrorKind::DisplayHelp, "{argv:?}");
            let text = err.render().to_string();
            let usage = format!("Usage: {}", argv[..argv.len() - 1].join(" "));
            assert!(text.contains(&usage), "{argv:?} answered:\n{text}");
            *seen += 1;
            for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
                path.push(sub.get_name().into());
                walk(sub, path, seen);
                path.pop();
            }
        }
        let mut seen = 0;
        walk(&Cli::command(), &mut Vec::new(), &mut seen);
        // the root, 8 commands and the 6 commands under them
        assert_eq!(seen, 15);
    }

    #[test]
    fn help_names_every_environment_variable() {
        let help = Cli::command().render_long_help().to_string();
        for (name, _, _) in VARIABLES {
            assert!(help.contains(name), "{name} missing from --help");
        }
    }

    /// The invocations the README and the scripts give are the ones `main` accepts.
    #[test]
    fn the_documented_invocations_parse() {
        let parse = |line: &str| {
            Cli::try_parse_from(line.split_whitespace())
                .unwrap_or_else(|e| panic!("{line}: {e}"))
                .command
        };
        assert!(matches!(parse("portal-server serve"), Command::Serve));
        assert!(matches!(
            parse("portal-server seed-demo"),
            Command::SeedDemo
        ));
        assert!(matches!(
            parse("portal-server agent create --email a@example.com --admin"),
            Command::Agent(AgentCommand::Create { admin: true, .. })
        ));
        assert!(matches!(
            parse("portal-server agent create --email a@example.com"),
            Command::Agent(AgentCommand::Create { admin: false, .. })
        ));
        assert!(matches!(
            parse("portal-server audit verify"),
            Command::Audit(_)
        ));
        assert!(matches!(
            parse("portal-server ledger verify"),
            Command::Ledger(_)
        ));
        assert!(matches!(
            parse("portal-server evidence verify"),
            Command::Evidence(_)
        ));
        assert!(matches!(
            parse("portal-server merchant create --name Shop"),
            Command::Merchant(MerchantCommand::Create { .. })
        ));
        assert!(matches!(
            parse("portal-server pwned import --format hibp in.txt out.bin"),
            Command::Pwned(PwnedCommand::Import { .. })
        ));
    }

    #[test]
    fn what_main_does_not_accept_is_refused() {
        for line in [
            "portal-server",
            "portal-server serve --port 1",
            "portal-server agent create",
            "portal-server pwned import --format csv in out",
            "portal-server nonsense",
        ] {
            assert!(
                Cli::try_parse_from(line.split_whitespace()).is_err(),
                "{line} parsed"
            );
        }
    }
}
