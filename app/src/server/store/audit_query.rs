//! Reading one organisation's audit log: filtered, newest first, by keyset pages
//! (`id < cursor`), so page 2,000 costs what page 1 does and an export walks 100,000
//! events in bounded batches. The organisation is always the caller's (the administrator's),
//! passed by the console, never taken from the request.
use super::{Store, StoreError};
use crate::domain::console::audit::activity::{ActionIs, Activity, Rule, RULES};
use crate::domain::console::audit::filter::{AuditFilter, IpMatch, PageAt};
use sqlx::any::AnyArguments;
use sqlx::query::QueryAs;
use sqlx::Any;

/// One event as the console shows it, with the emails of its actor and subject.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditListRow {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub outcome: String,
    pub ip: String,
    pub detail: String,
    pub actor_email: Option<String>,
    pub subject_email: Option<String>,
}

/// Where the user filter resolved to: a user of the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedFilter<'a> {
    pub filter: &'a AuditFilter,
    /// The user filter's id, checked to belong to the organisation.
    pub user_id: Option<i64>,
}

enum Bind {
    Int(i64),
    Text(String),
}

/// SQL text with its numbered parameters, the same `$n` on both databases.
#[derive(Default)]
struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }

    fn bind(&mut self, b: Bind) {
        self.binds.push(b);
        self.text.push_str(&format!("${}", self.binds.len()));
    }

    fn query_as(&self) -> QueryAs<'_, Any, AuditListRow, AnyArguments<'_>> {
        let mut q = sqlx::query_as(&self.text);
        for b in &self.binds {
            q = match b {
                Bind::Int(i) => q.bind(*i),
                Bind::Text(t) => q.bind(t.as_str()),
            };
        }
        q
    }
}

/// `substr(column, 1, n) = $k`: an exact prefix test (LIKE would read `_` as a wildcard).
fn starts_with(sql: &mut Sql, column: &str, prefix: &str) {
    // The length is ours (a count), never typed text, so it is written into the SQL.
    sql.push(&format!(
        "substr({column}, 1, {}) = ",
        prefix.chars().count()
    ));
    sql.bind(Bind::Text(prefix.to_owned()));
}

fn rule_sql(sql: &mut Sql, rule: &Rule) {
    sql.push("(");
    match rule.action {
        ActionIs::Exactly(a) => {
            sql.push("e.action = ");
            sql.bind(Bind::Text(a.into()));
        }
        ActionIs::StartsWith(p) => starts_with(sql, "e.action", p),
    }
    if let Some(o) = rule.outcome {
        sql.push(" AND e.outcome = ");
        sql.bind(Bind::Text(o.into()));
    }
    if let Some(d) = rule.detail {
        sql.push(" AND e.detail = ");
        sql.bind(Bind::Text(d.into()));
    }
    sql.push(")");
}

fn any_rule_sql(sql: &mut Sql, rules: &[&Rule]) {
    if rules.is_empty() {
        sql.push("(1 = 0)");
        return;
    }
    sql.push("(");
    for (i, rule) in rules.iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        rule_sql(sql, rule);
    }
    sql.push(")");
}

/// The condition for one activity, with the mapping's first-match-wins order: its own
/// rules, and none of an earlier activity's (`Other` is "no rule at all").
fn activity_sql(sql: &mut Sql, activity: Activity) {
    let position = RULES
        .iter()
        .position(|(a, _)| *a == activity)
        .unwrap_or(RULES.len());
    let (earlier, own) = RULES.split_at(position);
    let earlier: Vec<&Rule> = earlier.iter().flat_map(|(_, r)| r.iter()).collect();
    sql.push(" AND ");
    if activity != Activity::Other {
        let own: Vec<&Rule> = own
            .first()
            .map(|(_, r)| r.iter().collect())
            .unwrap_or_default();
        any_rule_sql(sql, &own);
        sql.push(" AND ");
    }
    sql.push("NOT ");
    any_rule_sql(sql, &earlier);
}

