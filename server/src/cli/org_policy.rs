//! Operator commands for an organisation's recovery policy (the administrator console
//! edits the same policy later). Values outside their bounds are refused, not clamped, so
//! the operator learns what they asked for was not what they got.
use super::{find_org, CliError};
use app::domain::policy::OrgPolicy;
use app::server::audit;
use app::server::store::Store;
use clap::Subcommand;
use std::io::Read;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print the organisation's policy as JSON.
    Show {
        #[arg(long)]
        org: String,
    },
    /// Change some keys of the policy: a JSON object (argument, or standard input), e.g.
    /// `{"methods_required": 2, "sms_regions": ["IT", "CN"]}`. Unknown keys and values out
    /// of bounds are refused; the change is audited with the old and new policy.
    Set {
        #[arg(long)]
        org: String,
        json: Option<String>,
    },
}

pub async fn policy_command(store: &Store, cmd: PolicyCommand, now: i64) -> Result<(), CliError> {
    match cmd {
        PolicyCommand::Show { org } => {
            let org = find_org(store, &org).await?;
            println!("{}", to_json(&org.policy)?);
        }
        PolicyCommand::Set { org, json } => {
            let org = find_org(store, &org).await?;
            let text = match json {
                Some(j) => j,
                None => {
                    let mut s = String::new();
                    std::io::stdin().take(64 * 1024).read_to_string(&mut s)?;
                    s
                }
            };
            let next = merged(&org.policy, &text)?;
            let detail = format!("{} -> {}", to_json(&org.policy)?, to_json(&next)?);
            let event = audit::by_cli(now, "policy.set", Some(org.id), None, &detail);
            store.set_policy(org.id, &next, &event).await?;
            println!("{}", to_json(&next)?);
        }
    }
    Ok(())
}

fn to_json(policy: &OrgPolicy) -> Result<String, CliError> {
    serde_json::to_string(policy).map_err(|e| CliError::App(format!("policy: {e}")))
}

/// The current policy with the keys of `patch` replaced, refused if anything is unknown,
/// malformed or out of bounds.
pub fn merged(current: &OrgPolicy, patch: &str) -> Result<OrgPolicy, CliError> {
    let patch: serde_json::Value = serde_json::from_str(patch)
        .map_err(|e| CliError::Usage(format!("the policy change is not JSON: {e}")))?;
    let serde_json::Value::Object(changes) = patch else {
        return Err(CliError::Usage(
            "the policy change must be a JSON object".into(),
        ));
    };
    let mut value =
        serde_json::to_value(current).map_err(|e| CliError::App(format!("policy: {e}")))?;
    if let serde_json::Value::Object(fields) = &mut value {
        for (k, v) in changes {
            fields.insert(k, v);
        }
    }
    let next: OrgPolicy = serde_json::from_value(value)
        .map_err(|e| CliError::Usage(format!("invalid policy: {e}")))?;
    if next.clone().normalized() != next {
        return Err(CliError::Usage(
            "a value is out of bounds (methods_required 1–2, questions 3–5 with to_answer ≤ \
             to_register, reconfirm_days ≤ 730, password_min_length 8–64, lockout_threshold \
             3–50, lockout_seconds 1–3600)"
                .into(),
        ));
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_merged_and_bounds_refused() {
        let p = OrgPolicy::default();
        let next = merged(&p, r#"{"methods_required": 2, "sms_regions": ["IT"]}"#).unwrap();
        assert_eq!(next.methods_required, 2);
        assert_eq!(next.sms_regions, ["IT"]);
        assert_eq!(next.password_min_length, p.password_min_length);
        assert!(merged(&p, r#"{"methods_required": 3}"#).is_err());
        assert!(merged(&p, r#"{"admin_can_reset": true}"#).is_err());
        assert!(merged(&p, "[1]").is_err());
        assert!(merged(&p, "not json").is_err());
    }
}
