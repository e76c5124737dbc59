//! The password policy end to end through the server: the change while signed in, the
//! history of earlier passwords, the organisation's own terms, the rules and strength the
//! browser asks for, and the operator commands.
use crate::db_tests;
use crate::support::{fresh_database, Db, TestApp, PASSWORD};
use app::server::audit;
use app::server::store::password_policy::NewTerm;
use app::server::store::Role;
use http::StatusCode;

db_tests!(
    a_signed_in_change_applies_the_policy_and_signs_out_elsewhere,
    earlier_passwords_are_refused_and_only_n_are_kept,
    the_browser_gets_its_own_rules_and_a_strength_estimate,
    refusals_without_javascript_return_to_the_form_with_reasons,
    operators_manage_terms_and_dry_run_the_policy,
);

const NEW: &str = "violet tractor sings at dawn";

fn change<'a>(current: &'a str, new: &'a str) -> [(&'static str, &'a str); 3] {
    [("current", current), ("new", new), ("confirm", new)]
}

async fn add_terms(t: &TestApp, terms: &[&str]) {
    let terms: Vec<NewTerm> = terms
        .iter()
        .map(|raw| {
            let (term, key) = app::domain::password::validate_custom_term(raw).unwrap();
            NewTerm { term, key }
        })
        .collect();
    let event = audit::by_cli(0, "org.terms.add", Some(t.org.id), None, "");
    t.state
        .store
        .add_banned_terms(t.org.id, &terms, &event, 0)
        .await
        .unwrap();
}

