//! Excel serial dates as ISO 8601 calendar dates.
//!
//! In the 1900 system serial 1 is 1 January 1900 and, copying Lotus 1-2-3, serial 60 is a 29 February
//! 1900 that never was; from serial 61 on, serial `n` is `n` days after 30 December 1899. In the 1904
//! system serial 0 is 1 January 1904. The time of day (the fraction) is dropped.

/// Days from 30 December 1899 to 1 January 1970.
const DAYS_1899_12_30_TO_UNIX: i64 = 25_569;
/// Days from 1 January 1904 to 1 January 1970.
const DAYS_1904_TO_UNIX: i64 = 24_107;
/// 31 December 9999, Excel's last date, in the 1900 system.
const LAST_SERIAL: i64 = 2_958_465;

/// The calendar date of a serial, or `None` where Excel itself shows no real date (before the epoch,
/// the phantom 29 February 1900, after the year 9999).
pub(crate) fn iso_date(serial: f64, date1904: bool) -> Option<String> {
    let day = serial.floor();
    if !(0.0..=LAST_SERIAL as f64).contains(&day) {
        return None;
    }
    let day = day as i64;
    let unix_days = match (date1904, day) {
        (true, _) => day - DAYS_1904_TO_UNIX,
        (false, 0 | 60) => return None,
        // Before the phantom leap day, serial n is n days after 31 December 1899.
        (false, 1..=59) => day - DAYS_1899_12_30_TO_UNIX + 1,
        (false, _) => day - DAYS_1899_12_30_TO_UNIX,
    };
    let (year, month, day) = civil_from_unix_days(unix_days);
    (year <= 9999).then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// The proleptic Gregorian date `days` after 1 January 1970, counting in 400-year eras of 146,097 days
/// that start on 1 March, so that the leap day falls at the end of each year.
fn civil_from_unix_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468; // days from 1 March of year 0 to 1 January 1970
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Serials and the dates Excel shows for them: from serial 61 on, Python's
    /// `date(1899, 12, 30) + timedelta(n)` (`date(1904, 1, 1) + timedelta(n)` in the 1904 system); before
    /// it, Excel's documented 1900 leap-year quirk.
    #[test]
    fn serials_are_the_dates_excel_shows() {
        for (serial, date1904, expected) in [
            (1.0, false, Some("1900-01-01")),
            (59.0, false, Some("1900-02-28")),
            (60.0, false, None),
            (61.0, false, Some("1900-03-01")),
            (25_569.0, false, Some("1970-01-01")),
            (36_526.0, false, Some("2000-01-01")),
            (45_658.0, false, Some("2025-01-01")),
            (47_484.0, false, Some("2030-01-01")),
            (47_515.75, false, Some("2030-02-01")),
            (2_958_465.0, false, Some("9999-12-31")),
            (2_958_466.0, false, None),
            (-1.0, false, None),
            (0.0, true, Some("1904-01-01")),
            (46_022.0, true, Some("2030-01-01")),
        ] {
            assert_eq!(iso_date(serial, date1904).as_deref(), expected, "{serial} (1904: {date1904})");
        }
    }

    #[test]
    fn every_day_of_four_centuries_follows_the_one_before() {
        let mut previous = civil_from_unix_days(-1);
        for days in 0..146_097 {
            let (y, m, d) = civil_from_unix_days(days);
            let (py, pm, pd) = previous;
            let next_day = (y, m, d) == (py, pm, pd + 1);
            let next_month = d == 1 && ((y == py && m == pm + 1) || (y == py + 1 && m == 1 && pm == 12));
            assert!(next_day || next_month, "{previous:?} then {:?}", (y, m, d));
            previous = (y, m, d);
        }
    }
}
