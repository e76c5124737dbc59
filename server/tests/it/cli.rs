//! The operator command line, run in-process against both databases.
use crate::db_tests;
use crate::support::{fresh_database, Db};
use app::server::store::{Role, Store, UserStatus};
use clap::{CommandFactory, Parser};
use server::cli::{run, Cli};

db_tests!(
    org_and_user_commands,
    import_is_all_or_nothing,
    disable_blocks_signin_and_revokes_sessions,
    policy_is_shown_changed_within_bounds_and_audited,
    audit_prune_exports_then_deletes_only_what_is_old_enough,
    backup_copies_a_sqlite_database_into_a_new_file,
);

struct Cmd {
    dir: tempfile::TempDir,
    config: std::path::PathBuf,
    url: String,
}

impl Cmd {
    async fn new(db: Db) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = fresh_database(db, dir.path()).await;
        let config = dir.path().join("regain.toml");
        std::fs::write(
            &config,
            format!(
                "database_url = {url:?}\ndata_dir = {:?}\n",
                dir.path().display().to_string()
            ),
        )
        .unwrap();
        Self { dir, config, url }
    }

    async fn run(&self, args: &[&str]) -> Result<(), String> {
        let mut argv = vec!["regain", "--config", self.config.to_str().unwrap()];
        argv.extend_from_slice(args);
        run(Cli::try_parse_from(argv).map_err(|e| e.to_string())?)
            .await
            .map_err(|e| e.to_string())
    }

    /// `org add` of the organisation Acme with one domain.
    async fn acme(&self, domain: &str) {
        self.run(&[
            "org", "add", "--slug", "acme", "--name", "Acme", "--domain", domain,
        ])
        .await
        .unwrap();
    }

    async fn store(&self) -> Store {
        Store::connect(&self.url).await.unwrap()
    }
}

async fn org_and_user_commands(db: Db) {
    let c = Cmd::new(db).await;
    c.run(&["migrate"]).await.unwrap();
    c.run(&[
        "org",
        "add",
        "--slug",
        "acme",
        "--name",
        "Acme",
        "--domain",
        "Example.com",
    ])
    .await
    .unwrap();
    assert!(c
        .run(&["org", "add", "--slug", "acme", "--name", "Again"])
        .await
        .unwrap_err()
        .contains("already exists"));
    assert!(c
        .run(&["org", "add", "--slug", "bad slug", "--name", "X"])
        .await
        .is_err());
    c.run(&[
        "user",
        "add",
        "--org",
        "acme",
        "--email",
        "Anna@Example.com",
        "--name",
        "Anna",
    ])
    .await
    .unwrap();
    c.run(&[
        "user",
        "add",
        "--org",
        "acme",
        "--email",
        "boss@example.com",
        "--name",
        "Boss",
        "--admin",
        "--temporary-password",
    ])
    .await
    .unwrap();
    let err = c
        .run(&[
            "user",
            "add",
            "--org",
            "acme",
            "--email",
            "anna@example.com",
            "--name",
            "Dup",
        ])
        .await
        .unwrap_err();
    assert!(err.contains("already exists"), "{err}");
    let err = c
        .run(&[
            "user",
            "add",
            "--org",
            "acme",
            "--email",
            "eve@elsewhere.org",
            "--name",
            "Eve",
        ])
        .await
        .unwrap_err();
    assert!(err.contains("verified domain"), "{err}");
    assert!(c
        .run(&[
            "user",
            "add",
            "--org",
            "nope",
            "--email",
            "x@example.com",
            "--name",
            "X"
        ])
        .await
        .is_err());
    c.run(&["user", "list"]).await.unwrap();

    let store = c.store().await;
    let anna = store
        .find_user_by_email("anna@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(anna.email, "Anna@Example.com");
    assert_eq!(anna.role, Role::User);
    assert!(
        anna.password_hash.is_none(),
        "no password: the way in is recovery"
    );
    let boss = store
        .find_user_by_email("boss@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(boss.role, Role::GlobalAdmin);
    assert!(boss.must_change_password);
    assert!(boss
        .password_hash
        .unwrap()
        .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    let audit = store.audit_events(20).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.actor == "cli").count(), 3);
    // The audit log is append-only for everyone, not only for this code.
    assert!(sqlx::query("DELETE FROM audit_events")
        .execute(store.pool())
        .await
        .is_err());
    assert!(sqlx::query("UPDATE audit_events SET outcome = 'x'")
        .execute(store.pool())
        .await
        .is_err());
}

async fn import_is_all_or_nothing(db: Db) {
    let c = Cmd::new(db).await;
    c.acme("example.com").await;
    let good = c.dir.path().join("good.csv");
    std::fs::write(
        &good,
        "email,display_name,given_name,family_name,role\n\
         a@example.com,Alice A,Alice,A,user\n\
         b@example.com,\"Bob, B\",Bob,B,global_admin\n",
    )
    .unwrap();
    let bad = c.dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "email,display_name,given_name,family_name,role\n\
         c@example.com,Carol,Carol,C,user\n\
         d@example.com,Dan,Dan,D,superuser\n",
    )
    .unwrap();
    let err = c
        .run(&["user", "import", "--org", "acme", bad.to_str().unwrap()])
        .await
        .unwrap_err();
    assert!(err.contains("line 3") && err.contains("role"), "{err}");
    c.run(&["user", "import", "--org", "acme", good.to_str().unwrap()])
        .await
        .unwrap();
    let err = c
        .run(&["user", "import", "--org", "acme", good.to_str().unwrap()])
        .await
        .unwrap_err();
    assert!(err.contains("already exists"), "{err}");
    let store = c.store().await;
    let users = store.list_users(None).await.unwrap();
    let emails: Vec<_> = users.iter().map(|u| u.email_canonical.as_str()).collect();
    assert_eq!(
        emails,
        ["a@example.com", "b@example.com"],
        "nothing of the bad file was imported"
    );
    assert_eq!(users[1].display_name, "Bob, B");
    assert_eq!(users[1].role, Role::GlobalAdmin);
}

