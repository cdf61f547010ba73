//! The W8 table: `store_get_order` as an MCP tool call through the server, beside the same
//! call through the in-process pipeline (W1's), and what the protocol layer adds.

use super::{Report, SETTINGS, cpu, fmt, max, p50, p99, ratio, rps, rss};
use std::fmt::Write;

impl Report<'_> {
    pub(super) fn w8(&self, s: &mut String) {
        let _ = writeln!(
            s,
            "### W8: a tool call over MCP (`tools/call` of `store_get_order`, order 1001)\n"
        );
        let _ = writeln!(
            s,
            "`mcp`: a stateless MCP 2026-07-28 client per connection posting `tools/call` to `POST /mcp` (HTTP/1.1 keep-alive, JSON answers); CPU is the server process's. `pipeline`: the same operation called in-process by the `w1` driver (W1), CPU of that process. The difference is what the HTTP server, JSON-RPC, the SDK and the tool layer cost per call.\n"
        );
        let _ = writeln!(
            s,
            "| setting | system | p50 ms | p99 ms | max ms | calls/s | CPU µs/call | peak RSS MiB |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
        let mut ratios = Vec::new();
        for set in SETTINGS {
            for sys in ["mcp", "pipeline"] {
                let g = self.group("W8", set, sys);
                if g.is_empty() {
                    continue;
                }
                let _ = writeln!(
                    s,
                    "| {set} | {sys} | {} | {} | {} | {} | {} | {} |",
                    g.show(p50, 3),
                    g.show(p99, 3),
                    g.show(max, 2),
                    g.show(rps, 0),
                    g.show(cpu, 1),
                    g.show(rss, 1)
                );
            }
            let (m, p) = (
                self.group("W8", set, "mcp"),
                self.group("W8", set, "pipeline"),
            );
            if let Some(r) = ratio(m.med(cpu), p.med(cpu)) {
                ratios.push(format!(
                    "setting {set}: MCP {}× the pipeline's CPU per call ({} vs {} µs)",
                    fmt(Some(r), 2),
                    fmt(m.med(cpu), 0),
                    fmt(p.med(cpu), 0)
                ));
            }
        }
        s.push('\n');
        for r in ratios {
            let _ = writeln!(s, "- {r}");
        }
        s.push('\n');
    }
}
