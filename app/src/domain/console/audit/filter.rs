//! The audit log's filters, as typed in the GET form (and so in the URL: filters only,
//! never anything secret), parsed into what the query needs. The same parser serves the
//! page's server function and the CSV route, so both accept and refuse the same input.
use super::activity::Activity;
use serde::{Deserialize, Serialize};

/// The form's fields, exactly as typed. Also the CSV route's query string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
#[serde(default)]
pub struct FilterQuery {
    pub from: String,
    pub to: String,
    pub user: String,
    pub activity: String,
    pub outcome: String,
    pub ip: String,
    /// The viewer's offset from UTC in minutes (east positive); empty means UTC.
    pub tz: String,
    /// Keyset cursors: show events older than `before`, or newer than `after`.
    pub before: String,
    pub after: String,
}

/// Which field is wrong, so the form can say so next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum FilterProblem {
    From,
    To,
    /// `from` is after `to`.
    Range,
    User,
    /// Well-formed, but no such user in the administrator's organisation.
    UnknownUser,
    Activity,
    Outcome,
    Ip,
    TimeZone,
    Cursor,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    Id(i64),
    /// Canonical email address.
    Email(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpMatch {
    Exactly(String),
    /// Typed with a trailing `*`: every address starting with this.
    StartsWith(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAt {
    Newest,
    Before(i64),
    After(i64),
}

/// Parsed filters. Times are unix seconds, `until` exclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFilter {
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub user: Option<UserRef>,
    pub activity: Option<Activity>,
    /// `Some(true)` for successes only.
    pub success: Option<bool>,
    pub ip: Option<IpMatch>,
    pub tz_minutes: i32,
    pub page: PageAt,
}

/// Offsets in use around the world lie between UTC−12:00 and UTC+14:00, in quarter hours.
pub const TZ_MIN: i32 = -12 * 60;
pub const TZ_MAX: i32 = 14 * 60;

const MAX_IP_LEN: usize = 45;

pub fn parse_filter(q: &FilterQuery) -> Result<AuditFilter, Vec<FilterProblem>> {
    let mut problems = Vec::new();
    let mut check = |ok: bool, p: FilterProblem| {
        if !ok {
            problems.push(p);
        }
    };
    let tz = parse_tz(&q.tz);
    check(tz.is_some(), FilterProblem::TimeZone);
    let tz_minutes = tz.unwrap_or(0);
    let offset = i64::from(tz_minutes) * 60;
    let from = optional(&q.from, parse_date);
    check(from.is_some(), FilterProblem::From);
    let to = optional(&q.to, parse_date);
    check(to.is_some(), FilterProblem::To);
    let (from, to) = (from.flatten(), to.flatten());
    if let (Some(f), Some(t)) = (from, to) {
        check(f <= t, FilterProblem::Range);
    }
    let user = optional(&q.user, parse_user);
    check(user.is_some(), FilterProblem::User);
    let activity = optional(&q.activity, Activity::parse);
    check(activity.is_some(), FilterProblem::Activity);
    let success = optional(&q.outcome, |o| match o {
        "success" => Some(true),
        "failure" => Some(false),
        _ => None,
    });
    check(success.is_some(), FilterProblem::Outcome);
    let ip = optional(&q.ip, parse_ip);
    check(ip.is_some(), FilterProblem::Ip);
    let before = optional(&q.before, parse_cursor);
    let after = optional(&q.after, parse_cursor);
    let page = match (before, after) {
        (Some(None), Some(None)) => Some(PageAt::Newest),
        (Some(Some(id)), Some(None)) => Some(PageAt::Before(id)),
        (Some(None), Some(Some(id))) => Some(PageAt::After(id)),
        _ => None,
    };
    check(page.is_some(), FilterProblem::Cursor);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(AuditFilter {
        // Days start at midnight in the viewer's zone; `to` includes its whole day.
        since: from.map(|d| d * 86_400 - offset),
        until: to.map(|d| (d + 1) * 86_400 - offset),
        user: user.flatten(),
        activity: activity.flatten(),
        success: success.flatten(),
        ip: ip.flatten(),
        tz_minutes,
        page: page.unwrap_or(PageAt::Newest),
    })
}

/// `None` when invalid, `Some(None)` when empty (no filter).
fn optional<T>(raw: &str, parse: impl Fn(&str) -> Option<T>) -> Option<Option<T>> {
    let raw = raw.trim();
    if raw.is_empty() {
        Some(None)
    } else {
        parse(raw).map(Some)
    }
}

pub fn parse_tz(raw: &str) -> Option<i32> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Some(0);
    }
    raw.parse::<i32>()
        .ok()
        .filter(|m| (TZ_MIN..=TZ_MAX).contains(m) && m % 15 == 0)
}

