//! Configuration: defaults, then an optional TOML file, then `REGAIN_*` variables, then
//! command-line flags. A bad value fails start-up naming its key; an unknown key warns.
use app::server::store::sessions::SessionLimits;
use app::server::store::sweep::Retention;
use app::server::sweeper::SweepSettings;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Deserializer, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Where the SQLite file and the generated secret key live.
    pub data_dir: PathBuf,
    /// Development mode: demo data and the development mailbox.
    #[serde(deserialize_with = "lenient_bool")]
    pub dev: bool,
    /// `sqlite:…` or `postgres://…`; default: `regain.db` in the data directory.
    pub database_url: Option<String>,
    /// The public base URL that links in messages are built from; default `http://{addr}`.
    pub public_url: Option<String>,
    /// 32 bytes of base64; default: generated once into the data directory.
    pub secret_key: Option<String>,
    /// Concurrent Argon2 hashes; default: the number of cores.
    pub hash_workers: Option<usize>,
    /// Outgoing mail server: `smtps://user:pass@host[:port]`, `smtp://…` (STARTTLS), or
    /// `smtp://host:port?tls=none` for a loopback host. Holds a password: never logged.
    pub smtp_url: Option<String>,
    /// The sender of every mail, e.g. `Regain <no-reply@example.com>`; required with `smtp_url`.
    pub mail_from: Option<String>,
    /// The SMS gateway's endpoint (https, or http on loopback).
    pub sms_gateway_url: Option<String>,
    /// The key the SMS gateway checks our signatures with. Never logged.
    pub sms_gateway_secret: Option<String>,
    /// Seconds one delivery attempt may take; default 30. A claim on a message lasts
    /// twice this plus 5 s, after which another instance may try it.
    pub delivery_timeout: Option<u64>,
    /// Seconds between two clean-up sweeps of this instance; default 300, 10 to 86400.
    pub sweep_interval: Option<u64>,
    /// Days an expired flow, code, session, counter or sent message is kept before the
    /// sweep deletes it; default 7, 2 to 3650. The audit log is never swept.
    pub retention_days: Option<i64>,
    /// The bearer token a scraper of `/metrics` must send unless it is on this machine.
    /// Never logged.
    pub metrics_token: Option<String>,
    /// Days of audit log that `regain audit prune` never deletes; default 365, 30 to 36500.
    pub audit_retention_days: Option<i64>,
    /// Recovery starts allowed per IP address an hour, with a solved proof of work
    /// (default 20) and without one, i.e. with JavaScript off (default 5). 1 to 100000.
    pub recovery_starts_per_hour: Option<i64>,
    pub recovery_starts_per_hour_without_pow: Option<i64>,
    /// Codes and answers checked per IP address a minute (default 30). 1 to 100000.
    pub recovery_checks_per_minute: Option<i64>,
    /// The least time each recovery step takes to answer, in milliseconds, whatever the
    /// account and the input (defaults: start 500, page 60, purpose 80, method 250,
    /// resend 250, prove 300; 0 to 10000). A step whose work overruns its deadline
    /// answers late and logs it: then the deadline is too short for the machine.
    pub recovery_deadline_start_ms: Option<u64>,
    pub recovery_deadline_page_ms: Option<u64>,
    pub recovery_deadline_purpose_ms: Option<u64>,
    pub recovery_deadline_method_ms: Option<u64>,
    pub recovery_deadline_resend_ms: Option<u64>,
    pub recovery_deadline_prove_ms: Option<u64>,
    /// Proof of work: PBKDF2 iterations per counter the browser tries; default 1000.
    pub pow_cost: Option<u32>,
    /// Proof of work: the top of the counter range the browser must search; default 2000.
    pub pow_counter_max: Option<u32>,
    /// Proof of work: challenges issued per minute above which they get harder; default 600.
    pub pow_surge_per_minute: Option<u32>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field("dev", &self.dev)
            .field("database_url", &self.database_url.as_ref().map(|_| "(set)"))
            .field("public_url", &self.public_url)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "(redacted)"),
            )
            .field("hash_workers", &self.hash_workers)
            .field("smtp_url", &self.smtp_url.as_deref().map(redacted_smtp_url))
            .field("mail_from", &self.mail_from)
            .field(
                "sms_gateway_url",
                &self.sms_gateway_url.as_ref().map(|_| "(set)"),
            )
            .field(
                "sms_gateway_secret",
                &self.sms_gateway_secret.as_ref().map(|_| "(redacted)"),
            )
            .field("delivery_timeout", &self.delivery_timeout)
            .field("sweep_interval", &self.sweep_interval)
            .field("retention_days", &self.retention_days)
            .field("audit_retention_days", &self.audit_retention_days)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "(redacted)"),
            )
            .field("recovery_starts_per_hour", &self.recovery_starts_per_hour)
            .field(
                "recovery_starts_per_hour_without_pow",
                &self.recovery_starts_per_hour_without_pow,
            )
            .field(
                "recovery_checks_per_minute",
                &self.recovery_checks_per_minute,
            )
            .field(
                "recovery_deadline_start_ms",
                &self.recovery_deadline_start_ms,
            )
            .field("recovery_deadline_page_ms", &self.recovery_deadline_page_ms)
            .field(
                "recovery_deadline_purpose_ms",
                &self.recovery_deadline_purpose_ms,
            )
            .field(
                "recovery_deadline_method_ms",
                &self.recovery_deadline_method_ms,
            )
            .field(
                "recovery_deadline_resend_ms",
                &self.recovery_deadline_resend_ms,
            )
            .field(
                "recovery_deadline_prove_ms",
                &self.recovery_deadline_prove_ms,
            )
            .field("pow_cost", &self.pow_cost)
            .field("pow_counter_max", &self.pow_counter_max)
            .field("pow_surge_per_minute", &self.pow_surge_per_minute)
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            data_dir: PathBuf::from("data"),
            dev: false,
            database_url: None,
            public_url: None,
            secret_key: None,
            hash_workers: None,
            smtp_url: None,
            mail_from: None,
            sms_gateway_url: None,
            sms_gateway_secret: None,
            delivery_timeout: None,
            sweep_interval: None,
            retention_days: None,
            audit_retention_days: None,
            metrics_token: None,
            recovery_starts_per_hour: None,
            recovery_starts_per_hour_without_pow: None,
            recovery_checks_per_minute: None,
            recovery_deadline_start_ms: None,
            recovery_deadline_page_ms: None,
            recovery_deadline_purpose_ms: None,
            recovery_deadline_method_ms: None,
            recovery_deadline_resend_ms: None,
            recovery_deadline_prove_ms: None,
            pow_cost: None,
            pow_counter_max: None,
            pow_surge_per_minute: None,
        }
    }
}

