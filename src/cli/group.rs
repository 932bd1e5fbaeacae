//! `tapid group …`

use clap::Subcommand;
use serde::Serialize;

use super::Context;
use super::output;
use crate::audit::Actor;
use crate::directory::{self, GroupName};

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a group.
    Add { name: String },
    /// List groups with their member counts.
    List,
    /// Show a group and its members.
    Show { name: String },
    /// Remove a group (its members stay).
    Remove { name: String },
    /// Add a user to a group.
    AddMember { group: String, username: String },
    /// Remove a user from a group.
    RemoveMember { group: String, username: String },
}

pub async fn run(ctx: &Context, command: GroupCommand) -> anyhow::Result<()> {
    let actor = Actor::Cli;
    let db = &ctx.db;
    match command {
        GroupCommand::Add { name } => {
            let group = directory::groups::create(db, &actor, &GroupName::parse(&name)?).await?;
            if ctx.json {
                output::json(&group);
            } else {
                println!("created group `{}`", group.name);
            }
        }
        GroupCommand::List => {
            let groups = directory::groups::list(db).await?;
            if ctx.json {
                output::json(&groups);
            } else if groups.is_empty() {
                println!("no groups");
            } else {
                println!("{:<32} MEMBERS", "GROUP");
                for g in groups {
                    println!("{:<32} {}", g.name, g.members);
                }
            }
        }
        GroupCommand::Show { name } => {
            let group = directory::groups::get(db, &name).await?;
            let members = directory::groups::members(db, &group).await?;
            if ctx.json {
                #[derive(Serialize)]
                struct View<'a> {
                    #[serde(flatten)]
                    group: &'a directory::Group,
                    member_names: Vec<String>,
                }
                output::json(&View {
                    group: &group,
                    member_names: members,
                });
            } else {
                println!("group:      {}", group.name);
                println!("created:    {}", output::time(group.created_at));
                println!(
                    "members:    {}",
                    if members.is_empty() {
                        "-".into()
                    } else {
                        members.join(", ")
                    }
                );
            }
        }
        GroupCommand::Remove { name } => {
            let group = directory::groups::remove(db, &actor, &name).await?;
            output::done(ctx, &format!("removed group `{}`", group.name));
        }
        GroupCommand::AddMember { group, username } => {
            let added = directory::groups::add_member(db, &actor, &group, &username).await?;
            let message = if added {
                format!("added `{username}` to `{group}`")
            } else {
                format!("`{username}` is already a member of `{group}`")
            };
            output::done(ctx, &message);
        }
        GroupCommand::RemoveMember { group, username } => {
            directory::groups::remove_member(db, &actor, &group, &username).await?;
            output::done(ctx, &format!("removed `{username}` from `{group}`"));
        }
    }
    Ok(())
}
