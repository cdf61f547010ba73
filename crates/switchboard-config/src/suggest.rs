//! "Did you mean" hints: the closest known name to a misspelt one, by edit similarity.

/// The known name closest to `given`, if it is close enough to be a likely typo.
pub fn closest<'a>(given: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(&'a str, f64)> = None;
    for k in known {
        if k == given {
            continue;
        }
        let score = strsim::jaro_winkler(&given.to_lowercase(), &k.to_lowercase());
        let close =
            score >= 0.8 || strsim::damerau_levenshtein(given, k) <= given.len().min(k.len()) / 3;
        if close && best.is_none_or(|(_, s)| score > s) {
            best = Some((k, score));
        }
    }
    best.map(|(k, _)| k)
}

/// ` (did you mean "x"?)`, or nothing when no known name is close.
pub fn did_you_mean<'a>(given: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    match closest(given, known) {
        Some(k) => format!(" (did you mean {k:?}?)"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        assert_eq!(
            closest("opertions", ["operations", "headers"]),
            Some("operations")
        );
        assert_eq!(
            closest("order_idd", ["order_id", "amount"]),
            Some("order_id")
        );
        assert_eq!(closest("zzz", ["operations", "headers"]), None);
        assert_eq!(
            did_you_mean("refund", ["refunds", "get_payment"]),
            " (did you mean \"refunds\"?)"
        );
    }
}
