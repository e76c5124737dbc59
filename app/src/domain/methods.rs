//! Which recovery methods an account has, how many it needs, and when it must be asked to
//! register more or confirm what it has. Pure: the policy, the registrations and `now`
//! come in as parameters.
use super::policy::{MethodKind, OrgPolicy};
use serde::{Deserialize, Serialize};

/// What an account has registered and can use for recovery today.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    pub email: bool,
    pub sms: bool,
    pub authenticator: bool,
    /// At least one unused recovery code.
    pub recovery_codes: bool,
    /// Answers to at least the number of questions the policy asks to register.
    pub questions: bool,
    /// At least one passkey.
    pub passkey: bool,
}

impl Registered {
    /// Whether the account has `kind` registered, as these fields say.
    pub fn has(&self, kind: MethodKind) -> bool {
        match kind {
            MethodKind::Email => self.email,
            MethodKind::Sms => self.sms,
            MethodKind::Authenticator => self.authenticator,
            MethodKind::RecoveryCodes => self.recovery_codes,
            MethodKind::SecurityQuestions => self.questions,
            MethodKind::Passkey => self.passkey,
        }
    }

    pub fn any(&self) -> bool {
        MethodKind::ALL.into_iter().any(|k| self.has(k))
    }
}

/// The methods this account may register and use: the organisation's enabled ones, but
/// never security questions for administrators (NIST 63A-4 forbids knowledge-based
/// verification, and an administrator's account is the most valuable one to take over).
pub fn allowed_methods(policy: &OrgPolicy, admin: bool) -> Vec<MethodKind> {
    policy
        .methods_enabled
        .iter()
        .copied()
        .filter(|k| !(admin && k.is_knowledge()))
        .collect()
}

/// Methods a recovery must pass: administrators always two (Entra's two-gate policy).
pub fn required_methods(policy: &OrgPolicy, admin: bool) -> u8 {
    if admin {
        2
    } else {
        policy.methods_required.clamp(1, 2)
    }
}

/// How many gates a recovery with these gates must pass, or `None` when it can't
/// recover: the policy's count (two for administrators), two for whoever has a sign-in
/// factor and for a frozen account; at least that many different methods, one of them
/// not knowledge. The one rule of recovery's start and of the decoys' population.
pub fn gates_to_pass(
    policy: &OrgPolicy,
    admin: bool,
    frozen: bool,
    gates: &[MethodKind],
) -> Option<u8> {
    let mut required = required_methods(policy, admin);
    if gates.iter().any(|k| k.is_sign_in_factor()) || frozen {
        required = 2;
    }
    let distinct: std::collections::BTreeSet<MethodKind> = gates.iter().copied().collect();
    let strong = distinct.iter().any(|k| !k.is_knowledge());
    (strong && distinct.len() >= usize::from(required)).then_some(required)
}

/// How many different allowed methods the account could use. Security questions never
/// count alone: they are never the only gate, so without another method they add nothing.
pub fn usable_methods(policy: &OrgPolicy, admin: bool, registered: &Registered) -> u8 {
    let kinds: Vec<MethodKind> = allowed_methods(policy, admin)
        .into_iter()
        .filter(|k| registered.has(*k))
        .collect();
    let strong = kinds.iter().filter(|k| !k.is_knowledge()).count();
    let total = if strong == 0 { 0 } else { kinds.len() };
    u8::try_from(total).unwrap_or(u8::MAX)
}

/// The account can't yet recover on its own under the policy: it is asked to register
/// more methods after signing in (skippable for regular users, not for administrators).
pub fn needs_registration(policy: &OrgPolicy, admin: bool, registered: &Registered) -> bool {
    (policy.require_registration || admin)
        && usable_methods(policy, admin, registered) < required_methods(policy, admin)
}

/// The account should confirm its methods are still current: it has some, re-confirmation
/// is on (`reconfirm_days > 0`) and the last confirmation (or, failing that, the newest
/// registration) is older than that.
pub fn reconfirmation_due(
    policy: &OrgPolicy,
    registered: &Registered,
    last_confirmed: Option<i64>,
    now: i64,
) -> bool {
    if policy.reconfirm_days == 0 || !registered.any() {
        return false;
    }
    match last_confirmed {
        Some(at) => now - at >= i64::from(policy.reconfirm_days) * 86_400,
        None => false,
    }
}

/// The predefined security questions, as translation keys `questions.q01`…`q20`.
pub const PREDEFINED_QUESTIONS: usize = 20;

/// The key of a predefined question (`q01`…), or `None` outside the list.
pub fn predefined_question_key(n: usize) -> Option<String> {
    (1..=PREDEFINED_QUESTIONS)
        .contains(&n)
        .then(|| format!("q{n:02}"))
}

/// A question key as stored: predefined `qNN`, or `custom:N` for the organisation's own
/// N-th question (0-based). Anything else is refused.
pub fn valid_question_key(key: &str, custom_count: usize) -> bool {
    if let Some(n) = key.strip_prefix("custom:") {
        // Only the canonical spelling (`custom:1`, not `custom:01`), so one question
        // can't be registered twice under two keys.
        let index = n.parse::<usize>().ok().filter(|v| v.to_string() == n);
        return index.is_some_and(|v| v < custom_count);
    }
    key.strip_prefix('q')
        .filter(|n| n.len() == 2)
        .and_then(|n| n.parse::<usize>().ok())
        .is_some_and(|n| (1..=PREDEFINED_QUESTIONS).contains(&n))
}

