//! Meetings a pair plans ahead: the form (a date from today on, a time of day in UK time, a length, how
//! they will meet, where or by which link), and the calendar invitation each meeting comes with: an
//! iCalendar file (RFC 5545) that Outlook and Google Calendar import. Pure: the web turns the UK time
//! into an instant (it knows the time zone rules), this module writes the file.

use serde::{Deserialize, Serialize};

use super::SessionMode;
use crate::initiatives::CivilDate;
use crate::privacy::{describe, screen};
use crate::validation::{FieldErrors, optional_text};

/// The meeting form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeetingForm {
    #[serde(rename = "meeting_day")]
    pub day: String,
    #[serde(rename = "meeting_month")]
    pub month: String,
    #[serde(rename = "meeting_year")]
    pub year: String,
    /// 24-hour clock, like 14:30, in UK time. (Every field is named for the meeting: the page also
    /// has the form for a session held, with its own length, mode and link.)
    #[serde(rename = "meeting_time")]
    pub time: String,
    #[serde(rename = "meeting_minutes")]
    pub minutes: String,
    #[serde(rename = "meeting_mode")]
    pub mode: String,
    /// Where they meet in person (a room, a café), or the number to ring.
    #[serde(rename = "meeting_place")]
    pub place: String,
    #[serde(rename = "meeting_link")]
    pub link: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MeetingDraft {
    pub date: CivilDate,
    pub hour: u8,
    pub minute: u8,
    pub minutes: u32,
    pub mode: SessionMode,
    pub place: Option<String>,
    pub link: Option<String>,
}

fn time_of_day(raw: &str) -> Option<(u8, u8)> {
    let (h, m) = raw.trim().replace('.', ":").split_once(':').map(|(h, m)| (h.to_owned(), m.to_owned()))?;
    let (hour, minute) = (h.parse::<u8>().ok()?, m.parse::<u8>().ok()?);
    (hour < 24 && minute < 60 && m.len() == 2).then_some((hour, minute))
}

impl MeetingForm {
    /// # Errors
    /// Keyed by field: a date before `today`, a time that is not `HH:MM`, a length outside 5 to 480
    /// minutes, no way of meeting, no place for an in-person meeting, a video link that is not https,
    /// or a place that looks like it names a patient.
    pub fn parse(&self, today: CivilDate) -> Result<MeetingDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let date = match CivilDate::from_parts(&self.day, &self.month, &self.year) {
            Ok(Some(d)) if d >= today => Some(d),
            Ok(Some(_)) => {
                errors.add("meeting", "A planned meeting must be today or later: log a past one as a session held");
                None
            }
            Ok(None) => {
                errors.add("meeting", "Enter the date of the meeting");
                None
            }
            Err(message) => {
                errors.add("meeting", message);
                None
            }
        };
        let time = time_of_day(&self.time);
        if time.is_none() {
            errors.add("meeting_time", "Enter the time on the 24-hour clock, like 09:30 or 14:00");
        }
        let minutes = match self.minutes.trim().parse::<u32>() {
            Ok(m) if (5..=480).contains(&m) => m,
            _ => {
                errors.add("meeting_minutes", "Enter the length as a whole number of minutes from 5 to 480");
                0
            }
        };
        let mode = self.mode.parse::<SessionMode>().ok();
        if mode.is_none() {
            errors.add("meeting_mode", "Choose how you will meet");
        }
        let place = optional_text(&mut errors, "meeting_place", &self.place, "the place", 200);
        if let Some(p) = &place {
            let findings = screen(p);
            if !findings.is_empty() {
                errors.add("meeting_place", format!("Remove {} from the place", describe(&findings)));
            }
        }
        if mode == Some(SessionMode::InPerson) && place.is_none() {
            errors.add("meeting_place", "Enter where you will meet");
        }
        let link = optional_text(&mut errors, "meeting_link", &self.link, "the video link", 500);
        if mode == Some(SessionMode::Video) {
            match &link {
                Some(l) if l.starts_with("https://") && !l.contains(char::is_whitespace) => {}
                _ => errors.add("meeting_link", "Enter the video link as a full address starting with https://"),
            }
        }
        match (date, time, mode) {
            (Some(date), Some((hour, minute)), Some(mode)) => errors.into_result(|| MeetingDraft {
                date,
                hour,
                minute,
                minutes,
                mode,
                place,
                link: if mode == SessionMode::Video { link } else { None },
            }),
            _ => Err(errors),
        }
    }
}

/// One event of a calendar file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarEvent<'a> {
    /// Globally unique and stable: a calendar that imports the file twice updates one event.
    pub uid: &'a str,
    /// When the file was made (DTSTAMP), and the meeting's start, both as Unix milliseconds (UTC).
    pub stamp_ms: i64,
    pub start_ms: i64,
    pub minutes: u32,
    pub summary: &'a str,
    pub location: Option<&'a str>,
    pub description: &'a str,
    pub url: Option<&'a str>,
}

