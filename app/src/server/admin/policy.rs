//! The console's policy area, on the server: the form is checked field by field against
//! the bounds the page explains, and a value out of bounds is refused by name: the
//! administrator learns what was wrong instead of finding another value saved.
//! `OrgPolicy::normalized` stays the safety net for stored rows.
use super::Admin;
use crate::domain::policy::bounds;
use crate::domain::policy::{MethodKind, OrgPolicy};
use crate::error::AppError;
use crate::server::state::AppState;

/// The policy form as posted: numbers still as typed.
#[derive(Debug, Clone, Default)]
pub struct PolicyForm {
    pub methods_enabled: Vec<MethodKind>,
    pub methods_required: String,
    pub questions_to_register: String,
    pub questions_to_answer: String,
    pub require_registration: bool,
    pub reconfirm_days: String,
    pub notify_user_on_reset: bool,
    pub notify_admins_on_admin_reset: bool,
    pub password_min_length: String,
    pub password_history: String,
    pub lockout_threshold: String,
    pub lockout_seconds: String,
    pub sms_regions: String,
    pub help_desk: String,
}

/// A whole number typed into `field`, inside `min..=max`.
fn number<T: TryFrom<i64>>(field: &str, raw: &str, (min, max): (i64, i64)) -> Result<T, AppError> {
    let out = || AppError::PolicyOutOfRange {
        field: field.to_owned(),
        min,
        max,
    };
    let value: i64 = raw.trim().parse().map_err(|_| out())?;
    if !(min..=max).contains(&value) {
        return Err(out());
    }
    T::try_from(value).map_err(|_| out())
}

fn invalid(field: &str) -> AppError {
    AppError::PolicyInvalid {
        field: field.to_owned(),
    }
}

/// ISO 3166-1 regions with telephone numbers, separated by commas or spaces, in capitals
/// and without repeats.
fn sms_regions(raw: &str) -> Result<Vec<String>, AppError> {
    let mut regions: Vec<String> = Vec::new();
    for code in raw
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|c| !c.is_empty())
    {
        let code = code.to_ascii_uppercase();
        let known = code.len() == 2 && code.parse::<phonenumber::country::Id>().is_ok();
        if !known {
            return Err(invalid("sms_regions"));
        }
        if !regions.contains(&code) {
            regions.push(code);
        }
    }
    if regions.len() > bounds::SMS_REGIONS {
        return Err(invalid("sms_regions"));
    }
    Ok(regions)
}

/// Text, or one link the recovery pages can offer safely: `https:` or `mailto:` only. A
/// single word with a scheme (`javascript:…`, `http://…`) is a link of another kind and
/// is refused.
pub fn help_desk(raw: &str) -> Result<Option<String>, AppError> {
    let text = raw.trim().replace("\r\n", "\n");
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > bounds::HELP_DESK_CHARS
        || text.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(invalid("help_desk"));
    }
    if let Some(kind) = help_desk_link(&text) {
        let rest = match kind {
            HelpDeskLink::Https => text.get("https://".len()..),
            HelpDeskLink::Mailto => text.get("mailto:".len()..),
            HelpDeskLink::Other => None,
        };
        if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) {
            return Err(invalid("help_desk"));
        }
    }
    Ok(Some(text))
}

/// What kind of link a help-desk line is, if it is one: a single word with a scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpDeskLink {
    Https,
    Mailto,
    Other,
}

pub fn help_desk_link(text: &str) -> Option<HelpDeskLink> {
    if text.contains(char::is_whitespace) {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return Some(HelpDeskLink::Https);
    }
    if lower.starts_with("mailto:") {
        return Some(HelpDeskLink::Mailto);
    }
    let looks_like_scheme = lower.split_once(':').is_some_and(|(scheme, _)| {
        scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    });
    (looks_like_scheme || lower.starts_with("//") || lower.starts_with("www."))
        .then_some(HelpDeskLink::Other)
}

