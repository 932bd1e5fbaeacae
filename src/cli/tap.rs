//! `tapid tap …`: issue, show and revoke passes; show and change the policy.

use clap::{Args, Subcommand};
use serde::Serialize;

use super::Context;
use super::args::parse_duration;
use super::output;
use crate::audit::Actor;
use crate::directory;
use crate::tap::policy::{self, Policy, PolicyChanges, ScopeChange};
use crate::tap::reveal::SendTo;
use crate::tap::start::LocalStart;
use crate::tap::{self, Authority, IssueRequest, PassView};

#[derive(Debug, Subcommand)]
pub enum TapCommand {
    /// Issue a pass (replacing any the user has) and print its passcode, once.
    Issue {
        username: String,
        /// How long it lasts: 90m, 8h, 2d (default: the policy's).
        #[arg(long, value_parser = parse_duration)]
        lifetime: Option<time::Duration>,
        /// When it starts: RFC 3339, or with `--zone` a local date or date and time (default now).
        #[arg(long)]
        start: Option<String>,
        /// The person's time zone (IANA name, e.g. Europe/Berlin): `--start` is their local time.
        #[arg(long, requires = "start")]
        zone: Option<String>,
        /// Usable for one sign-in only.
        #[arg(long, conflicts_with = "multi_use")]
        one_time: bool,
        /// Usable for several sign-ins until it ends.
        #[arg(long)]
        multi_use: bool,
        /// Passcode length (default: the policy's).
        #[arg(long)]
        length: Option<u32>,
        /// Print a one-time link that reveals the passcode (see `reveal.*`), not the passcode.
        #[arg(long)]
        reveal_link: bool,
        /// Mail the reveal link (through `smtp.*`) to the person's manager or the person, instead.
        #[arg(long, value_name = "manager|person", value_parser = parse_send_to)]
        send_to: Option<SendTo>,
    },
    /// Revoke a user's unopened reveal links (the pass stays).
    RevokeLink { username: String },
    /// Issue passes for every row of a CSV file, all or none (columns: username, start, zone,
    /// lifetime, one_time, length; see the README).
    IssueBulk {
        #[arg(long, value_name = "FILE")]
        file: std::path::PathBuf,
        /// Check every row and report, issuing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show a user's pass and whether it is usable (never the passcode).
    Show { username: String },
    /// Revoke a user's pass, ending the sessions that began with it.
    Revoke { username: String },
    /// Show or change the policy.
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Show the policy.
    Show,
    /// Change the policy; settings not given stay as they are.
    Set(PolicySet),
}

#[derive(Debug, Args)]
pub struct PolicySet {
    #[arg(long, value_name = "true|false")]
    enabled: Option<bool>,
    /// Minutes.
    #[arg(long, value_name = "MIN")]
    min_lifetime: Option<u32>,
    /// Minutes.
    #[arg(long, value_name = "MIN")]
    max_lifetime: Option<u32>,
    /// Minutes.
    #[arg(long, value_name = "MIN")]
    default_lifetime: Option<u32>,
    /// Passcode length.
    #[arg(long, value_name = "N")]
    length: Option<u32>,
    #[arg(long, value_name = "true|false")]
    one_time_required: Option<bool>,
    /// Only members of these groups are in scope; repeat for several (replaces the list).
    #[arg(long = "include-group", value_name = "G", conflicts_with = "all_users")]
    include_group: Vec<String>,
    /// Everyone is in scope (minus excluded groups).
    #[arg(long)]
    all_users: bool,
    /// Members of these groups are never in scope; repeat for several (replaces the list).
    #[arg(long = "exclude-group", value_name = "G")]
    exclude_group: Vec<String>,
    /// Exclude no group.
    #[arg(long, conflicts_with = "exclude_group")]
    no_exclude_groups: bool,
    #[arg(long, value_name = "N")]
    max_failed_attempts: Option<u32>,
    /// Minutes a restricted session lasts after a pass sign-in.
    #[arg(long, value_name = "MIN")]
    enrollment_window: Option<u32>,
}

fn parse_send_to(value: &str) -> Result<SendTo, String> {
    match value {
        "manager" => Ok(SendTo::Manager),
        "person" => Ok(SendTo::Person),
        _ => Err(format!("invalid recipient `{value}` (manager or person)")),
    }
}

/// `--start` as RFC 3339, or as a local time in `--zone`.
fn start_of(
    start: Option<&str>,
    zone: Option<&str>,
) -> anyhow::Result<Option<time::OffsetDateTime>> {
    let Some(start) = start else {
        return Ok(None);
    };
    let at = match zone {
        Some(zone) => LocalStart::parse(start, zone).and_then(|s| s.instant()),
        None => time::OffsetDateTime::parse(start, &time::format_description::well_known::Rfc3339)
            .map_err(|_| {
                format!(
                    "invalid time `{start}` (use RFC 3339, e.g. 2026-12-01T09:00:00Z, or add --zone)"
                )
            }),
    };
    at.map(Some).map_err(|e| anyhow::anyhow!(e))
}

#[derive(Serialize)]
struct IssuedView<'a> {
    passcode: String,
    #[serde(flatten)]
    pass: &'a PassView,
}

