use super::{parse, with_options};

#[test]
fn an_inbound_sms_is_a_message() {
    let p = parse(b"ToCountry=US&MessageSid=SM123&From=%2B15551234567&To=%2B15557654321&Body=where+is+my+order+1001%3F&NumMedia=0").unwrap();
    let m = &p.messages[0];
    assert_eq!(
        (m.message_id.as_str(), m.address.as_str(), m.text.as_str()),
        ("SM123", "+15551234567", "where is my order 1001?")
    );
}

#[test]
fn a_status_callback_is_counted_not_a_message() {
    let p = parse(b"MessageSid=SM1&MessageStatus=undelivered&To=%2B1555").unwrap();
    assert!(p.messages.is_empty());
    assert_eq!(p.statuses, ["failed"]);
    assert!(parse(b"Body=hi").is_err());
}

#[test]
fn options_are_listed() {
    assert_eq!(
        with_options("Cancel?", &["yes".into(), "no".into()]),
        "Cancel?\n\nReply: yes / no"
    );
}
