//! Calendar dates for snapshots and validity intervals: a day of the
//! proleptic Gregorian calendar ([`Date`]), and a snapshot's time ([`When`]):
//! its year and, where known, its day. ISO 8601 in and out.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A day of the proleptic Gregorian calendar (ISO 8601's calendar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year (ISO 8601: 0 is 1 BC).
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// The date, when it exists in the calendar.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Date { year, month, day })
    }

    /// 1 January of `year`.
    pub fn first_of(year: i32) -> Date {
        Date {
            year,
            month: 1,
            day: 1,
        }
    }

    /// The day after.
    pub fn next_day(self) -> Date {
        if self.day < days_in_month(self.year, self.month) {
            Date {
                day: self.day + 1,
                ..self
            }
        } else if self.month < 12 {
            Date {
                month: self.month + 1,
                day: 1,
                ..self
            }
        } else {
            Date::first_of(self.year + 1)
        }
    }

    /// The same day one year later (29 February becomes 1 March).
    pub fn plus_one_year(self) -> Date {
        Date::new(self.year + 1, self.month, self.day).unwrap_or(Date {
            year: self.year + 1,
            month: 3,
            day: 1,
        })
    }
}

impl fmt::Display for Date {
    /// ISO 8601: `1858-05-28`; years before 1 or after 9999 with a sign.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if (0..=9999).contains(&self.year) {
            write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
        } else {
            write!(f, "{:+05}-{:02}-{:02}", self.year, self.month, self.day)
        }
    }
}

/// A year or a day, as a date field or the analysis file gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// A whole year: stands for 1 January of it where a day is needed.
    Year(i32),
    /// A day.
    Day(Date),
}

impl Moment {
    /// The first day of the moment.
    pub fn first_day(self) -> Date {
        match self {
            Moment::Year(y) => Date::first_of(y),
            Moment::Day(d) => d,
        }
    }

    /// The day after the moment's last day (a year's end is 1 January of
    /// the next year).
    pub fn day_after(self) -> Date {
        match self {
            Moment::Year(y) => Date::first_of(y + 1),
            Moment::Day(d) => d.next_day(),
        }
    }

    /// The year the moment falls in.
    pub fn year(self) -> i32 {
        match self {
            Moment::Year(y) => y,
            Moment::Day(d) => d.year,
        }
    }
}

/// Parses a year (`1858`, `-500`) or an ISO 8601 calendar date
/// (`1858-05-28`), as GDAL also writes dates (`1858/05/28`), optionally
/// followed by a time of day (`T12:00:00Z`, ` 00:00:00+00`), which is
/// ignored: snapshots are whole days. Basic-format dates (`18580528`) and
/// integer-valued numbers (`1858.0`, as some formats store years) are read
/// too. The error says what was expected.
pub fn parse_moment(text: &str) -> std::result::Result<Moment, String> {
    let t = text.trim();
    let expected = || {
        format!("'{text}' is not a date: expected an ISO 8601 date (1858-05-28) or a year (1858)")
    };
    let (sign, digits) = match t.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    // A year alone, or a number with only zeros after the point.
    let whole = digits
        .split_once('.')
        .filter(|(_, frac)| frac.chars().all(|c| c == '0'))
        .map_or(digits, |(w, _)| w);
    if !whole.is_empty() && whole.len() <= 6 && whole.chars().all(|c| c.is_ascii_digit()) {
        // Eight digits are a basic-format date, not a year.
        if whole.len() != 8 {
            return whole
                .parse::<i32>()
                .map(|y| Moment::Year(sign * y))
                .map_err(|_| expected());
        }
    }
    let day_part = digits
        .split(['T', ' '])
        .next()
        .filter(|d| !d.is_empty())
        .ok_or_else(expected)?;
    let numbers: Vec<&str> = if day_part.len() == 8 && day_part.chars().all(|c| c.is_ascii_digit())
    {
        vec![&day_part[..4], &day_part[4..6], &day_part[6..]]
    } else {
        day_part.split(['-', '/']).collect()
    };
    let [y, m, d] = numbers.as_slice() else {
        return Err(expected());
    };
    let all_digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !(all_digits(y) && y.len() >= 4 && all_digits(m) && m.len() <= 2 && all_digits(d))
        || d.len() > 2
    {
        return Err(expected());
    }
    let (year, month, day) = (
        y.parse::<i32>().map_err(|_| expected())? * sign,
        m.parse::<u8>().map_err(|_| expected())?,
        d.parse::<u8>().map_err(|_| expected())?,
    );
    Date::new(year, month, day).map(Moment::Day).ok_or_else(|| {
        format!("'{text}' is not a day of the calendar (month 1–12, day within the month)")
    })
}

/// When a snapshot holds: its year and, where known, its day. Snapshots are
/// ordered by time (a year alone stands for 1 January), and two snapshots
/// of one year are told apart by their dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct When {
    /// The year.
    pub year: i32,
    /// The day, when known (its year is `year`).
    pub date: Option<Date>,
}

impl When {
    /// A year without a day.
    pub fn year(year: i32) -> When {
        When { year, date: None }
    }

    /// A day.
    pub fn day(date: Date) -> When {
        When {
            year: date.year,
            date: Some(date),
        }
    }

    /// The day the snapshot is taken on: its date, or 1 January.
    pub fn first_day(&self) -> Date {
        self.date.unwrap_or(Date::first_of(self.year))
    }

    /// The snapshot's label: its date where known, else its year
    /// (`1858-05-28`, `1860`); used in names and titles.
    pub fn label(&self) -> String {
        self.to_string()
    }
}

impl From<i32> for When {
    fn from(year: i32) -> When {
        When::year(year)
    }
}

