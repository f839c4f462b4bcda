//! The workbook's zip archive, read in memory, with one budget of unpacked bytes shared by every part.
//!
//! What an entry declares as its unpacked size is not trusted (it can lie): the budget counts the bytes
//! actually produced by the decompressor, and a read that would pass it fails, so a zip bomb costs at most
//! the budget in time and nothing in memory beyond the reader's small buffers.

use std::cell::Cell;
use std::io::{self, Cursor, Read};

use zip::ZipArchive;
use zip::result::ZipError;

use crate::{Limits, WorkbookError, grouped, size};

pub(crate) struct Archive<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    budget: Budget,
}

/// Unpacked bytes still allowed, and whether a read has run out of them.
struct Budget {
    max: u64,
    remaining: Cell<u64>,
    exhausted: Cell<bool>,
    /// Bytes read since the XML reader last finished an event. The XML reader holds a whole event (a
    /// tag, or a run of text) in memory, so one enormous text node would cost its full size: this
    /// bounds a single event by the text budget.
    since_boundary: Cell<u64>,
    max_between_boundaries: u64,
    overlong: Cell<bool>,
}

/// A part being read: its bytes, and a mark the XML reader sets after each event.
pub(crate) trait Part: Read {
    /// The XML reader has finished an event; what it held may be dropped.
    fn boundary(&self);
}

impl<'a> Archive<'a> {
    pub(crate) fn open(bytes: &'a [u8], limits: &Limits) -> Result<Self, WorkbookError> {
        let zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| WorkbookError::NotAWorkbook(describe(&e)))?;
        if zip.len() > limits.max_entries {
            return Err(WorkbookError::TooManyEntries { max: grouped(limits.max_entries as u64) });
        }
        let budget = Budget {
            max: limits.max_unpacked_bytes,
            remaining: Cell::new(limits.max_unpacked_bytes),
            exhausted: Cell::new(false),
            since_boundary: Cell::new(0),
            max_between_boundaries: limits.max_text_bytes as u64,
            overlong: Cell::new(false),
        };
        Ok(Self { zip, budget })
    }

    /// Reads one part through `read`, or `None` when the archive has no such part. The reader handed over
    /// fails once the budget is spent; that failure comes back as [`WorkbookError::TooLargeUnpacked`],
    /// whatever `read` made of it.
    pub(crate) fn with_part<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(&mut dyn Part) -> Result<T, WorkbookError>,
    ) -> Result<Option<T>, WorkbookError> {
        let budget = &self.budget;
        let mut entry = match self.zip.by_name(name) {
            Ok(entry) => entry,
            Err(ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(WorkbookError::NotAWorkbook(describe(&e))),
        };
        let mut budgeted = Budgeted { inner: &mut entry, budget };
        budget.since_boundary.set(0);
        let outcome = read(&mut budgeted);
        if budget.exhausted.get() {
            return Err(WorkbookError::TooLargeUnpacked { max: size(budget.max) });
        }
        if budget.overlong.get() {
            return Err(WorkbookError::TooMuchText { max: size(budget.max_between_boundaries) });
        }
        outcome.map(Some)
    }
}

struct Budgeted<'b, R> {
    inner: R,
    budget: &'b Budget,
}

impl<R: Read> Read for Budgeted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let remaining = self.budget.remaining.get();
        // Ask for one byte more than is left, so that reaching the budget exactly is not an error.
        let allowed = usize::try_from(remaining.saturating_add(1)).unwrap_or(usize::MAX).min(buf.len());
        let n = self.inner.read(&mut buf[..allowed])?;
        if n as u64 > remaining {
            self.budget.exhausted.set(true);
            self.budget.remaining.set(0);
            return Err(io::Error::other("the workbook unpacks to more than its budget"));
        }
        self.budget.remaining.set(remaining - n as u64);
        let since = self.budget.since_boundary.get() + n as u64;
        self.budget.since_boundary.set(since);
        if since > self.budget.max_between_boundaries {
            self.budget.overlong.set(true);
            return Err(io::Error::other("one piece of the workbook's XML is longer than the text budget"));
        }
        Ok(n)
    }
}

impl<R: Read> Part for Budgeted<'_, R> {
    fn boundary(&self) {
        self.budget.since_boundary.set(0);
    }
}

fn describe(error: &ZipError) -> String {
    match error {
        ZipError::InvalidArchive(_) | ZipError::Io(_) => "it is not a complete zip archive".to_owned(),
        ZipError::UnsupportedArchive(what) => format!("it uses an unsupported zip feature: {what}"),
        other => other.to_string(),
    }
}
