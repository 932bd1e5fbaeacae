//! The list of users the console and the API page through: a search by fragment, filters, each user's
//! pass and method count, and the total — two statements whatever the page size (one for the page
//! with its counts, one for the total), never one per user.
//!
//! The search is served by an index on both backends (migration 0024): trigrams of `search_key` —
//! FTS5 on SQLite, pg_trgm on PostgreSQL.

use sqlx::{Any, FromRow};

use super::users::UserRow;
use super::{Backend, Db};

/// Which users to list. Every filter is optional; `None` lets every user through.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// A fragment of the username, name or email, compared case-insensitively.
    pub search: Option<String>,
    /// `admin`, `helpdesk`, or `none` (users who hold no role).
    pub role: Option<String>,
    pub enabled: Option<bool>,
    /// Whether the user holds a pass usable now (see [`USABLE`]).
    pub usable_pass: Option<bool>,
    /// Whether the user has at least one sign-in method.
    pub has_methods: Option<bool>,
    /// Now, in stored form: when a pass is usable.
    pub now: i64,
}

/// A user on the list, with their pass (if any), whether the policy's scope holds them, and how many
/// methods they have.
#[derive(Clone, Debug, FromRow)]
pub struct UserListRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub method_count: i64,
    /// 0 or 1: the user is in the pass policy's scope.
    pub pass_in_scope: i64,
    pub pass_id: Option<String>,
    pub pass_starts_at: Option<i64>,
    pub pass_ends_at: Option<i64>,
    pub pass_one_time: Option<i64>,
    pub pass_created_by_kind: Option<String>,
    pub pass_created_by_id: Option<String>,
    pub pass_created_by_name: Option<String>,
    pub pass_created_at: Option<i64>,
    pub pass_last_used_at: Option<i64>,
    pub pass_used_at: Option<i64>,
    pub pass_failed_attempts: Option<i64>,
    pub pass_locked_at: Option<i64>,
    pub pass_revoked_at: Option<i64>,
    pub pass_held_by_session: Option<String>,
    pub pass_held_until: Option<i64>,
}

const FROM: &str =
    "FROM users u JOIN tap_policy tp ON tp.id = 1 LEFT JOIN passes p ON p.user_id = u.id";

/// The policy's scope for `u`: everyone or an include group, minus the exclude groups (as
/// `Policy::in_scope` says).
const IN_SCOPE: &str = "((tp.all_users = 1 OR EXISTS (SELECT 1 FROM group_members gm \
     JOIN tap_policy_groups pg ON pg.group_id = gm.group_id \
     WHERE gm.user_id = u.id AND pg.mode = 'include')) \
     AND NOT EXISTS (SELECT 1 FROM group_members gm JOIN tap_policy_groups pg ON pg.group_id = gm.group_id \
     WHERE gm.user_id = u.id AND pg.mode = 'exclude'))";

/// A pass usable at `{now}`: the conditions of `Pass::reason` and `for_account` in SQL, with the policy
/// as it is now (revoked, turned off or multi-use while one-time is required, out of scope, past its
/// end or the policy's longest lifetime, spent, held by a sign-in, locked, not started, or an account disabled: not
/// usable). A test compares the two for every reason.
const USABLE: &str = "(p.id IS NOT NULL AND p.revoked_at IS NULL AND tp.enabled = 1 \
     AND (p.one_time = 1 OR tp.one_time_required = 0) AND {scope} \
     AND p.ends_at > {now} AND p.starts_at + tp.max_lifetime * 60 > {now} \
     AND NOT (p.one_time = 1 AND p.used_at IS NOT NULL) AND p.locked_at IS NULL \
     AND NOT (p.one_time = 1 AND p.held_by_session IS NOT NULL AND p.held_until > {now}) \
     AND p.failed_attempts < tp.max_failed_attempts AND p.starts_at <= {now} AND u.enabled = 1)";

enum Arg {
    Text(String),
    Int(i64),
}

/// A `WHERE` clause and its arguments, numbered as they are added.
#[derive(Default)]
struct Clause {
    conditions: Vec<String>,
    args: Vec<Arg>,
}

impl Clause {
    fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    fn sql(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }

    fn bind<'q, O>(
        &'q self,
        mut query: sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments<'q>> {
        for arg in &self.args {
            query = match arg {
                Arg::Text(text) => query.bind(text.as_str()),
                Arg::Int(n) => query.bind(*n),
            };
        }
        query
    }
}