/// Every key a configuration may have. `log` is `REGAIN_LOG`, read by the logger.
pub const KNOWN_KEYS: &[&str] = &[
    "addr",
    "data_dir",
    "dev",
    "database_url",
    "public_url",
    "secret_key",
    "hash_workers",
    "smtp_url",
    "mail_from",
    "sms_gateway_url",
    "sms_gateway_secret",
    "delivery_timeout",
    "sweep_interval",
    "retention_days",
    "audit_retention_days",
    "metrics_token",
    "recovery_starts_per_hour",
    "recovery_starts_per_hour_without_pow",
    "recovery_checks_per_minute",
    "recovery_deadline_start_ms",
    "recovery_deadline_page_ms",
    "recovery_deadline_purpose_ms",
    "recovery_deadline_method_ms",
    "recovery_deadline_resend_ms",
    "recovery_deadline_prove_ms",
    "pow_cost",
    "pow_counter_max",
    "pow_surge_per_minute",
    "log",
];

/// Overrides from the command line; `None` leaves the configured value.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub addr: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub dev: bool,
}

pub const POW_COST_MIN: u32 = 100;
pub const POW_COST_MAX: u32 = 100_000;
pub const POW_COUNTER_MAX_MIN: u32 = 10;
pub const POW_COUNTER_MAX_MAX: u32 = 100_000;

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Loads the configuration and returns it with warnings about unknown keys.
    pub fn load(
        file: Option<&Path>,
        overrides: &Overrides,
    ) -> Result<(Config, Vec<String>), ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file(path));
        }
        // REGAIN_DATA_DIR → data_dir, and so on.
        figment = figment.merge(Env::prefixed("REGAIN_").map(|k| k.as_str().to_lowercase().into()));

        let mut warnings = Vec::new();
        if let Ok(all) =
            figment.extract::<std::collections::BTreeMap<String, figment::value::Value>>()
        {
            for key in all.keys().filter(|k| !KNOWN_KEYS.contains(&k.as_str())) {
                warnings.push(format!("unknown configuration key `{key}` is ignored"));
            }
        }
        let mut config: Config = figment.extract().map_err(|e| ConfigError(describe(&e)))?;
        if let Some(addr) = overrides.addr {
            config.addr = addr;
        }
        if let Some(dir) = &overrides.data_dir {
            config.data_dir = dir.clone();
        }
        config.dev |= overrides.dev;
        if let Some(url) = &config.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError(format!(
                    "public_url must start with http:// or https://, found `{url}`"
                )));
            }
        }
        if config.hash_workers == Some(0) {
            return Err(ConfigError("hash_workers must be at least 1".into()));
        }
        config.check_delivery()?;
        config.check_pow()?;
        Ok((config, warnings))
    }

    /// Refuses a proof of work too cheap to slow a bot or too dear for a phone: at
    /// the bounds a browser would need from a few milliseconds to several minutes.
    fn check_pow(&self) -> Result<(), ConfigError> {
        if matches!(self.pow_cost, Some(c) if !(POW_COST_MIN..=POW_COST_MAX).contains(&c)) {
            return Err(ConfigError(format!(
                "pow_cost must be {POW_COST_MIN} to {POW_COST_MAX} iterations"
            )));
        }
        if matches!(self.pow_counter_max, Some(m) if !(POW_COUNTER_MAX_MIN..=POW_COUNTER_MAX_MAX).contains(&m))
        {
            return Err(ConfigError(format!(
                "pow_counter_max must be {POW_COUNTER_MAX_MIN} to {POW_COUNTER_MAX_MAX}"
            )));
        }
        if self.pow_surge_per_minute == Some(0) {
            return Err(ConfigError(
                "pow_surge_per_minute must be at least 1".into(),
            ));
        }
        Ok(())
    }

    pub fn pow_settings(&self) -> app::server::pow::PowSettings {
        let default = app::server::pow::PowSettings::default();
        let mut settings = app::server::pow::PowSettings::new(
            self.pow_cost.unwrap_or(default.cost),
            self.pow_counter_max.unwrap_or(default.counter_max),
        );
        if let Some(n) = self.pow_surge_per_minute {
            settings.surge_per_minute = n;
        }
        settings
    }

    /// Refuses a delivery setting that would only fail later, at the first message. The
    /// errors name the key, never the value (`smtp_url` may hold a password).
    fn check_delivery(&self) -> Result<(), ConfigError> {
        use app::server::delivery::{sms, smtp};
        let bad = |e: &dyn std::fmt::Display| ConfigError(e.to_string());
        if let Some(url) = &self.smtp_url {
            smtp::SmtpSettings::parse(url).map_err(|e| bad(&e))?;
            match &self.mail_from {
                Some(from) => drop(smtp::parse_from(from).map_err(|e| bad(&e))?),
                None => return Err(ConfigError("mail_from is required with smtp_url".into())),
            }
        }
        if let Some(url) = &self.sms_gateway_url {
            sms::parse_gateway_url(url).map_err(|e| bad(&e))?;
            if self
                .sms_gateway_secret
                .as_ref()
                .is_none_or(|s| s.chars().count() < 16)
            {
                return Err(bad(&sms::SmsConfigError::Secret));
            }
        }
        if matches!(self.delivery_timeout, Some(0) | Some(3601..)) {
            return Err(ConfigError(
                "delivery_timeout must be 1 to 3600 seconds".into(),
            ));
        }
        if self
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.chars().count() < 16)
        {
            return Err(ConfigError(
                "metrics_token must be at least 16 characters".into(),
            ));
        }
        if self
            .audit_retention_days
            .is_some_and(|n| !(30..=36_500).contains(&n))
        {
            return Err(ConfigError(
                "audit_retention_days must be 30 to 36500".into(),
            ));
        }
        if self
            .sweep_interval
            .is_some_and(|n| !(10..=86_400).contains(&n))
        {
            return Err(ConfigError(
                "sweep_interval must be 10 to 86400 seconds".into(),
            ));
        }
        if self
            .retention_days
            .is_some_and(|n| !(Retention::MIN_DAYS..=Retention::MAX_DAYS).contains(&n))
        {
            return Err(ConfigError(format!(
                "retention_days must be {} to {}",
                Retention::MIN_DAYS,
                Retention::MAX_DAYS
            )));
        }
        for (key, value) in [
            ("recovery_starts_per_hour", self.recovery_starts_per_hour),
            (
                "recovery_starts_per_hour_without_pow",
                self.recovery_starts_per_hour_without_pow,
            ),
            (
                "recovery_checks_per_minute",
                self.recovery_checks_per_minute,
            ),
        ] {
            if value.is_some_and(|n| !(1..=100_000).contains(&n)) {
                return Err(ConfigError(format!("{key} must be 1 to 100000")));
            }
        }
        for (key, value) in [
            (
                "recovery_deadline_start_ms",
                self.recovery_deadline_start_ms,
            ),
            ("recovery_deadline_page_ms", self.recovery_deadline_page_ms),
            (
                "recovery_deadline_purpose_ms",
                self.recovery_deadline_purpose_ms,
            ),
            (
                "recovery_deadline_method_ms",
                self.recovery_deadline_method_ms,
            ),
            (
                "recovery_deadline_resend_ms",
                self.recovery_deadline_resend_ms,
            ),
            (
                "recovery_deadline_prove_ms",
                self.recovery_deadline_prove_ms,
            ),
        ] {
            if value.is_some_and(|ms| ms > 10_000) {
                return Err(ConfigError(format!("{key} must be 0 to 10000")));
            }
        }
        Ok(())
    }

    /// Recovery's limits, with the configured start limits.
    pub fn recovery_limits(&self) -> app::server::recovery::limits::RecoveryLimits {
        use app::server::recovery::limits::{Limit, RecoveryLimits};
        let mut limits = RecoveryLimits::default();
        if let Some(n) = self.recovery_starts_per_hour {
            limits.starts_per_ip = Limit::new(n, 3600);
        }
        if let Some(n) = self.recovery_starts_per_hour_without_pow {
            limits.starts_per_ip_without_pow = Limit::new(n, 3600);
        }
        if let Some(n) = self.recovery_checks_per_minute {
            limits.checks_per_ip = Limit::new(n, 60);
        }
        if let Some(ms) = self.recovery_deadline_start_ms {
            limits.deadlines.start_ms = ms;
        }
        if let Some(ms) = self.recovery_deadline_page_ms {
            limits.deadlines.page_ms = ms;
        }
        if let Some(ms) = self.recovery_deadline_purpose_ms {
            limits.deadlines.purpose_ms = ms;
        }
        if let Some(ms) = self.recovery_deadline_method_ms {
            limits.deadlines.method_ms = ms;
        }
        if let Some(ms) = self.recovery_deadline_resend_ms {
            limits.deadlines.resend_ms = ms;
        }
        if let Some(ms) = self.recovery_deadline_prove_ms {
            limits.deadlines.prove_ms = ms;
        }
        limits
    }

    pub fn delivery_settings(&self) -> app::server::delivery::DeliverySettings {
        let mut settings = app::server::delivery::DeliverySettings::default();
        if let Some(secs) = self.delivery_timeout {
            settings.timeout = std::time::Duration::from_secs(secs);
        }
        settings
    }

    /// Days of audit log that `regain audit prune` keeps.
    pub fn audit_retention_days(&self) -> i64 {
        self.audit_retention_days.unwrap_or(365)
    }

    /// The sweeper's schedule and retention; the sessions' lifetimes are the portal's.
    pub fn sweep_settings(&self, sessions: SessionLimits) -> SweepSettings {
        let mut settings = SweepSettings {
            sessions,
            ..SweepSettings::default()
        };
        if let Some(secs) = self.sweep_interval {
            settings.interval = std::time::Duration::from_secs(secs);
        }
        if let Some(days) = self.retention_days {
            settings.keep = Retention::days(days);
        }
        settings
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("regain.db").display()
            )
        })
    }

    pub fn public_url(&self) -> String {
        // On a loopback address the default is `localhost`: a name, which passkeys
        // need (a relying party can't be an IP address), and the same machine.
        self.public_url
            .clone()
            .unwrap_or_else(|| {
                if self.addr.ip().is_loopback() {
                    format!("http://localhost:{}", self.addr.port())
                } else {
                    format!("http://{}", self.addr)
                }
            })
            .trim_end_matches('/')
            .to_owned()
    }
}

