//! Configuration layering and its errors.
use server::config::{Config, Overrides};

fn file(contents: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("regain.toml");
    std::fs::write(&path, contents).unwrap();
    (dir, path)
}

#[test]
fn defaults_then_file_then_flags() {
    let (_d, path) = file(
        "addr = \"127.0.0.1:4000\"\ndev = \"yes\"\npublic_url = \"https://regain.example.com/\"\n",
    );
    let (config, warnings) = Config::load(Some(&path), &Overrides::default()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(config.addr.port(), 4000);
    assert!(config.dev);
    assert_eq!(config.public_url(), "https://regain.example.com");
    let overrides = Overrides {
        addr: Some("127.0.0.1:5000".parse().unwrap()),
        data_dir: Some("/tmp/x".into()),
        dev: false,
    };
    let (config, _) = Config::load(Some(&path), &overrides).unwrap();
    assert_eq!(config.addr.port(), 5000);
    assert_eq!(config.database_url(), "sqlite:///tmp/x/regain.db?mode=rwc");
}

#[test]
fn a_bad_value_names_its_key() {
    let (_d, path) = file("addr = \"not an address\"\n");
    let err = Config::load(Some(&path), &Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("`addr`"), "{err}");
    let (_d, path) = file("dev = \"maybe\"\n");
    let err = Config::load(Some(&path), &Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("`dev`") && err.contains("maybe"), "{err}");
    let (_d, path) = file("public_url = \"ftp://x\"\n");
    let err = Config::load(Some(&path), &Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("public_url"), "{err}");
    let missing = std::path::Path::new("/nonexistent/regain.toml");
    assert!(Config::load(Some(missing), &Overrides::default()).is_err());
}

#[test]
fn unknown_keys_warn() {
    let (_d, path) = file("adress = \"127.0.0.1:1\"\n");
    let (config, warnings) = Config::load(Some(&path), &Overrides::default()).unwrap();
    assert_eq!(config.addr.port(), 3000);
    assert_eq!(warnings, ["unknown configuration key `adress` is ignored"]);
}

#[test]
fn debug_hides_secrets() {
    let (_d, path) = file("secret_key = \"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=\"\ndatabase_url = \"postgres://u:pw@h/db\"\n");
    let (config, _) = Config::load(Some(&path), &Overrides::default()).unwrap();
    let shown = format!("{config:?}");
    assert!(
        !shown.contains("c2VjcmV0") && !shown.contains("pw@h"),
        "{shown}"
    );
}

#[test]
fn proof_of_work_settings_are_bounded() {
    let (_d, path) = file("pow_cost = 2000\npow_counter_max = 500\npow_surge_per_minute = 50\n");
    let (config, warnings) = Config::load(Some(&path), &Overrides::default()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let pow = config.pow_settings();
    assert_eq!(
        (
            pow.cost,
            pow.counter_min,
            pow.counter_max,
            pow.surge_per_minute
        ),
        (2000, 125, 500, 50)
    );
    let (config, _) = Config::load(None, &Overrides::default()).unwrap();
    assert_eq!(
        config.pow_settings(),
        app::server::pow::PowSettings::default()
    );
    for (text, key) in [
        ("pow_cost = 10\n", "pow_cost"),
        ("pow_cost = 1000000\n", "pow_cost"),
        ("pow_counter_max = 1\n", "pow_counter_max"),
        ("pow_counter_max = 100001\n", "pow_counter_max"),
        ("pow_surge_per_minute = 0\n", "pow_surge_per_minute"),
        ("pow_cost = -5\n", "pow_cost"),
    ] {
        let (_d, path) = file(text);
        let err = Config::load(Some(&path), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{text}: {err}");
    }
}

#[test]
fn the_retention_settings_are_bounded_and_applied() {
    for (text, key) in [
        ("sweep_interval = 9\n", "sweep_interval"),
        ("sweep_interval = 86401\n", "sweep_interval"),
        ("retention_days = 1\n", "retention_days"),
        ("retention_days = 3651\n", "retention_days"),
        ("audit_retention_days = 29\n", "audit_retention_days"),
        ("audit_retention_days = 36501\n", "audit_retention_days"),
    ] {
        let (_d, path) = file(text);
        let err = Config::load(Some(&path), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{text}: {err}");
    }
    let (_d, path) = file("sweep_interval = 60\nretention_days = 30\n");
    let (config, warnings) = Config::load(Some(&path), &Overrides::default()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let settings = config.sweep_settings(Default::default());
    assert_eq!(settings.interval, std::time::Duration::from_secs(60));
    assert_eq!(settings.keep.seconds, 30 * 86_400);
    assert_eq!(config.audit_retention_days(), 365);
    let (config, _) = Config::load(None, &Overrides::default()).unwrap();
    assert_eq!(
        config.sweep_settings(Default::default()),
        app::server::sweeper::SweepSettings::default()
    );
}
