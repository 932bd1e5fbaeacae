//! The messages tapid sends, each with a plain-text and an HTML part from `templates/mail/`.

use askama::Template;
use serde::{Deserialize, Serialize};

/// One message, ready for the transport.
#[derive(Clone, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl std::fmt::Debug for Mail {
    // A prepared message may carry a reveal link: never in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mail")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// What a reveal-link message says.
pub struct RevealLinkMail<'a> {
    pub to: &'a str,
    pub holder: &'a str,
    pub url: &'a str,
    pub expires: &'a str,
    /// How the opener confirms, as a phrase ("you sign in with your passkey").
    pub confirm: &'a str,
    pub for_manager: bool,
    pub helpdesk: &'a str,
}

#[derive(Template)]
#[template(path = "mail/reveal_link.txt")]
struct RevealText<'a> {
    holder: &'a str,
    url: &'a str,
    expires: &'a str,
    confirm: &'a str,
    for_manager: bool,
    helpdesk: &'a str,
}

#[derive(Template)]
#[template(path = "mail/reveal_link.html")]
struct RevealHtml<'a> {
    holder: &'a str,
    url: &'a str,
    expires: &'a str,
    confirm: &'a str,
    for_manager: bool,
    helpdesk: &'a str,
}

impl RevealLinkMail<'_> {
    pub fn render(&self) -> Result<Mail, askama::Error> {
        let text = RevealText {
            holder: self.holder,
            url: self.url,
            expires: self.expires,
            confirm: self.confirm,
            for_manager: self.for_manager,
            helpdesk: self.helpdesk,
        }
        .render()?;
        let html = RevealHtml {
            holder: self.holder,
            url: self.url,
            expires: self.expires,
            confirm: self.confirm,
            for_manager: self.for_manager,
            helpdesk: self.helpdesk,
        }
        .render()?;
        Ok(Mail {
            to: self.to.to_string(),
            subject: format!("A Temporary Access Pass for {}", self.holder),
            text,
            html,
        })
    }
}

/// What a notice says.
pub struct NoticeMail {
    pub to: String,
    pub subject: String,
    pub username: String,
    pub what: String,
    pub when: String,
    pub address: Option<String>,
    pub helpdesk: String,
}

#[derive(Template)]
#[template(path = "mail/notice.txt")]
struct NoticeText<'a> {
    username: &'a str,
    what: &'a str,
    when: &'a str,
    address: &'a Option<String>,
    helpdesk: &'a str,
}

#[derive(Template)]
#[template(path = "mail/notice.html")]
struct NoticeHtml<'a> {
    subject: &'a str,
    username: &'a str,
    what: &'a str,
    when: &'a str,
    address: &'a Option<String>,
    helpdesk: &'a str,
}

impl NoticeMail {
    pub fn render(&self) -> Result<Mail, askama::Error> {
        let text = NoticeText {
            username: &self.username,
            what: &self.what,
            when: &self.when,
            address: &self.address,
            helpdesk: &self.helpdesk,
        }
        .render()?;
        let html = NoticeHtml {
            subject: &self.subject,
            username: &self.username,
            what: &self.what,
            when: &self.when,
            address: &self.address,
            helpdesk: &self.helpdesk,
        }
        .render()?;
        Ok(Mail {
            to: self.to.clone(),
            subject: self.subject.clone(),
            text,
            html,
        })
    }
}
