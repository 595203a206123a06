//! "Did you mean" suggestions by edit distance.

/// Levenshtein distance between two strings, by characters.
#[must_use]
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `word` when it is close enough to be a plausible typo: at most a
/// third of the word's length (and at least one edit) away. Ties go to the earlier candidate.
#[must_use]
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (distance(word, c), *c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggestions() {
        assert_eq!(super::distance("kitten", "sitting"), 3);
        assert_eq!(super::closest("RUNN", &["RUN", "ENV"]), Some("RUN"));
        assert_eq!(super::closest("chmode", &["chown", "chmod"]), Some("chmod"));
        assert_eq!(super::closest("zzz", &["RUN"]), None);
    }
}
