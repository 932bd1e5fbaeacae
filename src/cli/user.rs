//! `tapid user …`

use clap::{Args, Subcommand};
use serde::Serialize;

use super::Context;
use super::output;
use crate::admin;
use crate::audit::Actor;
use crate::directory::{self, Email, NewUser, Role, User, UserChanges, Username};
use crate::error::AppError;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Add {
        username: String,
        #[command(flatten)]
        fields: UserFields,
    },
    /// Change a user's name, email, roles or groups.
    Update {
        username: String,
        #[command(flatten)]
        fields: UserFields,
        /// Remove every role.
        #[arg(long, conflicts_with = "role")]
        no_roles: bool,
        /// Remove the user from every group.
        #[arg(long, conflicts_with = "group")]
        no_groups: bool,
    },
    /// List users.
    List {
        /// Only users whose username, name or email contains this.
        #[arg(long)]
        search: Option<String>,
        /// At most this many (1 to 1000); stderr says when more follow.
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// Start after this username (the last one of the previous page).
        #[arg(long, value_name = "USERNAME", conflicts_with = "offset")]
        after: Option<String>,
        /// Skip this many first.
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
    /// Show one user.
    Show { username: String },
    /// Disable a user: they can no longer sign in.
    Disable { username: String },
    /// Enable a disabled user.
    Enable { username: String },
    /// Sign a user out everywhere: their sessions end, the applications that got tokens in them are told
    /// (back-channel logout), their tokens are revoked.
    SignOut { username: String },
    /// Remove a user and everything that belongs to them.
    Remove { username: String },
}

#[derive(Debug, Args)]
pub struct UserFields {
    /// Display name.
    #[arg(long)]
    name: Option<String>,
    /// Email address.
    #[arg(long)]
    email: Option<String>,
    /// Mark the email address as checked (sent as `email_verified`); `=false` to clear. A changed
    /// address is unverified unless given again.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    email_verified: Option<bool>,
    /// Role (admin or helpdesk); repeat for several. On update, replaces the roles.
    #[arg(long = "role", value_name = "ROLE")]
    role: Vec<String>,
    /// Group; repeat for several. On update, replaces the memberships.
    #[arg(long = "group", value_name = "GROUP")]
    group: Vec<String>,
}

impl UserFields {
    fn email(&self) -> Result<Option<Email>, AppError> {
        match self.email.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(e) => Email::parse(e).map(Some),
        }
    }

    fn roles(&self) -> Result<Vec<Role>, AppError> {
        self.role.iter().map(|r| r.parse()).collect()
    }
}

#[derive(Serialize)]
struct UserView<'a> {
    #[serde(flatten)]
    user: &'a User,
    groups: Vec<String>,
}

pub async fn run(ctx: &Context, command: UserCommand) -> anyhow::Result<()> {
    let actor = Actor::Cli;
    let db = &ctx.db;
    match command {
        UserCommand::Add { username, fields } => {
            let mut new = NewUser::named(Username::parse(&username)?);
            new.display_name = fields.name.clone();
            new.email = fields.email()?;
            new.email_verified = fields.email_verified.unwrap_or(false);
            new.roles = fields.roles()?;
            new.groups = fields.group.clone();
            let user = directory::users::create(db, &actor, new).await?;
            show(ctx, &user).await?;
        }
        UserCommand::Update {
            username,
            fields,
            no_roles,
            no_groups,
        } => {
            let changes = UserChanges {
                display_name: fields.name.clone().map(Some),
                email: match &fields.email {
                    Some(_) => Some(fields.email()?),
                    None => None,
                },
                email_verified: fields.email_verified,
                roles: if no_roles {
                    Some(Vec::new())
                } else if fields.role.is_empty() {
                    None
                } else {
                    Some(fields.roles()?)
                },
                groups: if no_groups {
                    Some(Vec::new())
                } else if fields.group.is_empty() {
                    None
                } else {
                    Some(fields.group.clone())
                },
            };
            let user = admin::service::users::apply(db, &actor, &username, changes).await?;
            show(ctx, &user).await?;
        }
        UserCommand::List {
            search,
            limit,
            after,
            offset,
        } => {
            let limit = limit.clamp(1, 1000);
            let (users, more) = if offset > 0 {
                let users = directory::users::list(db, search.as_deref(), limit, offset).await?;
                let next = directory::users::list(db, search.as_deref(), 1, offset + limit).await?;
                (users, !next.is_empty())
            } else {
                let after = after.as_deref().unwrap_or_default();
                directory::users::list_after(db, search.as_deref(), after, limit).await?
            };
            print_list(ctx, &users);
            if let (true, Some(last)) = (more, users.last()) {
                eprintln!(
                    "more users follow: tapid user list --after {} --limit {limit}",
                    last.username
                );
            }
        }
        UserCommand::Show { username } => {
            let user = directory::users::get_by_username(db, &username).await?;
            show(ctx, &user).await?;
        }
        UserCommand::Disable { username } => {
            let user = directory::users::set_enabled(db, &actor, &username, false).await?;
            show(ctx, &user).await?;
        }
        UserCommand::SignOut { username } => {
            let user = directory::users::find_by_username(db, &username)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("There is no user named {username}.")))?;
            let out = directory::users::sign_out(db, &actor, &user).await?;
            if ctx.json {
                output::json(&out);
            } else {
                println!(
                    "signed `{username}` out everywhere ({} sessions ended, {} tokens revoked)",
                    out.sessions_ended, out.tokens_revoked
                );
            }
        }
        UserCommand::Enable { username } => {
            let user = directory::users::set_enabled(db, &actor, &username, true).await?;
            show(ctx, &user).await?;
        }
        UserCommand::Remove { username } => {
            let user = directory::users::remove(db, &actor, &username).await?;
            output::done(ctx, &format!("removed user `{}`", user.username));
        }
    }
    Ok(())
}

fn print_list(ctx: &Context, users: &[User]) {
    if ctx.json {
        output::json(&users);
    } else if users.is_empty() {
        println!("no users");
    } else {
        println!(
            "{:<24} {:<8} {:<16} {:<28} NAME",
            "USERNAME", "ENABLED", "ROLES", "EMAIL"
        );
        for u in users {
            println!(
                "{:<24} {:<8} {:<16} {:<28} {}",
                u.username,
                if u.enabled { "yes" } else { "no" },
                roles_text(&u.roles),
                output::opt(&u.email),
                output::opt(&u.display_name)
            );
        }
    }
}

fn roles_text(roles: &[Role]) -> String {
    if roles.is_empty() {
        "-".into()
    } else {
        Role::format_list(roles).replace(' ', ",")
    }
}

async fn show(ctx: &Context, user: &User) -> anyhow::Result<()> {
    let groups = directory::users::groups_of(&ctx.db, user).await?;
    if ctx.json {
        output::json(&UserView { user, groups });
        return Ok(());
    }
    println!("username:   {}", user.username);
    println!("id:         {}", user.id);
    println!("name:       {}", output::opt(&user.display_name));
    println!("email:      {}", output::opt(&user.email));
    println!("enabled:    {}", if user.enabled { "yes" } else { "no" });
    println!("roles:      {}", roles_text(&user.roles));
    println!(
        "groups:     {}",
        if groups.is_empty() {
            "-".to_string()
        } else {
            groups.join(", ")
        }
    );
    println!("created:    {}", output::time(user.created_at));
    println!("updated:    {}", output::time(user.updated_at));
    Ok(())
}
