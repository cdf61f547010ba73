//! The W7 table: WhatsApp messages at each rate (accepted per second, acknowledgement and
//! receipt-to-reply latency, every message answered once, server CPU per message), with the
//! CPU per message over W2's CPU per turn when W2 ran too.

use super::{Report, cpu, figure, fmt, p50, p99, ratio, rps, rss};
use std::fmt::Write;

impl Report<'_> {
    pub(super) fn w7(&self, s: &mut String) {
        let mut rates: Vec<(f64, String)> = self
            .ms
            .iter()
            .filter(|m| m.workload == "W7" && m.system == "switchboard")
            .filter_map(|m| Some((m.webhooks.as_ref()?.target_rate?, m.setting.clone())))
            .collect();
        rates.sort_by(|a, b| a.0.total_cmp(&b.0));
        rates.dedup_by(|a, b| a.1 == b.1);
        if rates.is_empty() {
            return;
        }
        // W2's turn at setting b (concurrency 64) is the comparison; a or c when b did not run.
        let w2 = ["b", "a", "c"]
            .into_iter()
            .map(|set| (set, self.group("W2", set, "switchboard").med(cpu)))
            .find(|(_, c)| c.is_some());
        let _ = writeln!(
            s,
            "### W7: a messaging channel (`POST /v1/channels/whatsapp`, signed, open loop)\n"
        );
        let _ = writeln!(
            s,
            "Each delivery is a WhatsApp Cloud API text message \"where is my order 1001?\" from one of 64 phone numbers, signed with the app secret (`X-Hub-Signature-256`). Acknowledged means stored; each must then be answered with W2's exact reply on the demo backend's fake send API, exactly once, or the run fails. \"To reply\" is from sending the delivery to the fake accepting the reply. CPU is the server process's over the window and the drain, per message: verification, the store, the turn (W2's four upstream calls) and the send.{}\n",
            match w2 {
                Some((set, Some(c))) =>
                    format!(" W2's CPU per turn in this run (setting {set}): {c:.0} µs."),
                _ => " W2 did not run with it, so the last column is empty.".to_string(),
            }
        );
        let _ = writeln!(
            s,
            "| rate asked /s | accepted/s | errors | ack p50 ms | ack p99 ms | to reply p50 ms | to reply p99 ms | replied / accepted | CPU µs/message | × W2 CPU/turn | peak RSS MiB |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|---|");
        for (_, setting) in &rates {
            let g = self.group("W7", setting, "switchboard");
            let seen = g.values(figure(|f| f.seen as f64)).iter().sum::<f64>();
            let expected = g.values(figure(|f| f.expected as f64)).iter().sum::<f64>();
            let over_w2 = ratio(g.med(cpu), w2.and_then(|(_, c)| c));
            let _ = writeln!(
                s,
                "| {setting} | {} | {} | {} | {} | {} | {} | {seen:.0} / {expected:.0} | {} | {} | {} |",
                g.show(rps, 0),
                g.show(figure(|f| f.errors as f64), 0),
                g.show(p50, 2),
                g.show(p99, 2),
                g.show(figure(|f| f.to_stream_p50_ms), 2),
                g.show(figure(|f| f.to_stream_p99_ms), 2),
                g.show(cpu, 1),
                over_w2.map_or_else(|| "-".to_string(), |r| format!("{}×", fmt(Some(r), 2))),
                g.show(rss, 1),
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

    fn m(workload: &str, setting: &str, cpu: f64) -> Measurement {
        Measurement {
            workload: workload.into(),
            setting: setting.into(),
            system: "switchboard".into(),
            run: 1,
            concurrency: 64,
            delay_ms: 0,
            requests: 1000,
            duration_s: 10.0,
            rps: 100.0,
            p50_ms: 0.5,
            p99_ms: 2.0,
            max_ms: 9.0,
            cpu_us_per_request: Some(cpu),
            cpu_of: "server process".into(),
            peak_rss_mib: Some(30.0),
            startup_ms: Some(40.0),
            loadgen_cpu_us_per_request: None,
            store_cpu_us_per_request: None,
            upstream_calls_per_request: 5.0,
            steps: None,
            webhooks: (workload == "W7").then(|| WebhookFigures {
                target_rate: Some(setting.trim_end_matches("/s").parse().unwrap()),
                errors: 0,
                expected: 1000,
                seen: 1000,
                duplicates: 0,
                unexpected: 0,
                to_stream_p50_ms: 6.25,
                to_stream_p99_ms: 20.5,
                upstream_calls_per_hour: None,
                poll_interval_s: None,
                drain_s: 0.5,
            }),
        }
    }

    #[test]
    fn rates_in_order_against_w2() {
        let ms = vec![
            m("W7", "400/s", 1200.0),
            m("W7", "100/s", 1500.0),
            m("W2", "b", 750.0),
        ];
        let text = Report::new(&ms, &[]).markdown();
        let first = text.find("| 100/s |").expect("100/s row");
        let second = text.find("| 400/s |").expect("400/s row");
        assert!(first < second, "{text}");
        assert!(
            text.contains("| 100/s | 100 | 0 | 0.50 | 2.00 | 6.25 | 20.50 | 1000 / 1000 | 1500.0 | 2.00× | 30.0 |"),
            "{text}"
        );
        assert!(text.contains("(setting b): 750 µs"), "{text}");
        let alone = vec![m("W7", "100/s", 1500.0)];
        let text = Report::new(&alone, &[]).markdown();
        assert!(text.contains("| 1500.0 | - | 30.0 |"), "{text}");
    }
}
