//! The `regain` command line. There is no command that sets or resets the password of an
//! existing user, by design: the only way back into an account is self-service recovery.
use crate::config::{Config, Overrides};
use app::domain::identifier::{email_domain, normalize_email};
use app::domain::secret::SecretString;
use app::server::clock::{Clock, SystemClock};
use app::server::delivery::{Transports, Worker};
use app::server::hashing::{HashCost, PasswordHasher};
use app::server::keys::Keys;
use app::server::state::Settings;
use app::server::store::{NewUser, Role, Store, UserStatus};
use app::server::sweeper::Sweeper;
use app::server::{audit, AppState};
use clap::{Args, Parser, Subcommand};
use leptos::config::LeptosOptions;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

mod org_policy;
mod policy;
pub use policy::{check_password, PasswordCommand, TermsCommand, Verdict};

#[derive(Debug, Parser)]
#[command(
    name = "regain",
    version,
    about = "Regain self-service password recovery portal"
)]
pub struct Cli {
    /// A TOML configuration file (keys as in REGAIN_* without the prefix, lower-case).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory (SQLite file, generated key). Also REGAIN_DATA_DIR.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the portal (the default).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage users. No command sets or resets an existing user's password.
    #[command(subcommand)]
    User(UserCommand),
    /// Test the password policy.
    #[command(subcommand)]
    Password(PasswordCommand),
    /// Copy the SQLite database into a new file, while the portal runs.
    Backup {
        /// The copy; must not exist yet.
        file: PathBuf,
    },
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Export the events before a date to a file (JSON Lines) and delete them. The date
    /// must be at least `audit_retention_days` (365) ago; nothing else deletes events.
    Prune {
        /// YYYY-MM-DD (UTC): events before this day's start go.
        #[arg(long)]
        before: String,
        /// The export; must not exist yet.
        #[arg(long)]
        export: PathBuf,
    },
}

#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Address to listen on. Also REGAIN_ADDR.
    #[arg(long)]
    pub addr: Option<SocketAddr>,
    /// Development mode: demo data and the development mailbox. Also REGAIN_DEV.
    #[arg(long)]
    pub dev: bool,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organisation with the default policy.
    Add {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        /// A verified email domain of the organisation (repeatable).
        #[arg(long = "domain")]
        domains: Vec<String>,
    },
    /// List organisations.
    List,
    /// Manage an organisation's own banned password terms.
    #[command(subcommand)]
    Terms(TermsCommand),
    /// Show or change an organisation's recovery policy.
    #[command(subcommand)]
    Policy(org_policy::PolicyCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. Without --temporary-password the user has no password and gets in
    /// through self-service recovery.
    Add {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        given_name: String,
        #[arg(long, default_value = "")]
        family_name: String,
        /// Make the user a global administrator of the organisation.
        #[arg(long)]
        admin: bool,
        /// Generate a one-time temporary password (printed once) that must be changed
        /// at first sign-in.
        #[arg(long)]
        temporary_password: bool,
    },
    /// Create users from a CSV file with the header
    /// `email,display_name,given_name,family_name,role` (role: user or global_admin).
    Import {
        #[arg(long)]
        org: String,
        file: PathBuf,
    },
    /// Disable a user: they can no longer sign in or recover.
    Disable { email: String },
    /// List users.
    List {
        #[arg(long)]
        org: Option<String>,
    },
}

