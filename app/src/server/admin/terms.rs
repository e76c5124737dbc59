//! The console's terms area, on the server: the organisation's own banned terms, added
//! one by one or imported as a list (all or nothing), and how often each one refused a
//! new password lately. Counting needs the password refusals to be recorded, which
//! [`check_new_password_counted`] does for every place a user sets a password.
use super::Admin;
use crate::domain::console::terms::{TermView, TermsView};
use crate::domain::password::banned::{
    matching_terms, normalize_for_screening, BannedTerms, TermSource,
};
use crate::domain::password::{
    check_new_password, normalize_password, validate_custom_term, PasswordProblem, PasswordRules,
    MAX_CUSTOM_TERMS,
};
use crate::error::AppError;
use crate::server::state::AppState;
use crate::server::store::password_policy::NewTerm;
use crate::server::store::StoreError;

/// How far back the page counts refusals, in days; older ones are deleted.
pub const RECENT_DAYS: u32 = 30;
const RECENT_SECONDS: i64 = RECENT_DAYS as i64 * 86_400;

fn too_many() -> AppError {
    AppError::TooManyTerms {
        max: MAX_CUSTOM_TERMS as u32,
    }
}

fn store_error(e: StoreError) -> AppError {
    match e {
        StoreError::TooMany { .. } => too_many(),
        e => e.into(),
    }
}

/// The organisation's terms with their recent refusals.
pub async fn list(state: &AppState, admin: &Admin) -> Result<TermsView, AppError> {
    let terms = state.store.banned_terms(admin.org.id).await?;
    let since = state.now() - RECENT_SECONDS;
    let counts = state.store.term_rejections(admin.org.id, since).await?;
    let terms = terms
        .into_iter()
        .map(|term| {
            let key = normalize_for_screening(&term);
            let seen = counts.iter().find(|c| c.term_key == key);
            TermView {
                rejections: seen.map_or(0, |c| c.count),
                last_rejected: seen.map(|c| c.last_at),
                term,
                key,
            }
        })
        .collect();
    Ok(TermsView {
        terms,
        max: MAX_CUSTOM_TERMS as u32,
        recent_days: RECENT_DAYS,
    })
}

/// Checks every non-blank line as a term; the first bad one is named by its line number
/// (from 1), and a list longer than the limit is refused before anything is checked.
pub fn parse_lines(content: &str) -> Result<Vec<NewTerm>, AppError> {
    let lines: Vec<(usize, &str)> = content
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .collect();
    if lines.len() > MAX_CUSTOM_TERMS {
        return Err(too_many());
    }
    lines
        .into_iter()
        .map(|(n, line)| {
            let (term, key) = validate_custom_term(line).map_err(|_| AppError::TermInvalid {
                line: u32::try_from(n + 1).unwrap_or(u32::MAX),
            })?;
            Ok(NewTerm { term, key })
        })
        .collect()
}

fn detail(terms: &[NewTerm]) -> String {
    let list: Vec<&str> = terms.iter().map(|t| t.term.as_str()).collect();
    serde_json::json!({ "terms": list }).to_string()
}

/// Adds one term; one already listed (in any spelling with the same key) changes nothing.
pub async fn add(state: &AppState, admin: &Admin, raw: &str) -> Result<(), AppError> {
    let (term, key) = validate_custom_term(raw).map_err(|_| AppError::TermInvalid { line: 0 })?;
    let terms = [NewTerm { term, key }];
    let now = state.now();
    let event = admin.event(now, "admin.terms.add", "success", None, detail(&terms));
    state
        .store
        .add_banned_terms(admin.org.id, &terms, &event, now)
        .await
        .map_err(store_error)?;
    Ok(())
}

/// Adds every line of an imported list, or none of them.
pub async fn import(state: &AppState, admin: &Admin, content: &str) -> Result<usize, AppError> {
    let terms = parse_lines(content)?;
    let now = state.now();
    let event = admin.event(now, "admin.terms.import", "success", None, detail(&terms));
    state
        .store
        .add_banned_terms(admin.org.id, &terms, &event, now)
        .await
        .map_err(store_error)
}

/// Removes the term with this screening key from the administrator's organisation.
pub async fn remove(state: &AppState, admin: &Admin, key: &str) -> Result<(), AppError> {
    let terms = state.store.banned_terms(admin.org.id).await?;
    let Some(term) = terms
        .into_iter()
        .find(|t| normalize_for_screening(t) == key)
    else {
        return Err(AppError::NotFound);
    };
    let removed = [NewTerm {
        term,
        key: key.to_owned(),
    }];
    let event = admin.event(
        state.now(),
        "admin.terms.remove",
        "success",
        None,
        detail(&removed),
    );
    state
        .store
        .remove_banned_terms(admin.org.id, &[key.to_owned()], &event)
        .await?;
    Ok(())
}

/// [`check_new_password`], and when the organisation's own terms are among the reasons
/// it refuses, a note of which ones (keys only, never the password) for the console.
pub async fn check_new_password_counted(
    state: &AppState,
    org_id: i64,
    new: &str,
    confirm: &str,
    rules: &PasswordRules,
    custom: &BannedTerms,
) -> Result<String, AppError> {
    let result = check_new_password(new, confirm, rules, custom);
    let Err(AppError::PasswordRejected { problems }) = &result else {
        return result;
    };
    let ours = problems.iter().any(|p| {
        matches!(p, PasswordProblem::TooGuessable { found } if found.contains(&TermSource::Organisation))
    });
    if ours {
        let keys: Vec<String> = matching_terms(&rules.custom_terms, &normalize_password(new))
            .into_iter()
            .map(normalize_for_screening)
            .collect();
        let now = state.now();
        if !keys.is_empty() {
            // The refusal stands whether or not the note is written.
            if let Err(e) = state
                .store
                .record_term_rejections(org_id, &keys, now, now - RECENT_SECONDS)
                .await
            {
                tracing::error!(error = %e, "banned-term refusal not recorded");
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_names_the_first_bad_line_and_skips_blank_ones() {
        let ok = parse_lines("Contoso\n\n  Fabrikam  \r\nzebra\n").unwrap();
        let terms: Vec<&str> = ok.iter().map(|t| t.term.as_str()).collect();
        assert_eq!(terms, ["Contoso", "Fabrikam", "zebra"]);
        assert_eq!(
            parse_lines("Contoso\n\nabc\nx\n").err(),
            Some(AppError::TermInvalid { line: 3 })
        );
        let many = "term\n".repeat(MAX_CUSTOM_TERMS + 1);
        assert_eq!(parse_lines(&many).err(), Some(too_many()));
    }
}
