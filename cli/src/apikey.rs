//! `authx apikey`: create, list, rotate, revoke and delete API keys in the store a service
//! reads them from (see [`authx::api_key`]).
//!
//! The store is `--store URL`, else `AUTHX_STORE_URL`; each backend needs the CLI's cargo
//! feature of the same name (`sqlite://path.db`: `sqlite`, `postgres://...`: `postgres`,
//! `redis://...`: `redis`, `redis+cluster://...`: `redis-cluster`). `memory://` is refused: a
//! key kept in the memory of a command that exits is gone with it. Keys are hashed with
//! `AUTHX_API_KEY_PEPPER` and start with `AUTHX_API_KEY_PREFIX`, which must be the service's.
//! No token key is needed: these commands sign and verify no token.

mod list;

use std::io::Write;
use std::time::Duration;

use authx::api_key::{ApiKeyError, IssuedApiKey};
use authx::{Algorithm, Auth, AuthConfig};
use clap::{Args, Subcommand};

use crate::CliError;

pub use list::ListArgs;

/// `authx apikey ...`: the store and the subcommand.
#[derive(Debug, Args)]
pub struct ApiKeyArgs {
    /// The store the service reads its keys from (default: AUTHX_STORE_URL): sqlite://path.db,
    /// postgres://..., redis://... (memory:// is refused).
    #[arg(long, value_name = "URL", global = true)]
    pub store: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: ApiKeyCommand,
}

/// The `apikey` subcommands.
#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key: prints the key alone on stdout (shown once: only its digest is stored),
    /// its id on stderr.
    Create(CreateArgs),
    /// List keys, live or not: one line each (or JSON lines), never a secret.
    List(ListArgs),
    /// Revoke a key: refused from now on, everywhere; its record stays for audits.
    Revoke(IdArgs),
    /// Replace a key: a new key with the same settings (printed like `create`'s), the old one
    /// still working for --overlap seconds.
    Rotate(RotateArgs),
    /// Delete a key and its record (to keep the record, revoke it instead).
    Delete(IdArgs),
}

/// `authx apikey create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Who the key acts for: a user's subject, or a service account's name (with --service).
    #[arg(long, value_name = "OWNER")]
    pub owner: String,
    /// The name its owner knows it by ("deploy script").
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// A scope to grant (repeat, or comma-separate: `--scope users:read --scope 'orders:*'`).
    #[arg(
        long = "scope",
        alias = "scopes",
        value_name = "SCOPE",
        value_delimiter = ','
    )]
    pub scopes: Vec<String>,
    /// It stops working this many seconds from now (default: never).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub expires_in: Option<u64>,
    /// Its own rate limit, counted per key across routes (`1000/60s`).
    #[arg(long, value_name = "SPEC")]
    pub rate: Option<String>,
    /// An address or CIDR network it may come from (repeat, or comma-separate; default: any).
    #[arg(long, value_name = "CIDR", value_delimiter = ',')]
    pub allow_from: Vec<String>,
    /// The owner is a service account, not a user.
    #[arg(long)]
    pub service: bool,
}

/// `authx apikey revoke` and `authx apikey delete`.
#[derive(Debug, Args)]
pub struct IdArgs {
    /// The key's id (`ak_...`, as `apikey list` shows it).
    #[arg(value_name = "ID")]
    pub id: String,
}

/// `authx apikey rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The key's id (`ak_...`, as `apikey list` shows it).
    #[arg(value_name = "ID")]
    pub id: String,
    /// How long the old key keeps working, in seconds, while its clients switch to the new one.
    #[arg(long, value_name = "SECONDS", default_value_t = 86_400)]
    pub overlap: u64,
}

/// What a command prints, gathered while the store is worked on and written after.
#[derive(Default)]
struct Report {
    stdout: String,
    stderr: String,
}

