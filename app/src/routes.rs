//! Route paths and the DOM ids that the end-to-end tests use. `end2end/tests/ids.ts`
//! mirrors this module: rename something here and the Playwright specs fail loudly.

pub const LOGIN: &str = "/login";
pub const RECOVER: &str = "/recover";
/// The recovery flow's steps; the flow itself is found through its cookie.
pub const RECOVER_WHY: &str = "/recover/why";
pub const RECOVER_VERIFY: &str = "/recover/verify";
pub const RECOVER_VERIFY_RESENT: &str = "/recover/verify?resent=1";
/// The gate's method list again, to pick another method than the one chosen.
pub const RECOVER_VERIFY_CHOOSE: &str = "/recover/verify?choose=1";
pub const RECOVER_PASSWORD: &str = "/recover/password";
pub const RECOVER_DONE: &str = "/recover/done";
pub const RECOVER_DONE_RESET: &str = "/recover/done?what=reset";
pub const RECOVER_DONE_UNLOCKED: &str = "/recover/done?what=unlock";
/// Where the "this wasn't me" link of a recovery notice leads, and where it ends.
pub const RECOVER_FREEZE: &str = "/recover/freeze";
pub const RECOVER_FROZEN: &str = "/recover/frozen";
pub const ACCOUNT: &str = "/account";
pub const CHANGE_PASSWORD: &str = "/change-password";
pub const ACCOUNT_PASSWORD: &str = "/account/password";
/// Where a successful change lands: the account page with a one-line confirmation.
pub const PASSWORD_CHANGED: &str = "/account?changed=password";
/// The administrator console: insights first, then one page an area.
pub const ADMIN: &str = "/admin";
pub const ADMIN_POLICY: &str = "/admin/policy";
pub const ADMIN_TERMS: &str = "/admin/terms";
pub const ADMIN_AUDIT: &str = "/admin/audit";
/// The audit log's filtered set as CSV, streamed (a plain GET: it changes nothing).
pub const ADMIN_AUDIT_CSV: &str = "/admin/audit.csv";
pub const ADMIN_USERS: &str = "/admin/users";
pub const DEV_MAILBOX: &str = "/dev/mailbox";
/// Security info: the recovery methods of the signed-in user.
pub const SECURITY_INFO: &str = "/account/security";
pub const SECURITY_VERIFY: &str = "/account/security/verify";
pub const SECURITY_AUTHENTICATOR: &str = "/account/security/authenticator";
pub const SECURITY_CODES: &str = "/account/security/recovery-codes";
/// The same codes as a text file to keep (read only, for the session that made them).
pub const SECURITY_CODES_TXT: &str = "/account/security/recovery-codes.txt";
pub const SECURITY_QUESTIONS: &str = "/account/security/questions";
/// Where a successful change lands: the page with a one-line confirmation.
pub const SECURITY_DONE_ADDED: &str = "/account/security?done=added";
pub const SECURITY_DONE_REMOVED: &str = "/account/security?done=removed";
pub const SECURITY_DONE_QUESTIONS: &str = "/account/security?done=questions";
pub const SECURITY_VERIFY_RESENT: &str = "/account/security/verify?resent=1";
/// "More information required": after sign-in, when the account can't recover alone.
pub const SECURITY_REQUIRED: &str = "/account/security/required";
/// "Are these still current?": after sign-in, when re-confirmation is due.
pub const SECURITY_CONFIRM: &str = "/account/security/confirm";