pub async fn run(ctx: &Context, command: TapCommand) -> anyhow::Result<()> {
    let db = &ctx.db;
    let authority = Authority::Operator;
    match command {
        TapCommand::Issue {
            username,
            lifetime,
            start,
            zone,
            one_time,
            multi_use,
            length,
            reveal_link,
            send_to,
        } => {
            let start = start_of(start.as_deref(), zone.as_deref())?;
            let user = directory::users::get_by_username(db, &username).await?;
            let request = IssueRequest {
                lifetime,
                start,
                one_time: match (one_time, multi_use) {
                    (true, _) => Some(true),
                    (_, true) => Some(false),
                    _ => None,
                },
                length,
            };
            if reveal_link || send_to.is_some() {
                return issue_link(ctx, &user, request, send_to).await;
            }
            let issued = tap::issue(db, &authority, &user.id, request, None).await?;
            if ctx.json {
                output::json(&IssuedView {
                    passcode: issued.passcode.grouped(),
                    pass: &issued.pass,
                });
            } else {
                println!("passcode:   {}", issued.passcode.grouped());
                println!(
                    "            shown once: hand it to {} in person",
                    user.username
                );
                print_pass(&issued.pass);
            }
        }
        TapCommand::RevokeLink { username } => {
            let user = directory::users::get_by_username(db, &username).await?;
            let revoked = tap::reveal::revoke_links(db, &authority, &user, None).await?;
            output::done(
                ctx,
                &format!("revoked {revoked} reveal link(s) of `{}`", user.username),
            );
        }
        TapCommand::IssueBulk { file, dry_run } => {
            super::tap_bulk::run(ctx, &file, dry_run).await?;
        }
        TapCommand::Show { username } => {
            let user = directory::users::get_by_username(db, &username).await?;
            let pass = tap::show(db, &user).await?;
            if ctx.json {
                output::json(&pass);
            } else {
                print_pass(&pass);
            }
        }
        TapCommand::Revoke { username } => {
            let user = directory::users::get_by_username(db, &username).await?;
            let ended = tap::revoke(db, &authority, &user, None).await?;
            output::done(
                ctx,
                &format!(
                    "revoked the Temporary Access Pass of `{}` ({} sessions ended, {} tokens revoked)",
                    user.username, ended.sessions, ended.tokens
                ),
            );
        }
        TapCommand::Policy(PolicyCommand::Show) => print_policy(ctx, &policy::load(db).await?),
        TapCommand::Policy(PolicyCommand::Set(set)) => {
            let policy = policy::update(db, &Actor::Cli, policy_changes(set), None).await?;
            print_policy(ctx, &policy);
        }
    }
    Ok(())
}

