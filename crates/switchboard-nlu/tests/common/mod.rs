//! Test data shared by the NLU's integration tests.

use serde::Deserialize;

/// The demo project's training examples, in file order, exactly as the product trains on them.
pub fn demo_training() -> Vec<(String, Vec<String>)> {
    #[derive(Deserialize)]
    struct Intent {
        examples: Vec<String>,
    }
    #[derive(Deserialize)]
    struct Project {
        intents: indexmap::IndexMap<String, Intent>,
    }
    let text = include_str!("../../../../examples/store/switchboard.yaml");
    let project: Project = marked_yaml::from_yaml(0, text).expect("the demo project parses");
    project
        .intents
        .into_iter()
        .map(|(name, i)| (name, i.examples))
        .collect()
}