/// Shortest answer accepted, in characters after normalisation.
pub const MIN_ANSWER_CHARS: usize = 3;
/// Longest answer accepted (bytes as typed), checked before hashing.
pub const MAX_ANSWER_BYTES: usize = 256;

/// An answer as it is hashed and later compared: NFKC, lower case, inner whitespace
/// collapsed, ends trimmed, so "  Via  Roma " and "via roma" are the same answer.
pub fn normalize_answer(raw: &str) -> String {
    let nfkc = super::password::normalize_password(raw);
    nfkc.to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn with(email: bool, sms: bool, app: bool, codes: bool, questions: bool) -> Registered {
        Registered {
            email,
            sms,
            authenticator: app,
            recovery_codes: codes,
            questions,
            passkey: false,
        }
    }

    fn questions_on() -> OrgPolicy {
        let mut p = OrgPolicy::default();
        p.methods_enabled.push(MethodKind::SecurityQuestions);
        p
    }

    #[test]
    fn administrators_need_two_and_never_questions() {
        let p = questions_on();
        assert_eq!(required_methods(&p, true), 2);
        assert_eq!(required_methods(&p, false), 1);
        assert!(!allowed_methods(&p, true).contains(&MethodKind::SecurityQuestions));
        assert!(allowed_methods(&p, false).contains(&MethodKind::SecurityQuestions));
        let email_and_questions = with(true, false, false, false, true);
        assert_eq!(usable_methods(&p, true, &email_and_questions), 1);
        assert_eq!(usable_methods(&p, false, &email_and_questions), 2);
        assert!(needs_registration(&p, true, &email_and_questions));
        assert!(!needs_registration(&p, false, &email_and_questions));
    }

    #[test]
    fn questions_alone_are_not_a_way_back() {
        let p = questions_on();
        assert_eq!(
            usable_methods(&p, false, &with(false, false, false, false, true)),
            0
        );
        assert!(needs_registration(
            &p,
            false,
            &with(false, false, false, false, true)
        ));
    }

    #[test]
    fn disabled_methods_do_not_count() {
        let p = OrgPolicy {
            methods_enabled: vec![MethodKind::Email],
            ..OrgPolicy::default()
        };
        assert_eq!(
            usable_methods(&p, false, &with(false, true, true, true, false)),
            0
        );
        assert_eq!(
            usable_methods(&p, false, &with(true, true, true, true, false)),
            1
        );
    }

    #[test]
    fn registration_is_asked_only_when_the_policy_requires_it() {
        let mut p = OrgPolicy::default();
        let none = Registered::default();
        assert!(needs_registration(&p, false, &none));
        p.require_registration = false;
        assert!(!needs_registration(&p, false, &none));
        // Administrators are always held to it.
        assert!(needs_registration(&p, true, &none));
        p.methods_required = 2;
        p.require_registration = true;
        assert!(needs_registration(
            &p,
            false,
            &with(true, false, false, false, false)
        ));
        assert!(!needs_registration(
            &p,
            false,
            &with(true, false, true, false, false)
        ));
    }

    #[test]
    fn reconfirmation_after_the_configured_days() {
        let mut p = OrgPolicy::default();
        let some = with(true, false, false, false, false);
        let day = 86_400;
        assert!(!reconfirmation_due(&p, &some, Some(0), 179 * day));
        assert!(reconfirmation_due(&p, &some, Some(0), 180 * day));
        assert!(!reconfirmation_due(
            &p,
            &Registered::default(),
            Some(0),
            999 * day
        ));
        assert!(!reconfirmation_due(&p, &some, None, 999 * day));
        p.reconfirm_days = 0;
        assert!(!reconfirmation_due(&p, &some, Some(0), 999 * day));
    }

    #[test]
    fn question_keys() {
        assert_eq!(predefined_question_key(1).as_deref(), Some("q01"));
        assert_eq!(predefined_question_key(20).as_deref(), Some("q20"));
        assert_eq!(predefined_question_key(0), None);
        assert_eq!(predefined_question_key(21), None);
        assert!(valid_question_key("q07", 0));
        assert!(!valid_question_key("q21", 0));
        assert!(!valid_question_key("q7", 0));
        assert!(!valid_question_key("x01", 0));
        assert!(valid_question_key("custom:0", 2));
        assert!(valid_question_key("custom:1", 2));
        assert!(!valid_question_key("custom:2", 2));
        assert!(!valid_question_key("custom:01", 2));
        assert!(!valid_question_key("custom:0", 0));
    }

    #[test]
    fn answers_compare_after_normalisation() {
        assert_eq!(normalize_answer("  Via   ROMA "), "via roma");
        assert_eq!(normalize_answer("ｆｉｄｏ"), "fido");
        assert_eq!(normalize_answer("Ärger\tim\nBüro"), "ärger im büro");
    }
}