/// The policy the form describes, or the first field that is out of bounds, in the order
/// the form shows them. Keeps what the form doesn't edit (the custom questions).
pub fn validate(form: &PolicyForm, old: &OrgPolicy) -> Result<OrgPolicy, AppError> {
    let mut methods = form.methods_enabled.clone();
    methods.sort();
    methods.dedup();
    // Administrators always need two methods and never questions: the organisation must
    // offer them two others.
    let strong = methods
        .iter()
        .filter(|m| **m != MethodKind::SecurityQuestions)
        .count();
    if strong < 2 {
        return Err(invalid("methods_enabled"));
    }
    let methods_required = number(
        "methods_required",
        &form.methods_required,
        bounds::METHODS_REQUIRED,
    )?;
    let questions_to_register: u8 = number(
        "questions_to_register",
        &form.questions_to_register,
        bounds::QUESTIONS,
    )?;
    let questions_to_answer = number(
        "questions_to_answer",
        &form.questions_to_answer,
        (bounds::QUESTIONS.0, i64::from(questions_to_register)),
    )?;
    let reconfirm_days = number(
        "reconfirm_days",
        &form.reconfirm_days,
        bounds::RECONFIRM_DAYS,
    )?;
    let (lo, hi) = crate::domain::password::MIN_LENGTH_BOUNDS;
    let password_min_length = number(
        "password_min_length",
        &form.password_min_length,
        (i64::from(lo), i64::from(hi)),
    )?;
    let password_history = number(
        "password_history",
        &form.password_history,
        bounds::PASSWORD_HISTORY,
    )?;
    let lockout_threshold = number(
        "lockout_threshold",
        &form.lockout_threshold,
        bounds::LOCKOUT_THRESHOLD,
    )?;
    let lockout_seconds = number(
        "lockout_seconds",
        &form.lockout_seconds,
        bounds::LOCKOUT_SECONDS,
    )?;
    Ok(OrgPolicy {
        methods_enabled: methods,
        methods_required,
        questions_to_register,
        questions_to_answer,
        require_registration: form.require_registration,
        reconfirm_days,
        notify_user_on_reset: form.notify_user_on_reset,
        notify_admins_on_admin_reset: form.notify_admins_on_admin_reset,
        password_min_length,
        password_history,
        lockout_threshold,
        lockout_seconds,
        sms_regions: sms_regions(&form.sms_regions)?,
        help_desk: help_desk(&form.help_desk)?,
        custom_questions: old.custom_questions.clone(),
    })
}

/// `{key: [old, new]}` for every key that changes; empty when nothing does.
pub fn changes(old: &OrgPolicy, new: &OrgPolicy) -> serde_json::Map<String, serde_json::Value> {
    let as_map = |p: &OrgPolicy| match serde_json::to_value(p) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let (old, new) = (as_map(old), as_map(new));
    new.into_iter()
        .filter_map(|(key, value)| {
            let before = old.get(&key).cloned().unwrap_or(serde_json::Value::Null);
            (before != value).then(|| (key, serde_json::json!([before, value])))
        })
        .collect()
}

/// Validates and stores the administrator's organisation's policy, with an
/// `admin.policy.change` event naming each changed value before and after.
pub async fn save(state: &AppState, admin: &Admin, form: PolicyForm) -> Result<(), AppError> {
    let old = &admin.org.policy;
    let new = validate(&form, old)?;
    let changed = changes(old, &new);
    if changed.is_empty() {
        return Ok(());
    }
    let detail = serde_json::Value::Object(changed).to_string();
    let event = admin.event(state.now(), "admin.policy.change", "success", None, detail);
    state.store.set_policy(admin.org.id, &new, &event).await?;
    tracing::info!(org = admin.org.id, admin = admin.user.id, "policy changed");
    Ok(())
}

