//! Forms with fields that repeat (a group of checkboxes posts `roles=a&roles=b`), which a struct cannot
//! take through `serde_urlencoded`: the handler reads the posted pairs with these two functions.

/// The first value posted for `name`, or empty.
pub(crate) fn first(pairs: &[(String, String)], name: &str) -> String {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// Every value posted for `name`, in order.
pub(crate) fn all(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_single_fields() {
        let pairs: Vec<(String, String)> = [("roles", "a"), ("name", "N"), ("roles", "b")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(all(&pairs, "roles"), ["a", "b"]);
        assert_eq!(first(&pairs, "name"), "N");
        assert_eq!(first(&pairs, "missing"), "");
        assert!(all(&pairs, "missing").is_empty());
    }
}