/// Everything a command may fail with, as one line for the operator.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("{0}")]
    Store(#[from] app::server::store::StoreError),
    #[error("{0}")]
    Keys(#[from] app::server::keys::KeyError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    App(String),
    /// `password check` refused the password: its verdict is already printed.
    #[error("password rejected")]
    Rejected,
}

impl From<app::error::AppError> for CliError {
    fn from(e: app::error::AppError) -> Self {
        CliError::App(format!("failed: {}", e.code()))
    }
}

pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Rejected) => ExitCode::from(1),
        // 2, so a script can tell a failed command from `password check`'s rejection.
        Err(e) => {
            eprintln!("regain: {e}");
            ExitCode::from(2)
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("REGAIN_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    let serve_args = match &cli.command {
        Some(Command::Serve(args)) => Some(args),
        _ => None,
    };
    let overrides = Overrides {
        addr: serve_args.and_then(|a| a.addr),
        data_dir: cli.data_dir.clone(),
        dev: serve_args.is_some_and(|a| a.dev),
    };
    let (config, warnings) = Config::load(cli.config.as_deref(), &overrides)?;
    for w in &warnings {
        tracing::warn!("{w}");
    }
    match cli.command {
        None | Some(Command::Serve(_)) => serve(config).await,
        Some(Command::Migrate) => {
            let store = open_store(&config).await?;
            println!("migrations applied");
            store.close().await;
            Ok(())
        }
        Some(Command::Org(cmd)) => org_command(&config, cmd).await,
        Some(Command::Backup { file }) => backup(&config, &file).await,
        Some(Command::Audit(AuditCommand::Prune { before, export })) => {
            prune_audit(&config, &before, &export).await
        }
        Some(Command::User(cmd)) => user_command(&config, cmd).await,
        Some(Command::Password(PasswordCommand::Check { org, email })) => {
            let store = open_store(&config).await?;
            let accepted = check_password(
                &store,
                &org,
                &email,
                &mut std::io::stdin().lock(),
                &mut std::io::stdout().lock(),
            )
            .await;
            store.close().await;
            match accepted? {
                true => Ok(()),
                false => Err(CliError::Rejected),
            }
        }
    }
}

async fn backup(config: &Config, file: &std::path::Path) -> Result<(), CliError> {
    if file.exists() {
        return Err(CliError::Usage(format!(
            "{} already exists; a backup goes to a new file",
            file.display()
        )));
    }
    let store = open_store(config).await?;
    let done = store.backup_sqlite(file).await;
    store.close().await;
    done?;
    println!("backed up to {}", file.display());
    Ok(())
}

