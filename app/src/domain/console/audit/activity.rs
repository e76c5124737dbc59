//! The audit log's activities: the categories an administrator filters by, and the one
//! mapping from the action strings the code records (`signin`, `recovery.gate`, …) to them.
//! The page's labels, the filter's SQL and the CSV all come from [`RULES`], so a new action
//! is mapped in one place (and unmapped ones still show up, as [`Activity::Other`]).
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Activity {
    SignIn,
    SignOut,
    /// Refused before any check: a sign-in lockout or a paused recovery.
    Blocked,
    PasswordChange,
    /// Registering, confirming or removing recovery methods.
    Registration,
    RecoveryStart,
    RecoveryPurpose,
    RecoveryMethod,
    RecoveryCodeSent,
    GatePassed,
    GateFailed,
    Reset,
    Unlock,
    /// "This wasn't me": the owner froze the account from a recovery notice.
    NotMe,
    /// The organisation's recovery policy or banned terms.
    PolicyChange,
    /// Accounts added, imported, disabled or enabled by an administrator or operator.
    AccountAdmin,
    /// Any other administrative action (e.g. exporting this log).
    AdminOther,
    Other,
}

impl Activity {
    /// In the order the filter offers them.
    pub const ALL: [Activity; 18] = [
        Activity::SignIn,
        Activity::SignOut,
        Activity::Blocked,
        Activity::PasswordChange,
        Activity::Registration,
        Activity::RecoveryStart,
        Activity::RecoveryPurpose,
        Activity::RecoveryMethod,
        Activity::RecoveryCodeSent,
        Activity::GatePassed,
        Activity::GateFailed,
        Activity::Reset,
        Activity::Unlock,
        Activity::NotMe,
        Activity::PolicyChange,
        Activity::AccountAdmin,
        Activity::AdminOther,
        Activity::Other,
    ];

