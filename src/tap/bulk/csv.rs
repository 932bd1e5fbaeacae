//! The CSV form of a batch (`tapid tap issue-bulk --file new-hires.csv`, the console's upload):
//!
//! ```text
//! username,start,zone,lifetime,one_time,length
//! alice,2026-12-07T08:30,Europe/Berlin,8h,yes,
//! bob,2026-12-07,America/New_York,,,
//! carol,,,90m,no,12
//! ```
//!
//! The first line names the columns, in any order; only `username` is required. `start` is a local
//! date (the start of that day) or date and time, with no offset, and needs `zone` (an IANA name);
//! an empty start means now. `lifetime` is `90m`, `8h`, `2d` or minutes; `one_time` is yes/no
//! (true/false, 1/0); `length` is the passcode's length. An empty cell takes the policy's default.

use time::Duration;

use super::{RowInput, RowRequest};
use crate::error::AppError;
use crate::tap::start::LocalStart;

const COLUMNS: &[&str] = &[
    "username", "start", "zone", "lifetime", "one_time", "length",
];

/// Reads a batch. A file that cannot be read at all (no header, an unknown column) is an error; a
/// row that cannot be read is a refused row, reported with the others.
pub fn parse(text: &str) -> Result<Vec<RowInput>, AppError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| AppError::invalid(format!("the CSV header cannot be read: {e}")))?
        .iter()
        .map(|h| h.to_ascii_lowercase().replace(['-', ' '], "_"))
        .collect();
    if let Some(unknown) = header.iter().find(|h| !COLUMNS.contains(&h.as_str())) {
        return Err(AppError::invalid(format!(
            "The CSV has a column named {unknown} that tapid does not know (the columns are {}).",
            COLUMNS.join(", ")
        )));
    }
    if !header.iter().any(|h| h == "username") {
        return Err(AppError::invalid(
            "The first line of the CSV must name a username column.",
        ));
    }
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        // Line 1 is the header.
        let line = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                rows.push(RowInput {
                    row: line,
                    username: String::new(),
                    request: Err(format!("the line cannot be read: {e}")),
                });
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cell = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .unwrap_or_default()
        };
        let request = if record.len() > header.len() {
            Err(format!(
                "the line has {} cells, the header {}",
                record.len(),
                header.len()
            ))
        } else {
            row_request(&cell)
        };
        rows.push(RowInput {
            row: line,
            username: cell("username").to_string(),
            request,
        });
    }
    Ok(rows)
}

fn row_request<'a>(cell: &impl Fn(&str) -> &'a str) -> Result<RowRequest, String> {
    if cell("username").is_empty() {
        return Err("the username is empty".into());
    }
    let start = match (cell("start"), cell("zone")) {
        ("", "") => None,
        ("", _) => return Err("a zone without a start".into()),
        (start, zone) => Some(LocalStart::parse(start, zone)?),
    };
    Ok(RowRequest {
        start,
        lifetime: optional(cell("lifetime"), parse_lifetime)?,
        one_time: optional(cell("one_time"), parse_yes_no)?,
        length: optional(cell("length"), |v| {
            v.parse()
                .map_err(|_| format!("the length is a number of characters, not {v}"))
        })?,
    })
}

fn optional<T>(
    value: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    if value.is_empty() {
        Ok(None)
    } else {
        parse(value).map(Some)
    }
}

/// `90m`, `8h`, `2d` or a bare number of minutes.
pub fn parse_lifetime(value: &str) -> Result<Duration, String> {
    let bad = || format!("{value} is not a lifetime (try 90m, 8h, 2d or minutes)");
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: i64 = number.parse().map_err(|_| bad())?;
    let minutes = match unit.trim() {
        "" | "m" | "min" => 1,
        "h" => 60,
        "d" => 1_440,
        _ => return Err(bad()),
    };
    number
        .checked_mul(minutes)
        .filter(|m| *m <= 1_000_000)
        .map(Duration::minutes)
        .ok_or_else(bad)
}

fn parse_yes_no(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" => Ok(true),
        "no" | "n" | "false" | "0" => Ok(false),
        _ => Err(format!("one_time is yes or no, not {value}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_column_is_read_in_any_order() {
        let rows = parse(
            "zone,username,start,one_time,lifetime,length\n\
             Europe/Berlin,alice,2026-12-07T08:30,yes,8h,12\n\
             ,bob,,,,\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        let alice = rows[0].request.as_ref().unwrap();
        assert_eq!(rows[0].row, 2);
        assert_eq!(rows[0].username, "alice");
        assert_eq!(alice.lifetime, Some(Duration::hours(8)));
        assert_eq!(alice.one_time, Some(true));
        assert_eq!(alice.length, Some(12));
        assert_eq!(alice.start.as_ref().unwrap().zone_name(), "Europe/Berlin");
        let bob = rows[1].request.as_ref().unwrap();
        assert!(bob.start.is_none() && bob.lifetime.is_none() && bob.one_time.is_none());
    }

    #[test]
    fn a_bad_cell_refuses_its_row_and_says_why() {
        let rows = parse(
            "username,start,zone,lifetime,one_time\n\
             alice,2026-12-07,,,\n\
             bob,2026-12-07,Nowhere/City,,\n\
             carol,,,8 weeks,\n\
             dave,,,,perhaps\n\
             ,,,,\n\
             erin,,,,,extra\n",
        )
        .unwrap();
        let errors: Vec<String> = rows
            .iter()
            .map(|r| r.request.as_ref().err().cloned().unwrap_or_default())
            .collect();
        assert!(errors[0].contains("time zone"), "{errors:?}");
        assert!(errors[1].contains("Nowhere/City"), "{errors:?}");
        assert!(errors[2].contains("8 weeks"), "{errors:?}");
        assert!(errors[3].contains("perhaps"), "{errors:?}");
        assert!(errors[4].contains("cells"), "{errors:?}");
        assert_eq!(rows.len(), 5, "the empty line is skipped");
        assert_eq!(rows[4].row, 7);
    }

    #[test]
    fn a_file_without_a_username_column_or_with_an_unknown_one_is_refused() {
        assert!(parse("name,start\nalice,\n").is_err());
        assert!(parse("username,colour\nalice,blue\n").is_err());
        assert!(parse("").is_err());
    }
}