pub mod ids {
    pub const MAIN: &str = "main";
    pub const LOGIN_FORM: &str = "login-form";
    pub const PASSKEY_SIGN_IN: &str = "passkey-sign-in";
    pub const RECOVER_PASSKEY: &str = "recover-passkey";
    pub const PASSKEYS_LIST: &str = "passkeys";
    pub const PASSKEY_NAME: &str = "passkey-name";
    pub const ADD_PASSKEY: &str = "add-passkey";
    pub const USER_ID: &str = "user-id";
    pub const PASSWORD: &str = "password";
    pub const CANT_ACCESS: &str = "cant-access";
    pub const FORM_ERROR: &str = "form-error";
    pub const ACCOUNT_EMAIL: &str = "account-email";
    pub const ACCOUNT_NAME: &str = "account-name";
    pub const SIGN_OUT: &str = "sign-out";
    pub const CURRENT_PASSWORD: &str = "current-password";
    pub const NEW_PASSWORD: &str = "new-password";
    pub const CONFIRM_PASSWORD: &str = "confirm-password";
    pub const CHANGE_SUBMIT: &str = "change-submit";
    pub const SHOW_PASSWORD: &str = "show-password";
    pub const PASSWORD_CHECKLIST: &str = "password-checklist";
    pub const PASSWORD_SUMMARY: &str = "password-summary";
    pub const STRENGTH: &str = "password-strength";
    pub const CHANGE_PASSWORD_LINK: &str = "change-password-link";
    pub const ACCOUNT_NOTICE: &str = "account-notice";
    pub const LANG_SWITCHER: &str = "lang-switcher";
    /// The proof of work's hidden field (its payload once solved), progress bar and status.
    pub const POW: &str = "pow";
    pub const POW_PROGRESS: &str = "pow-progress";
    pub const POW_STATUS: &str = "pow-status";
    pub const MAILBOX_LIST: &str = "mailbox-list";
    pub const ORG_NAME: &str = "org-name";
    pub const SECURITY_INFO_LINK: &str = "security-info-link";
    pub const REAUTH_FORM: &str = "reauth-form";
    pub const REAUTH_PASSWORD: &str = "reauth-password";
    pub const METHODS_LIST: &str = "methods-list";
    pub const ADD_EMAIL: &str = "add-email";
    pub const ADD_PHONE: &str = "add-phone";
    pub const VERIFY_CODE: &str = "verify-code";
    pub const VERIFY_SUBMIT: &str = "verify-submit";
    pub const RESEND: &str = "resend-code";
    pub const ADD_AUTHENTICATOR: &str = "add-authenticator";
    pub const TOTP_SECRET: &str = "totp-secret";
    pub const TOTP_CODE: &str = "totp-code";
    pub const GENERATE_CODES: &str = "generate-codes";
    pub const RECOVERY_CODES: &str = "recovery-codes";
    pub const CODES_SAVED: &str = "codes-saved";
    pub const CODES_LEFT: &str = "codes-left";
    pub const SECURITY_NOTICE: &str = "security-notice";
    pub const QUESTIONS_FORM: &str = "questions-form";
    pub const SKIP_REGISTRATION: &str = "skip-registration";
    pub const CONFIRM_CURRENT: &str = "confirm-current";
    pub const RECOVER_USER_ID: &str = "recover-user-id";
    pub const RECOVER_START: &str = "recover-start";
    pub const PURPOSE_RESET: &str = "purpose-reset";
    pub const PURPOSE_UNLOCK: &str = "purpose-unlock";
    pub const PURPOSE_SUBMIT: &str = "purpose-submit";
    pub const GATE_LIST: &str = "gate-list";
    pub const GATE_STEP: &str = "gate-step";
    pub const RECOVER_CODE: &str = "recover-code";
    pub const RECOVER_PROVE: &str = "recover-prove";
    pub const RECOVER_RESEND: &str = "recover-resend";
    pub const OTHER_METHOD: &str = "other-method";
    pub const RECOVER_PASSWORD_SUBMIT: &str = "recover-password-submit";
    pub const RECOVER_DONE: &str = "recover-done";
    pub const FREEZE_SUBMIT: &str = "freeze-submit";
    pub const RECOVERY_LOG: &str = "recovery-log";
    pub const ADMIN_LINK: &str = "admin-link";
    pub const ADMIN_NAV: &str = "admin-nav";
    pub const NOT_ALLOWED: &str = "not-allowed";

    // Policy editor.
    pub const POLICY_FORM: &str = "policy-form";
    pub const POLICY_SAVE: &str = "policy-save";
    pub const POLICY_NOTICE: &str = "policy-notice";
    pub const POLICY_FIXED: &str = "policy-fixed";
    pub const HELP_DESK: &str = "help-desk";

