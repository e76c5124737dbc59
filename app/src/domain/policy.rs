//! An organisation's recovery and password policy, stored as JSON on the organisation.
//! Defaults and bounds are in docs/security.md; `normalized` keeps every value inside its allowed bounds so
//! a hand-edited row can never weaken the portal below them.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    Email,
    Sms,
    Authenticator,
    RecoveryCodes,
    SecurityQuestions,
    /// A WebAuthn credential (passkey): needs JavaScript, so offered only where it runs.
    Passkey,
}

impl MethodKind {
    /// Every method, in the order recovery lists them.
    pub const ALL: [MethodKind; 6] = [
        MethodKind::Email,
        MethodKind::Sms,
        MethodKind::Authenticator,
        MethodKind::RecoveryCodes,
        MethodKind::SecurityQuestions,
        MethodKind::Passkey,
    ];

    /// The method's name in stored rows and the audit log (its serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            MethodKind::Email => "email",
            MethodKind::Sms => "sms",
            MethodKind::Authenticator => "authenticator",
            MethodKind::RecoveryCodes => "recovery_codes",
            MethodKind::SecurityQuestions => "security_questions",
            MethodKind::Passkey => "passkey",
        }
    }

    pub fn parse(s: &str) -> Option<MethodKind> {
        MethodKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Knowledge (security questions): weaker (NIST 63A-4), never the only gate and
    /// never an administrator's.
    pub fn is_knowledge(self) -> bool {
        self == MethodKind::SecurityQuestions
    }

    /// A second factor of sign-in: whoever has one needs two gates, so a reset never
    /// gets around it. A passkey is not one: it signs in on its own, beside the password,
    /// and a reset does not weaken it.
    pub fn is_sign_in_factor(self) -> bool {
        self == MethodKind::Authenticator
    }

    /// Needs JavaScript in the browser (WebAuthn): never offered to a page without it.
    pub fn needs_script(self) -> bool {
        self == MethodKind::Passkey
    }
}

/// The bounds each number of the policy must stay inside (inclusive), shown beside each
/// field and enforced by the server. The password length's are
/// `domain::password::MIN_LENGTH_BOUNDS`.
pub mod bounds {
    pub const METHODS_REQUIRED: (i64, i64) = (1, 2);
    pub const QUESTIONS: (i64, i64) = (3, 5);
    pub const RECONFIRM_DAYS: (i64, i64) = (0, 730);
    pub const PASSWORD_HISTORY: (i64, i64) = (0, 24);
    pub const LOCKOUT_THRESHOLD: (i64, i64) = (3, 50);
    pub const LOCKOUT_SECONDS: (i64, i64) = (1, 3600);
    /// Characters of help-desk text or link.
    pub const HELP_DESK_CHARS: usize = 500;
    /// Regions in the SMS allow-list.
    pub const SMS_REGIONS: usize = 50;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct OrgPolicy {
    pub methods_enabled: Vec<MethodKind>,
    pub methods_required: u8,
    pub questions_to_register: u8,
    pub questions_to_answer: u8,
    pub require_registration: bool,
    pub reconfirm_days: u16,
    pub notify_user_on_reset: bool,
    pub notify_admins_on_admin_reset: bool,
    pub password_min_length: u32,
    pub password_history: u8,
    pub lockout_threshold: u32,
    pub lockout_seconds: i64,
    pub help_desk: Option<String>,
    /// The organisation's own security questions, besides the predefined list.
    pub custom_questions: Vec<String>,
    /// ISO 3166 regions (`IT`, `CN`…) whose mobile numbers may be registered; empty: any.
    pub sms_regions: Vec<String>,
}

impl Default for OrgPolicy {
    fn default() -> Self {
        Self {
            methods_enabled: vec![
                MethodKind::Email,
                MethodKind::Sms,
                MethodKind::Authenticator,
                MethodKind::RecoveryCodes,
                MethodKind::Passkey,
            ],
            methods_required: 1,
            questions_to_register: 3,
            questions_to_answer: 3,
            require_registration: true,
            reconfirm_days: 180,
            notify_user_on_reset: true,
            notify_admins_on_admin_reset: true,
            password_min_length: crate::domain::password::DEFAULT_MIN_LENGTH,
            password_history: 5,
            lockout_threshold: 10,
            lockout_seconds: 60,
            help_desk: None,
            custom_questions: Vec::new(),
            sms_regions: Vec::new(),
        }
    }
}

impl OrgPolicy {
    /// The policy with every value clamped into the bounds docs/security.md allows.
    pub fn normalized(mut self) -> Self {
        let (lo, hi) = crate::domain::password::MIN_LENGTH_BOUNDS;
        self.methods_required = self.methods_required.clamp(1, 2);
        self.questions_to_register = self.questions_to_register.clamp(3, 5);
        self.questions_to_answer = self
            .questions_to_answer
            .clamp(3, self.questions_to_register);
        self.reconfirm_days = self.reconfirm_days.min(730);
        self.password_min_length = self.password_min_length.clamp(lo, hi);
        self.lockout_threshold = self.lockout_threshold.clamp(3, 50);
        self.lockout_seconds = self.lockout_seconds.clamp(1, 3600);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn defaults_match_the_design() {
        let p = OrgPolicy::default();
        assert_eq!(p.methods_required, 1);
        assert!(!p.methods_enabled.contains(&MethodKind::SecurityQuestions));
        assert_eq!(p.password_min_length, 12);
        assert_eq!((p.lockout_threshold, p.lockout_seconds), (10, 60));
        assert_eq!(p.clone().normalized(), p);
    }

    #[test]
    fn out_of_bounds_values_are_clamped() {
        let p = OrgPolicy {
            password_min_length: 4,
            methods_required: 9,
            ..OrgPolicy::default()
        };
        let p = p.normalized();
        assert_eq!(p.password_min_length, 8);
        assert_eq!(p.methods_required, 2);
    }

    #[test]
    fn missing_keys_take_defaults_and_unknown_keys_are_refused() {
        let p: OrgPolicy = serde_json::from_str(r#"{"password_min_length": 16}"#).unwrap();
        assert_eq!(p.password_min_length, 16);
        assert_eq!(p.methods_required, 1);
        assert!(serde_json::from_str::<OrgPolicy>(r#"{"admin_can_reset": true}"#).is_err());
    }
}
