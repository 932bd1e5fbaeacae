//! The console's list of users: search by a fragment of a username, name or email; filter by role,
//! account, pass and methods; the total and numbered pages, whose links keep the filters. A value the
//! page did not offer is said in words (400) and left out, never a 500.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::guard::{Admin, Nav, with_status};
use super::service::users::{self, ListedUser, RoleFilter, UserQuery};
use super::views::UserLine;
use crate::pages::PageError;
use crate::pages::time::Moment;
use crate::state::AppState;
use crate::tap::Reason;

const PAGE: i64 = 25;
/// Far enough for any directory; a larger number is a typing slip.
const LAST_PAGE_ASKED: i64 = 1_000_000;

#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    pass: Option<String>,
    #[serde(default)]
    methods: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

/// The filters as the form shows them: only values it offers (anything else is refused in words).
#[derive(Default)]
struct Filters {
    search: String,
    role: String,
    account: String,
    pass: String,
    methods: String,
    page: i64,
}

fn pick(
    value: &Option<String>,
    offered: &[&str],
    what: &str,
    problems: &mut Vec<String>,
) -> String {
    let value = value.as_deref().unwrap_or_default().trim();
    if value.is_empty() || offered.contains(&value) {
        value.to_string()
    } else {
        problems.push(format!(
            "{what} must be {}; “{}” was left out.",
            offered.join(", "),
            value.chars().take(40).collect::<String>()
        ));
        String::new()
    }
}

impl Filters {
    fn read(query: &UsersQuery) -> (Self, Vec<String>) {
        let mut problems = Vec::new();
        let role = pick(
            &query.role,
            &["admin", "helpdesk", "none"],
            "Role",
            &mut problems,
        );
        let account = pick(
            &query.account,
            &["enabled", "disabled"],
            "Account",
            &mut problems,
        );
        let pass = pick(
            &query.pass,
            &["usable", "not-usable"],
            "Pass",
            &mut problems,
        );
        let methods = pick(&query.methods, &["some", "none"], "Methods", &mut problems);
        let page = match query.page.as_deref().map(str::trim).unwrap_or_default() {
            "" => 1,
            text => match text.parse::<i64>() {
                Ok(n) if (1..=LAST_PAGE_ASKED).contains(&n) => n,
                _ => {
                    problems.push(format!(
                        "The page must be a number from 1; “{}” is not, so this is page 1.",
                        text.chars().take(40).collect::<String>()
                    ));
                    1
                }
            },
        };
        let search = query
            .q
            .as_deref()
            .unwrap_or_default()
            .chars()
            .take(128)
            .collect();
        let filters = Self {
            search,
            role,
            account,
            pass,
            methods,
            page,
        };
        (filters, problems)
    }

    fn service_query(&self) -> UserQuery {
        let choose = |value: &str, yes: &str| (!value.is_empty()).then(|| value == yes);
        UserQuery {
            search: Some(self.search.clone()),
            role: match self.role.as_str() {
                "" => None,
                role => role.parse::<RoleFilter>().ok(),
            },
            enabled: choose(&self.account, "enabled"),
            usable_pass: choose(&self.pass, "usable"),
            has_methods: choose(&self.methods, "some"),
        }
    }

    /// The link to page `page` with these filters.
    fn link(&self, page: i64) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.search),
            ("role", &self.role),
            ("account", &self.account),
            ("pass", &self.pass),
            ("methods", &self.methods),
        ] {
            if !v.is_empty() {
                q.append_pair(k, v);
            }
        }
        if page > 1 {
            q.append_pair("page", &page.to_string());
        }
        let query = q.finish();
        if query.is_empty() {
            "/admin/users".into()
        } else {
            format!("/admin/users?{query}")
        }
    }
}

/// A user's row: the user, their pass in a few words, and their method count.
pub struct ListedLine {
    pub user: UserLine,
    /// "Usable", "Expired", "No pass", …
    pub pass: &'static str,
    pub pass_usable: bool,
    /// When a usable pass ends, or a later one starts.
    pub pass_time: Option<Moment>,
    pub methods: i64,
}

fn short(reason: Reason) -> &'static str {
    match reason {
        Reason::EnabledByPolicy => "Usable",
        Reason::DisabledByPolicy => "Turned off by the policy",
        Reason::NotInScope => "Outside the policy's scope",
        Reason::NotYetValid => "Starts later",
        Reason::Expired => "Expired",
        Reason::OneTimeUsed => "Used",
        Reason::Locked => "Locked",
        Reason::Revoked => "Revoked",
        Reason::UserDisabled => "Account disabled",
        Reason::InUse => "In use by a sign-in",
    }
}

