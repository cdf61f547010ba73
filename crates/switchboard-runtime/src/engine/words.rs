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

/// Words that say yes by themselves, in the languages the product's users write.
/// The answers offered as buttons for a yes-or-no question.
pub const YES: &str = "Yes";
/// See [`YES`].
pub const NO: &str = "No";

const YES_WORDS: &[&str] = &[
    "yes",
    "y",
    "yeah",
    "yep",
    "yup",
    "yea",
    "sure",
    "ok",
    "okay",
    "k",
    "confirm",
    "confirmed",
    "correct",
    "absolutely",
    "definitely",
    "affirmative",
    "alright",
    "fine",
    "proceed",
    // Hindi and Urdu, written in Latin letters and in their own scripts.
    "haan",
    "han",
    "haa",
    "ha",
    "ji",
    "theek",
    "thik",
    "हाँ",
    "हां",
    "जी",
    "ठीक",
    "ہاں",
    "جی",
    // Arabic.
    "نعم",
    "ايوه",
    "أيوه",
    "اه",
    "تمام",
    "موافق",
    "أكيد",
    "اكيد",
    "حسنا",
    "حسناً",
    // French, Spanish, German.
    "oui",
    "si",
    "sí",
    "ja",
    "vale",
    "claro",
    "d'accord",
];

/// Words that say no by themselves.
const NO_WORDS: &[&str] = &[
    "no",
    "n",
    "nope",
    "nah",
    "negative",
    "don't",
    "dont",
    "not",
    "never",
    "cancel",
    "nahi",
    "nahin",
    "nai",
    "नहीं",
    "नही",
    "मत",
    "نہیں",
    "لا",
    "لأ",
    "non",
    "nein",
];

/// Words that may stand beside a yes or a no without changing it: "yes please", "sure, go
/// ahead", "ok do it", "no wait", "not now", "no thank you".
const FILLER: &[&str] = &[
    "please", "go", "ahead", "do", "it", "that", "sounds", "good", "great", "right", "that's",
    "thats", "is", "of", "course", "let's", "lets", "thanks", "thank", "you", "now", "wait",
    "hold", "on", "just", "sir", "ma'am", "really", "yet", "for", "then", "bhai", "abhi", "من",
    "فضلك", "شكرا",
];

/// A yes or no answer, if the text is one: every word a yes or no word or a filler, and the
/// yes and no words agreeing ("sure, go ahead", "no wait", "not now", "haan", "تمام").
pub fn yes_no(text: &str) -> Option<bool> {
    let n = norm(text);
    let words: Vec<&str> = n.split(' ').filter(|w| !w.is_empty()).collect();
    if words.is_empty() || words.len() > 6 {
        return None;
    }
    let (mut yes, mut no) = (false, false);
    for word in &words {
        if NO_WORDS.contains(word) {
            no = true;
        } else if YES_WORDS.contains(word) {
            yes = true;
        } else if !FILLER.contains(word) {
            return None;
        }
    }
    // "go ahead", "do it", "sounds good": fillers that are a yes when nothing else is said.
    let phrase_yes = !yes
        && !no
        && [
            "go ahead",
            "do it",
            "sounds good",
            "of course",
            "please do",
            "right",
        ]
        .iter()
        .any(|p| n.contains(p));
    match (yes || phrase_yes, no) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

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
        for yes in [
            "sure, go ahead",
            "yes please",
            "ok do it",
            "haan",
            "تمام",
            "Haan ji",
            "Sounds good!",
        ] {
            assert_eq!(yes_no(yes), Some(true), "{yes}");
        }
        for no in [
            "no wait",
            "not now",
            "nahi",
            "No, thank you",
            "لا",
            "nahi abhi nahi",
        ] {
            assert_eq!(yes_no(no), Some(false), "{no}");
        }
        // Not answers: a value, a mixed answer, a sentence.
        for neither in ["1001", "yes no", "go to Dubai", "I don't know what to do"] {
            assert_eq!(yes_no(neither), None, "{neither}");
        }
        assert!(is_cancel("Never mind"));
        assert!(is_cancel("cancel."));
        assert!(!is_cancel("cancel my order 1001"));
        assert!(is_help("Help?"));
        assert!(is_follow_up("and 1002?"));
        assert!(is_follow_up("What about London"));
        assert!(!is_follow_up("I would like a refund for my last payment"));
    }
}
