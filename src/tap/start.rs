//! A start given as a wall-clock time in the person's own time zone (an IANA name such as
//! `Europe/Berlin`), as an HR system or a spreadsheet of new hires says it: "Monday 08:30, Berlin".
//! The zone database is jiff's (the system's, or the copy bundled into tapid where there is none).

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use time::OffsetDateTime;

/// A local date and time in a named zone.
#[derive(Clone, Debug)]
pub struct LocalStart {
    at: DateTime,
    zone: TimeZone,
    zone_name: String,
}

impl LocalStart {
    /// `start` is `YYYY-MM-DD` (the start of that day), `YYYY-MM-DDTHH:MM[:SS]` or the same with a
    /// space; it carries no offset: the zone says where the clock hangs.
    pub fn parse(start: &str, zone: &str) -> Result<Self, String> {
        let (start, zone_name) = (start.trim(), zone.trim());
        if zone_name.is_empty() {
            return Err("a start needs a time zone (an IANA name such as Europe/Berlin)".into());
        }
        let zone = TimeZone::get(zone_name).map_err(|_| {
            format!("{zone_name} is not a time zone tapid knows (use an IANA name such as Europe/Berlin)")
        })?;
        let at = parse_local(start).ok_or_else(|| {
            format!(
                "{start} is not a start tapid can read (use 2026-12-07 or 2026-12-07T08:30, local time, no offset)"
            )
        })?;
        Ok(Self {
            at,
            zone,
            zone_name: zone_name.to_string(),
        })
    }

    /// The start of `date` in `zone`.
    pub fn morning_of(date: Date, zone: &str) -> Result<Self, String> {
        let mut start = Self::parse("2000-01-01", zone)?;
        start.at = date.to_datetime(Time::midnight());
        Ok(start)
    }

    pub fn zone_name(&self) -> &str {
        &self.zone_name
    }

    /// The instant this local time names. A time the clocks skip (spring forward) moves on by the
    /// gap and a time they repeat (fall back) takes the earlier one, as calendars do.
    pub fn instant(&self) -> Result<OffsetDateTime, String> {
        let zoned = self
            .zone
            .to_ambiguous_zoned(self.at)
            .compatible()
            .map_err(|_| format!("the start {} does not exist in {}", self.at, self.zone_name))?;
        OffsetDateTime::from_unix_timestamp(zoned.timestamp().as_second())
            .map_err(|_| format!("the start {} is out of range", self.at))
    }
}

/// A start date as an HR system sends it (SCIM `dateTime`): `2026-12-07`, or a date and time whose
/// calendar date is taken as written — HR systems send a date as its midnight, often in UTC, and
/// `2026-12-07T00:00:00Z` means the 7th wherever the person lives. The time of day is not used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StartDate(Date);

impl StartDate {
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        let bad = || {
            format!(
                "startDate `{value}`: a date (2026-12-07) or an xsd:dateTime (2026-12-07T00:00:00Z)"
            )
        };
        let date = value
            .get(..10)
            .and_then(|d| d.parse::<Date>().ok())
            .ok_or_else(bad)?;
        let rest = &value[10..];
        let well_formed = rest.is_empty()
            || (rest.starts_with(['T', 't'])
                && (value.parse::<jiff::Timestamp>().is_ok() || value.parse::<DateTime>().is_ok()));
        if !well_formed {
            return Err(bad());
        }
        Ok(Self(date))
    }

    pub fn date(&self) -> Date {
        self.0
    }

    /// `hour:minute` on this date in `zone`.
    pub fn at(&self, hour: u8, minute: u8, zone: &str) -> Result<LocalStart, String> {
        let mut start = LocalStart::morning_of(self.0, zone)?;
        let time = Time::new(hour as i8, minute as i8, 0, 0)
            .map_err(|_| format!("{hour:02}:{minute:02} is not a time of day"))?;
        start.at = self.0.to_datetime(time);
        Ok(start)
    }

    /// The end of this date in `zone` (the start of the next day).
    pub fn day_end(&self, zone: &str) -> Result<OffsetDateTime, String> {
        let next = self
            .0
            .tomorrow()
            .map_err(|_| "the start date is out of range".to_string())?;
        LocalStart::morning_of(next, zone)?.instant()
    }
}

