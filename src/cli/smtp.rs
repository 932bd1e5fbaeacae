//! `tapid smtp seal-password`: seals the SMTP server's password with the deployment key, for
//! `smtp.password` (the configuration never holds it in clear).

use std::io::Read;

use clap::Subcommand;

use super::Context;
use crate::mail::send::PASSWORD_CONTEXT;

#[derive(Debug, Subcommand)]
pub enum SmtpCommand {
    /// Read the SMTP password from standard input; print it sealed, for `smtp.password`.
    SealPassword,
}

pub fn run(ctx: &Context, command: SmtpCommand) -> anyhow::Result<()> {
    match command {
        SmtpCommand::SealPassword => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| {
                    anyhow::anyhow!("cannot read the password from standard input: {e}")
                })?;
            let password = password.trim_end_matches(['\r', '\n']);
            if password.is_empty() {
                anyhow::bail!("no password on standard input");
            }
            let sealed = ctx.sealer.seal(password.as_bytes(), PASSWORD_CONTEXT);
            if ctx.json {
                super::output::json(&serde_json::json!({ "password": sealed }));
            } else {
                println!("{sealed}");
            }
        }
    }
    Ok(())
}