impl From<&ListedUser> for ListedLine {
    fn from(listed: &ListedUser) -> Self {
        let pass = listed.pass.as_ref();
        Self {
            user: UserLine::from(&listed.user),
            pass: pass.map(|p| short(p.reason)).unwrap_or("No pass"),
            pass_usable: pass.is_some_and(|p| p.usable),
            pass_time: pass.and_then(|p| match p.reason {
                Reason::EnabledByPolicy => Some(Moment::new(p.end)),
                Reason::NotYetValid => Some(Moment::new(p.start)),
                _ => None,
            }),
            methods: listed.method_count,
        }
    }
}

/// A page number among the links, or a gap ("…") between them.
pub struct PageLink {
    pub number: i64,
    pub href: String,
    pub current: bool,
    pub gap_before: bool,
}

/// The first, the last, and two either side of the current page.
fn page_links(filters: &Filters, pages: i64) -> Vec<PageLink> {
    let current = filters.page;
    let mut shown: Vec<i64> = (1..=pages)
        .filter(|&n| n == 1 || n == pages || (n - current).abs() <= 2)
        .collect();
    shown.dedup();
    let mut previous = 0;
    shown
        .into_iter()
        .map(|number| {
            let link = PageLink {
                number,
                href: filters.link(number),
                current: number == current,
                gap_before: number > previous + 1,
            };
            previous = number;
            link
        })
        .collect()
}

/// 10000 as "10,000".
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
pub struct UsersView {
    nav: Nav,
    problems: Vec<String>,
    search: String,
    role: String,
    account: String,
    pass: String,
    methods: String,
    users: Vec<ListedLine>,
    /// "26–50 of 10,000 users".
    summary: String,
    pages: Vec<PageLink>,
    previous: Option<String>,
    next: Option<String>,
    /// Asked for a page after the last: where the last one is.
    past_end: Option<String>,
    /// Some filter or search is in force.
    filtered: bool,
}

pub async fn users_get(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<UsersQuery>,
) -> Result<Response, PageError> {
    let (filters, problems) = Filters::read(&query);
    let offset = (filters.page - 1) * PAGE;
    let page = users::list(
        &state.db,
        &admin.authority,
        &filters.service_query(),
        PAGE,
        offset,
    )
    .await?;
    let pages = (page.total + PAGE - 1) / PAGE;
    let shown = page.items.len() as i64;
    let noun = if page.total == 1 { "user" } else { "users" };
    let summary = if shown == 0 {
        format!("{} {noun}", grouped(page.total))
    } else {
        format!(
            "{}–{} of {} {noun}",
            grouped(offset + 1),
            grouped(offset + shown),
            grouped(page.total)
        )
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let view = UsersView {
        nav: admin.nav("users"),
        users: page.items.iter().map(ListedLine::from).collect(),
        summary,
        pages: if pages > 1 {
            page_links(&filters, pages)
        } else {
            Vec::new()
        },
        previous: (filters.page > 1 && filters.page <= pages)
            .then(|| filters.link(filters.page - 1)),
        next: page.next.is_some().then(|| filters.link(filters.page + 1)),
        past_end: (shown == 0 && filters.page > 1 && pages > 0).then(|| filters.link(pages)),
        filtered: !filters.search.trim().is_empty()
            || !filters.role.is_empty()
            || !filters.account.is_empty()
            || !filters.pass.is_empty()
            || !filters.methods.is_empty(),
        problems,
        search: filters.search,
        role: filters.role,
        account: filters.account,
        pass: filters.pass,
        methods: filters.methods,
    };
    Ok(with_status(status, view))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_show_the_ends_and_the_neighbourhood_with_gaps() {
        let filters = Filters {
            page: 7,
            role: "none".into(),
            ..Filters::default()
        };
        let links = page_links(&filters, 400);
        let numbers: Vec<i64> = links.iter().map(|l| l.number).collect();
        assert_eq!(numbers, [1, 5, 6, 7, 8, 9, 400]);
        assert!(links[1].gap_before && links[6].gap_before && !links[2].gap_before);
        assert!(links[3].current);
        assert_eq!(links[0].href, "/admin/users?role=none");
        assert_eq!(links[6].href, "/admin/users?role=none&page=400");
    }

    #[test]
    fn totals_are_grouped_by_thousands() {
        assert_eq!(grouped(7), "7");
        assert_eq!(grouped(10_000), "10,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}