/// The help desk of the organisation behind this browser's recovery flow: for a decoy
/// flow, the organisation owning the identifier's domain, so the help desk doesn't tell
/// real accounts from others.
pub async fn help_desk_for_flow(state: &AppState) -> Result<Option<String>, AppError> {
    let Some(parts) = crate::server::request::current_parts() else {
        return Ok(None);
    };
    let Ok(loaded) = crate::server::recovery::load(state, &parts).await else {
        // No flow (expired, finished, never started): nothing to add.
        return Ok(None);
    };
    // A decoy flow carries the organisation of the address's domain: the same help desk
    // as a real account of it.
    Ok(loaded.policy.help_desk)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> PolicyForm {
        let p = OrgPolicy::default();
        PolicyForm {
            methods_enabled: p.methods_enabled.clone(),
            methods_required: "1".into(),
            questions_to_register: "3".into(),
            questions_to_answer: "3".into(),
            require_registration: true,
            reconfirm_days: "180".into(),
            notify_user_on_reset: true,
            notify_admins_on_admin_reset: true,
            password_min_length: "12".into(),
            password_history: "5".into(),
            lockout_threshold: "10".into(),
            lockout_seconds: "60".into(),
            sms_regions: String::new(),
            help_desk: String::new(),
        }
    }

    fn field_of(e: AppError) -> String {
        match e {
            AppError::PolicyOutOfRange { field, .. } | AppError::PolicyInvalid { field } => field,
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn the_default_form_gives_the_default_policy() {
        let old = OrgPolicy::default();
        assert_eq!(validate(&form(), &old).unwrap(), old);
        assert!(changes(&old, &old).is_empty());
    }

    #[test]
    fn each_bound_is_refused_by_name() {
        let old = OrgPolicy::default();
        type Case = (fn(&mut PolicyForm), &'static str);
        let cases: [Case; 10] = [
            (|f| f.methods_required = "3".into(), "methods_required"),
            (|f| f.methods_required = "0".into(), "methods_required"),
            (
                |f| f.questions_to_register = "6".into(),
                "questions_to_register",
            ),
            (
                |f| f.questions_to_answer = "4".into(),
                "questions_to_answer",
            ),
            (|f| f.reconfirm_days = "731".into(), "reconfirm_days"),
            (
                |f| f.password_min_length = "7".into(),
                "password_min_length",
            ),
            (|f| f.lockout_threshold = "2".into(), "lockout_threshold"),
            (|f| f.lockout_seconds = "two".into(), "lockout_seconds"),
            (|f| f.sms_regions = "IT, XX".into(), "sms_regions"),
            (
                |f| f.methods_enabled = vec![MethodKind::Email, MethodKind::SecurityQuestions],
                "methods_enabled",
            ),
        ];
        for (change, field) in cases {
            let mut f = form();
            change(&mut f);
            assert_eq!(field_of(validate(&f, &old).unwrap_err()), field);
        }
    }

    #[test]
    fn regions_and_help_desk_are_cleaned_or_refused() {
        assert_eq!(sms_regions(" it,cn  IT ch").unwrap(), ["IT", "CN", "CH"]);
        assert!(sms_regions("ITA").is_err());
        assert_eq!(help_desk("  ").unwrap(), None);
        assert_eq!(
            help_desk(" Call 555 0100, 8–18 ").unwrap().as_deref(),
            Some("Call 555 0100, 8–18")
        );
        assert!(help_desk("https://help.example.com/it").is_ok());
        assert!(help_desk("mailto:help@example.com").is_ok());
        for bad in [
            "javascript:alert(1)",
            "http://help.example.com",
            "https://",
            "//evil.example",
            "data:text/html,x",
        ] {
            assert!(help_desk(bad).is_err(), "{bad}");
        }
        assert!(help_desk(&"a".repeat(bounds::HELP_DESK_CHARS + 1)).is_err());
        assert!(help_desk("bell\u{7}").is_err());
    }

    #[test]
    fn changes_name_old_and_new_values() {
        let old = OrgPolicy::default();
        let new = OrgPolicy {
            methods_required: 2,
            ..old.clone()
        };
        let c = changes(&old, &new);
        assert_eq!(c.len(), 1);
        assert_eq!(c["methods_required"], serde_json::json!([1, 2]));
    }
}
