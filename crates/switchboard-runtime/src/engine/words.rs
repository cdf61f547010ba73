//! The few words the dialogue understands by itself, whatever the project: yes, no, cancel,
//! help.

/// Normalises a short answer for matching: lowercase, punctuation removed, spaces collapsed.
fn norm(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

const YES: &[&str] = &[
    "yes",
    "y",
    "yeah",
    "yep",
    "yup",
    "sure",
    "ok",
    "okay",
    "confirm",
    "confirmed",
    "do it",
    "go ahead",
    "please do",
    "yes please",
    "correct",
    "absolutely",
    "of course",
    "sounds good",
    "that's right",
    "right",
];
const NO: &[&str] = &[
    "no",
    "n",
    "nope",
    "nah",
    "no thanks",
    "no thank you",
    "don't",
    "do not",
    "not now",
    "negative",
];
const CANCEL: &[&str] = &[
    "cancel",
    "never mind",
    "nevermind",
    "forget it",
    "forget about it",
    "stop",
    "start over",
    "reset",
    "abort",
    "quit",
    "cancel that",
    "no never mind",
];
const HELP: &[&str] = &[
    "help",
    "help me",
    "what can you do",
    "what can i ask",
    "what can i ask you",
    "menu",
    "options",
];

/// A yes or no answer, if the text is one.
pub fn yes_no(text: &str) -> Option<bool> {
    let n = norm(text);
    if YES.contains(&n.as_str()) {
        Some(true)
    } else if NO.contains(&n.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// Whether the text asks to drop what is going on.
pub fn is_cancel(text: &str) -> bool {
    CANCEL.contains(&norm(text).as_str())
}

/// Whether the text asks for help (used when the project has no `help` intent).
pub fn is_help(text: &str) -> bool {
    HELP.contains(&norm(text).as_str())
}

/// Whether a message reads as a follow-up to the previous request: "and 1002?", "what about
/// London", or a few words only.
pub fn is_follow_up(text: &str) -> bool {
    let n = norm(text);
    [
        "and ",
        "what about ",
        "how about ",
        "also ",
        "same for ",
        "now ",
    ]
    .iter()
    .any(|p| n.starts_with(p))
        || n.split(' ').count() <= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(yes_no("Yes!"), Some(true));
        assert_eq!(yes_no("  go ahead. "), Some(true));
        assert_eq!(yes_no("No thanks"), Some(false));
        assert_eq!(yes_no("maybe"), None);
        assert!(is_cancel("Never mind"));
        assert!(is_cancel("cancel."));
        assert!(!is_cancel("cancel my order 1001"));
        assert!(is_help("Help?"));
        assert!(is_follow_up("and 1002?"));
        assert!(is_follow_up("What about London"));
        assert!(!is_follow_up("I would like a refund for my last payment"));
    }
}