/// `audit prune`: the only way events leave the audit log, and only after they are
/// written to a file, and only those older than the configured retention.
async fn prune_audit(
    config: &Config,
    before: &str,
    export: &std::path::Path,
) -> Result<(), CliError> {
    const DAY: i64 = 86_400;
    let day = app::domain::console::audit::filter::parse_date(before)
        .ok_or_else(|| CliError::Usage(format!("--before {before}: a date as YYYY-MM-DD")))?;
    let before_at = day * DAY;
    let now = SystemClock.now();
    let keep_days = config.audit_retention_days();
    let latest = now.div_euclid(DAY) * DAY - keep_days * DAY;
    if before_at > latest {
        return Err(CliError::Usage(format!(
            "--before {before}: the audit log keeps {keep_days} days (audit_retention_days); \
             the latest date allowed is {}",
            app::domain::recovery::date_utc(latest)
        )));
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(export)
        .map_err(|e| CliError::Usage(format!("--export {}: {e}", export.display())))?;
    let store = open_store(config).await?;
    let event = audit::by_cli(now, "audit.prune", None, None, &format!("before {before}"));
    let pruned = store.prune_audit(before_at, &mut file, &event).await;
    store.close().await;
    match pruned {
        Ok(n) => {
            println!(
                "{n} audit events before {before} exported to {} and deleted",
                export.display()
            );
            Ok(())
        }
        Err(e) => {
            // Nothing was deleted: an export that stands for nothing would mislead.
            drop(file);
            let _ = std::fs::remove_file(export);
            Err(e.into())
        }
    }
}

async fn open_store(config: &Config) -> Result<Store, CliError> {
    std::fs::create_dir_all(&config.data_dir)?;
    let store = Store::connect(&config.database_url()).await?;
    store.migrate().await?;
    Ok(store)
}

/// The Leptos options cargo-leptos passes in its environment, with our defaults.
pub fn leptos_options(addr: SocketAddr) -> LeptosOptions {
    let var = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_owned());
    LeptosOptions::builder()
        .output_name(var("LEPTOS_OUTPUT_NAME", "regain"))
        .site_root(var("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(var("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(addr)
        .reload_port(var("LEPTOS_RELOAD_PORT", "3001").parse().unwrap_or(3001))
        .hash_files(hash_files(std::env::var("LEPTOS_HASH_FILES").ok()))
        .build()
}

/// Whether the site's file names carry content hashes: as cargo-leptos says when it runs
/// the server, else whether its hash file lies beside this executable (`cargo leptos
/// build` writes it there with `hash-files`), so the binary run by hand finds its files.
fn hash_files(said: Option<String>) -> bool {
    match said.as_deref() {
        Some(value) => value == "true",
        None => std::env::current_exe()
            .ok()
            .and_then(|exe| Some(exe.parent()?.join("hash.txt").is_file()))
            .unwrap_or(false),
    }
}

/// Builds the shared state from configuration: store (migrated), key, hasher.
pub async fn build_state(config: &Config, cost: HashCost) -> Result<AppState, CliError> {
    let store = open_store(config).await?;
    let keys = Keys::load_or_create(config.secret_key.as_deref(), &config.data_dir)?;
    let workers = config.hash_workers.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    let hasher = PasswordHasher::new(cost, workers)?;
    Ok(AppState {
        leptos_options: leptos_options(config.addr),
        store,
        hasher,
        keys: Arc::new(keys),
        clock: Arc::new(SystemClock),
        settings: Arc::new(Settings {
            dev: config.dev,
            public_url: config.public_url(),
            sessions: Default::default(),
            recovery: config.recovery_limits(),
            pow: config.pow_settings(),
            metrics_token: config
                .metrics_token
                .as_deref()
                .map(app::domain::secret::SecretString::new),
        }),
    })
}

async fn serve(config: Config) -> Result<(), CliError> {
    let state = build_state(&config, HashCost::PRODUCTION).await?;
    if config.dev {
        crate::demo::seed(&state).await?;
        println!("{}", crate::demo::banner(&state.settings.public_url));
    }
    let transports = delivery_transports(&config)?;
    let delivery = Worker::new(
        state.store.clone(),
        state.clock.clone(),
        transports,
        config.delivery_settings(),
    )
    .spawn();
    let sweeper = Sweeper::new(
        state.store.clone(),
        state.clock.clone(),
        config.sweep_settings(state.settings.sessions),
    )
    .spawn();
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    tracing::info!(addr = %config.addr, dev = config.dev, "listening");
    let app = crate::router(state);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    delivery.shutdown().await;
    sweeper.shutdown().await;
    Ok(served?)
}

/// A transport for each channel that has one configured. In development mode a channel
/// without one goes to the development mailbox; otherwise its messages wait in the outbox
/// (said once, here) until it is configured.
pub fn delivery_transports(config: &Config) -> Result<Transports, CliError> {
    use app::server::delivery::{dev_mailbox::DevMailbox, sms, smtp};
    let timeout = config.delivery_settings().timeout;
    let mut transports = Transports::default();
    if let (Some(url), Some(from)) = (&config.smtp_url, &config.mail_from) {
        let settings =
            smtp::SmtpSettings::parse(url).map_err(|e| CliError::Usage(e.to_string()))?;
        let from = smtp::parse_from(from).map_err(|e| CliError::Usage(e.to_string()))?;
        let mailer = smtp::SmtpMailer::new(&settings, from, timeout)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        tracing::info!(host = %settings.host, port = settings.port, security = ?settings.security,
            "mail goes out through SMTP");
        transports.email = Some(Arc::new(mailer));
    }
    if let (Some(url), Some(secret)) = (&config.sms_gateway_url, &config.sms_gateway_secret) {
        let url = sms::parse_gateway_url(url).map_err(|e| CliError::Usage(e.to_string()))?;
        let gateway = sms::SmsGateway::new(url, SecretString::new(secret.as_str()), timeout)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        transports.sms = Some(Arc::new(gateway));
    }
    for (channel, slot) in [
        ("email", &mut transports.email),
        ("sms", &mut transports.sms),
    ] {
        if slot.is_some() {
            continue;
        }
        if config.dev {
            *slot = Some(Arc::new(DevMailbox));
        } else {
            let key = if channel == "email" {
                "smtp_url"
            } else {
                "sms_gateway_url"
            };
            tracing::warn!(
                channel,
                "no transport configured ({key}): these messages stay queued"
            );
        }
    }
    Ok(transports)
}

async fn org_command(config: &Config, cmd: OrgCommand) -> Result<(), CliError> {
    let store = open_store(config).await?;
    let now = SystemClock.now();
    match cmd {
        OrgCommand::Add {
            slug,
            name,
            domains,
        } => {
            let slug = slug.trim().to_lowercase();
            if slug.is_empty() || !slug.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(CliError::Usage(
                    "--slug takes letters, digits and '-'".into(),
                ));
            }
            if name.trim().is_empty() {
                return Err(CliError::Usage("--name must not be empty".into()));
            }
            let domains: Vec<String> = domains.iter().map(|d| d.trim().to_lowercase()).collect();
            if let Some(bad) = domains.iter().find(|d| !d.contains('.') || d.contains('@')) {
                return Err(CliError::Usage(format!("`{bad}` is not a domain")));
            }
            let org = store.create_org(&slug, name.trim(), &domains, now).await?;
            store
                .audit(&audit::by_cli(now, "org.add", Some(org.id), None, &slug))
                .await?;
            println!("created organisation {} ({})", org.slug, org.name);
        }
        OrgCommand::List => {
            for org in store.list_orgs().await? {
                println!("{}\t{}\t{}", org.slug, org.name, org.domains.join(","));
            }
        }
        OrgCommand::Terms(cmd) => {
            let result = policy::terms_command(&store, cmd, now).await;
            store.close().await;
            return result;
        }
        OrgCommand::Policy(cmd) => {
            let result = org_policy::policy_command(&store, cmd, now).await;
            store.close().await;
            return result;
        }
    }
    store.close().await;
    Ok(())
}

async fn user_command(config: &Config, cmd: UserCommand) -> Result<(), CliError> {
    let store = open_store(config).await?;
    let now = SystemClock.now();
    let result = match cmd {
        UserCommand::Add {
            org,
            email,
            name,
            given_name,
            family_name,
            admin,
            temporary_password,
        } => {
            let org = find_org(&store, &org).await?;
            let role = if admin { Role::GlobalAdmin } else { Role::User };
            let temp = temporary_password.then(generate_temporary_password);
            let hash = match &temp {
                Some(pw) => Some(hasher()?.hash(pw).await?),
                None => None,
            };
            let user = new_user(&org, &email, &name, &given_name, &family_name, role, hash)?;
            let id = store.create_user(&user, now).await?;
            store
                .audit(&audit::by_cli(
                    now,
                    "user.add",
                    Some(org.id),
                    Some(id),
                    role.as_str(),
                ))
                .await?;
            println!("created user {}", user.email_canonical);
            if let Some(pw) = temp {
                println!(
                    "temporary password (shown once, must be changed at first sign-in): {}",
                    pw.expose()
                );
            }
            Ok(())
        }
        UserCommand::Import { org, file } => import(&store, &org, &file, now).await,
        UserCommand::Disable { email } => {
            let canonical = normalize_email(&email)
                .map_err(|_| CliError::Usage(format!("`{email}` is not an email address")))?;
            let user = store
                .find_user_by_email(&canonical)
                .await?
                .ok_or_else(|| CliError::Usage(format!("no user {canonical}")))?;
            store
                .set_user_status(user.id, UserStatus::Disabled, now)
                .await?;
            app::server::store::sessions::revoke_all_for_user(store.pool(), user.id, None, now)
                .await?;
            store
                .audit(&audit::by_cli(
                    now,
                    "user.disable",
                    Some(user.org_id),
                    Some(user.id),
                    "",
                ))
                .await?;
            println!("disabled {canonical}");
            Ok(())
        }
        UserCommand::List { org } => {
            let org_id = match org {
                Some(slug) => Some(find_org(&store, &slug).await?.id),
                None => None,
            };
            let mut out = std::io::stdout().lock();
            for u in store.list_users(org_id).await? {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}",
                    u.email_canonical,
                    u.display_name,
                    u.role.as_str(),
                    u.status.as_str()
                )?;
            }
            Ok(())
        }
    };
    store.close().await;
    result
}