fn clause(backend: Backend, filter: &UserFilter) -> Clause {
    let mut c = Clause::default();
    if let Some(search) = filter.search.as_deref().filter(|s| !s.is_empty()) {
        let search = search.to_lowercase();
        let exact = c.arg(Arg::Text(format!("%{}%", escape_like(&search))));
        c.conditions
            .push(format!("u.search_key LIKE {exact} ESCAPE '\\'"));
        // SQLite's trigram index narrows first; `_` and `%` in the fragment only widen that narrowing,
        // and the exact comparison above decides. (PostgreSQL's index serves the comparison itself.)
        if backend == Backend::Sqlite && search.chars().count() >= 3 {
            let rough = c.arg(Arg::Text(format!("%{search}%")));
            c.conditions.push(format!(
                "u.id IN (SELECT user_id FROM users_search WHERE search_key LIKE {rough})"
            ));
        }
    }
    match filter.role.as_deref() {
        Some("none") => c.conditions.push("u.roles = ''".into()),
        Some(role) => {
            let pattern = c.arg(Arg::Text(format!("% {} %", escape_like(role))));
            c.conditions.push(format!(
                "(' ' || u.roles || ' ') LIKE {pattern} ESCAPE '\\'"
            ));
        }
        None => {}
    }
    if let Some(enabled) = filter.enabled {
        c.conditions
            .push(format!("u.enabled = {}", i64::from(enabled)));
    }
    if let Some(usable) = filter.usable_pass {
        let now = c.arg(Arg::Int(filter.now));
        let usable_sql = USABLE.replace("{scope}", IN_SCOPE).replace("{now}", &now);
        c.conditions.push(if usable {
            usable_sql
        } else {
            format!("NOT {usable_sql}")
        });
    }
    if let Some(has) = filter.has_methods {
        let exists = "EXISTS (SELECT 1 FROM methods m WHERE m.user_id = u.id)";
        c.conditions.push(if has {
            exists.into()
        } else {
            format!("NOT {exists}")
        });
    }
    c
}

/// One page of the users that pass `filter`, by username.
pub async fn page(
    db: &Db,
    filter: &UserFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<UserListRow>, sqlx::Error> {
    let mut c = clause(db.backend(), filter);
    let where_sql = c.sql();
    let limit = c.arg(Arg::Int(limit));
    let offset = c.arg(Arg::Int(offset));
    let sql = format!(
        "SELECT u.id, u.username, u.display_name, u.email, u.email_verified, u.enabled, u.roles, \
                u.created_at, u.updated_at, \
                (SELECT COUNT(*) FROM methods m WHERE m.user_id = u.id) AS method_count, \
                CAST(CASE WHEN {IN_SCOPE} THEN 1 ELSE 0 END AS BIGINT) AS pass_in_scope, \
                p.id AS pass_id, p.starts_at AS pass_starts_at, p.ends_at AS pass_ends_at, \
                p.one_time AS pass_one_time, p.created_by_kind AS pass_created_by_kind, \
                p.created_by_id AS pass_created_by_id, p.created_by_name AS pass_created_by_name, \
                p.created_at AS pass_created_at, p.last_used_at AS pass_last_used_at, \
                p.used_at AS pass_used_at, p.failed_attempts AS pass_failed_attempts, \
                p.locked_at AS pass_locked_at, p.revoked_at AS pass_revoked_at, \
                p.held_by_session AS pass_held_by_session, p.held_until AS pass_held_until \
         {FROM} {where_sql} ORDER BY u.username_key LIMIT {limit} OFFSET {offset}"
    );
    c.bind(sqlx::query_as::<Any, UserListRow>(&sql))
        .fetch_all(db.pool())
        .await
}

/// How many users pass `filter`.
pub async fn total(db: &Db, filter: &UserFilter) -> Result<i64, sqlx::Error> {
    let c = clause(db.backend(), filter);
    let sql = format!("SELECT COUNT(*) {FROM} {}", c.sql());
    let (n,): (i64,) = c
        .bind(sqlx::query_as::<Any, (i64,)>(&sql))
        .fetch_one(db.pool())
        .await?;
    Ok(n)
}

/// How SQLite would run the page's statement for `filter` (`EXPLAIN QUERY PLAN`, one line per step),
/// so a test can check the search is served by its index.
pub async fn sqlite_plan(db: &Db, filter: &UserFilter) -> Result<Vec<String>, sqlx::Error> {
    let c = clause(Backend::Sqlite, filter);
    let sql = format!(
        "EXPLAIN QUERY PLAN SELECT u.id {FROM} {} ORDER BY u.username_key LIMIT 25",
        c.sql()
    );
    let rows: Vec<(i64, i64, i64, String)> = c
        .bind(sqlx::query_as::<Any, (i64, i64, i64, String)>(&sql))
        .fetch_all(db.pool())
        .await?;
    Ok(rows.into_iter().map(|(_, _, _, step)| step).collect())
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
