//! Times a person reads on a page. [`Moment`] renders as `<time datetime="…Z">` whose text is the
//! time in UTC and how far it is from now ("2026-12-02 20:26 UTC, in 8 h"); `static/time.js`
//! rewrites that text in the browser's own time zone ("20:26, in 8 h"). Without the script the UTC
//! text stands. The API and the CLI keep RFC 3339 in UTC.

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Duration, OffsetDateTime};

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

/// How far a time is from now, roughly: "in 8 h", "25 min ago", "in 3 days", "just now".
pub fn distance(delta: Duration) -> String {
    let seconds = delta.whole_seconds();
    let ahead = seconds >= 0;
    let s = seconds.unsigned_abs();
    let amount = match s {
        0..=59 => return "just now".into(),
        60..=3599 => format!("{} min", s / 60),
        3600..=86_399 => {
            let hours = s / 3600;
            let minutes = (s % 3600) / 60;
            if hours < 10 && minutes >= 5 {
                format!("{hours} h {minutes} min")
            } else {
                format!("{hours} h")
            }
        }
        _ => {
            let days = s / 86_400;
            format!("{days} day{}", if days == 1 { "" } else { "s" })
        }
    };
    if ahead {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

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

    #[test]
    fn distances_read_naturally_both_ways() {
        assert_eq!(distance(Duration::seconds(20)), "just now");
        assert_eq!(distance(Duration::minutes(25)), "in 25 min");
        assert_eq!(distance(Duration::minutes(-25)), "25 min ago");
        assert_eq!(distance(Duration::minutes(90)), "in 1 h 30 min");
        assert_eq!(distance(Duration::hours(8)), "in 8 h");
        assert_eq!(distance(Duration::days(-3)), "3 days ago");
        assert_eq!(distance(Duration::days(1)), "in 1 day");
    }
}