fn hasher() -> Result<PasswordHasher, CliError> {
    Ok(PasswordHasher::new(HashCost::PRODUCTION, 1)?)
}

async fn find_org(store: &Store, slug: &str) -> Result<app::server::store::Organisation, CliError> {
    store
        .find_org_by_slug(slug)
        .await?
        .ok_or_else(|| CliError::Usage(format!("no organisation with slug `{slug}`")))
}

fn new_user(
    org: &app::server::store::Organisation,
    email: &str,
    name: &str,
    given: &str,
    family: &str,
    role: Role,
    password_hash: Option<String>,
) -> Result<NewUser, CliError> {
    let canonical = normalize_email(email)
        .map_err(|_| CliError::Usage(format!("`{email}` is not an email address")))?;
    // Only addresses in one of the organisation's verified domains belong to it.
    let domain = email_domain(&canonical).unwrap_or("");
    if !org.domains.iter().any(|d| d == domain) {
        return Err(CliError::Usage(format!(
            "{canonical} is not in a verified domain of {} ({})",
            org.slug,
            org.domains.join(", ")
        )));
    }
    if name.trim().is_empty() {
        return Err(CliError::Usage("the display name must not be empty".into()));
    }
    Ok(NewUser {
        org_id: org.id,
        email: email.trim().to_owned(),
        email_canonical: canonical,
        display_name: name.trim().to_owned(),
        given_name: given.trim().to_owned(),
        family_name: family.trim().to_owned(),
        role,
        must_change_password: password_hash.is_some(),
        password_hash,
    })
}

