//! Operator commands for the password policy: an organisation's own banned terms, and a
//! dry run of the policy on a candidate password.
use super::{find_org, CliError};
use app::domain::identifier::normalize_email;
use app::domain::password::banned::BannedTerms;
use app::domain::password::{
    assess, normalize_password, validate_custom_term, PasswordProblem, PasswordRules,
    MAX_INPUT_BYTES,
};
use app::domain::strength::Strength;
use app::server::audit;
use app::server::store::password_policy::NewTerm;
use app::server::store::Store;
use clap::Subcommand;
use std::io::{Read, Write};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum TermsCommand {
    /// List the organisation's banned terms.
    List {
        #[arg(long)]
        org: String,
    },
    /// Add banned terms (4–16 characters each, at most 1,000 in all); terms already listed
    /// in any spelling are skipped. All or nothing: one invalid term adds none.
    Add {
        #[arg(long)]
        org: String,
        terms: Vec<String>,
        /// Also read terms from a file, one per line; `#` starts a comment line.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Remove banned terms (in any spelling that screens the same).
    Remove {
        #[arg(long)]
        org: String,
        #[arg(required = true)]
        terms: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PasswordCommand {
    /// Read a candidate password from standard input and print the policy's verdict as
    /// JSON: exit 0 if accepted, 1 if rejected. The password is never printed, and the
    /// history of a user is not consulted (that would reveal old passwords).
    Check {
        #[arg(long)]
        org: String,
        /// The user ID the password is meant for; an existing user's names are screened.
        #[arg(long)]
        email: String,
    },
}

pub async fn terms_command(store: &Store, cmd: TermsCommand, now: i64) -> Result<(), CliError> {
    match cmd {
        TermsCommand::List { org } => {
            let org = find_org(store, &org).await?;
            let mut out = std::io::stdout().lock();
            for term in store.banned_terms(org.id).await? {
                writeln!(out, "{term}")?;
            }
        }
        TermsCommand::Add { org, terms, file } => {
            let org = find_org(store, &org).await?;
            let mut raw = terms;
            if let Some(path) = file {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
                raw.extend(
                    text.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty() && !l.starts_with('#'))
                        .map(str::to_owned),
                );
            }
            if raw.is_empty() {
                return Err(CliError::Usage("give terms to add, or --file".into()));
            }
            let terms = validate_all(&raw)?;
            let event = audit::by_cli(now, "org.terms.add", Some(org.id), None, "");
            let added = store.add_banned_terms(org.id, &terms, &event, now).await?;
            println!(
                "added {added} term(s), {} already listed",
                terms.len() - added
            );
        }
        TermsCommand::Remove { org, terms } => {
            let org = find_org(store, &org).await?;
            let keys: Vec<String> = validate_all(&terms)?.into_iter().map(|t| t.key).collect();
            let event = audit::by_cli(now, "org.terms.remove", Some(org.id), None, "");
            let removed = store.remove_banned_terms(org.id, &keys, &event).await?;
            println!("removed {removed} term(s)");
        }
    }
    Ok(())
}

/// Every term checked before any is stored, each error naming its line.
fn validate_all(raw: &[String]) -> Result<Vec<NewTerm>, CliError> {
    raw.iter()
        .map(|r| {
            validate_custom_term(r)
                .map(|(term, key)| NewTerm { term, key })
                .map_err(|e| CliError::Usage(format!("`{}`: {e}", r.trim())))
        })
        .collect()
}

/// What `password check` prints.
#[derive(Debug, serde::Serialize)]
pub struct Verdict {
    pub accepted: bool,
    /// Entra-style points (accepted from 5).
    pub score: Option<u32>,
    pub length: usize,
    pub min_length: u32,
    pub problems: Vec<PasswordProblem>,
    pub strength: Strength,
}

/// The policy of `org` applied to the password read from `input`, as for `email`.
pub async fn check_password(
    store: &Store,
    org: &str,
    email: &str,
    input: &mut dyn Read,
    out: &mut dyn Write,
) -> Result<bool, CliError> {
    let org = find_org(store, org).await?;
    let canonical = normalize_email(email)
        .map_err(|_| CliError::Usage(format!("`{email}` is not an email address")))?;
    let user = store
        .find_user_by_email(&canonical)
        .await?
        .filter(|u| u.org_id == org.id);
    let rules = PasswordRules {
        min_length: org.policy.password_min_length,
        email: canonical,
        first_name: user
            .as_ref()
            .map(|u| u.given_name.clone())
            .unwrap_or_default(),
        last_name: user
            .as_ref()
            .map(|u| u.family_name.clone())
            .unwrap_or_default(),
        organisation_name: org.name.clone(),
        custom_terms: store.banned_terms(org.id).await?,
    };
    let password = read_candidate(input)?;
    let custom = BannedTerms::new(&rules.custom_terms);
    // The confirmation is the password itself: only the policy is on trial here.
    let assessment = assess(&password, &password, &rules, &custom);
    let verdict = Verdict {
        accepted: assessment.accepted(),
        score: assessment.screening.as_ref().map(|s| s.score),
        length: normalize_password(&password).chars().count(),
        min_length: rules.min_length,
        problems: assessment.problems,
        strength: app::server::strength::estimate(&password, &rules),
    };
    serde_json::to_writer_pretty(&mut *out, &verdict)
        .map_err(|e| CliError::App(format!("writing the verdict: {e}")))?;
    writeln!(out)?;
    Ok(verdict.accepted)
}

/// One password, without its line ending; more than a password's worth is refused.
fn read_candidate(input: &mut dyn Read) -> Result<String, CliError> {
    let mut bytes = Vec::new();
    input
        .take(MAX_INPUT_BYTES as u64 + 3)
        .read_to_end(&mut bytes)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::Usage("the password on standard input is not UTF-8".into()))?;
    let line = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    if line.contains('\n') {
        return Err(CliError::Usage(
            "give one password on standard input, on one line".into(),
        ));
    }
    Ok(line.to_owned())
}
