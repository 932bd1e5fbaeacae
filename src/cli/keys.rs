//! `tapid keys …`

use clap::Subcommand;

use super::Context;
use super::output;
use crate::audit::Actor;
use crate::oidc::keys;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a new active signing key for every algorithm; the old ones stay published for a grace period.
    Rotate {
        /// How long replaced keys stay published, so tokens they signed still verify (e.g. 1d, 12h).
        #[arg(long, default_value = "1d", value_parser = super::parse_duration)]
        grace: time::Duration,
    },
    /// List the published signing keys.
    List,
}

pub async fn run(ctx: &Context, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Rotate { grace } => {
            let rotation = keys::rotate(&ctx.db, &ctx.sealer, &Actor::Cli, grace).await?;
            if ctx.json {
                output::json(&rotation);
            } else {
                println!("new keys:     {}", rotation.new_kids.join(" "));
                println!(
                    "old keys stay published until {}",
                    output::time(rotation.published_until)
                );
            }
        }
        KeysCommand::List => {
            keys::ensure(&ctx.db, &ctx.sealer).await?;
            let list = keys::list(&ctx.db).await?;
            if ctx.json {
                output::json(&list);
            } else {
                println!("{:<45} {:<6} {:<8} PUBLISHED UNTIL", "KID", "ALG", "ACTIVE");
                for k in &list {
                    println!(
                        "{:<45} {:<6} {:<8} {}",
                        k.kid,
                        k.alg,
                        if k.active { "yes" } else { "no" },
                        k.published_until
                            .map(output::time)
                            .unwrap_or_else(|| "-".into())
                    );
                }
            }
        }
    }
    Ok(())
}
