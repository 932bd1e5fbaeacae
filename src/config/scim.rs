//! `scim.*`: what provisioning does beyond storing what the HR system sends — the pass a start date
//! asks for: from what time of the start day, and to whom its reveal link is mailed.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScimSettings {
    /// The local time (in the person's `timezone`) on their start date from which the pass is valid.
    pub start_pass_time: StartTime,
    /// Who is mailed the reveal link of a start-date pass: the person's `manager` or the `person`.
    pub start_pass_send_to: StartPassRecipient,
}

impl Default for ScimSettings {
    fn default() -> Self {
        Self {
            start_pass_time: StartTime { hour: 8, minute: 0 },
            start_pass_send_to: StartPassRecipient::Manager,
        }
    }
}

/// Whom a start-date pass's reveal link goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartPassRecipient {
    Manager,
    Person,
}

/// A time of day, `HH:MM` (24 hours).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StartTime {
    pub hour: u8,
    pub minute: u8,
}

impl TryFrom<String> for StartTime {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        let bad = || format!("`{value}`: a time of day as HH:MM, e.g. 08:00");
        let (h, m) = value.trim().split_once(':').ok_or_else(bad)?;
        let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
        if !two_digits(h) || !two_digits(m) {
            return Err(bad());
        }
        let (hour, minute) = (
            h.parse::<u8>().map_err(|_| bad())?,
            m.parse::<u8>().map_err(|_| bad())?,
        );
        if hour > 23 || minute > 59 {
            return Err(bad());
        }
        Ok(Self { hour, minute })
    }
}

impl From<StartTime> for String {
    fn from(t: StartTime) -> String {
        format!("{:02}:{:02}", t.hour, t.minute)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_time_is_hh_mm_on_a_24_hour_clock() {
        let t = StartTime::try_from("07:30".to_string()).unwrap();
        assert_eq!((t.hour, t.minute), (7, 30));
        assert_eq!(String::from(t), "07:30");
        for bad in ["7:30", "24:00", "12:60", "0800", "08:00:00", "", "ab:cd"] {
            assert!(StartTime::try_from(bad.to_string()).is_err(), "{bad}");
        }
    }
}