fn parse_local(text: &str) -> Option<DateTime> {
    if text.len() == 10 {
        return text
            .parse::<Date>()
            .ok()
            .map(|d| d.to_datetime(Time::midnight()));
    }
    // An offset or zone annotation would contradict the zone column: refuse it.
    let time_part = text.get(11..)?;
    if time_part.contains(['+', 'Z', 'z', '[']) || time_part.contains('-') {
        return None;
    }
    text.replacen(' ', "T", 1).parse::<DateTime>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: &str, zone: &str) -> OffsetDateTime {
        LocalStart::parse(start, zone).unwrap().instant().unwrap()
    }

    #[test]
    fn a_local_time_is_read_in_its_own_zone() {
        // Berlin is UTC+1 in winter, UTC+2 in summer.
        assert_eq!(
            at("2026-12-07T08:30", "Europe/Berlin").to_string(),
            "2026-12-07 7:30:00.0 +00:00:00"
        );
        assert_eq!(
            at("2026-07-06 08:30", "Europe/Berlin").to_string(),
            "2026-07-06 6:30:00.0 +00:00:00"
        );
        assert_eq!(
            at("2026-12-07", "America/New_York").to_string(),
            "2026-12-07 5:00:00.0 +00:00:00"
        );
    }

    #[test]
    fn a_start_date_is_the_calendar_date_as_written_whatever_the_offset() {
        for value in [
            "2026-12-07",
            "2026-12-07T00:00:00Z",
            "2026-12-07T00:00:00.000000+00:00",
            "2026-12-07T23:30:00-05:00",
            "2026-12-07T09:00:00",
        ] {
            let date = StartDate::parse(value).unwrap().date();
            assert_eq!(date.to_string(), "2026-12-07", "{value}");
        }
        for bad in [
            "2026-12-7",
            "07/12/2026",
            "2026-02-30",
            "2026-12-07 garbage",
            "",
            "tomorrow",
        ] {
            assert!(StartDate::parse(bad).is_err(), "{bad:?}");
        }
        let start = StartDate::parse("2026-12-07T00:00:00Z").unwrap();
        assert_eq!(
            start
                .at(8, 0, "America/New_York")
                .unwrap()
                .instant()
                .unwrap()
                .to_string(),
            "2026-12-07 13:00:00.0 +00:00:00"
        );
        assert_eq!(
            start.day_end("Europe/Berlin").unwrap().to_string(),
            "2026-12-07 23:00:00.0 +00:00:00"
        );
    }

    #[test]
    fn a_time_the_clocks_skip_moves_on_by_the_gap() {
        // 2026-03-29 02:30 does not exist in Berlin: clocks go from 02:00 to 03:00 (01:00 UTC).
        assert_eq!(
            at("2026-03-29T02:30", "Europe/Berlin").to_string(),
            "2026-03-29 1:30:00.0 +00:00:00"
        );
    }

    #[test]
    fn unknown_zones_offsets_and_garbage_are_refused_with_a_reason() {
        for (start, zone) in [
            ("2026-12-07T08:30", "Mars/Olympus"),
            ("2026-12-07T08:30", ""),
            ("2026-12-07T08:30+01:00", "Europe/Berlin"),
            ("2026-12-07T08:30Z", "Europe/Berlin"),
            ("07/12/2026", "Europe/Berlin"),
            ("2026-02-30", "Europe/Berlin"),
            ("", "Europe/Berlin"),
        ] {
            let refused = LocalStart::parse(start, zone);
            assert!(refused.is_err(), "{start:?} in {zone:?} should be refused");
        }
    }
}
