//! How values in `query`, `headers`, `body` and `with` become literals, expressions, text
//! templates, objects and arrays, and the ids they get.

use crate::common;
use serde_json::json;
use switchboard_config::model::ValueTemplate;

const PROJECT: &str = r#"
connectors:
  api:
    base_url: https://x
    operations:
      create:
        method: POST
        path: /things
        inputs: { name: string, count: { type: integer, default: 1 }, tags: { type: string, required: false } }
        query: { dry_run: false, limit: 10, quoted: "10", empty: ~ }
        body:
          name: "{{ inputs.name }}"
          count: "{{inputs.count}}"
          label: "thing {{ inputs.name }}"
          two: "{{ inputs.name }}{{ inputs.tags }}"
          nested: { list: [1, "{{ inputs.tags }}", x] }
"#;

#[test]
fn values_keep_their_yaml_types_and_templates_their_kind() {
    let p = common::project(PROJECT);
    let op = &p.connectors["api"].operations["create"];
    assert!(matches!(&op.query["dry_run"], ValueTemplate::Literal(v) if *v == json!(false)));
    assert!(matches!(&op.query["limit"], ValueTemplate::Literal(v) if *v == json!(10)));
    assert!(matches!(&op.query["quoted"], ValueTemplate::Literal(v) if *v == json!("10")));
    assert!(matches!(&op.query["empty"], ValueTemplate::Literal(v) if v.is_null()));
    let Some(ValueTemplate::Object(body)) = &op.body else {
        panic!("{:?}", op.body)
    };
    assert_eq!(
        body["name"].as_expr().map(|e| e.source.as_str()),
        Some("inputs.name")
    );
    assert_eq!(
        body["count"].as_expr().map(|e| e.source.as_str()),
        Some("inputs.count")
    );
    match &body["label"] {
        ValueTemplate::Text(t) => {
            assert_eq!(t.source, "thing {{ inputs.name }}");
            assert_eq!(t.id, "connectors.api.operations.create.body.label");
            assert_eq!(t.span.to_string(), "switchboard.yaml:14:18");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&body["two"], ValueTemplate::Text(_)));
    let ValueTemplate::Object(nested) = &body["nested"] else {
        panic!()
    };
    let ValueTemplate::Array(list) = &nested["list"] else {
        panic!()
    };
    assert!(matches!(&list[0], ValueTemplate::Literal(v) if *v == json!(1)));
    assert_eq!(
        list[1].as_expr().map(|e| e.id.as_str()),
        Some("connectors.api.operations.create.body.nested.list.1")
    );
}

#[test]
fn every_template_id_is_unique() {
    let p = common::project(&format!(
        "{PROJECT}intents:
  a:
    examples: [x, y, z]
    confirm: false
    steps:
      s: {{ call: api.create, with: {{ name: \"{{{{ user.id }}}}\" }} }}
    reply: [{{ when: \"steps.s\", text: done }}, {{ text: \"not done\" }}]
"
    ));
    let a = &p.intents["a"];
    let ids = [
        a.reply.variants[0].text.id.as_str(),
        a.reply.variants[0]
            .when
            .as_ref()
            .map(|w| w.id.as_str())
            .unwrap_or_default(),
        a.reply.variants[1].text.id.as_str(),
        a.steps["s"].with["name"]
            .as_expr()
            .map(|e| e.id.as_str())
            .unwrap_or_default(),
        p.bot.fallback.id.as_str(),
    ];
    assert_eq!(
        ids,
        [
            "intents.a.reply.0",
            "intents.a.reply.0.when",
            "intents.a.reply.1",
            "intents.a.steps.s.with.name",
            "bot.fallback"
        ]
    );
}
