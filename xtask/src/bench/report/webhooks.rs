//! The W6 tables: webhook deliveries at each rate (acknowledged per second, acknowledgement
//! and receipt-to-stream latency, every event shown once, server CPU per event), and the same
//! change noticed by webhook and by poller.

use super::{Report, cpu, figure, fmt, max, p50, p99, rps, rss};
use std::fmt::Write;

impl Report<'_> {
    pub(super) fn w6(&self, s: &mut String) {
        let mut rates: Vec<(f64, String)> = self
            .ms
            .iter()
            .filter(|m| m.workload == "W6" && m.system == "switchboard")
            .filter_map(|m| Some((m.webhooks.as_ref()?.target_rate?, m.setting.clone())))
            .collect();
        rates.sort_by(|a, b| a.0.total_cmp(&b.0));
        rates.dedup_by(|a, b| a.1 == b.1);
        if !rates.is_empty() {
            let _ = writeln!(
                s,
                "### W6: webhooks (`POST /v1/webhooks/payments`, Stripe-signed, open loop)\n"
            );
            let _ = writeln!(
                s,
                "Each delivery is a `payment_intent.succeeded` for one of 16 users whose event streams (`GET /v1/users/{{id}}/events`) are held open; \"to stream\" is from sending the delivery to its message arriving. Every acknowledged delivery must arrive exactly once or the run fails. CPU is the server process's over the window and the drain, per acknowledged event.\n"
            );
            let _ = writeln!(
                s,
                "| rate asked /s | accepted/s | errors | ack p50 ms | ack p99 ms | to stream p50 ms | to stream p99 ms | shown / acknowledged | CPU µs/event | peak RSS MiB |"
            );
            let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|");
            for (_, setting) in &rates {
                let g = self.group("W6", setting, "switchboard");
                let seen = g.values(figure(|f| f.seen as f64)).iter().sum::<f64>();
                let expected = g.values(figure(|f| f.expected as f64)).iter().sum::<f64>();
                let _ = writeln!(
                    s,
                    "| {setting} | {} | {} | {} | {} | {} | {} | {seen:.0} / {expected:.0} | {} | {} |",
                    g.show(rps, 0),
                    g.show(figure(|f| f.errors as f64), 0),
                    g.show(p50, 2),
                    g.show(p99, 2),
                    g.show(figure(|f| f.to_stream_p50_ms), 2),
                    g.show(figure(|f| f.to_stream_p99_ms), 2),
                    g.show(cpu, 1),
                    g.show(rss, 1),
                );
            }
            s.push('\n');
        }
        let rows: Vec<&str> = ["webhook", "poller"]
            .into_iter()
            .filter(|sys| !self.group("W6", "change", sys).is_empty())
            .collect();
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(
            s,
            "### W6: the same change noticed by webhook and by poller\n"
        );
        let _ = writeln!(
            s,
            "A payment is made on the backend (`POST /admin/payments`, 10 of them 370 ms apart); detection is from that call to the message on the user's stream. `webhook`: the backend sends `payment_intent.succeeded` to the demo project. `poller`: `bench/projects/poller.yaml` lists the payments every second. Upstream calls are the backend's count, per hour.\n"
        );
        let _ = writeln!(
            s,
            "| system | poll interval s | detection p50 ms | detection p99 ms | max ms | shown / changes | upstream calls/hour |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|");
        for sys in rows {
            let g = self.group("W6", "change", sys);
            let seen = g.values(figure(|f| f.seen as f64)).iter().sum::<f64>();
            let expected = g.values(figure(|f| f.expected as f64)).iter().sum::<f64>();
            let interval = g.med(|m| m.webhooks.as_ref()?.poll_interval_s);
            let _ = writeln!(
                s,
                "| {sys} | {} | {} | {} | {} | {seen:.0} / {expected:.0} | {} |",
                fmt(interval, 0),
                g.show(p50, 1),
                g.show(p99, 1),
                g.show(max, 1),
                g.show(|m| m.webhooks.as_ref()?.upstream_calls_per_hour, 0),
            );
        }
        s.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::model::WebhookFigures;
    use super::super::Measurement;
    use super::*;

    fn m(setting: &str, system: &str, run: u32, rate: Option<f64>, cpu: f64) -> Measurement {
        Measurement {
            workload: "W6".into(),
            setting: setting.into(),
            system: system.into(),
            run,
            concurrency: 16,
            delay_ms: 0,
            requests: 1000,
            duration_s: 2.0,
            rps: 500.0,
            p50_ms: 1.5,
            p99_ms: 4.0,
            max_ms: 9.0,
            cpu_us_per_request: Some(cpu),
            cpu_of: "server process".into(),
            peak_rss_mib: Some(30.0),
            startup_ms: Some(40.0),
            loadgen_cpu_us_per_request: None,
            store_cpu_us_per_request: None,
            upstream_calls_per_request: 0.0,
            steps: None,
            webhooks: Some(WebhookFigures {
                target_rate: rate,
                errors: 0,
                expected: 1000,
                seen: 1000,
                duplicates: 0,
                unexpected: 0,
                to_stream_p50_ms: 3.25,
                to_stream_p99_ms: 8.5,
                upstream_calls_per_hour: (setting == "change").then_some(if system == "poller" {
                    3600.0
                } else {
                    0.0
                }),
                poll_interval_s: (system == "poller").then_some(1.0),
                drain_s: 0.5,
            }),
        }
    }

    #[test]
    fn rates_in_order_and_the_comparison() {
        let ms = vec![
            m("1000/s", "switchboard", 1, Some(1000.0), 300.0),
            m("200/s", "switchboard", 1, Some(200.0), 400.0),
            m("200/s", "switchboard", 2, Some(200.0), 420.0),
            m("change", "webhook", 1, None, 0.0),
            m("change", "poller", 1, None, 0.0),
        ];
        let text = Report::new(&ms, &[]).markdown();
        let first = text.find("| 200/s |").expect("200/s row");
        let second = text.find("| 1000/s |").expect("1000/s row");
        assert!(first < second, "{text}");
        assert!(
            text.contains("| 200/s | 500 [500-500] | 0 [0-0] | 1.50 [1.50-1.50] | 4.00 [4.00-4.00] | 3.25 [3.25-3.25] | 8.50 [8.50-8.50] | 2000 / 2000 | 410.0 [400.0-420.0] |"),
            "{text}"
        );
        assert!(
            text.contains("| webhook | - | 1.5 | 4.0 | 9.0 | 1000 / 1000 | 0 |"),
            "{text}"
        );
        assert!(
            text.contains("| poller | 1 | 1.5 | 4.0 | 9.0 | 1000 / 1000 | 3600 |"),
            "{text}"
        );
    }
}