/// A UTC date-time as RFC 5545 writes it: `20260714T093000Z`.
fn utc(ms: i64) -> String {
    let date = CivilDate::from_unix_ms(ms).unwrap_or(CivilDate { year: 1970, month: 1, day: 1 });
    let seconds = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        date.year,
        date.month,
        date.day,
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// TEXT as RFC 5545 §3.3.11 escapes it: backslash, semicolon, comma and line breaks.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets (RFC 5545 §3.1): each continuation starts with a space, and a
/// line is never cut inside a character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// The calendar file for one event, with CRLF line endings as RFC 5545 requires.
pub fn calendar(event: &CalendarEvent<'_>) -> String {
    let end_ms = event.start_ms + i64::from(event.minutes) * 60_000;
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Kindling//Mentoring meetings//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}", event.uid),
        format!("DTSTAMP:{}", utc(event.stamp_ms)),
        format!("DTSTART:{}", utc(event.start_ms)),
        format!("DTEND:{}", utc(end_ms)),
        format!("SUMMARY:{}", text(event.summary)),
        format!("DESCRIPTION:{}", text(event.description)),
    ];
    if let Some(location) = event.location {
        lines.push(format!("LOCATION:{}", text(location)));
    }
    if let Some(url) = event.url {
        lines.push(format!("URL:{url}"));
    }
    lines.extend(["STATUS:CONFIRMED".to_owned(), "END:VEVENT".to_owned(), "END:VCALENDAR".to_owned()]);
    let mut out = String::new();
    for line in &lines {
        fold(line, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> MeetingForm {
        MeetingForm {
            day: "14".into(),
            month: "7".into(),
            year: "2026".into(),
            time: "10:30".into(),
            minutes: "60".into(),
            mode: "video".into(),
            place: String::new(),
            link: "https://meet.example.nhs.uk/abc".into(),
        }
    }

    #[test]
    fn a_meeting_needs_a_future_date_a_clock_time_and_a_way_to_meet() {
        let today = CivilDate::new(2026, 7, 1).unwrap();
        let draft = form().parse(today).unwrap();
        assert_eq!((draft.hour, draft.minute, draft.minutes), (10, 30, 60));
        let past = MeetingForm { month: "6".into(), time: "25:00".into(), ..form() };
        let errors = past.parse(today).unwrap_err();
        assert!(errors.for_field("meeting").is_some() && errors.for_field("meeting_time").is_some());
        let nowhere = MeetingForm { mode: "in-person".into(), ..form() };
        assert_eq!(nowhere.parse(today).unwrap_err().for_field("meeting_place"), Some("Enter where you will meet"));
        let no_link = MeetingForm { link: "teams".into(), ..form() };
        assert!(no_link.parse(today).unwrap_err().for_field("meeting_link").is_some());
    }

    /// Checked against RFC 5545's rules by hand: CRLF endings, escaped TEXT, UTC times, folding at 75
    /// octets with a leading space, and an event an hour long.
    #[test]
    fn the_calendar_file_follows_rfc_5545() {
        // 14 July 2026 09:30 UTC is 1 784 021 400 seconds after the epoch.
        let start_ms = 1_784_021_400_000;
        let description = "Mentoring meeting, planned in Kindling; agenda: goals\nand next steps. ".repeat(2);
        let event = CalendarEvent {
            uid: "meeting-7@kindling",
            stamp_ms: start_ms - 86_400_000,
            start_ms,
            minutes: 60,
            summary: "Mentoring: Jess Taylor and Dr Kwame Mensah",
            location: Some("Room 2, Education Centre"),
            description: &description,
            url: Some("https://meet.example.nhs.uk/abc"),
        };
        let file = calendar(&event);
        assert!(file.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(file.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        assert!(!file.replace("\r\n", "").contains('\n'), "every line ends with CRLF");
        assert!(file.contains("\r\nDTSTART:20260714T093000Z\r\n"));
        assert!(file.contains("\r\nDTEND:20260714T103000Z\r\n"));
        assert!(file.contains("\r\nDTSTAMP:20260713T093000Z\r\n"));
        assert!(file.contains("\r\nLOCATION:Room 2\\, Education Centre\r\n"));
        assert!(file.split("\r\n").all(|line| line.len() <= 75), "folded at 75 octets");
        let unfolded = file.replace("\r\n ", "");
        assert!(unfolded.contains(
            "DESCRIPTION:Mentoring meeting\\, planned in Kindling\\; agenda: goals\\nand next steps. Mentoring"
        ));
    }
}