/// The page query: `limit` events of `org_id` matching the filter, after the cursor.
fn page_sql(org_id: i64, f: &ResolvedFilter<'_>, page: PageAt, limit: i64) -> Sql {
    let mut sql = Sql::default();
    sql.push(
        "SELECT e.id, e.at, e.actor, e.action, e.outcome, e.ip, e.detail, \
         au.email AS actor_email, su.email AS subject_email \
         FROM audit_events e \
         LEFT JOIN users au ON au.id = e.actor_user_id AND au.org_id = e.org_id \
         LEFT JOIN users su ON su.id = e.subject_user_id AND su.org_id = e.org_id \
         WHERE e.org_id = ",
    );
    sql.bind(Bind::Int(org_id));
    let filter = f.filter;
    if let Some(since) = filter.since {
        sql.push(" AND e.at >= ");
        sql.bind(Bind::Int(since));
    }
    if let Some(until) = filter.until {
        sql.push(" AND e.at < ");
        sql.bind(Bind::Int(until));
    }
    if let Some(user) = f.user_id {
        sql.push(" AND (e.subject_user_id = ");
        sql.bind(Bind::Int(user));
        sql.push(" OR e.actor_user_id = ");
        sql.bind(Bind::Int(user));
        sql.push(")");
    }
    if let Some(activity) = filter.activity {
        activity_sql(&mut sql, activity);
    }
    if let Some(success) = filter.success {
        sql.push(" AND e.outcome = ");
        sql.bind(Bind::Text(
            if success { "success" } else { "failure" }.into(),
        ));
    }
    match &filter.ip {
        Some(IpMatch::Exactly(ip)) => {
            sql.push(" AND e.ip = ");
            sql.bind(Bind::Text(ip.clone()));
        }
        Some(IpMatch::StartsWith(p)) => {
            sql.push(" AND ");
            starts_with(&mut sql, "e.ip", p);
        }
        None => {}
    }
    let order = match page {
        PageAt::Newest => "DESC",
        PageAt::Before(id) => {
            sql.push(" AND e.id < ");
            sql.bind(Bind::Int(id));
            "DESC"
        }
        PageAt::After(id) => {
            sql.push(" AND e.id > ");
            sql.bind(Bind::Int(id));
            "ASC"
        }
    };
    sql.push(&format!(" ORDER BY e.id {order} LIMIT "));
    sql.bind(Bind::Int(limit));
    sql
}

impl Store {
    /// Up to `limit` events of the organisation matching the filter at `page`, in the
    /// order of the page: newest first, except `After` pages, which come oldest first.
    pub async fn audit_page(
        &self,
        org_id: i64,
        filter: &ResolvedFilter<'_>,
        page: PageAt,
        limit: i64,
    ) -> Result<Vec<AuditListRow>, StoreError> {
        let sql = page_sql(org_id, filter, page, limit);
        Ok(sql.query_as().fetch_all(self.pool()).await?)
    }

    /// A user of the organisation by id or canonical email; `None` for anyone else's.
    pub async fn org_user_id(
        &self,
        org_id: i64,
        user: &crate::domain::console::audit::filter::UserRef,
    ) -> Result<Option<i64>, StoreError> {
        use crate::domain::console::audit::filter::UserRef;
        let q = match user {
            UserRef::Id(id) => {
                sqlx::query_scalar("SELECT id FROM users WHERE org_id = $1 AND id = $2")
                    .bind(org_id)
                    .bind(*id)
            }
            UserRef::Email(email) => sqlx::query_scalar(
                "SELECT id FROM users WHERE org_id = $1 AND email_canonical = $2",
            )
            .bind(org_id)
            .bind(email.as_str()),
        };
        Ok(q.fetch_optional(self.pool()).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(activity: Option<Activity>) -> AuditFilter {
        AuditFilter {
            since: None,
            until: None,
            user: None,
            activity,
            success: None,
            ip: None,
            tz_minutes: 0,
            page: PageAt::Newest,
        }
    }

    #[test]
    fn an_activity_excludes_the_rules_of_earlier_ones() {
        let f = filter(Some(Activity::SignIn));
        let sql = page_sql(
            7,
            &ResolvedFilter {
                filter: &f,
                user_id: None,
            },
            PageAt::Before(9),
            50,
        );
        // Its own rules, then NOT (Blocked's): a locked sign-in is not a sign-in.
        assert!(sql.text.contains("((e.action = $2) OR (e.action = $3)) AND NOT ((e.action = $4) OR (e.action = $5 AND e.detail = $6))"), "{}", sql.text);
        assert!(
            sql.text
                .ends_with("AND e.id < $7 ORDER BY e.id DESC LIMIT $8"),
            "{}",
            sql.text
        );
        let f = filter(Some(Activity::Blocked));
        let sql = page_sql(
            7,
            &ResolvedFilter {
                filter: &f,
                user_id: None,
            },
            PageAt::Newest,
            50,
        );
        assert!(sql.text.contains("NOT (1 = 0)"), "{}", sql.text);
    }

    #[test]
    fn other_is_what_no_rule_matches() {
        let f = filter(Some(Activity::Other));
        let sql = page_sql(
            7,
            &ResolvedFilter {
                filter: &f,
                user_id: None,
            },
            PageAt::After(3),
            50,
        );
        let rules: usize = RULES.iter().map(|(_, r)| r.len()).sum();
        assert_eq!(sql.text.matches(" OR (").count() + 1, rules);
        assert!(sql.text.contains("ORDER BY e.id ASC"));
    }
}
