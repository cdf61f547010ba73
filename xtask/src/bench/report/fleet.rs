//! The W9 table: W2's turn on one instance with in-process state beside three instances on
//! one PostgreSQL and one Redis, and what sharing costs per turn.

use super::{Report, SETTINGS, cpu, fmt, max, p50, p99, ratio, rps, rss};
use std::fmt::Write;

fn store_cpu(m: &super::Measurement) -> Option<f64> {
    m.store_cpu_us_per_request
}

impl Report<'_> {
    pub(super) fn w9(&self, s: &mut String) {
        let _ = writeln!(
            s,
            "### W9: the order-status turn on one instance and on three sharing PostgreSQL and Redis\n"
        );
        let _ = writeln!(
            s,
            "`one`: `switchboard serve` with in-process state and SQLite. `three`: three instances with `--database-url` (PostgreSQL, a schema of the run's own) and `--redis-url` (rate limits, cache, turn lock), all pinned to CPU 0 as `one` is; the load generator's connections spread over them. CPU is the Switchboard processes' (for `three`, the three together); `stores` is every `postgres` and `redis-server` process's CPU per turn (unpinned).\n"
        );
        let _ = writeln!(
            s,
            "| setting | system | p50 ms | p99 ms | max ms | turns/s | CPU µs/turn | stores CPU µs/turn | peak RSS MiB |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
        let mut ratios = Vec::new();
        for set in SETTINGS {
            for sys in ["one", "three"] {
                let g = self.group("W9", set, sys);
                if g.is_empty() {
                    continue;
                }
                let _ = writeln!(
                    s,
                    "| {set} | {sys} | {} | {} | {} | {} | {} | {} | {} |",
                    g.show(p50, 3),
                    g.show(p99, 3),
                    g.show(max, 2),
                    g.show(rps, 0),
                    g.show(cpu, 1),
                    g.show(store_cpu, 1),
                    g.show(rss, 1)
                );
            }
            let (one, three) = (self.group("W9", set, "one"), self.group("W9", set, "three"));
            if let Some(r) = ratio(three.med(cpu), one.med(cpu)) {
                ratios.push(format!(
                    "setting {set}: three instances on shared state use {}× the CPU per turn of one in process ({} vs {} µs); p99 {} vs {} ms",
                    fmt(Some(r), 2),
                    fmt(three.med(cpu), 0),
                    fmt(one.med(cpu), 0),
                    fmt(three.med(p99), 2),
                    fmt(one.med(p99), 2)
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