/// `YYYY-MM-DD` (what `<input type="date">` sends) as days since 1970-01-01.
pub fn parse_date(raw: &str) -> Option<i64> {
    let mut parts = raw.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y) && digits(m) && digits(d)) {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (y >= 1970 && (1..=month_days).contains(&d)).then(|| days_from_civil(y, m, d))
}

fn parse_user(raw: &str) -> Option<UserRef> {
    if raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw.parse().ok().map(UserRef::Id);
    }
    crate::domain::identifier::normalize_email(raw)
        .ok()
        .map(UserRef::Email)
}

fn parse_ip(raw: &str) -> Option<IpMatch> {
    let (text, prefix) = match raw.strip_suffix('*') {
        Some(p) => (p, true),
        None => (raw, false),
    };
    let ok = !text.is_empty()
        && text.len() <= MAX_IP_LEN
        && text
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == '.' || c == ':');
    let text = text.to_ascii_lowercase();
    let matched = if prefix {
        IpMatch::StartsWith(text)
    } else {
        IpMatch::Exactly(text)
    };
    ok.then_some(matched)
}

fn parse_cursor(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0)
}

/// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Unix seconds at `offset` minutes east of UTC as `YYYY-MM-DD HH:MM:SS`.
pub fn local_time(unix: i64, offset_minutes: i32) -> String {
    let local = unix + i64::from(offset_minutes) * 60;
    let date = crate::domain::recovery::date_time_utc(local);
    format!("{date}:{:02}", local.rem_euclid(60))
}

/// The same with its offset, as ISO 8601 (`2026-11-26T03:53:23+01:00`), for the CSV.
pub fn iso_time(unix: i64, offset_minutes: i32) -> String {
    format!(
        "{}{}",
        local_time(unix, offset_minutes).replacen(' ', "T", 1),
        offset_label(offset_minutes).trim_start_matches("UTC")
    )
}