    // Banned terms.
    pub const TERMS_ADD_FORM: &str = "terms-add-form";
    pub const TERMS_ADD: &str = "terms-add";
    pub const TERMS_ADD_SUBMIT: &str = "terms-add-submit";
    pub const TERMS_IMPORT_FORM: &str = "terms-import-form";
    pub const TERMS_IMPORT_TEXT: &str = "terms-import-text";
    pub const TERMS_IMPORT_FILE: &str = "terms-import-file";
    pub const TERMS_IMPORT_SUBMIT: &str = "terms-import-submit";
    pub const TERMS_LIST: &str = "terms-list";
    pub const TERMS_NOTICE: &str = "terms-notice";
    pub const TERMS_COUNT: &str = "terms-count";

    // Audit log.
    pub const AUDIT_FORM: &str = "audit-form";
    pub const AUDIT_FROM: &str = "audit-from";
    pub const AUDIT_TO: &str = "audit-to";
    pub const AUDIT_USER: &str = "audit-user";
    pub const AUDIT_ACTIVITY: &str = "audit-activity";
    pub const AUDIT_OUTCOME: &str = "audit-outcome";
    pub const AUDIT_IP: &str = "audit-ip";
    pub const AUDIT_TZ: &str = "audit-tz";
    pub const AUDIT_APPLY: &str = "audit-apply";
    pub const AUDIT_PROBLEMS: &str = "audit-problems";
    pub const AUDIT_TABLE: &str = "audit-table";
    pub const AUDIT_CAPTION: &str = "audit-caption";
    pub const AUDIT_EMPTY: &str = "audit-empty";
    pub const AUDIT_NEWER: &str = "audit-newer";
    pub const AUDIT_OLDER: &str = "audit-older";
    pub const AUDIT_CSV: &str = "audit-csv";

    // Insights.
    pub const INSIGHTS_PERIOD: &str = "insights-period";
    pub const INSIGHTS_ACTIVITY: &str = "insights-activity";
    pub const INSIGHTS_FUNNEL: &str = "insights-funnel";
    pub const INSIGHTS_METHODS: &str = "insights-methods";
    pub const INSIGHTS_BLOCKED: &str = "insights-blocked";
    pub const INSIGHTS_REGISTRATION: &str = "insights-registration";
    pub const INSIGHTS_UNREGISTERED: &str = "insights-unregistered";

    // Users.
    pub const USERS_SEARCH: &str = "users-search";
    pub const USERS_QUERY: &str = "users-q";
    pub const USERS_ROLE: &str = "users-role";
    pub const USERS_STATUS: &str = "users-status";
    pub const USERS_TABLE: &str = "users-table";
    pub const USERS_NOTICE: &str = "users-notice";
    pub const USERS_PAGES: &str = "users-pages";
}

/// RFC 3986 percent-encoding of everything but the unreserved characters: a value put
/// into a query string or a URI.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The path without its leading slash, as a router segment.
pub fn segment(path: &'static str) -> &'static str {
    path.trim_start_matches('/')
}

/// A return path from a form is only ever a local path: anything else (another host,
/// `//evil`, a scheme) sends the browser to the sign-in page instead.
pub fn safe_return_path(candidate: &str) -> String {
    let local = candidate.starts_with('/')
        && !candidate.starts_with("//")
        && !candidate.starts_with("/\\")
        && !candidate.chars().any(|c| c.is_control());
    if local {
        candidate.to_owned()
    } else {
        LOGIN.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn return_paths_stay_on_this_site() {
        assert_eq!(safe_return_path("/account"), "/account");
        assert_eq!(safe_return_path("/recover?x=1"), "/recover?x=1");
        assert_eq!(safe_return_path("//evil.example/"), LOGIN);
        assert_eq!(safe_return_path("/\\evil.example"), LOGIN);
        assert_eq!(safe_return_path("https://evil.example/"), LOGIN);
        assert_eq!(safe_return_path("/a\r\nSet-Cookie: x"), LOGIN);
        assert_eq!(safe_return_path(""), LOGIN);
    }

    #[test]
    fn only_unreserved_characters_stay_as_they_are() {
        assert_eq!(percent_encode("a-Z_0.~"), "a-Z_0.~");
        assert_eq!(percent_encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }

    #[test]
    fn segments_drop_the_slash() {
        assert_eq!(segment(LOGIN), "login");
        assert_eq!(DEV_MAILBOX, "/dev/mailbox");
    }
}
