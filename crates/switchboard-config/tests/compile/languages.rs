//! Understanding the users' languages: examples and reply variants by language, out-of-scope
//! examples, small talk, and pattern values shaped as the API knows them.

use crate::common::{check, project};
use switchboard_config::model::{EntityKind, same_language};

const BY_LANGUAGE: &str = r#"
bot:
  out_of_scope: ["book a flight", "order a pizza"]
  small_talk: false
entities:
  tracking_number: { pattern: "(?i)\\b(TRK\\s?\\d{3,10})\\b", case: upper, strip: " " }
  time: { pattern: "\\b(\\d\\d:\\d\\d)\\b" }
intents:
  track:
    examples:
      en: ["track my parcel", "where is TRK1001", "tracking please"]
      hi-Latn: ["parcel kahan hai", "TRK1001 track karo"]
      ar: ["وين الشحنة"]
    reply:
      - { language: hi-Latn, text: "Aapka parcel raaste mein hai." }
      - { language: ar, text: "الشحنة في الطريق." }
      - text: "Your parcel is on its way."
"#;

#[test]
fn examples_and_replies_by_language() {
    let p = project(BY_LANGUAGE);
    let track = &p.intents["track"];
    assert_eq!(track.examples.len(), 6);
    assert_eq!(track.examples[3], "parcel kahan hai");
    let langs: Vec<Option<&str>> = track
        .example_languages
        .iter()
        .map(|l| l.as_deref())
        .collect();
    assert_eq!(
        langs,
        [
            Some("en"),
            Some("en"),
            Some("en"),
            Some("hi-Latn"),
            Some("hi-Latn"),
            Some("ar")
        ]
    );
    let variants: Vec<Option<&str>> = track
        .reply
        .variants
        .iter()
        .map(|v| v.language.as_deref())
        .collect();
    assert_eq!(variants, [Some("hi-Latn"), Some("ar"), None]);
    assert_eq!(p.bot.out_of_scope, ["book a flight", "order a pizza"]);
    assert!(!p.bot.small_talk);
    assert!(
        project("bot: { name: x }\n").bot.small_talk,
        "small talk is on by default"
    );
    // A project's own `time` (declared before `time` was built in) still loads.
    assert!(matches!(
        p.entities["time"].kind,
        EntityKind::Pattern { .. }
    ));
    match &p.entities["tracking_number"].kind {
        EntityKind::Pattern { upper, strip, .. } => {
            assert_eq!((*upper, strip.as_str()), (Some(true), " "));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_language_covers_its_regional_tags() {
    assert!(same_language("ar-AE", "ar"));
    assert!(same_language("hi-Latn", "hi-Latn"));
    assert!(!same_language("hi-Latn", "hi-Deva"));
    assert!(!same_language("arn", "ar"));
}

#[test]
fn mistakes_with_languages_and_shapes_have_their_place() {
    check(
        r#"
entities:
  city: { values: [Dubai], case: upper }
  code: { pattern: "C\\d+", case: title }
  date: { pattern: "\\d+" }
intents:
  track:
    examples:
      english: ["track my parcel", "where is my parcel", "tracking please"]
    reply:
      - { language: fr, text: "Votre colis arrive." }
      - text: "Your parcel is on its way."
"#,
        r#"switchboard.yaml:3:34: entity "city": `case` shapes a pattern's value; it needs `pattern`
           switchboard.yaml:4:35: entity "code": unknown case "title"; use upper or lower
           switchboard.yaml:5:3: entity "date" has the name of a built-in entity; choose another name
           switchboard.yaml:9:7: "english" is not a language tag; use one such as en, hi-Latn or ar
           switchboard.yaml:11:21: warning: no intent has examples in "fr", so no message is recognised as written in it"#,
    );
}
