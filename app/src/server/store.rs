//! All state lives in the database: SQLite (one embedded file, the default) or
//! PostgreSQL. One set of queries serves both through sqlx's `Any` driver; the two
//! schemas differ only where the dialects do (`migrations/sqlite`, `migrations/postgres`).
//! Times are unix seconds in BIGINT columns; flags are 0/1 BIGINTs, portable across both.
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor};

pub mod audit;
pub mod audit_query;
pub mod decoy_population;
pub mod insights;
pub mod methods;
pub mod orgs;
pub mod outbox;
pub mod passkeys;
pub mod password_policy;
pub mod pow;
pub mod recovery;
pub mod sessions;
pub mod sweep;
pub mod term_rejections;
pub mod users;

pub use audit::AuditEvent;
pub use orgs::Organisation;
pub use outbox::OutboxMessage;
pub use users::{NewUser, Role, User, UserStatus};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database_url must start with sqlite: or postgres:")]
    UnsupportedUrl,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} already exists")]
    Duplicate(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("stored data is invalid: {0}")]
    Corrupt(&'static str),
    #[error("the list may hold at most {max} terms")]
    TooMany { max: usize },
    #[error("the row changed under us too often; try again")]
    Contended,
    #[error("audit export: {0}")]
    Export(String),
    #[error("{0}")]
    Unsupported(&'static str),
}

impl StoreError {
    fn from_insert(e: sqlx::Error, what: &'static str) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(what),
            _ => StoreError::Db(e),
        }
    }
}

impl From<StoreError> for crate::error::AppError {
    fn from(e: StoreError) -> Self {
        // The cause goes to the log; the browser only learns that it failed.
        tracing::error!(error = %e, "store error");
        crate::error::AppError::Internal
    }
}

/// What `/readyz` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readiness {
    pub database: bool,
    pub migrations_current: bool,
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Derived from the tables, per instance: what decoys are drawn from.
    decoy_population: decoy_population::PopulationCache,
    first_org: orgs::FirstOrgCache,
}

impl Store {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let mut options = AnyPoolOptions::new().max_connections(match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        });
        if backend == Backend::Sqlite {
            options = options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers run beside the one writer; the busy timeout makes
                    // concurrent writers wait for the lock instead of failing.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(url).await?;
        Ok(Self {
            pool,
            backend,
            decoy_population: Default::default(),
            first_org: Default::default(),
        })
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Whether the database answers, and whether every migration this build knows of has
    /// been applied (a newer instance may have applied more: that is still current).
    pub async fn readiness(&self) -> Readiness {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let applied: Result<Vec<i64>, sqlx::Error> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&self.pool)
                .await;
        match applied {
            Err(e) => {
                tracing::warn!(error = %e, "readiness: the database doesn't answer");
                Readiness {
                    database: false,
                    migrations_current: false,
                }
            }
            Ok(applied) => Readiness {
                database: true,
                migrations_current: migrator.iter().all(|m| applied.contains(&m.version)),
            },
        }
    }

    /// A consistent copy of the SQLite database into the new file `to`, taken while the
    /// portal runs (`VACUUM INTO`: a read transaction, so writers go on meanwhile).
    pub async fn backup_sqlite(&self, to: &std::path::Path) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Unsupported(
                "backup copies a SQLite database; back PostgreSQL up with pg_dump",
            ));
        }
        let to = to
            .to_str()
            .ok_or(StoreError::Unsupported("the backup's path must be UTF-8"))?;
        sqlx::query("VACUUM INTO $1")
            .bind(to)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction that will write. On SQLite it takes the write lock at `BEGIN`
    /// (`BEGIN IMMEDIATE`): a deferred transaction that read first and writes later can't
    /// wait for the lock when another connection wrote meanwhile and fails at once with
    /// "database is locked", whatever the busy timeout. Taken up front, the lock is waited
    /// for like any other.
    pub async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A 0/1 BIGINT column as a bool.
pub(crate) fn flag(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    use sqlx::Row;
    Ok(row.try_get::<i64, _>(column)? != 0)
}
