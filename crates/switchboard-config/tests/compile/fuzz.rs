//! Property tests: no input, however malformed, panics the loader.

use crate::common;
use proptest::prelude::*;

/// Pieces of YAML and template syntax that tend to reach odd corners.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\n".to_string()),
        Just("  ".to_string()),
        Just("connectors:".to_string()),
        Just("intents:".to_string()),
        Just("entities:".to_string()),
        Just("bot:".to_string()),
        Just("include: [x.yaml]".to_string()),
        Just("operations:".to_string()),
        Just("base_url: https://x".to_string()),
        Just("path: /a/{id}".to_string()),
        Just("auth: {type: api_key}".to_string()),
        Just("steps:".to_string()),
        Just("call: a.b".to_string()),
        Just("reply:".to_string()),
        Just("- ".to_string()),
        Just(": ".to_string()),
        Just("{{ steps.a }}".to_string()),
        Just("{%".to_string()),
        Just("${env:X}".to_string()),
        Just("${file:../".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("\"".to_string()),
        Just("'".to_string()),
        Just("&a".to_string()),
        Just("*a".to_string()),
        Just("!!str".to_string()),
        Just("~".to_string()),
        Just("1e999".to_string()),
        Just("-5".to_string()),
        Just("999999999999999999999s".to_string()),
        "[a-z_]{1,8}".prop_map(|s| s),
    ]
}

/// A valid project with a hole that arbitrary text is put into.
const TEMPLATE: &str = "connectors:
  c:
    base_url: https://x
    timeout: @
    operations:
      o:
        path: /o/{id}@
        method: @
        inputs: { id: { type: string, pattern: \"@\", default: \"@\" } }
        query: { q: \"@\" }
        response:
          schema: { type: \"@\" }
          extract: { v: \"@\" }
entities:
  e: { pattern: \"@\" }
intents:
  i:
    examples: [\"@\"]
    slots: { s: { entity: e, ask: \"@\" } }
    steps:
      a: { call: c.o, with: { id: \"@\" }, when: \"@\" }
    reply: \"@\"
";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        let _ = common::diagnostics(&text, &[]);
    }

    #[test]
    fn yaml_like_text_never_panics(tokens in proptest::collection::vec(token(), 0..60)) {
        let _ = common::diagnostics(&tokens.concat(), &[("x.yaml", "intents: {}")]);
    }

    #[test]
    fn arbitrary_values_never_panic(value in "[^\"\\\\\n]{0,40}") {
        let _ = common::diagnostics(&TEMPLATE.replace('@', &value), &[]);
    }
}
