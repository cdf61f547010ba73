//! The W5 tables: cache hits beside the uncached call, and the coalescing burst; and the
//! policy-layer cost that W2 measures against the same project with its policies off.

use super::{Group, Report, SETTINGS, TargetRow, cpu, fmt, max, p50, p99, ratio, rps, verdict};
use std::fmt::Write;

impl Report<'_> {
    pub(super) fn w5(&self, s: &mut String) {
        let _ = writeln!(
            s,
            "### W5: the W1 call with `store.get_order` cached (shared scope, TTL longer than the run)\n"
        );
        let _ = writeln!(
            s,
            "`cached`: every measured call is a hit (the upstream saw only the first call); `pipeline`: the same call uncached; `bare`: one pooled reqwest GET. CPU is the `w1` process's own.\n"
        );
        let _ = writeln!(
            s,
            "| setting | system | p50 ms | p99 ms | max ms | calls/s | CPU µs/call |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|");
        for set in SETTINGS {
            for sys in ["cached", "pipeline", "bare"] {
                let g = self.group("W5", set, sys);
                if g.is_empty() {
                    continue;
                }
                let _ = writeln!(
                    s,
                    "| {set} | {sys} | {} | {} | {} | {} | {} |",
                    g.show(p50, 4),
                    g.show(p99, 4),
                    g.show(max, 2),
                    g.show(rps, 0),
                    g.show(cpu, 2)
                );
            }
        }
        let co = self.coalesce();
        if !co.is_empty() {
            let _ = writeln!(
                s,
                "\nCoalescing: {} identical calls released together on a cold cache, upstream delayed {} ms: upstream calls {} (per run: {}); p50 {} ms, max {} ms.",
                co.ms[0].concurrency,
                co.ms[0].delay_ms,
                fmt(co.med(upstream_calls), 0),
                co.ms
                    .iter()
                    .map(|m| format!("{:.0}", upstream_calls(m).unwrap_or(f64::NAN)))
                    .collect::<Vec<_>>()
                    .join(", "),
                co.show(p50, 2),
                co.show(max, 2)
            );
        }
        s.push('\n');
    }

    fn coalesce(&self) -> Group<'_> {
        Group {
            ms: self
                .ms
                .iter()
                .filter(|m| m.workload == "W5" && m.system == "coalesce")
                .collect(),
        }
    }

    /// Target rows for W5, and for the policy layers and the model's understanding under W2.
    pub(super) fn cache_and_policy_targets(&self, rows: &mut Vec<TargetRow>) {
        for set in SETTINGS {
            let (hit, miss) = (
                self.group("W5", set, "cached"),
                self.group("W5", set, "pipeline"),
            );
            if let Some(r) = ratio(hit.med(cpu), miss.med(cpu)) {
                rows.push((
                    format!("W5 {set}: CPU per hit ÷ per uncached call"),
                    format!(
                        "{r:.2}× ({} vs {} µs)",
                        fmt(hit.med(cpu), 1),
                        fmt(miss.med(cpu), 1)
                    ),
                    "info",
                ));
            }
        }
        let co = self.coalesce();
        if let Some(n) = co.med(upstream_calls) {
            rows.push((
                format!(
                    "W5: {} concurrent identical misses make 1 upstream call",
                    co.ms[0].concurrency
                ),
                format!("{n:.0}"),
                verdict(n <= 1.0),
            ));
        }
        for set in SETTINGS {
            let (with, without) = (
                self.group("W2", set, "switchboard"),
                self.group("W2", set, "no-policies"),
            );
            if let Some(r) = ratio(with.med(cpu), without.med(cpu)) {
                rows.push((
                    format!("W2 {set}: policy layers cost under 5% CPU per turn"),
                    format!(
                        "{:+.1}% ({} vs {} µs)",
                        (r - 1.0) * 100.0,
                        fmt(with.med(cpu), 0),
                        fmt(without.med(cpu), 0)
                    ),
                    verdict(r < 1.05),
                ));
            }
            let model = self.group("W2", set, "understand");
            if let (Some(c), Some(base), Some(l), Some(lb)) =
                (model.med(cpu), with.med(cpu), model.med(p50), with.med(p50))
            {
                rows.push((
                    format!(
                        "W2 {set}: understanding by the stand-in model adds (CPU per turn, p50)"
                    ),
                    format!(
                        "{:+.0} µs ({} vs {} µs), {:+.2} ms ({l:.2} vs {lb:.2})",
                        c - base,
                        fmt(Some(c), 0),
                        fmt(Some(base), 0),
                        l - lb
                    ),
                    "info",
                ));
            }
        }
    }
}

/// Upstream calls of a coalescing burst (per-request ratio times callers).
fn upstream_calls(m: &super::Measurement) -> Option<f64> {
    Some(m.upstream_calls_per_request * m.requests as f64)
}
