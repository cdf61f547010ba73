//! Project variants the benchmarks compare against: the demo project with its resilience
//! policies turned off, to show what the policy layers cost when nothing fails; and with the
//! `payments` webhook source's per-user hourly limit lifted, so that W6's thousands of
//! deliveries to a few users all become messages; and with the channels' send APIs on the
//! benchmark backend and WhatsApp's send rate raised (W7); and with the backend's stand-in
//! model understanding every message (W2 `understand`).

use anyhow::bail;

/// The connector-level policy lines of the demo's `store` connector and what replaces each:
/// one attempt (no retries), no breaker, no rate limit.
const POLICY_LINES: [(&str, &str); 3] = [
    ("    retry:", "    retry: { attempts: 1 }"),
    (
        "    circuit_breaker:",
        "    circuit_breaker: { enabled: false }",
    ),
    ("    rate_limit:", ""),
];

/// The project text with the `store` connector's retry, breaker and rate limit off. Fails
/// when the demo project no longer has exactly one of each line, rather than measuring
/// something else quietly.
pub fn without_policies(text: &str) -> anyhow::Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut seen = [0usize; POLICY_LINES.len()];
    for line in text.lines() {
        match POLICY_LINES
            .iter()
            .position(|(prefix, _)| line.starts_with(prefix))
        {
            Some(i) => {
                seen[i] += 1;
                if !POLICY_LINES[i].1.is_empty() {
                    out.push_str(POLICY_LINES[i].1);
                    out.push('\n');
                }
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    for (i, n) in seen.iter().enumerate() {
        if *n != 1 {
            bail!(
                "the demo project has {n} connector-level lines starting {:?} (expected 1): update xtask/src/bench/variant.rs",
                POLICY_LINES[i].0.trim()
            );
        }
    }
    Ok(out)
}

/// The per-user hourly limit W6 gives the `payments` source: above any run's deliveries.
pub const W6_USER_HOURLY_LIMIT: u32 = 1_000_000;

/// The project text with `user_hourly_limit` set on the `payments` webhook source. Fails when
/// the demo project has no `  payments:` source under `webhooks:` or already sets a limit.
pub fn webhooks_unlimited(text: &str) -> anyhow::Result<String> {
    let mut out = String::with_capacity(text.len() + 40);
    let mut in_webhooks = false;
    let mut done = 0;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.is_empty() && !line.starts_with('#') {
            in_webhooks = line.starts_with("webhooks:");
        }
        if in_webhooks && line.trim_start().starts_with("user_hourly_limit:") {
            bail!(
                "the demo project's webhooks already set user_hourly_limit: update xtask/src/bench/variant.rs"
            );
        }
        out.push_str(line);
        out.push('\n');
        if in_webhooks && line == "  payments:" {
            out.push_str(&format!("    user_hourly_limit: {W6_USER_HOURLY_LIMIT}\n"));
            done += 1;
        }
    }
    if done != 1 {
        bail!(
            "the demo project has no webhook source `payments` under `webhooks:`: update xtask/src/bench/variant.rs"
        );
    }
    Ok(out)
}

/// The send rate W7 gives the WhatsApp channel: Meta's highest throughput tier, above any
/// rate W7 asks for, so that replies are not held back by the default 80 a second.
pub const W7_SEND_RATE: u32 = 1_000;

/// The demo's default address of the platform fakes, replaced by the benchmark backend's.
const DEMO_PLATFORMS: &str = "http://127.0.0.1:8081/platforms";

/// The project text with its channels' send APIs at `platforms` (the benchmark backend's
/// `/platforms`) and the `whatsapp` channel's send rate raised to [`W7_SEND_RATE`]. Fails
/// when the demo project no longer has a `whatsapp` channel or its platforms address.
pub fn channels_on(text: &str, platforms: &str) -> anyhow::Result<String> {
    if !text.contains(DEMO_PLATFORMS) {
        bail!(
            "the demo project does not send to {DEMO_PLATFORMS}: update xtask/src/bench/variant.rs"
        );
    }
    let mut out = String::with_capacity(text.len() + 80);
    let mut in_channels = false;
    let mut done = 0;
    for line in text.replace(DEMO_PLATFORMS, platforms).lines() {
        if !line.starts_with(' ') && !line.is_empty() && !line.starts_with('#') {
            in_channels = line.starts_with("channels:");
        }
        out.push_str(line);
        out.push('\n');
        if in_channels && line == "    type: whatsapp" {
            out.push_str(&format!(
                "    rate_limit: {{ requests: {W7_SEND_RATE}, max_wait: 5s }}\n"
            ));
            done += 1;
        }
    }
    if done != 1 {
        bail!(
            "the demo project has no channel of type whatsapp under `channels:`: update xtask/src/bench/variant.rs"
        );
    }
    Ok(out)
}

/// The project text with a `type: llm` connector on `model_url` (the benchmark backend's
/// stand-in model) and an `llm` section that asks it to understand every message, so each
/// turn carries one model call before its steps. Fails when the demo project already has an
/// `llm` section or no `connectors:` line.
pub fn understanding_by_model(text: &str, model_url: &str) -> anyhow::Result<String> {
    if text.lines().any(|l| l.starts_with("llm:")) {
        bail!("the demo project already has an llm section: update xtask/src/bench/variant.rs");
    }
    let connector = format!("connectors:\n  model:\n    type: llm\n    base_url: {model_url}\n");
    if text.lines().filter(|l| *l == "connectors:").count() != 1 {
        bail!(
            "the demo project has no single `connectors:` line: update xtask/src/bench/variant.rs"
        );
    }
    Ok(
        text.replacen("\nconnectors:\n", &format!("\n{connector}"), 1)
            + "\nllm:\n  connector: model\n  model: stand-in\n  modes: [understand]\n  understand_when: always\n",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_project_has_its_policies_turned_off() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let text = std::fs::read_to_string(root.join("examples/store/switchboard.yaml"))
            .expect("the demo project");
        let off = without_policies(&text).expect("one line of each");
        assert!(off.contains("    retry: { attempts: 1 }\n"));
        assert!(off.contains("    circuit_breaker: { enabled: false }\n"));
        assert!(!off.contains("\n    rate_limit:"));
        assert!(without_policies("connectors: {}\n").is_err());
        let lifted = webhooks_unlimited(&text).expect("a payments source");
        assert!(lifted.contains("  payments:\n    user_hourly_limit: 1000000\n"));
        assert!(webhooks_unlimited("webhooks: {}\n").is_err());
        let on = channels_on(&text, "http://127.0.0.1:9/platforms").expect("a whatsapp channel");
        assert!(on.contains("http://127.0.0.1:9/platforms}/whatsapp"));
        assert!(!on.contains(DEMO_PLATFORMS));
        assert!(
            on.contains("    type: whatsapp\n    rate_limit: { requests: 1000, max_wait: 5s }\n")
        );
        assert!(channels_on("channels: {}\n", "x").is_err());
        let model =
            understanding_by_model(&text, "http://127.0.0.1:9/model/v1").expect("connectors");
        assert!(model.contains("connectors:\n  model:\n    type: llm\n    base_url: http://127.0.0.1:9/model/v1\n  store:\n"));
        assert!(model.ends_with("  understand_when: always\n"));
        assert!(understanding_by_model(&model, "x").is_err());
    }
}
