//! The recovery and password policy editor, and the help-desk line the recovery pages show.
// The save takes the form's fields as arguments, one per knob; the macro's generated
// client function can only be allowed at module level.
#![allow(clippy::too_many_arguments)]
use crate::domain::policy::OrgPolicy;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

pub use crate::domain::policy::bounds;

/// Where a saved policy lands: the policy page with a one-line confirmation.
pub const SAVED: &str = "/admin/policy?done=saved";

/// The administrator's own organisation's policy, as stored.
#[server(prefix = "/api", endpoint = "admin/policy/get")]
pub async fn admin_policy() -> Result<OrgPolicy, AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            let admin = crate::server::admin::require_admin(&state).await?;
            Ok(admin.org.policy)
        }
        .await,
    )
}

/// Saves the whole form. A checkbox left unticked is simply absent; every number is
/// taken as typed, so a value out of bounds is refused by name rather than quietly
/// changed.
#[server(prefix = "/api", endpoint = "admin/policy/save")]
pub async fn save_policy(
    method_email: Option<String>,
    method_sms: Option<String>,
    method_authenticator: Option<String>,
    method_recovery_codes: Option<String>,
    method_security_questions: Option<String>,
    method_passkey: Option<String>,
    methods_required: String,
    questions_to_register: String,
    questions_to_answer: String,
    require_registration: Option<String>,
    reconfirm_days: String,
    notify_user_on_reset: Option<String>,
    notify_admins_on_admin_reset: Option<String>,
    password_min_length: String,
    password_history: String,
    lockout_threshold: String,
    lockout_seconds: String,
    sms_regions: String,
    help_desk: String,
) -> Result<(), AppError> {
    use crate::domain::policy::MethodKind;
    use crate::server::admin::policy::PolicyForm;
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            let admin = crate::server::admin::require_admin(&state).await?;
            let methods = [
                (method_email, MethodKind::Email),
                (method_sms, MethodKind::Sms),
                (method_authenticator, MethodKind::Authenticator),
                (method_recovery_codes, MethodKind::RecoveryCodes),
                (method_security_questions, MethodKind::SecurityQuestions),
                (method_passkey, MethodKind::Passkey),
            ]
            .into_iter()
            .filter_map(|(ticked, kind)| ticked.map(|_| kind))
            .collect();
            let form = PolicyForm {
                methods_enabled: methods,
                methods_required,
                questions_to_register,
                questions_to_answer,
                require_registration: require_registration.is_some(),
                reconfirm_days,
                notify_user_on_reset: notify_user_on_reset.is_some(),
                notify_admins_on_admin_reset: notify_admins_on_admin_reset.is_some(),
                password_min_length,
                password_history,
                lockout_threshold,
                lockout_seconds,
                sms_regions,
                help_desk,
            };
            crate::server::admin::policy::save(&state, &admin, form).await?;
            leptos_axum::redirect(SAVED);
            Ok(())
        }
        .await,
    )
}

/// The help-desk text or link of the organisation whose account the browser's recovery
/// flow is about; nothing when there is none to show.
#[server(prefix = "/api", endpoint = "recovery/help-desk")]
pub async fn recovery_help_desk() -> Result<Option<String>, AppError> {
    use crate::server::recovery::{deadline, limits::Step};
    // Shown beside every recovery page: it answers at the page's deadline, so a real
    // account's flow (which loads the account first) takes as long as a decoy's.
    crate::api::answer::with_status(
        deadline::within(Step::Page, async move {
            let state = crate::server::app_state()?;
            crate::server::admin::policy::help_desk_for_flow(&state).await
        })
        .await,
    )
}

/// The form fields of this area's server functions (see `crate::api::FORM_FIELDS`).
pub const FORM_FIELDS: &[(&str, &[&str])] = &[
    (<AdminPolicy as ServerFn>::PATH, &[]),
    (
        <SavePolicy as ServerFn>::PATH,
        &[
            "method_email",
            "method_sms",
            "method_authenticator",
            "method_recovery_codes",
            "method_security_questions",
            "method_passkey",
            "methods_required",
            "questions_to_register",
            "questions_to_answer",
            "require_registration",
            "reconfirm_days",
            "notify_user_on_reset",
            "notify_admins_on_admin_reset",
            "password_min_length",
            "password_history",
            "lockout_threshold",
            "lockout_seconds",
            "sms_regions",
            "help_desk",
        ],
    ),
    (<RecoveryHelpDesk as ServerFn>::PATH, &[]),
];

/// The page a form posting to `endpoint` lives on, for this area's server functions.
pub fn form_page(endpoint: &str) -> Option<&'static str> {
    (endpoint == <SavePolicy as ServerFn>::PATH).then_some(crate::routes::ADMIN_POLICY)
}
