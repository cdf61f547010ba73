//! The `tools` section and the `tool` key: settings as written, and the exact errors for a
//! bad or repeated name and for an intent that has nothing to run.

use crate::common;
use common::{check, project};
use switchboard_config::model::ToolSetting;

const STORE: &str = "connectors:
  store:
    base_url: https://store.example.com/api
    tools: false
    operations:
      get_order:
        path: /orders/{id}
        inputs: { id: string }
        tool: { name: find_order, description: Look an order up., confirm: false }
      cancel:
        method: DELETE
        path: /orders/{id}
        inputs: { id: string }
";

#[test]
fn settings_are_kept_as_written() {
    let p = project(&format!(
        "tools: {{ expose: false }}
{STORE}intents:
  status:
    examples: [where is my order, order status, track it]
    steps:
      order: {{ call: store.get_order, with: {{ id: \"1\" }} }}
    reply: ok
    tool: true
"
    ));
    assert!(!p.tools.expose);
    let store = &p.connectors["store"];
    assert_eq!(store.tools, Some(false));
    assert_eq!(
        store.operations["get_order"].tool,
        ToolSetting {
            expose: Some(true),
            name: Some("find_order".into()),
            description: Some("Look an order up.".into()),
            confirm: Some(false),
            destructive: None,
        }
    );
    assert_eq!(store.operations["cancel"].tool, ToolSetting::default());
    assert_eq!(p.intents["status"].tool.expose, Some(true));
    assert!(project(STORE).tools.expose, "tools are offered by default");
}

#[test]
fn a_bad_or_repeated_name_and_an_intent_without_steps_are_errors() {
    check(
        &format!(
            "{STORE}  crm:
    base_url: https://crm.example.com/api
    operations:
      find:
        path: /c
        tool: {{ name: find_order }}
      other:
        path: /o
        tool: {{ name: \"find order!\" }}
intents:
  hello:
    examples: [hi, hello, hey]
    reply: hi
    tool: true
  bye:
    examples: [bye, goodbye, see you]
    reply: bye
    tool: maybe
"
        ),
        "switchboard.yaml:19:23: tool name \"find_order\" is already used at switchboard.yaml:9:23; tool names must be unique
         switchboard.yaml:22:23: tool name \"find order!\" must be 1 to 64 of a-z, A-Z, 0-9, _ and - (what MCP, OpenAI and Anthropic clients accept)
         switchboard.yaml:27:11: intent \"hello\" has no steps, so it cannot be a tool; remove tool: or add steps
         switchboard.yaml:31:11: expected true, false, or a map with expose, name, description, confirm, destructive, found \"maybe\"",
    );
}

#[test]
fn an_mcp_connector_calls_remote_tools_by_name() {
    let p = project(
        "connectors:
  docs:
    type: mcp
    base_url: https://mcp.docs.example/mcp
    operations:
      search: { read_only: true, inputs: { query: string } }
      fetch: { mcp_tool: fetch_page, inputs: { url: string } }
",
    );
    let docs = &p.connectors["docs"];
    let search = &docs.operations["search"];
    assert_eq!(search.mcp_tool.as_deref(), Some("search"));
    assert_eq!(
        search.method,
        switchboard_config::model::Method::Get,
        "read_only"
    );
    assert_eq!(
        docs.operations["fetch"].method,
        switchboard_config::model::Method::Post
    );
    assert_eq!(search.path.source, "");
    assert_eq!(
        docs.operations["fetch"].mcp_tool.as_deref(),
        Some("fetch_page")
    );
}

#[test]
fn rest_parts_on_an_mcp_operation_and_mcp_tool_on_rest_are_errors() {
    check(
        "connectors:
  docs:
    type: mcp
    base_url: https://mcp.docs.example/mcp
    operations:
      search:
        method: GET
        path: /search
        inputs: { query: string }
  api:
    base_url: https://api.example.com
    operations:
      a: { path: /a, mcp_tool: a }
      b: { inputs: { x: string } }
      c: { path: /c, read_only: true }
  odd:
    type: graphql
    base_url: https://api.example.com
",
        "switchboard.yaml:7:17: operation \"docs.search\" calls a remote MCP tool, which takes no method: its inputs are the tool's arguments (remove method, or give the connector type: rest)
         switchboard.yaml:8:15: operation \"docs.search\" calls a remote MCP tool, which takes no path: its inputs are the tool's arguments (remove path, or give the connector type: rest)
         switchboard.yaml:13:32: mcp_tool is for operations of a connector with type: mcp; this connector speaks REST
         switchboard.yaml:14:7: operation \"api.b\" has no path: add path: /... (the path below the base URL)
         switchboard.yaml:15:33: read_only is for operations of a connector with type: mcp; a REST operation's method says whether it reads
         switchboard.yaml:17:11: expected one of rest, mcp, llm, found \"graphql\"",
    );
}

#[test]
fn an_mcp_tool_name_that_cannot_travel_in_a_header_is_an_error() {
    check(
        "connectors:
  far:
    type: mcp
    base_url: https://mcp.far.example/mcp
    operations:
      look: { mcp_tool: \"look up\" }
",
        "switchboard.yaml:6:25: MCP tool name \"look up\" must be printable ASCII without spaces (it is sent in the Mcp-Name header); set mcp_tool to the remote tool's name",
    );
}
