//! Pagination of long lists: a page number parsed from a query string, clamped to what exists.

/// A 1-based page of `per_page` items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    number: u32,
    per_page: u32,
}

impl Page {
    /// Parses `?page=` leniently: anything that is not a positive integer means the first page, because a
    /// mistyped page number in a URL deserves the list, not an error.
    pub fn parse(raw: Option<&str>, per_page: u32) -> Self {
        let number = raw.and_then(|s| s.trim().parse::<u32>().ok()).filter(|n| *n >= 1).unwrap_or(1);
        Self { number: number.min(1_000_000), per_page: per_page.max(1) }
    }

    pub fn number(self) -> u32 {
        self.number
    }

    pub fn per_page(self) -> u32 {
        self.per_page
    }

    pub fn offset(self) -> u64 {
        u64::from(self.number - 1) * u64::from(self.per_page)
    }

    /// The number of pages needed for `total` items (at least one, so an empty list still has a page).
    pub fn count_for(self, total: u64) -> u32 {
        let pages = total.div_ceil(u64::from(self.per_page)).max(1);
        u32::try_from(pages).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_falls_back_to_the_first_page() {
        for (raw, expected) in
            [(None, 1), (Some("3"), 3), (Some("0"), 1), (Some("-2"), 1), (Some("x"), 1), (Some(" 2 "), 2)]
        {
            assert_eq!(Page::parse(raw, 20).number(), expected, "{raw:?}");
        }
    }

    #[test]
    fn offsets_and_page_counts() {
        let page = Page::parse(Some("3"), 20);
        assert_eq!(page.offset(), 40);
        assert_eq!(page.count_for(0), 1);
        assert_eq!(page.count_for(20), 1);
        assert_eq!(page.count_for(21), 2);
    }
}
