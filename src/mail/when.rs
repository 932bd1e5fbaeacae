//! A time as a message tells it. A mail has no script to rewrite it in the reader's zone, so it says
//! the time in the recipient's own zone when tapid knows one (their profile's `timezone`, from the HR
//! system), always the time in UTC, labelled, and how far it is from when the message was written:
//! "2026-12-04 21:26 Europe/Berlin (20:26 UTC), in 8 h", or without a zone "2026-12-04 20:26 UTC, in 8 h".

use jiff::tz::TimeZone;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, UtcOffset};

/// How far a time is from now, roughly: "in 8 h", "25 min ago", "in 3 days", "just now". Pages say it
/// the same way (`pages::time`).
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

/// `at` for a reader in `zone` (an IANA name; `None`, `UTC` or a name tapid does not know: UTC
/// alone), told relative to `now`.
pub fn told(at: OffsetDateTime, now: OffsetDateTime, zone: Option<&str>) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    let day_and_time = format_description!("[year]-[month]-[day] [hour]:[minute]");
    let utc = at.format(day_and_time).unwrap_or_default();
    let left = distance(at - now);
    let local = zone
        .map(str::trim)
        .filter(|z| !z.is_empty() && !z.eq_ignore_ascii_case("utc"))
        .and_then(|name| local_time(at, name).map(|local| (name, local)));
    match local {
        Some((name, (local, same_day))) => {
            let utc_part = if same_day {
                at.format(format_description!("[hour]:[minute]"))
                    .unwrap_or_default()
            } else {
                utc
            };
            format!("{local} {name} ({utc_part} UTC), {left}")
        }
        None => format!("{utc} UTC, {left}"),
    }
}

/// The wall-clock day and time of `at` in the zone `name`, and whether its date is the UTC date.
fn local_time(at: OffsetDateTime, name: &str) -> Option<(String, bool)> {
    let zone = TimeZone::get(name).ok()?;
    let zoned = jiff::Timestamp::from_second(at.unix_timestamp())
        .ok()?
        .to_zoned(zone);
    let local = zoned.strftime("%Y-%m-%d %H:%M").to_string();
    let same_day = local.get(..10)
        == at
            .format(format_description!("[year]-[month]-[day]"))
            .ok()
            .as_deref();
    Some((local, same_day))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-04 12:26 UTC);

    #[test]
    fn without_a_zone_a_time_is_utc_labelled_with_the_time_left() {
        let at = datetime!(2026-12-04 20:26 UTC);
        assert_eq!(told(at, NOW, None), "2026-12-04 20:26 UTC, in 8 h");
        assert_eq!(told(at, NOW, Some("UTC")), "2026-12-04 20:26 UTC, in 8 h");
        assert_eq!(
            told(at, NOW, Some("Mars/Olympus")),
            "2026-12-04 20:26 UTC, in 8 h",
            "a zone tapid does not know: UTC"
        );
        assert_eq!(
            told(datetime!(2026-12-04 12:01 UTC), NOW, None),
            "2026-12-04 12:01 UTC, 25 min ago"
        );
    }

    #[test]
    fn with_a_zone_a_time_is_the_recipients_own_and_utc_beside_it() {
        let at = datetime!(2026-12-04 20:26 UTC);
        assert_eq!(
            told(at, NOW, Some("Europe/Berlin")),
            "2026-12-04 21:26 Europe/Berlin (20:26 UTC), in 8 h"
        );
        assert_eq!(
            told(at, NOW, Some("Asia/Tokyo")),
            "2026-12-05 05:26 Asia/Tokyo (2026-12-04 20:26 UTC), in 8 h"
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
