//! Parsing of command-line values shared by several commands.

use time::{Duration, OffsetDateTime};

/// `90m`, `8h`, `2d`, `45s` or a bare number of minutes.
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    let value = value.trim();
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: i64 = number
        .parse()
        .map_err(|_| format!("invalid duration `{value}` (try 90m, 8h or 2d)"))?;
    let seconds = match unit {
        "s" => 1,
        "" | "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("invalid duration `{value}` (try 90m, 8h or 2d)")),
    };
    number
        .checked_mul(seconds)
        .map(Duration::seconds)
        .ok_or_else(|| format!("duration `{value}` is too large"))
}

/// An RFC 3339 time, or a duration meaning that long ago (`--since 2h`).
pub fn parse_time_or_ago(value: &str) -> Result<OffsetDateTime, String> {
    if let Ok(at) = OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339) {
        return Ok(at);
    }
    parse_duration(value)
        .map(|d| OffsetDateTime::now_utc() - d)
        .map_err(|_| format!("invalid time `{value}` (RFC 3339, or a duration such as 2h)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_the_documented_units() {
        assert_eq!(parse_duration("90m").unwrap(), Duration::minutes(90));
        assert_eq!(parse_duration("8h").unwrap(), Duration::hours(8));
        assert_eq!(parse_duration("2d").unwrap(), Duration::days(2));
        assert_eq!(parse_duration("60").unwrap(), Duration::minutes(60));
        for bad in ["", "h", "8x", "-5m", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
