//! `tapid method …`: an administrator's view of a user's methods, and removal (lost phone).

use clap::Subcommand;

use super::Context;
use super::output;
use crate::audit::Actor;
use crate::directory;
use crate::methods::{self, Method};

#[derive(Debug, Subcommand)]
pub enum MethodCommand {
    /// List a user's passkeys and authenticator apps.
    List { username: String },
    /// Remove one method by id, or every method with --all (the user then needs a new pass).
    Remove {
        username: String,
        /// The method's id (see `tapid method list`).
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<String>,
        /// Remove every method of the user and end their sessions.
        #[arg(long)]
        all: bool,
    },
}

pub async fn run(ctx: &Context, command: MethodCommand) -> anyhow::Result<()> {
    let db = &ctx.db;
    match command {
        MethodCommand::List { username } => {
            let user = directory::users::get_by_username(db, &username).await?;
            let list = methods::list(db, &user.id).await?;
            if ctx.json {
                output::json(&list);
            } else if list.is_empty() {
                println!("`{}` has no methods", user.username);
            } else {
                println!(
                    "{:<36}  {:<8}  {:<24}  {:<20}  {:<20}  REGISTERED WITH PASS",
                    "ID", "KIND", "NAME", "CREATED", "LAST USED"
                );
                for m in &list {
                    println!(
                        "{:<36}  {:<8}  {:<24}  {:<20}  {:<20}  {}",
                        m.id,
                        m.kind.as_str(),
                        m.name,
                        output::time(m.created_at),
                        m.last_used_at.map(output::time).unwrap_or("-".into()),
                        pass_text(m)
                    );
                }
            }
        }
        MethodCommand::Remove { username, id, all } => {
            let user = directory::users::get_by_username(db, &username).await?;
            let removed = if all {
                methods::remove_all(db, &Actor::Cli, &user).await?
            } else {
                let id = id.unwrap_or_default();
                vec![methods::remove(db, &Actor::Cli, &user, &id, None).await?]
            };
            if ctx.json {
                output::json(&removed);
            } else if removed.is_empty() {
                println!("`{}` had no methods", user.username);
            } else {
                for m in &removed {
                    println!("removed {} `{}` ({})", m.kind.as_str(), m.name, m.id);
                }
                if all {
                    println!(
                        "`{}` is signed out everywhere; issue a Temporary Access Pass to re-enrol",
                        user.username
                    );
                }
            }
        }
    }
    Ok(())
}

/// The pass a method was registered under: its id, "yes" when that was not recorded, or "-".
fn pass_text(method: &Method) -> &str {
    match (&method.tap_id, method.registered_with_tap) {
        (Some(id), _) => id,
        (None, true) => "yes (id not recorded)",
        (None, false) => "-",
    }
}