    /// Stable code, used in URLs and the CSV.
    pub fn code(self) -> &'static str {
        match self {
            Activity::SignIn => "sign_in",
            Activity::SignOut => "sign_out",
            Activity::Blocked => "blocked",
            Activity::PasswordChange => "password_change",
            Activity::Registration => "registration",
            Activity::RecoveryStart => "recovery_start",
            Activity::RecoveryPurpose => "recovery_purpose",
            Activity::RecoveryMethod => "recovery_method",
            Activity::RecoveryCodeSent => "recovery_code_sent",
            Activity::GatePassed => "gate_passed",
            Activity::GateFailed => "gate_failed",
            Activity::Reset => "reset",
            Activity::Unlock => "unlock",
            Activity::NotMe => "not_me",
            Activity::PolicyChange => "policy_change",
            Activity::AccountAdmin => "account_admin",
            Activity::AdminOther => "admin_other",
            Activity::Other => "other",
        }
    }

    pub fn parse(code: &str) -> Option<Activity> {
        Activity::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// How a rule matches the action column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionIs {
    Exactly(&'static str),
    StartsWith(&'static str),
}

/// One way an event belongs to an activity: its action, and optionally its outcome and
/// detail code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub action: ActionIs,
    pub outcome: Option<&'static str>,
    pub detail: Option<&'static str>,
}

const fn is(action: &'static str) -> Rule {
    Rule {
        action: ActionIs::Exactly(action),
        outcome: None,
        detail: None,
    }
}

const fn prefix(action: &'static str) -> Rule {
    Rule {
        action: ActionIs::StartsWith(action),
        outcome: None,
        detail: None,
    }
}

/// The mapping, first match wins (so `signin` refused as `locked` is "blocked", any other
/// `signin` is "sign-in"); an event no rule matches is [`Activity::Other`].
pub const RULES: &[(Activity, &[Rule])] = &[
    (
        Activity::Blocked,
        &[
            is("recovery.paused"),
            Rule {
                detail: Some("locked"),
                ..is("signin")
            },
        ],
    ),
    // Re-entering the password before changing security info is a sign-in too.
    (Activity::SignIn, &[is("signin"), is("reauth")]),
    (Activity::SignOut, &[is("signout")]),
    (Activity::PasswordChange, &[is("password.change")]),
    (
        Activity::Registration,
        &[
            prefix("method."),
            prefix("methods."),
            prefix("recovery_codes."),
            prefix("questions."),
            prefix("security."),
        ],
    ),
    (Activity::RecoveryStart, &[is("recovery.start")]),
    (Activity::RecoveryPurpose, &[is("recovery.purpose")]),
    (Activity::RecoveryMethod, &[is("recovery.method")]),
    (Activity::RecoveryCodeSent, &[is("recovery.code_sent")]),
    (
        Activity::GatePassed,
        &[Rule {
            outcome: Some("success"),
            ..is("recovery.gate")
        }],
    ),
    (
        Activity::GateFailed,
        &[Rule {
            outcome: Some("failure"),
            ..is("recovery.gate")
        }],
    ),
    (Activity::Reset, &[is("recovery.reset")]),
    (Activity::Unlock, &[is("recovery.unlock")]),
    (Activity::NotMe, &[is("recovery.freeze")]),
    (
        Activity::PolicyChange,
        &[
            prefix("admin.policy."),
            prefix("admin.terms."),
            prefix("org.terms."),
            prefix("org.policy."),
        ],
    ),
    (
        Activity::AccountAdmin,
        &[prefix("admin.user."), prefix("user.")],
    ),
    (Activity::AdminOther, &[prefix("admin."), prefix("org.")]),
];

impl Rule {
    pub fn matches(&self, action: &str, outcome: &str, detail: &str) -> bool {
        let action_ok = match self.action {
            ActionIs::Exactly(a) => action == a,
            ActionIs::StartsWith(p) => action.starts_with(p),
        };
        action_ok
            && self.outcome.is_none_or(|o| o == outcome)
            && self.detail.is_none_or(|d| d == detail)
    }
}

/// The activity an event belongs to.
pub fn activity_of(action: &str, outcome: &str, detail: &str) -> Activity {
    RULES
        .iter()
        .find(|(_, rules)| rules.iter().any(|r| r.matches(action, outcome, detail)))
        .map_or(Activity::Other, |(activity, _)| *activity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_in_use_maps_to_its_category() {
        let cases = [
            ("signin", "success", "", Activity::SignIn),
            ("signin", "failure", "wrong_password", Activity::SignIn),
            ("signin", "failure", "locked", Activity::Blocked),
            ("reauth", "failure", "", Activity::SignIn),
            ("signout", "success", "", Activity::SignOut),
            ("password.change", "success", "", Activity::PasswordChange),
            ("method.add", "success", "", Activity::Registration),
            ("method.verify", "failure", "", Activity::Registration),
            ("method.remove", "success", "", Activity::Registration),
            ("methods.confirm", "success", "", Activity::Registration),
            (
                "recovery_codes.generate",
                "success",
                "",
                Activity::Registration,
            ),
            ("questions.register", "success", "", Activity::Registration),
            (
                "recovery.start",
                "success",
                "decoy",
                Activity::RecoveryStart,
            ),
            ("recovery.purpose", "success", "", Activity::RecoveryPurpose),
            (
                "recovery.method",
                "success",
                "email",
                Activity::RecoveryMethod,
            ),
            (
                "recovery.code_sent",
                "success",
                "sms",
                Activity::RecoveryCodeSent,
            ),
            ("recovery.gate", "success", "email", Activity::GatePassed),
            ("recovery.gate", "failure", "totp", Activity::GateFailed),
            ("recovery.paused", "failure", "", Activity::Blocked),
            ("recovery.reset", "success", "", Activity::Reset),
            ("recovery.unlock", "success", "", Activity::Unlock),
            ("recovery.freeze", "success", "", Activity::NotMe),
            ("admin.policy.change", "success", "", Activity::PolicyChange),
            ("admin.terms.add", "success", "", Activity::PolicyChange),
            ("org.terms.remove", "success", "", Activity::PolicyChange),
            ("admin.user.disable", "success", "", Activity::AccountAdmin),
            ("user.import", "success", "", Activity::AccountAdmin),
            ("admin.audit.export", "success", "", Activity::AdminOther),
            ("org.add", "success", "", Activity::AdminOther),
            ("something.new", "success", "", Activity::Other),
            // A prefix is a whole segment: `recovery_codesX` is not a registration.
            ("recovery_codesX.generate", "success", "", Activity::Other),
        ];
        for (action, outcome, detail, want) in cases {
            assert_eq!(
                activity_of(action, outcome, detail),
                want,
                "{action} {outcome} {detail}"
            );
        }
    }

    #[test]
    fn codes_round_trip_and_every_category_but_other_has_rules() {
        for a in Activity::ALL {
            assert_eq!(Activity::parse(a.code()), Some(a));
            let has_rules = RULES.iter().any(|(r, _)| *r == a);
            assert_eq!(has_rules, a != Activity::Other, "{a:?}");
        }
        assert_eq!(Activity::parse("nope"), None);
    }
}
