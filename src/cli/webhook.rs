//! `tapid webhook …`: endpoints for the security team's event stream.

use clap::Subcommand;

use super::Context;
use super::output;
use crate::tap::Authority;
use crate::webhooks::{NewEndpoint, endpoints};

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Register an endpoint; prints its signing secret once.
    Add {
        /// Where to POST events (http or https).
        url: String,
        /// An event type: an action (tap.locked), a family (tap.*) or * for all. Repeat for more.
        #[arg(long = "event", required = true, value_name = "TYPE")]
        events: Vec<String>,
        /// Only events of high severity (e.g. tap.issued for a user who holds a role).
        #[arg(long)]
        high_only: bool,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List endpoints with their delivery state.
    List,
    /// Show one endpoint.
    Show { id: String },
    /// Remove an endpoint and its undelivered messages.
    Remove { id: String },
}

pub async fn run(ctx: &Context, command: WebhookCommand) -> anyhow::Result<()> {
    let authority = Authority::Operator;
    let db = &ctx.db;
    match command {
        WebhookCommand::Add {
            url,
            events,
            high_only,
            description,
        } => {
            let new = NewEndpoint {
                url,
                event_types: events,
                high_only,
                description,
            };
            let created = endpoints::create(db, &ctx.sealer, &authority, new).await?;
            if ctx.json {
                output::json(&created);
            } else {
                println!(
                    "registered webhook {} for {} ({})\nSigning secret (shown once): {}",
                    created.endpoint.id,
                    created.endpoint.url,
                    created.endpoint.event_types.join(" "),
                    created.secret
                );
            }
        }
        WebhookCommand::List => {
            let list = endpoints::list(db, &authority).await?;
            if ctx.json {
                output::json(&list);
            } else if list.is_empty() {
                println!("no webhooks");
            } else {
                println!(
                    "{:<36}  {:<8} {:>7} {:>9} {:>8}  URL",
                    "ID", "LAST", "PENDING", "DELIVERED", "FAILURES"
                );
                for e in list {
                    println!(
                        "{:<36}  {:<8} {:>7} {:>9} {:>8}  {}",
                        e.id,
                        output::opt(&e.last_status),
                        e.pending,
                        e.delivered,
                        e.failures,
                        e.url
                    );
                }
            }
        }
        WebhookCommand::Show { id } => {
            let e = endpoints::get(db, &authority, &id).await?;
            if ctx.json {
                output::json(&e);
            } else {
                println!("id:           {}", e.id);
                println!("url:          {}", e.url);
                println!("events:       {}", e.event_types.join(" "));
                println!("high only:    {}", e.high_only);
                println!("pending:      {}", e.pending);
                println!("delivered:    {}", e.delivered);
                println!("failures:     {}", e.failures);
                println!("last status:  {}", output::opt(&e.last_status));
                println!("last error:   {}", output::opt(&e.last_error));
                let at = |t: Option<time::OffsetDateTime>| t.map_or("-".into(), output::time);
                println!("last attempt: {}", at(e.last_attempt_at));
                println!("last success: {}", at(e.last_success_at));
            }
        }
        WebhookCommand::Remove { id } => {
            let e = endpoints::remove(db, &authority, &id).await?;
            output::done(ctx, &format!("removed webhook {} ({})", e.id, e.url));
        }
    }
    Ok(())
}