async fn disable_blocks_signin_and_revokes_sessions(db: Db) {
    let c = Cmd::new(db).await;
    c.acme("example.com").await;
    c.run(&[
        "user",
        "add",
        "--org",
        "acme",
        "--email",
        "anna@example.com",
        "--name",
        "Anna",
    ])
    .await
    .unwrap();
    let store = c.store().await;
    let anna = store
        .find_user_by_email("anna@example.com")
        .await
        .unwrap()
        .unwrap();
    store
        .create_session("h1", anna.id, "", "", 1)
        .await
        .unwrap();
    c.run(&["user", "disable", "ANNA@example.com"])
        .await
        .unwrap();
    let anna = store.find_user(anna.id).await.unwrap().unwrap();
    assert_eq!(anna.status, UserStatus::Disabled);
    assert_eq!(store.live_sessions(anna.id).await.unwrap(), 0);
    assert!(c
        .run(&["user", "disable", "nobody@example.com"])
        .await
        .is_err());
}

/// By design there is no way for anyone but the user to set a password: no command,
/// no flag. (No administrator can reset or set a password: docs/security.md.)
#[test]
fn no_command_sets_or_resets_a_password() {
    let cli = Cli::command();
    let mut names = Vec::new();
    for cmd in cli.get_subcommands() {
        names.push(cmd.get_name().to_owned());
        for sub in cmd.get_subcommands() {
            names.push(format!("{} {}", cmd.get_name(), sub.get_name()));
            for arg in sub.get_arguments() {
                names.push(format!(
                    "{} {} --{}",
                    cmd.get_name(),
                    sub.get_name(),
                    arg.get_id()
                ));
            }
        }
    }
    let user_commands: Vec<_> = cli
        .find_subcommand("user")
        .unwrap()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    assert_eq!(user_commands, ["add", "import", "disable", "list"]);
    for name in &names {
        let lower = name.to_lowercase();
        assert!(
            !(lower.contains("reset")
                || lower.contains("set-password")
                || lower.contains("set_password")),
            "{name}"
        );
    }
    assert!(Cli::try_parse_from(["regain", "user", "reset-password", "a@example.com"]).is_err());
}

