//! The `state` section: Redis for what several instances share.

use crate::common::{check, project};
use switchboard_config::model::DownMode;

#[test]
fn the_state_section_gets_its_defaults_and_its_modes() {
    let p = project(
        "state:
  redis: \"${env:REDIS_URL}\"
  when_down: { rate_limit: fail_closed, cache: fail_open }
",
    );
    let s = p.state.as_ref().expect("a state section");
    assert_eq!(s.prefix, "switchboard");
    // A password is fine from the environment, never printed.
    assert_eq!(s.redis.expose(), "redis://:p@cache:6379/0");
    assert!(!format!("{s:?}").contains(":p@"));
    assert_eq!(s.timeout, std::time::Duration::from_secs(1));
    assert_eq!(s.when_down.rate_limit, DownMode::FailClosed);
    assert_eq!(s.when_down.cache, DownMode::FailOpen);
    assert_eq!(s.when_down.turn_lock, DownMode::Local);
    assert!(
        project("bot: { name: x }\n").state.is_none(),
        "in process by default"
    );
}

#[test]
fn mistakes_in_the_state_section_are_errors_with_their_place() {
    check(
        "state:
  redis: http://cache:6379
  prefix: \"my bot\"
  timeout: 0s
  when_down: { cache: fail_closed, turn_lock: fail_open }
",
        "switchboard.yaml:2:10: redis must be a redis:// or rediss:// URL, such as \"${env:REDIS_URL}\"
         switchboard.yaml:3:11: prefix must be non-empty, without spaces or braces (it starts every key)
         switchboard.yaml:4:12: timeout must be more than 0
         switchboard.yaml:5:23: when_down.cache cannot be fail_closed: a cache that cannot be read is skipped, not a reason to refuse the call; use local or fail_open
         switchboard.yaml:5:47: when_down.turn_lock cannot be fail_open: turns without any lock could interleave; use local (one lock per instance) or fail_closed",
    );
    check(
        "state:
  redis: redis://:hunter2@cache:6379/0
",
        "switchboard.yaml:2:10: literal credential; use ${env:NAME} or ${file:PATH}",
    );
}