/// Reads the whole file and checks every row before creating anyone, so a bad row
/// leaves nothing half-imported.
async fn import(
    store: &Store,
    org: &str,
    file: &std::path::Path,
    now: i64,
) -> Result<(), CliError> {
    let org = find_org(store, org).await?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(file)
        .map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
    let headers = reader
        .headers()
        .map_err(|e| CliError::Usage(e.to_string()))?
        .clone();
    let expected = ["email", "display_name", "given_name", "family_name", "role"];
    if headers.iter().collect::<Vec<_>>() != expected {
        return Err(CliError::Usage(format!(
            "the header must be `{}`",
            expected.join(",")
        )));
    }
    let mut users = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| CliError::Usage(format!("line {line}: {e}")))?;
        let field = |n: usize| record.get(n).unwrap_or("");
        let role = Role::parse(field(4)).ok_or_else(|| {
            CliError::Usage(format!("line {line}: role must be user or global_admin"))
        })?;
        let user = new_user(&org, field(0), field(1), field(2), field(3), role, None)
            .map_err(|e| CliError::Usage(format!("line {line}: {e}")))?;
        if users
            .iter()
            .any(|u: &NewUser| u.email_canonical == user.email_canonical)
        {
            return Err(CliError::Usage(format!(
                "line {line}: {} appears twice",
                user.email_canonical
            )));
        }
        if store
            .find_user_by_email(&user.email_canonical)
            .await?
            .is_some()
        {
            return Err(CliError::Usage(format!(
                "line {line}: {} already exists",
                user.email_canonical
            )));
        }
        users.push(user);
    }
    for user in &users {
        let id = store.create_user(user, now).await?;
        store
            .audit(&audit::by_cli(
                now,
                "user.import",
                Some(org.id),
                Some(id),
                user.role.as_str(),
            ))
            .await?;
    }
    println!("imported {} users into {}", users.len(), org.slug);
    Ok(())
}

/// 20 characters from an alphabet without look-alikes: ~100 bits.
fn generate_temporary_password() -> SecretString {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let pw: String = (0..20)
        .map(|_| {
            char::from(
                *ALPHABET
                    .get(rng.gen_range(0..ALPHABET.len()))
                    .unwrap_or(&b'x'),
            )
        })
        .collect();
    SecretString::new(pw)
}