/// Runs `authx apikey ...` with the configuration `env` holds.
pub fn run(
    args: &ApiKeyArgs,
    env: &dyn Fn(&str) -> Option<String>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<(), CliError> {
    let config = config(args.store.as_deref(), env)?;
    let report = block_on(execute(&args.command, config))??;
    stdout
        .write_all(report.stdout.as_bytes())
        .and_then(|()| stderr.write_all(report.stderr.as_bytes()))
        .map_err(CliError::Output)
}

/// The `AUTHX_*` configuration, checked for what API keys need: a pepper and a shared store.
fn config(
    store: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<AuthConfig, CliError> {
    let mut config = AuthConfig::from_lookup(env).map_err(CliError::Config)?;
    if config.api_keys.pepper.is_none() {
        return Err(CliError::NoPepper);
    }
    if let Some(url) = store {
        config.store_url = url.trim().to_owned();
    }
    check_backend(&config.store_url)?;
    // No token is signed or verified here: a throwaway secret stands in for the service's
    // token keys, which this command does not need (nor a key file to reload).
    config.algorithm = Algorithm::HS256;
    config.secret_key = Some(crate::keygen::hmac_secret(32)?.as_str().into());
    config.private_key = None;
    config.public_key = None;
    config.key_id = None;
    config.previous_keys.clear();
    config.keys_file = None;
    config.keys_reload_interval = None;
    // A process that exits at once gains nothing from caching revocations.
    config.near_cache.enabled = false;
    Ok(config)
}

/// Refuses a store the keys would not outlive, and one this build cannot open.
fn check_backend(url: &str) -> Result<(), CliError> {
    let scheme = url
        .split_once(':')
        .map(|(s, _)| s.to_ascii_lowercase())
        .unwrap_or_default();
    let (feature, built) = match scheme.as_str() {
        "" | "memory" => return Err(CliError::NoStore),
        "sqlite" => ("sqlite", cfg!(feature = "sqlite")),
        "postgres" | "postgresql" => ("postgres", cfg!(feature = "postgres")),
        "redis" | "rediss" => ("redis", cfg!(feature = "redis")),
        "redis+cluster" | "rediss+cluster" => ("redis-cluster", cfg!(feature = "redis-cluster")),
        // Unknown schemes: the store's own error lists the known ones.
        _ => return Ok(()),
    };
    if built {
        Ok(())
    } else {
        Err(CliError::NoBackend(feature))
    }
}

/// Connects the store and does the work.
async fn execute(cmd: &ApiKeyCommand, config: AuthConfig) -> Result<Report, CliError> {
    let stores = authx::store::connect(&config.store_url)
        .await
        .map_err(CliError::Store)?;
    let auth = Auth::builder(config)
        .stores(stores)
        .build()
        .map_err(CliError::Config)?;
    let keys = auth.api_keys();
    let mut report = Report::default();
    match cmd {
        ApiKeyCommand::Create(args) => {
            let mut builder = keys.create(args.owner.as_str());
            if let Some(name) = &args.name {
                builder = builder.name(name.as_str());
            }
            if args.service {
                builder = builder.service();
            }
            let scopes = args
                .scopes
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty());
            builder = builder.scopes(scopes.map(str::to_owned));
            if let Some(secs) = args.expires_in {
                builder = builder.expires_in(Duration::from_secs(secs));
            }
            if let Some(rate) = &args.rate {
                builder = builder.rate(rate.as_str());
            }
            // An empty `--allow-from` (an unset variable) must not make a key usable from
            // anywhere: the settings check refuses it as an address.
            let networks = args.allow_from.iter().map(|s| s.trim().to_owned());
            builder = builder.allow_from(networks);
            let issued = builder.issue().await.map_err(api_key_err)?;
            shown_once(&mut report, &issued);
        }
        ApiKeyCommand::List(args) => {
            let records = keys
                .list(args.owner.as_deref())
                .await
                .map_err(api_key_err)?;
            report.stdout = list::render(&records, args.json, crate::time::now());
            if records.is_empty() {
                report.stderr = "no API keys\n".into();
            }
        }
        ApiKeyCommand::Revoke(args) => {
            keys.revoke(&args.id).await.map_err(api_key_err)?;
            report.stdout = format!("revoked {}\n", args.id);
        }
        ApiKeyCommand::Rotate(args) => {
            let overlap = Duration::from_secs(args.overlap);
            let issued = keys.rotate(&args.id, overlap).await.map_err(api_key_err)?;
            shown_once(&mut report, &issued);
            let old = keys.get(&args.id).await.map_err(api_key_err)?;
            if let Some(until) = old.and_then(|r| r.expires_at) {
                report.stderr.push_str(&format!(
                    "{} keeps working until {} ({})\n",
                    args.id,
                    crate::time::utc(until),
                    crate::time::relative(until, crate::time::now()),
                ));
            }
        }
        ApiKeyCommand::Delete(args) => {
            if !keys.delete(&args.id).await.map_err(api_key_err)? {
                return Err(CliError::ApiKey(ApiKeyError::NotFound(args.id.clone())));
            }
            report.stdout = format!("deleted {}\n", args.id);
        }
    }
    Ok(report)
}

/// A new key on stdout, alone; its id and the warning on stderr.
fn shown_once(report: &mut Report, issued: &IssuedApiKey) {
    report.stdout = format!("{}\n", issued.key());
    report.stderr = format!(
        "id={}\nwarning: the key is shown once, now: only its digest is stored; keep it safe\n",
        issued.record.id
    );
}

/// Store failures apart from the rest.
fn api_key_err(e: ApiKeyError) -> CliError {
    match e {
        ApiKeyError::Store(e) => CliError::Store(e),
        e => CliError::ApiKey(e),
    }
}

/// Runs `fut` on a current-thread runtime of its own: on this thread, or on a scoped thread
/// when this one already runs a runtime (which cannot block on another).
fn block_on<F>(fut: F) -> Result<F::Output, CliError>
where
    F: Future + Send,
    F::Output: Send,
{
    let run = move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|runtime| runtime.block_on(fut))
            .map_err(CliError::io("cannot start the async runtime"))
    };
    if tokio::runtime::Handle::try_current().is_err() {
        return run();
    }
    std::thread::scope(|s| {
        s.spawn(run)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}
