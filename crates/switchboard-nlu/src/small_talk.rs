//! Small talk every bot meets: greetings, thanks and goodbyes, in English, Hinglish and
//! Arabic as people type them. A project's own intents of these names learn from these
//! examples too and keep their replies; for the names a project lacks, the engine answers
//! with [`SmallTalk::reply`].

use crate::normalize::tokens;

/// One kind of small talk.
#[derive(Debug, Clone, Copy)]
pub struct SmallTalk {
    /// The intent name: `greet`, `thanks` or `goodbye`.
    pub name: &'static str,
    /// What people say.
    pub examples: &'static [&'static str],
    /// Replies by language tag; the first is the default.
    replies: &'static [(&'static str, &'static str)],
}

impl SmallTalk {
    /// The reply in `language` (a tag such as `hi-Latn`; its first part decides), or in
    /// English.
    pub fn reply(&self, language: Option<&str>) -> &'static str {
        let primary = language.and_then(|l| l.split('-').next()).unwrap_or("en");
        self.replies
            .iter()
            .find(|(tag, _)| *tag == primary)
            .or(self.replies.first())
            .map_or("", |(_, text)| text)
    }

    /// The kind of small talk named `name`.
    pub fn named(name: &str) -> Option<&'static SmallTalk> {
        SMALL_TALK.iter().find(|s| s.name == name)
    }
}

/// Adds small talk to training data. Its examples join the project's intent for that kind
/// of small talk: the one of its name, or else the one whose examples already say the most
/// of its phrases (a greeting intent called `hello`); a kind the project has no intent for
/// becomes an intent of its own.
pub fn teach(training: &mut Vec<(String, Vec<String>)>) {
    for talk in &SMALL_TALK {
        let examples = talk.examples.iter().map(|e| (*e).to_string());
        match owner(training, talk) {
            Some(i) => training[i].1.extend(examples),
            None => training.push((talk.name.to_string(), examples.collect())),
        }
    }
}

/// The index of the project's intent for `talk`, if it has one.
fn owner(training: &[(String, Vec<String>)], talk: &SmallTalk) -> Option<usize> {
    if let Some(i) = training.iter().position(|(name, _)| name == talk.name) {
        return Some(i);
    }
    let phrases: Vec<Vec<String>> = talk.examples.iter().map(|e| tokens(e)).collect();
    training
        .iter()
        .enumerate()
        .map(|(i, (_, examples))| {
            let said = examples
                .iter()
                .filter(|e| phrases.contains(&tokens(e)))
                .count();
            (i, said)
        })
        .filter(|&(_, said)| said > 0)
        .max_by_key(|&(i, said)| (said, std::cmp::Reverse(i)))
        .map(|(i, _)| i)
}

/// Every kind of small talk.
pub const SMALL_TALK: [SmallTalk; 3] = [
    SmallTalk {
        name: "greet",
        examples: &[
            "hi",
            "hello",
            "hey",
            "hiii",
            "hey there",
            "hello there",
            "good morning",
            "good afternoon",
            "good evening",
            "namaste",
            "namaste ji",
            "namaskar",
            "hello ji",
            "kaise ho",
            "kya haal hai",
            "salaam",
            "assalamu alaikum",
            "salam alaikum",
            "asalam o alaikum",
            "marhaba",
            "ahlan",
            "hala",
            "السلام عليكم",
            "مرحبا",
            "اهلا",
            "هلا",
            "صباح الخير",
            "مساء الخير",
        ],
        replies: &[
            ("en", "Hello! How can I help?"),
            ("hi", "Namaste! Main aapki kya madad kar sakta hoon?"),
            ("ar", "أهلاً! كيف أقدر أساعدك؟"),
        ],
    },
    SmallTalk {
        name: "thanks",
        examples: &[
            "thanks",
            "thank you",
            "thx",
            "thanks a lot",
            "thank you so much",
            "much appreciated",
            "great, thanks",
            "cheers",
            "shukriya",
            "bahut shukriya",
            "dhanyavaad",
            "dhanyawad",
            "thank you ji",
            "shukran",
            "شكرا",
            "شكرا جزيلا",
            "مشكور",
            "يعطيك العافية",
        ],
        replies: &[
            ("en", "You're welcome!"),
            ("hi", "Koi baat nahi!"),
            ("ar", "العفو!"),
        ],
    },
    SmallTalk {
        name: "goodbye",
        examples: &[
            "bye",
            "goodbye",
            "bye bye",
            "see you",
            "see ya later",
            "cya",
            "take care",
            "that's all",
            "good night",
            "allah hafiz",
            "khuda hafiz",
            "alvida",
            "bas itna hi",
            "chalo bye",
            "phir milenge",
            "ma'a salama",
            "مع السلامة",
            "الله معك",
            "في امان الله",
            "باي",
        ],
        replies: &[
            ("en", "Goodbye!"),
            ("hi", "Alvida! Phir milenge."),
            ("ar", "مع السلامة!"),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn names(training: &[(String, Vec<String>)]) -> Vec<&str> {
        training.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn small_talk_joins_the_projects_own_intents_or_stands_in() {
        let mut training = vec![
            (
                "hello".to_string(),
                vec!["Hello there!".to_string(), "hi".to_string()],
            ),
            ("goodbye".to_string(), vec!["ciao".to_string()]),
            ("weather".to_string(), vec!["weather in Dubai".to_string()]),
        ];
        teach(&mut training);
        // Greetings go to the intent that already says them, goodbyes to the one named so,
        // and thanks, which the project lacks, becomes an intent.
        assert_eq!(names(&training), ["hello", "goodbye", "weather", "thanks"]);
        assert!(training[0].1.iter().any(|e| e == "namaste"));
        assert!(training[1].1.iter().any(|e| e == "allah hafiz"));
        assert_eq!(training[2].1.len(), 1);
    }

    #[test]
    fn replies_follow_the_language_or_fall_back_to_english() {
        let thanks = SmallTalk::named("thanks").expect("built in");
        assert_eq!(thanks.reply(Some("hi-Latn")), "Koi baat nahi!");
        assert_eq!(thanks.reply(Some("ar-AE")), "العفو!");
        assert_eq!(thanks.reply(Some("fr")), "You're welcome!");
        assert_eq!(thanks.reply(None), "You're welcome!");
        assert!(SmallTalk::named("weather").is_none());
    }
}