async fn policy_is_shown_changed_within_bounds_and_audited(db: Db) {
    let c = Cmd::new(db).await;
    c.run(&["migrate"]).await.unwrap();
    c.acme("example.com").await;
    c.run(&["org", "policy", "show", "--org", "acme"])
        .await
        .unwrap();
    c.run(&[
        "org",
        "policy",
        "set",
        "--org",
        "acme",
        r#"{"methods_required": 2, "sms_regions": ["IT"]}"#,
    ])
    .await
    .unwrap();
    // Out of bounds, unknown, or not an object: refused, nothing changes.
    for bad in [
        r#"{"methods_required": 3}"#,
        r#"{"admin_can_reset": true}"#,
        r#"["methods_required"]"#,
    ] {
        assert!(c
            .run(&["org", "policy", "set", "--org", "acme", bad])
            .await
            .is_err());
    }
    let store = c.store().await;
    let org = store.find_org_by_slug("acme").await.unwrap().unwrap();
    assert_eq!(org.policy.methods_required, 2);
    assert_eq!(org.policy.sms_regions, ["IT"]);
    let events = store.audit_events(5).await.unwrap();
    let set = events.iter().find(|e| e.action == "policy.set").unwrap();
    assert!(
        set.detail.contains(r#""methods_required":1"#),
        "{}",
        set.detail
    );
    assert!(
        set.detail.contains(r#""methods_required":2"#),
        "{}",
        set.detail
    );
}

/// Old events, written as the portal writes them, for the prune to find.
async fn old_events(store: &Store, at: &[i64]) {
    for (i, at) in at.iter().enumerate() {
        store
            .audit(&app::server::store::AuditEvent {
                at: *at,
                actor: "system".into(),
                action: format!("old.{i}"),
                outcome: "success".into(),
                ..Default::default()
            })
            .await
            .unwrap();
    }
}

async fn audit_prune_exports_then_deletes_only_what_is_old_enough(db: Db) {
    let c = Cmd::new(db).await;
    c.acme("acme.example").await;
    let store = c.store().await;
    // 2001-09-09, 2004-01-10 and 2012-01-01 (after the cut).
    old_events(&store, &[1_000_000_000, 1_073_741_824, 1_325_376_000]).await;
    let total = store.audit_events(100).await.unwrap().len();
    let export = c.dir.path().join("audit-2010.jsonl");
    let export_arg = export.to_str().unwrap();

    let today = {
        use app::server::clock::{Clock, SystemClock};
        app::domain::recovery::date_utc(SystemClock.now())
    };
    for (before, says) in [
        ("2010-13-01", "YYYY-MM-DD"),
        ("yesterday", "YYYY-MM-DD"),
        // Within the year the log keeps.
        (today.as_str(), "audit_retention_days"),
    ] {
        let err = c
            .run(&["audit", "prune", "--before", before, "--export", export_arg])
            .await
            .unwrap_err();
        assert!(err.contains(says), "{before}: {err}");
        assert!(!export.exists());
    }
    assert_eq!(store.audit_events(100).await.unwrap().len(), total);

    c.run(&[
        "audit",
        "prune",
        "--before",
        "2010-01-01",
        "--export",
        export_arg,
    ])
    .await
    .unwrap();
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&export)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let actions: Vec<&str> = lines
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["old.0", "old.1"]);
    assert_eq!(lines[0]["at"], 1_000_000_000);
    assert_eq!(lines[0]["actor"], "system");
    let left = store.audit_events(100).await.unwrap();
    assert_eq!(left.len(), total - 2 + 1, "two pruned, the prune recorded");
    assert!(left.iter().all(|e| e.at >= 1_262_304_000));
    let prune = &left[0];
    assert_eq!(
        (
            prune.action.as_str(),
            prune.actor.as_str(),
            prune.detail.as_str()
        ),
        ("audit.prune", "cli", "before 2010-01-01")
    );

    // The export is never overwritten, and the log stays append-only for everyone else.
    let err = c
        .run(&[
            "audit",
            "prune",
            "--before",
            "2013-01-01",
            "--export",
            export_arg,
        ])
        .await
        .unwrap_err();
    assert!(err.contains("--export"), "{err}");
    assert_eq!(store.audit_events(100).await.unwrap().len(), left.len());
    assert!(
        sqlx::query("DELETE FROM audit_events WHERE action = 'audit.prune'")
            .execute(store.pool())
            .await
            .is_err()
    );
}

async fn backup_copies_a_sqlite_database_into_a_new_file(db: Db) {
    let c = Cmd::new(db).await;
    c.acme("acme.example").await;
    let copy = c.dir.path().join("backup.db");
    let copy_arg = copy.to_str().unwrap();
    let done = c.run(&["backup", copy_arg]).await;
    if matches!(db, Db::Postgres) {
        assert!(done.unwrap_err().contains("pg_dump"));
        assert!(!copy.exists());
        return;
    }
    done.unwrap();
    let backup = Store::connect(&format!("sqlite://{}", copy.display()))
        .await
        .unwrap();
    assert_eq!(
        backup.readiness().await,
        app::server::store::Readiness {
            database: true,
            migrations_current: true
        }
    );
    let orgs: Vec<String> = sqlx::query_scalar("SELECT slug FROM organisations")
        .fetch_all(backup.pool())
        .await
        .unwrap();
    assert!(orgs.contains(&"acme".to_owned()), "{orgs:?}");
    assert_eq!(
        backup.audit_events(100).await.unwrap().len(),
        c.store().await.audit_events(100).await.unwrap().len()
    );
    let again = c.run(&["backup", copy_arg]).await.unwrap_err();
    assert!(again.contains("already exists"), "{again}");
}
