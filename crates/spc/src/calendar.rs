//! The little calendar arithmetic the engine needs (and the platform reuses): month lengths with leap
//! years, and month names for dates written as people write them ("3 March 2025").

/// English month names, January first.
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Days in `month` (1–12) of `year` in the Gregorian calendar; `None` for a month that does not exist.
pub fn days_in_month(year: i32, month: u32) -> Option<u32> {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    Some(match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_years_follow_the_gregorian_rules() {
        for (year, days) in [(2024, 29), (2025, 28), (1900, 28), (2000, 29)] {
            assert_eq!(days_in_month(year, 2), Some(days), "{year}");
        }
        assert_eq!(days_in_month(2025, 4), Some(30));
        assert_eq!(days_in_month(2025, 13), None);
        assert_eq!(days_in_month(2025, 0), None);
    }
}