/// `smtps://host:port` without the user and password, for `Debug`.
fn redacted_smtp_url(url: &str) -> String {
    match app::server::delivery::smtp::SmtpSettings::parse(url) {
        Ok(s) => format!(
            "{:?} {}:{} (credentials redacted)",
            s.security, s.host, s.port
        ),
        Err(_) => "(invalid)".to_owned(),
    }
}

fn describe(e: &figment::Error) -> String {
    let key = e.path.join(".");
    let source = e
        .metadata
        .as_ref()
        .map(|m| m.name.to_string())
        .unwrap_or_default();
    if key.is_empty() {
        format!("{} ({source})", e.kind)
    } else {
        format!("bad value for `{key}`: {} ({source})", e.kind)
    }
}

/// `true`/`false`, `1`/`0`, `yes`/`no`: what people type into environment variables.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Bool(bool),
        Int(i64),
        Text(String),
    }
    match Loose::deserialize(d)? {
        Loose::Bool(b) => Ok(b),
        Loose::Int(0) => Ok(false),
        Loose::Int(1) => Ok(true),
        Loose::Text(t) => match t.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" | "" => Ok(false),
            _ => Err(serde::de::Error::custom(format!(
                "expected true or false, found `{t}`"
            ))),
        },
        Loose::Int(n) => Err(serde::de::Error::custom(format!(
            "expected true or false, found {n}"
        ))),
    }
}
