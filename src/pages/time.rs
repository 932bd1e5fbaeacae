//! Times a person reads on a page. [`Moment`] renders as `<time datetime="…Z">` whose text is the
//! time in UTC and how far it is from now ("2026-12-02 20:26 UTC, in 8 h"); `static/time.js`
//! rewrites that text in the browser's own time zone ("20:26, in 8 h"). Without the script the UTC
//! text stands. The API and the CLI keep RFC 3339 in UTC.

use std::fmt;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// A point in time as a page shows it (see the module).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moment {
    at: OffsetDateTime,
    now: OffsetDateTime,
}

impl Moment {
    /// `at`, told relative to the moment the page is rendered.
    pub fn new(at: OffsetDateTime) -> Self {
        Self::relative_to(at, OffsetDateTime::now_utc())
    }

    pub fn relative_to(at: OffsetDateTime, now: OffsetDateTime) -> Self {
        Self { at, now }
    }

    pub fn at(&self) -> OffsetDateTime {
        self.at
    }

    /// The machine-readable form, for `datetime`: RFC 3339 in UTC.
    pub fn iso(&self) -> String {
        self.at
            .to_offset(time::UtcOffset::UTC)
            .format(&Rfc3339)
            .unwrap_or_default()
    }

    /// The text without a script: "2026-12-02 20:26 UTC, in 8 h".
    pub fn text(&self) -> String {
        let utc = self
            .at
            .to_offset(time::UtcOffset::UTC)
            .format(format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .unwrap_or_default();
        format!("{utc}, {}", distance(self.at - self.now))
    }
}

/// How far a time is from now, roughly ("in 8 h", "25 min ago"): the words mails use too.
pub use crate::mail::when::distance;

impl fmt::Display for Moment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only digits, letters and punctuation tapid writes itself: nothing to escape.
        write!(
            f,
            "<time datetime=\"{}\" data-local>{}</time>",
            self.iso(),
            self.text()
        )
    }
}

impl askama::filters::HtmlSafe for Moment {}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_moment_is_a_time_element_in_utc_with_the_time_left() {
        let now = datetime!(2026-12-02 12:26 UTC);
        let moment = Moment::relative_to(datetime!(2026-12-02 20:26 UTC), now);
        assert_eq!(
            moment.to_string(),
            "<time datetime=\"2026-12-02T20:26:00Z\" data-local>2026-12-02 20:26 UTC, in 8 h</time>"
        );
    }
}
