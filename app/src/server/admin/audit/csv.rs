//! `GET /admin/audit.csv`: the filtered log as CSV, streamed in keyset batches, so an
//! export of 100,000 events holds one batch in memory at a time, never the whole set.
use super::resolve;
use crate::domain::console::audit::activity::activity_of;
use crate::domain::console::audit::filter::{iso_time, AuditFilter, FilterQuery, PageAt};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::server::audit::SUCCESS;
use crate::server::state::AppState;
use crate::server::store::audit_query::{AuditListRow, ResolvedFilter};
use crate::server::store::Store;
use crate::texts::audit as labels;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};

/// Rows a batch: big enough that 100,000 events take a hundred queries, small enough
/// that a batch is a few hundred kilobytes.
const BATCH: i64 = 1000;

pub async fn audit_csv(State(state): State<AppState>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let locale = crate::server::request::cookie(&parts, "i18n_pref_locale")
        .and_then(|l| l.parse::<Locale>().ok())
        .unwrap_or_default();
    let text = |status: StatusCode, body: String| {
        (
            status,
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response()
    };
    let admin = match crate::server::admin::require_admin_of(&state, &parts).await {
        Ok(a) => a,
        Err(AppError::NotSignedIn) => {
            return text(StatusCode::UNAUTHORIZED, labels::not_signed_in(locale))
        }
        Err(AppError::Forbidden) => return text(StatusCode::FORBIDDEN, labels::forbidden(locale)),
        Err(_) => return text(StatusCode::INTERNAL_SERVER_ERROR, labels::internal(locale)),
    };
    let Ok(Query(mut query)) = Query::<FilterQuery>::try_from_uri(&parts.uri) else {
        return text(StatusCode::BAD_REQUEST, labels::invalid_input(locale));
    };
    // The export is the whole filtered set, whatever page the viewer was on.
    query.before.clear();
    query.after.clear();
    let (filter, user_id) = match resolve(&state, &admin, &query).await {
        Ok(Ok(r)) => r,
        Ok(Err(problems)) => {
            let lines: Vec<String> = problems
                .iter()
                .map(|p| labels::problem(locale, *p))
                .collect();
            return text(StatusCode::BAD_REQUEST, lines.join("\n"));
        }
        Err(_) => return text(StatusCode::INTERNAL_SERVER_ERROR, labels::internal(locale)),
    };
    // Exporting the log is itself an administrative action worth a line in it. Only the
    // kinds of filter used are recorded: detail holds codes, never typed text.
    let event = admin.event(
        state.now(),
        "admin.audit.export",
        SUCCESS,
        user_id,
        used_filters(&filter),
    );
    if state.store.audit(&event).await.is_err() {
        return text(StatusCode::INTERNAL_SERVER_ERROR, labels::internal(locale));
    }
    let export = Export {
        store: state.store.clone(),
        org_id: admin.org.id,
        filter,
        user_id,
        locale,
        cursor: None,
    };
    let stream = futures_util::stream::unfold(Some(export), |export| async move {
        let mut export = export?;
        match export.next_chunk().await {
            Ok(Some((chunk, done))) => Some((Ok(chunk), (!done).then_some(export))),
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "audit export failed");
                Some((Err(std::io::Error::other("audit export failed")), None))
            }
        }
    });
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"regain-audit-log.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

fn used_filters(f: &AuditFilter) -> String {
    let mut used: Vec<String> = Vec::new();
    if f.since.is_some() {
        used.push("from".into());
    }
    if f.until.is_some() {
        used.push("to".into());
    }
    if f.user.is_some() {
        used.push("user".into());
    }
    if let Some(a) = f.activity {
        used.push(format!("activity:{}", a.code()));
    }
    if let Some(s) = f.success {
        used.push(format!("outcome:{}", if s { "success" } else { "failure" }));
    }
    if f.ip.is_some() {
        used.push("ip".into());
    }
    used.join(",")
}

struct Export {
    store: Store,
    org_id: i64,
    filter: AuditFilter,
    user_id: Option<i64>,
    locale: Locale,
    /// `None` before the header went out; then the id of the last row sent.
    cursor: Option<PageAt>,
}

impl Export {
    /// The next piece of the file and whether it is the last, or `None` when done.
    async fn next_chunk(
        &mut self,
    ) -> Result<Option<(String, bool)>, crate::server::store::StoreError> {
        let Some(page) = self.cursor else {
            self.cursor = Some(PageAt::Newest);
            let mut line = String::new();
            push_row(
                &mut line,
                labels::columns(self.locale).iter().map(String::as_str),
            );
            return Ok(Some((line, false)));
        };
        let resolved = ResolvedFilter {
            filter: &self.filter,
            user_id: self.user_id,
        };
        let rows = self
            .store
            .audit_page(self.org_id, &resolved, page, BATCH)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        self.cursor = Some(PageAt::Before(last.id));
        let done = i64::try_from(rows.len()).unwrap_or(i64::MAX) < BATCH;
        let mut chunk = String::with_capacity(rows.len() * 160);
        for r in &rows {
            self.push_event(&mut chunk, r);
        }
        Ok(Some((chunk, done)))
    }

    fn push_event(&self, out: &mut String, r: &AuditListRow) {
        let activity = activity_of(&r.action, &r.outcome, &r.detail);
        let time = iso_time(r.at, self.filter.tz_minutes);
        let label = labels::activity(self.locale, activity);
        let actor = r.actor_email.as_deref().unwrap_or(&r.actor);
        let subject = r.subject_email.as_deref().unwrap_or("");
        push_row(
            out,
            [
                time.as_str(),
                actor,
                subject,
                label.as_str(),
                r.action.as_str(),
                r.outcome.as_str(),
                r.ip.as_str(),
                r.detail.as_str(),
            ],
        );
    }
}

/// One CSV record (RFC 4180), CRLF-terminated.
fn push_row<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(out, cell);
    }
    out.push_str("\r\n");
}

/// A cell, quoted when needed, and defused when a spreadsheet would read it as a formula
/// (OWASP "CSV injection": a leading `=`, `+`, `-`, `@`, tab or carriage return).
fn push_cell(out: &mut String, cell: &str) {
    let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || cell.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in cell.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> String {
        let mut out = String::new();
        push_row(&mut out, cells.iter().copied());
        out
    }

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(row(&["a", "b c"]), "a,b c\r\n");
        assert_eq!(
            row(&["a,b", "say \"hi\""]),
            "\"a,b\",\"say \"\"hi\"\"\"\r\n"
        );
        assert_eq!(row(&["line\nbreak"]), "\"line\nbreak\"\r\n");
        assert_eq!(
            row(&["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "2001:db8::1"]),
            "\"'=HYPERLINK(\"\"x\"\")\",\"'+1\",\"'-2\",\"'@SUM(A1)\",2001:db8::1\r\n"
        );
    }
}