impl From<Moment> for When {
    fn from(m: Moment) -> When {
        match m {
            Moment::Year(y) => When::year(y),
            Moment::Day(d) => When::day(d),
        }
    }
}

impl PartialOrd for When {
    fn partial_cmp(&self, other: &When) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for When {
    fn cmp(&self, other: &When) -> std::cmp::Ordering {
        (self.first_day(), self.date.is_some()).cmp(&(other.first_day(), other.date.is_some()))
    }
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.date {
            Some(d) => d.fmt(f),
            None => self.year.fmt(f),
        }
    }
}

impl Serialize for When {
    /// As the fields `year` and, where known, `date` (ISO 8601): for
    /// `#[serde(flatten)]` in the rows of the reports.
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut row = s.serialize_struct("When", 1 + usize::from(self.date.is_some()))?;
        row.serialize_field("year", &self.year)?;
        if let Some(d) = self.date {
            row.serialize_field("date", &d.to_string())?;
        }
        row.end()
    }
}

/// Serialises a [`When`] as its year alone (`#[serde(serialize_with)]`),
/// for fields such as `from_year` that keep their name.
pub fn serialize_year<S: serde::Serializer>(
    when: &When,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_i32(when.year)
}

/// A date or a year as the analysis file may write it: a number (a year), a
/// string (a year or an ISO 8601 date) or a TOML date (`1858-05-28`
/// unquoted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigMoment(pub Moment);

impl Serialize for ConfigMoment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.0 {
            Moment::Year(y) => s.serialize_i32(y),
            Moment::Day(d) => s.serialize_str(&d.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for ConfigMoment {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        RawMoment::deserialize(d)?
            .moment()
            .map(ConfigMoment)
            .map_err(serde::de::Error::custom)
    }
}

/// A year or date as TOML has it, before it is read: for types that
/// accept it among other forms (untagged enums lose the inner message).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawMoment {
    /// A number: a year.
    Int(i64),
    /// A string: a year or an ISO 8601 date.
    Text(String),
    /// A TOML date.
    Toml(toml::value::Datetime),
}

impl RawMoment {
    /// The year or day, or what is wrong with it.
    pub fn moment(self) -> std::result::Result<Moment, String> {
        match self {
            RawMoment::Int(y) => i32::try_from(y)
                .map(Moment::Year)
                .map_err(|_| format!("year {y} is out of range")),
            RawMoment::Text(t) => parse_moment(&t),
            RawMoment::Toml(dt) => {
                let Some(date) = dt.date.filter(|_| dt.time.is_none() && dt.offset.is_none())
                else {
                    return Err(format!(
                        "'{dt}' is not a date: give a day (1858-05-28) without a time"
                    ));
                };
                Date::new(i32::from(date.year), date.month, date.day)
                    .map(Moment::Day)
                    .ok_or_else(|| format!("'{dt}' is not a day of the calendar"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u8, d: u8) -> Moment {
        Moment::Day(Date::new(y, m, d).unwrap())
    }

    #[test]
    fn parses_the_forms_datasets_use() {
        assert_eq!(parse_moment("1858-05-28"), Ok(day(1858, 5, 28)));
        assert_eq!(parse_moment("1858/05/28"), Ok(day(1858, 5, 28)));
        assert_eq!(parse_moment("1858/05/28 00:00:00+00"), Ok(day(1858, 5, 28)));
        assert_eq!(parse_moment("1858-05-28T12:30:00Z"), Ok(day(1858, 5, 28)));
        assert_eq!(parse_moment("18580528"), Ok(day(1858, 5, 28)));
        assert_eq!(parse_moment("1858-5-8"), Ok(day(1858, 5, 8)));
        assert_eq!(parse_moment(" 1858 "), Ok(Moment::Year(1858)));
        assert_eq!(parse_moment("1858.0"), Ok(Moment::Year(1858)));
        assert_eq!(parse_moment("-500"), Ok(Moment::Year(-500)));
        assert_eq!(parse_moment("2000-02-29"), Ok(day(2000, 2, 29)));
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for bad in [
            "",
            "abc",
            "1858-13-01",
            "1900-02-29",
            "1858-05-32",
            "58-05-28",
            "1858.5",
            "1858-05",
            "1858-05-28-01",
            "May 1858",
        ] {
            assert!(parse_moment(bad).is_err(), "{bad:?}");
        }
        assert!(parse_moment("1858-02-30")
            .unwrap_err()
            .contains("1858-02-30"));
    }

    #[test]
    fn days_follow_the_calendar() {
        let d = Date::new(1999, 12, 31).unwrap();
        assert_eq!(d.next_day(), Date::first_of(2000));
        assert_eq!(
            Date::new(2000, 2, 28).unwrap().next_day().to_string(),
            "2000-02-29"
        );
        assert_eq!(
            Date::new(1900, 2, 28).unwrap().next_day().to_string(),
            "1900-03-01"
        );
        assert_eq!(
            Date::new(2000, 2, 29).unwrap().plus_one_year().to_string(),
            "2001-03-01"
        );
        assert_eq!(Date::new(-44, 3, 15).unwrap().to_string(), "-0044-03-15");
        assert_eq!(Moment::Year(1858).day_after(), Date::first_of(1859));
    }

    #[test]
    fn snapshots_order_by_day() {
        let a = When::day(Date::new(1939, 3, 15).unwrap());
        let b = When::day(Date::new(1939, 9, 1).unwrap());
        let y = When::year(1939);
        let z = When::year(1940);
        assert!(y < a && a < b && b < z);
        assert_eq!(a.label(), "1939-03-15");
        assert_eq!(z.label(), "1940");
    }
}