async fn a_signed_in_change_applies_the_policy_and_signs_out_elsewhere(db: Db) {
    let t = TestApp::new(db).await;
    let id = t.user("anna@example.com", Role::User, false).await;
    add_terms(&t, &["Fabrikam"]).await;
    let cookie = t.sign_in("anna@example.com", PASSWORD).await;
    let elsewhere = t.sign_in("anna@example.com", PASSWORD).await;

    // Each refusal names its reason, and nothing changes.
    let cases = [
        (
            "Password1234!",
            r#"{"rule":"too_guessable","found":["common"]}"#,
        ),
        ("F@brikam-2026!", r#""organisation""#),
        ("AcmeTest20261", r#""organisation_name""#),
        ("TestUser2026!", r#""personal_name""#),
        ("anna@example.com", r#"{"rule":"contains_user_id"}"#),
        ("zq7#kw", r#"{"rule":"too_short","min":12}"#),
    ];
    for (new, reason) in cases {
        let r = t
            .call("account/password", &change(PASSWORD, new), Some(&cookie))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{new}");
        assert!(r.body.contains(reason), "{new}: {}", r.body);
        assert!(!r.body.contains(new), "the reply quotes the password");
    }
    let r = t
        .call(
            "account/password",
            &change("not my password", NEW),
            Some(&cookie),
        )
        .await;
    assert!(r.body.contains("current_password_wrong"), "{}", r.body);
    let r = t
        .call(
            "account/password",
            &change(PASSWORD, PASSWORD),
            Some(&cookie),
        )
        .await;
    assert!(r.body.contains("password_unchanged"), "{}", r.body);
    let r = t
        .call("account/password", &change(PASSWORD, NEW), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(t.state.store.recent_messages(10).await.unwrap().is_empty());

    let r = t
        .post_form("account/password", &change(PASSWORD, NEW), Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.header("location"), Some("/account?changed=password"));
    // This session stays, the other is signed out; the new password works, the old not.
    assert_eq!(
        t.call("account/me", &[], Some(&cookie)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        t.call("account/me", &[], Some(&elsewhere)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        t.login("anna@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    t.sign_in("anna@example.com", NEW).await;
    let mail = t.state.store.recent_messages(10).await.unwrap();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].recipient, "anna@example.com");
    assert!(!mail[0].body.contains(NEW));
    let events = t.state.store.audit_events(50).await.unwrap();
    assert!(events.iter().any(|e| e.action == "password.change"
        && e.outcome == "success"
        && e.detail == "voluntary"
        && e.subject_user_id == Some(id)));
    assert!(events.iter().any(|e| e.action == "password.change"
        && e.outcome == "failure"
        && e.detail == "current_password_wrong"));
}

async fn earlier_passwords_are_refused_and_only_n_are_kept(db: Db) {
    let t = TestApp::new(db).await;
    let id = t.user("anna@example.com", Role::User, false).await;
    let cookie = t.sign_in("anna@example.com", PASSWORD).await;
    let passwords: Vec<String> = (1..=7)
        .map(|i| format!("violet tractor number {i} sings"))
        .collect();
    let mut current = PASSWORD.to_owned();
    for next in &passwords {
        let r = t
            .call("account/password", &change(&current, next), Some(&cookie))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        current = next.clone();
    }
    // Default policy: not one of the last 5 — the current one and the 4 before it.
    for (i, old) in passwords.iter().enumerate().take(6).skip(2) {
        let r = t
            .call("account/password", &change(&current, old), Some(&cookie))
            .await;
        assert!(
            r.body.contains(r#"{"rule":"recently_used","count":5}"#),
            "password {i}: {}",
            r.body
        );
    }
    // The sixth-last is allowed again.
    let r = t
        .call(
            "account/password",
            &change(&current, &passwords[1]),
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Only what the policy needs is kept, and only as hashes.
    let kept: Vec<String> =
        sqlx::query_scalar("SELECT hash FROM password_history WHERE user_id = $1")
            .bind(id)
            .fetch_all(t.state.store.pool())
            .await
            .unwrap();
    assert_eq!(kept.len(), 5);
    assert!(kept.iter().all(|h| h.starts_with("$argon2id$")));
}

async fn the_browser_gets_its_own_rules_and_a_strength_estimate(db: Db) {
    let t = TestApp::new(db).await;
    t.user("anna@example.com", Role::User, false).await;
    add_terms(&t, &["Fabrikam", "Northwind"]).await;
    assert_eq!(
        t.call("password/rules", &[], None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let cookie = t.sign_in("anna@example.com", PASSWORD).await;
    let r = t.call("password/rules", &[], Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rules: app::domain::password::PasswordRules = serde_json::from_str(&r.body).unwrap();
    assert_eq!(rules.min_length, 12);
    assert_eq!(rules.email, "anna@example.com");
    assert_eq!(
        (rules.first_name.as_str(), rules.last_name.as_str()),
        ("Test", "User")
    );
    assert_eq!(rules.organisation_name, "Acme Test");
    assert_eq!(rules.custom_terms, vec!["Fabrikam", "Northwind"]);

    let weak = t
        .call(
            "password/strength",
            &[("candidate", "password")],
            Some(&cookie),
        )
        .await;
    let weak: app::domain::strength::Strength = serde_json::from_str(&weak.body).unwrap();
    assert_eq!(weak.score, 0);
    assert_eq!(
        weak.warning,
        Some(app::domain::strength::StrengthWarning::CommonPassword)
    );
    let strong = t
        .call("password/strength", &[("candidate", NEW)], Some(&cookie))
        .await;
    let strong: app::domain::strength::Strength = serde_json::from_str(&strong.body).unwrap();
    assert_eq!(strong.score, 4);
    assert_eq!(
        t.call("password/strength", &[("candidate", NEW)], None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

async fn refusals_without_javascript_return_to_the_form_with_reasons(db: Db) {
    let t = TestApp::new(db).await;
    t.user("anna@example.com", Role::User, false).await;
    let cookie = t.sign_in("anna@example.com", PASSWORD).await;
    let r = t
        .post_form(
            "account/password",
            &change(PASSWORD, "Password1234!"),
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let location = r.header("location").unwrap().to_owned();
    assert!(location.starts_with("/account/password?"), "{location}");
    assert!(!location.contains("Password1234"), "{location}");
    let page = t.get(&location, Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("too easy to guess"), "{}", page.body);
    assert!(page.body.contains("commonly used password"));
    assert!(page
        .body
        .contains(r#"data-rule="hard_to_guess" data-state="unmet""#));
    assert!(page.body.contains(r#"data-rule="length" data-state="met""#));
}

async fn operators_manage_terms_and_dry_run_the_policy(db: Db) {
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
    let regain = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_regain"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("REGAIN_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let ok = |args: &[&str]| {
        let (code, out, err) = regain(args, "");
        assert_eq!(code, Some(0), "{args:?}: {err}");
        out
    };
    ok(&[
        "org",
        "add",
        "--slug",
        "acme",
        "--name",
        "Acme",
        "--domain",
        "example.com",
    ]);
    ok(&[
        "user",
        "add",
        "--org",
        "acme",
        "--email",
        "anna@example.com",
        "--name",
        "Anna Rossi",
        "--given-name",
        "Anna",
        "--family-name",
        "Rossi",
    ]);

    // Terms: validated all or nothing, deduplicated by their screening form.
    let (code, _, err) = regain(
        &["org", "terms", "add", "--org", "acme", "Fabrikam", "abc"],
        "",
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("`abc`: a term must have at least 4 characters"),
        "{err}"
    );
    assert_eq!(ok(&["org", "terms", "list", "--org", "acme"]), "");
    let file = dir.path().join("terms.txt");
    std::fs::write(&file, "# our products\nNorthwind\n\nTailspin\n").unwrap();
    let out = ok(&[
        "org",
        "terms",
        "add",
        "--org",
        "acme",
        "Fabrikam",
        "F@brikam",
        "--file",
        file.to_str().unwrap(),
    ]);
    assert!(out.contains("added 3 term(s), 1 already listed"), "{out}");
    assert_eq!(
        ok(&["org", "terms", "list", "--org", "acme"]),
        "Fabrikam\nNorthwind\nTailspin\n"
    );
    ok(&["org", "terms", "remove", "--org", "acme", "TAILSPIN"]);
    assert_eq!(
        ok(&["org", "terms", "list", "--org", "acme"]),
        "Fabrikam\nNorthwind\n"
    );
    // The limit of 1,000 holds, and a batch that would pass it adds nothing.
    let many: String = (0..999).map(|i| format!("term{i:05}\n")).collect();
    std::fs::write(&file, many).unwrap();
    let (code, _, err) = regain(
        &[
            "org",
            "terms",
            "add",
            "--org",
            "acme",
            "--file",
            file.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("at most 1000"), "{err}");
    assert_eq!(
        ok(&["org", "terms", "list", "--org", "acme"])
            .lines()
            .count(),
        2
    );

    // The dry run: JSON verdict, exit 0 or 1, the password never echoed.
    let check = |password: &str| {
        regain(
            &[
                "password",
                "check",
                "--org",
                "acme",
                "--email",
                "Anna@Example.com",
            ],
            &format!("{password}\n"),
        )
    };
    let (code, out, _) = check("Northw1nd-Rossi!");
    assert_eq!(code, Some(1), "{out}");
    let verdict: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(verdict["accepted"], false);
    assert!(verdict["score"].as_u64().unwrap() < 5);
    assert_eq!(verdict["problems"][0]["rule"], "too_guessable");
    let found = verdict["problems"][0]["found"].to_string();
    assert!(
        found.contains("organisation") && found.contains("personal_name"),
        "{found}"
    );
    assert!(!out.contains("Northw1nd"));
    let (code, out, _) = check(NEW);
    assert_eq!(code, Some(0), "{out}");
    let verdict: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(verdict["accepted"], true);
    assert_eq!(verdict["length"], 28);
    assert_eq!(verdict["strength"]["score"], 4);
    let (code, _, err) = regain(
        &[
            "password",
            "check",
            "--org",
            "nope",
            "--email",
            "a@example.com",
        ],
        "x\n",
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("no organisation with slug `nope`"), "{err}");
}
