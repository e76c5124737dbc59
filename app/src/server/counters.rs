//! What the operator's `/metrics` counts, through the `metrics` facade: nothing is kept
//! until the server installs its exporter. Labels come from the code (actions, outcomes,
//! channels), never from input, so their number stays bounded.
use metrics::counter;

/// An audit event was written: the recovery funnel (start, purpose, gate, reset, unlock,
/// pause, decoy), sign-ins by outcome, and every other audited action. Counted when the
/// statement ran; a transaction rolled back afterwards is rare and still counted.
/// Whether a flow is a decoy is told here, to the operator only.
pub fn audit_event(action: &str, outcome: &str, detail: &str) {
    let decoy = if detail == "decoy" { "true" } else { "false" };
    counter!(
        "regain_events_total",
        "action" => action.to_owned(),
        "outcome" => outcome.to_owned(),
        "decoy" => decoy,
    )
    .increment(1);
}

/// A delivery attempt failed (`given_up`: no more retries).
pub fn delivery_failed(channel: &str, given_up: bool) {
    counter!(
        "regain_delivery_failures_total",
        "channel" => channel.to_owned(),
        "given_up" => if given_up { "true" } else { "false" },
    )
    .increment(1);
}

/// A hash was refused because the hashing workers were full.
pub fn hash_shed() {
    counter!("regain_hash_shed_total").increment(1);
}