/// `UTC+01:00`, `UTC-03:30`, `UTC+00:00`.
pub fn offset_label(offset_minutes: i32) -> String {
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let m = offset_minutes.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

/// The query string for these filters (a leading `?` included unless empty), with
/// the cursor replaced; every value percent-encoded.
pub fn query_string(q: &FilterQuery, before: Option<i64>, after: Option<i64>) -> String {
    let before = before.map(|b| b.to_string()).unwrap_or_default();
    let after = after.map(|a| a.to_string()).unwrap_or_default();
    let pairs = [
        ("from", q.from.as_str()),
        ("to", q.to.as_str()),
        ("user", q.user.as_str()),
        ("activity", q.activity.as_str()),
        ("outcome", q.outcome.as_str()),
        ("ip", q.ip.as_str()),
        ("tz", q.tz.as_str()),
        ("before", before.as_str()),
        ("after", after.as_str()),
    ];
    let mut out = String::new();
    for (k, v) in pairs.into_iter().filter(|(_, v)| !v.is_empty()) {
        out.push(if out.is_empty() { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        out.push_str(&crate::routes::percent_encode(v));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn q(f: impl FnOnce(&mut FilterQuery)) -> FilterQuery {
        let mut q = FilterQuery::default();
        f(&mut q);
        q
    }

    #[test]
    fn empty_form_means_everything_newest_first_in_utc() {
        let f = parse_filter(&FilterQuery::default()).unwrap();
        assert_eq!(f.page, PageAt::Newest);
        assert_eq!(f.tz_minutes, 0);
        assert_eq!(
            (f.since, f.until, f.user, f.activity, f.success, f.ip),
            (None, None, None, None, None, None)
        );
    }

    #[test]
    fn dates_are_whole_days_in_the_viewers_zone() {
        let f = parse_filter(&q(|q| {
            q.from = "2026-11-26".into();
            q.to = "2026-11-26".into();
            q.tz = "60".into();
        }))
        .unwrap();
        // 2026-11-26T00:00+01:00 is 2026-11-25T23:00Z.
        assert_eq!(f.since, Some(1_795_647_600));
        assert_eq!(f.until, Some(1_795_647_600 + 86_400));
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn bad_values_name_their_fields() {
        let bad = q(|q| {
            q.from = "2026-02-30".into();
            q.to = "yesterday".into();
            q.user = "not an address".into();
            q.activity = "drop table".into();
            q.outcome = "maybe".into();
            q.ip = "1.2.3.4; x".into();
            q.tz = "61".into();
            q.before = "-1".into();
        });
        let problems = parse_filter(&bad).unwrap_err();
        use FilterProblem::*;
        assert_eq!(
            problems,
            vec![TimeZone, From, To, User, Activity, Outcome, Ip, Cursor]
        );
        let reversed = q(|q| {
            q.from = "2026-11-27".into();
            q.to = "2026-11-26".into();
        });
        assert_eq!(parse_filter(&reversed).unwrap_err(), vec![Range]);
        let both = q(|q| {
            q.before = "5".into();
            q.after = "3".into();
        });
        assert_eq!(parse_filter(&both).unwrap_err(), vec![Cursor]);
        assert_eq!(parse_tz("841"), None);
        assert_eq!(parse_tz("-720"), Some(-720));
        assert_eq!(parse_tz("345"), Some(345));
    }

    #[test]
    fn users_ips_and_cursors_parse() {
        let f = parse_filter(&q(|q| {
            q.user = " Anna.Rossi@Example.COM ".into();
            q.ip = "2001:DB8:*".into();
            q.activity = "gate_failed".into();
            q.outcome = "failure".into();
            q.after = "42".into();
        }))
        .unwrap();
        assert_eq!(
            f.user,
            Some(UserRef::Email("anna.rossi@example.com".into()))
        );
        assert_eq!(f.ip, Some(IpMatch::StartsWith("2001:db8:".into())));
        assert_eq!(f.activity, Some(Activity::GateFailed));
        assert_eq!(f.success, Some(false));
        assert_eq!(f.page, PageAt::After(42));
        let f = parse_filter(&q(|q| q.user = "17".into())).unwrap();
        assert_eq!(f.user, Some(UserRef::Id(17)));
    }

    #[test]
    fn times_show_in_the_chosen_offset() {
        assert_eq!(local_time(1_795_647_600, 60), "2026-11-26 00:00:00");
        assert_eq!(local_time(1_795_647_601, -210), "2026-11-25 19:30:01");
        assert_eq!(iso_time(1_795_647_600, 0), "2026-11-25T23:00:00+00:00");
        assert_eq!(iso_time(1_795_647_600, 345), "2026-11-26T04:45:00+05:45");
        assert_eq!(offset_label(-210), "UTC-03:30");
    }

    #[test]
    fn query_strings_encode_values_and_carry_the_cursor() {
        let qs = query_string(
            &q(|q| {
                q.user = "a+b@x.org".into();
                q.activity = "sign_in".into();
                q.before = "9".into();
            }),
            None,
            Some(12),
        );
        assert_eq!(qs, "?user=a%2Bb%40x.org&activity=sign_in&after=12");
        assert_eq!(query_string(&FilterQuery::default(), None, None), "");
    }
}