/// `tap issue --reveal-link`: the pass, and the link that reveals its passcode once.
async fn issue_link(
    ctx: &Context,
    user: &directory::User,
    request: IssueRequest,
    send_to: Option<SendTo>,
) -> anyhow::Result<()> {
    let issued = tap::reveal::issue_with_link(
        &ctx.db,
        &ctx.sealer,
        &ctx.config,
        &Authority::Operator,
        &user.id,
        request,
        send_to,
        None,
    )
    .await?;
    if ctx.json {
        output::json(&serde_json::json!({ "reveal_link": issued.link, "pass": issued.pass }));
    } else {
        match (&issued.link.url, &issued.link.sent_to) {
            (Some(url), _) => println!("reveal link: {url}"),
            (None, Some(to)) => println!("reveal link: sent to {to}"),
            (None, None) => {}
        }
        println!(
            "             shows the passcode once, after {}; expires {}",
            match issued.link.confirm {
                crate::config::RevealConfirm::ManagerPasskey => "the manager's passkey sign-in",
                crate::config::RevealConfirm::EmployeeNumber =>
                    "the last four digits of the employee number",
            },
            output::time(issued.link.expires_at)
        );
        print_pass(&issued.pass);
    }
    Ok(())
}

/// The changes `tapid tap policy set` asks for; what it does not name stays as it is.
fn policy_changes(set: PolicySet) -> PolicyChanges {
    PolicyChanges {
        enabled: set.enabled,
        min_lifetime: set.min_lifetime,
        max_lifetime: set.max_lifetime,
        default_lifetime: set.default_lifetime,
        default_length: set.length,
        one_time_required: set.one_time_required,
        scope: if set.all_users {
            Some(ScopeChange::AllUsers)
        } else if set.include_group.is_empty() {
            None
        } else {
            Some(ScopeChange::Groups(set.include_group))
        },
        exclude_groups: if set.no_exclude_groups {
            Some(Vec::new())
        } else if set.exclude_group.is_empty() {
            None
        } else {
            Some(set.exclude_group)
        },
        max_failed_attempts: set.max_failed_attempts,
        enrollment_window: set.enrollment_window,
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

fn print_pass(pass: &PassView) {
    println!("user:       {}", pass.username);
    println!(
        "usable:     {} ({})",
        yes_no(pass.usable),
        pass.reason.as_str()
    );
    println!("start:      {}", output::time(pass.start));
    println!("end:        {}", output::time(pass.end));
    println!("one-time:   {}", yes_no(pass.one_time));
    println!(
        "created by: {}{}",
        pass.created_by.kind,
        pass.created_by
            .name
            .as_ref()
            .map(|n| format!(" {n}"))
            .unwrap_or_default()
    );
    println!("created:    {}", output::time(pass.created_at));
    println!(
        "last used:  {}",
        pass.last_used
            .map(output::time)
            .unwrap_or_else(|| "-".into())
    );
    println!("failed attempts: {}", pass.failed_attempts);
}

fn print_policy(ctx: &Context, policy: &Policy) {
    if ctx.json {
        output::json(policy);
        return;
    }
    let names = |groups: &[policy::PolicyGroup]| {
        if groups.is_empty() {
            "-".to_string()
        } else {
            groups
                .iter()
                .map(|g| g.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    println!("enabled:             {}", yes_no(policy.enabled));
    println!(
        "scope:               {}",
        if policy.all_users {
            "all users".to_string()
        } else {
            format!("members of {}", names(&policy.include_groups))
        }
    );
    println!("excluded groups:     {}", names(&policy.exclude_groups));
    println!(
        "lifetime (minutes):  min {} / default {} / max {}",
        policy.min_lifetime, policy.default_lifetime, policy.max_lifetime
    );
    println!("length:              {}", policy.default_length);
    println!("one-time required:   {}", yes_no(policy.one_time_required));
    println!("max failed attempts: {}", policy.max_failed_attempts);
    println!("enrollment window:   {} minutes", policy.enrollment_window);
}
