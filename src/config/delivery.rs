//! Handing a pass over without reading it aloud: the one-time reveal link (`reveal.*`) and mail
//! through the organisation's SMTP server (`smtp.*`).

use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};

use super::Secret;

/// How whoever opens a reveal link proves they may see the passcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevealConfirm {
    /// The person's manager (SCIM `manager`) signs in to tapid with their own passkey.
    ManagerPasskey,
    /// The last four digits of the person's employee number (SCIM `employeeNumber`).
    EmployeeNumber,
}

impl RevealConfirm {
    pub fn as_str(self) -> &'static str {
        match self {
            RevealConfirm::ManagerPasskey => "manager_passkey",
            RevealConfirm::EmployeeNumber => "employee_number",
        }
    }

    pub fn parse(stored: &str) -> Option<Self> {
        match stored {
            "manager_passkey" => Some(RevealConfirm::ManagerPasskey),
            "employee_number" => Some(RevealConfirm::EmployeeNumber),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RevealSettings {
    pub confirm: RevealConfirm,
    /// Minutes a link stays valid (never past its pass's end); default three days.
    pub lifetime_minutes: NonZeroU32,
    /// Wrong confirmations before a link locks for good.
    pub max_attempts: NonZeroU32,
}

impl Default for RevealSettings {
    fn default() -> Self {
        Self {
            confirm: RevealConfirm::ManagerPasskey,
            lifetime_minutes: NonZeroU32::new(4_320).expect("non-zero"),
            max_attempts: NonZeroU32::new(5).expect("non-zero"),
        }
    }
}

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (required), port 587 by default.
    Starttls,
    /// TLS from the first byte, port 465 by default.
    Tls,
    /// No encryption (a relay on the same host or network), port 25 by default.
    None,
}

/// The organisation's mail server; mail is off when `smtp.host` is unset.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpSettings {
    pub host: Option<String>,
    /// Default by `security`: 587, 465 or 25.
    pub port: Option<u16>,
    pub security: SmtpSecurity,
    pub user: Option<String>,
    /// Sealed with the deployment key (`tapid smtp seal-password`), never in clear.
    pub password: Option<Secret>,
    /// The sender, e.g. `tapid <it@example.com>`.
    pub from: String,
    /// Who to call in the notices' "if this was not you" line.
    pub helpdesk_contact: String,
    /// Seconds the server has for one message.
    pub timeout_seconds: NonZeroU32,
    /// PEM file of CA certificates to trust for the server's certificate, besides the system's
    /// (an organisation's own CA).
    pub ca_file: Option<std::path::PathBuf>,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            host: None,
            port: None,
            security: SmtpSecurity::Starttls,
            user: None,
            password: None,
            from: "tapid <tapid@localhost>".into(),
            helpdesk_contact: "your helpdesk".into(),
            timeout_seconds: NonZeroU32::new(10).expect("non-zero"),
            ca_file: None,
        }
    }
}

impl SmtpSettings {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        })
    }
}
