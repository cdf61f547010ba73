#!/usr/bin/env python3
"""Build and sign messaging-platform webhook deliveries with each platform's own library.

The Rust integration tests run this in a venv made from requirements.txt next to
this file. Every subcommand prints one line of JSON on stdout:

    {"body": "<exact raw request body>", "headers": {"Content-Type": "...", ...}}

The caller posts ``body`` byte-for-byte (UTF-8) with those headers. Any failure
exits non-zero with a message on stderr and prints nothing on stdout.

Subcommands and the library each one goes through:

* ``whatsapp``   - pywa: the signed body is fed through pywa's own webhook entry
                   points (``WhatsApp.webhook_update_validator`` and
                   ``WhatsApp.webhook_update_handler``) on an offline client, and
                   the Message / CallbackButton / MessageStatus pywa builds is
                   checked against the arguments.
* ``telegram``   - python-telegram-bot: ``telegram.Update`` built from PTB objects,
                   serialised with ``Update.to_json()``, re-parsed with
                   ``Update.de_json``.
* ``slack`` / ``slack-url-verification``
                 - slack_sdk: ``SignatureVerifier.generate_signature`` and
                   ``SignatureVerifier.is_valid``.
* ``twilio``     - twilio: ``RequestValidator.compute_signature`` and
                   ``RequestValidator.validate`` on the parsed form body.
* ``twiml-empty`` - twilio: ``str(MessagingResponse())``.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import hmac
import json
import logging
import sys
import time
import urllib.parse


class SignError(Exception):
    """A delivery could not be built or did not pass its library's own checks."""


def emit(body: str, headers: dict[str, str]) -> None:
    sys.stdout.write(json.dumps({"body": body, "headers": headers}) + "\n")
    sys.stdout.flush()


def require(cond: bool, what: str) -> None:
    if not cond:
        raise SignError(what)


# --------------------------------------------------------------------------- WhatsApp


def _bsuid_for(wa_id: str) -> str:
    """A stable, BSUID-shaped id (``CC.<digits>``) for a phone number.

    Meta's contacts objects now carry ``user_id`` (business-scoped user id) next
    to ``wa_id``; pywa 4.x reads it unconditionally.
    """
    digits = str(int(hashlib.sha256(wa_id.encode()).hexdigest(), 16))[:20]
    return f"US.{digits}"


def whatsapp(args: argparse.Namespace) -> None:
    import pywa
    from pywa import handlers, utils
    from pywa.types import CallbackButton, Message, MessageStatus

    require(args.from_.isdigit(), "--from must be digits only (a wa_id, no '+')")
    ts = int(args.timestamp) if args.timestamp is not None else int(time.time())
    bsuid = args.bsuid or _bsuid_for(args.from_)
    contact = {
        "profile": {"name": args.name},
        "wa_id": args.from_,
        "user_id": bsuid,
    }
    value: dict = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": args.display_phone_number,
            "phone_number_id": args.phone_number_id,
        },
        "contacts": [contact],
    }
    if args.status is not None:
        # Status notification: statuses only, no messages.
        value["statuses"] = [
            {
                "id": args.id,
                "status": args.status,
                "timestamp": str(ts),
                "recipient_id": args.from_,
            }
        ]
        expected_type = MessageStatus
    elif args.button_title is not None:
        value["messages"] = [
            {
                "context": {
                    "from": args.display_phone_number,
                    "id": args.context_id,
                },
                "from": args.from_,
                "id": args.id,
                "timestamp": str(ts),
                "type": "interactive",
                "interactive": {
                    "type": "button_reply",
                    "button_reply": {"id": args.button_id, "title": args.button_title},
                },
            }
        ]
        expected_type = CallbackButton
    else:
        require(args.text is not None, "--text is required for a text message")
        value["messages"] = [
            {
                "from": args.from_,
                "id": args.id,
                "timestamp": str(ts),
                "type": "text",
                "text": {"body": args.text},
            }
        ]
        expected_type = Message

    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": args.waba_id,
                "changes": [{"value": value, "field": "messages"}],
            }
        ],
    }
    # Meta sends compact JSON with non-ASCII characters escaped as \uXXXX.
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=True)
    raw = body.encode("utf-8")
    digest = hmac.new(args.app_secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()
    signature = f"sha256={digest}"

    # pywa's own signature check.
    require(
        utils.webhook_updates_validator(
            app_secret=args.app_secret, request_body=raw, x_hub_signature=signature
        ),
        "pywa.utils.webhook_updates_validator rejected the signature",
    )

    # An offline client: no token (so no HTTP session), no server (no routes).
    wa = pywa.WhatsApp(
        phone_id=args.phone_number_id,
        token=None,
        server=None,
        app_secret=args.app_secret,
        validate_updates=True,
        filter_updates=True,
        waba_id=args.waba_id,
    )
    captured: list = []
    wa.add_handlers(
        handlers.MessageHandler(lambda _wa, u: captured.append(u)),
        handlers.CallbackButtonHandler(lambda _wa, u: captured.append(u)),
        handlers.MessageStatusHandler(lambda _wa, u: captured.append(u)),
    )
    rejected = wa.webhook_update_validator(raw, signature)
    require(rejected is None, f"pywa webhook_update_validator rejected the delivery: {rejected}")
    pywa_log = logging.getLogger("pywa")
    level = pywa_log.level
    pywa_log.setLevel(logging.ERROR)  # the expected rejection below logs a warning
    try:
        wrong = wa.webhook_update_validator(raw, "sha256=" + "0" * 64)
    finally:
        pywa_log.setLevel(level)
    require(wrong is not None, "pywa webhook_update_validator accepted a wrong signature")
    answer = wa.webhook_update_handler(raw)
    require(answer == ("ok", 200), f"pywa webhook_update_handler answered {answer}")
    require(
        len(captured) == 1,
        f"pywa built {len(captured)} updates from the delivery (see pywa's log above)",
    )
    update = captured[0]
    require(
        type(update) is expected_type,
        f"pywa parsed a {type(update).__name__}, expected {expected_type.__name__}",
    )
    require(update.id == args.id, f"pywa read id {update.id!r}")
    require(update.waba_id == args.waba_id, f"pywa read waba_id {update.waba_id!r}")
    require(
        update.metadata.phone_number_id == args.phone_number_id,
        f"pywa read phone_number_id {update.metadata.phone_number_id!r}",
    )
    require(int(update.timestamp.timestamp()) == ts, f"pywa read timestamp {update.timestamp}")
    require(update.from_user.wa_id == args.from_, f"pywa read wa_id {update.from_user.wa_id!r}")
    require(update.from_user.bsuid == bsuid, f"pywa read user_id {update.from_user.bsuid!r}")
    if expected_type is MessageStatus:
        require(str(update.status) == args.status, f"pywa read status {update.status!r}")
    elif expected_type is CallbackButton:
        require(update.title == args.button_title, f"pywa read title {update.title!r}")
        require(update.data == args.button_id, f"pywa read button id {update.data!r}")
    else:
        require(update.text == args.text, f"pywa read text {update.text!r}")
        require(update.from_user.name == args.name, f"pywa read name {update.from_user.name!r}")

    emit(
        body,
        {"Content-Type": "application/json", "X-Hub-Signature-256": signature},
    )


# --------------------------------------------------------------------------- Telegram


def telegram(args: argparse.Namespace) -> None:
    from telegram import CallbackQuery, Chat, Message, Update, User
    from telegram.constants import ChatType

    date = (
        datetime.datetime.fromtimestamp(int(args.date), tz=datetime.timezone.utc)
        if args.date is not None
        else datetime.datetime.now(tz=datetime.timezone.utc).replace(microsecond=0)
    )
    user_id = args.user_id if args.user_id is not None else args.chat_id
    user = User(
        id=user_id,
        first_name=args.first_name,
        is_bot=False,
        username=args.username,
        language_code="en",
    )
    if args.chat_id > 0:
        chat = Chat(
            id=args.chat_id,
            type=ChatType.PRIVATE,
            first_name=args.first_name,
            username=args.username,
        )
    else:
        chat = Chat(
            id=args.chat_id,
            type=ChatType.SUPERGROUP if str(args.chat_id).startswith("-100") else ChatType.GROUP,
            title=args.chat_title,
        )

    if args.callback_data is not None:
        bot_user = User(
            id=args.bot_id, first_name=args.bot_name, is_bot=True, username=args.bot_username
        )
        bot_message = Message(
            message_id=args.message_id,
            date=date,
            chat=chat,
            from_user=bot_user,
            text=args.text,
        )
        query = CallbackQuery(
            id=str(args.callback_id if args.callback_id is not None else args.update_id),
            from_user=user,
            chat_instance=str(args.chat_instance),
            message=bot_message,
            data=args.callback_data,
        )
        update = Update(update_id=args.update_id, callback_query=query)
    else:
        message = Message(
            message_id=args.message_id,
            date=date,
            chat=chat,
            from_user=user,
            text=args.text,
        )
        update = Update(update_id=args.update_id, message=message)

    body = update.to_json()
    # Round trip through PTB's own parser: the body must decode to the same update.
    parsed = Update.de_json(json.loads(body), bot=None)
    require(parsed == update, "Update.de_json(body) is not the update that was built")
    require(parsed.to_json() == body, "Update.de_json(body).to_json() differs from body")
    if args.callback_data is not None:
        require(parsed.callback_query.data == args.callback_data, "callback data lost")
        require(parsed.callback_query.message.from_user.is_bot, "bot message not from a bot")
        require(parsed.callback_query.message.chat.id == args.chat_id, "chat id lost")
    else:
        require(parsed.message.text == args.text, "text lost")
        require(parsed.effective_chat.id == args.chat_id, "chat id lost")
    emit(
        body,
        {
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": args.secret_token,
        },
    )


# --------------------------------------------------------------------------- Slack


class _FixedClock:
    def __init__(self, now: float):
        self._now = now

    def now(self) -> float:
        return self._now


def _slack_signed(signing_secret: str, body: str, timestamp: int) -> dict[str, str]:
    from slack_sdk.signature import SignatureVerifier

    verifier = SignatureVerifier(signing_secret)
    ts = str(timestamp)
    signature = verifier.generate_signature(timestamp=ts, body=body)
    require(signature is not None, "slack_sdk generated no signature")
    # Check with slack_sdk's own verifier, with its clock at the request time so an
    # explicitly old --timestamp still verifies here (the server may reject it).
    checker = SignatureVerifier(signing_secret, clock=_FixedClock(float(timestamp)))
    require(
        checker.is_valid(body=body, timestamp=ts, signature=signature),
        "slack_sdk SignatureVerifier.is_valid rejected the signature",
    )
    require(
        not checker.is_valid(body=body + " ", timestamp=ts, signature=signature),
        "slack_sdk SignatureVerifier.is_valid accepted a changed body",
    )
    return {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }


def slack(args: argparse.Namespace) -> None:
    timestamp = int(args.timestamp) if args.timestamp is not None else int(time.time())
    ts = args.ts if args.ts is not None else f"{timestamp}.000100"
    event: dict = {
        "type": "message",
        "user": args.user,
        "channel": args.channel,
        "text": args.text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "im" if args.channel.startswith("D") else "channel",
    }
    if args.thread_ts is not None:
        event["thread_ts"] = args.thread_ts
    if args.bot_id is not None:
        event["bot_id"] = args.bot_id
    payload = {
        "token": args.token,
        "team_id": args.team,
        "api_app_id": args.api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": args.event_id,
        "event_time": timestamp,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": args.team,
                "user_id": args.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{args.event_id}",
    }
    body = json.dumps(payload, separators=(",", ":"))
    headers = _slack_signed(args.signing_secret, body, timestamp)
    if args.retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(args.retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    emit(body, headers)


def slack_url_verification(args: argparse.Namespace) -> None:
    timestamp = int(args.timestamp) if args.timestamp is not None else int(time.time())
    payload = {"token": args.token, "challenge": args.challenge, "type": "url_verification"}
    body = json.dumps(payload, separators=(",", ":"))
    emit(body, _slack_signed(args.signing_secret, body, timestamp))


# --------------------------------------------------------------------------- Twilio

TWILIO_ACCOUNT_SID = "AC" + "0123456789abcdef0123456789abcdef"


def twilio_sms(args: argparse.Namespace) -> None:
    from twilio.request_validator import RequestValidator

    require(
        args.sid[:2] in ("SM", "MM")
        and len(args.sid) == 34
        and all(c in "0123456789abcdefABCDEF" for c in args.sid[2:]),
        "--sid must be a Twilio message SID (SM + 32 hex)",
    )
    if args.status is None:
        # Field order as Twilio posts an inbound SMS.
        params = [
            ("ToCountry", "US"),
            ("ToState", "CA"),
            ("SmsMessageSid", args.sid),
            ("NumMedia", "0"),
            ("ToCity", "SAN FRANCISCO"),
            ("FromZip", "10001"),
            ("SmsSid", args.sid),
            ("FromState", "NY"),
            ("SmsStatus", "received"),
            ("FromCity", "NEW YORK"),
            ("Body", args.text if args.text is not None else ""),
            ("FromCountry", "US"),
            ("To", args.to),
            ("ToZip", "94105"),
            ("NumSegments", "1"),
            ("MessageSid", args.sid),
            ("AccountSid", args.account_sid),
            ("From", args.from_),
            ("ApiVersion", "2010-04-01"),
        ]
    else:
        # Status callback for an outbound message: no Body.
        params = [
            ("SmsSid", args.sid),
            ("SmsStatus", args.status),
            ("MessageStatus", args.status),
            ("To", args.to),
            ("MessageSid", args.sid),
            ("AccountSid", args.account_sid),
            ("From", args.from_),
            ("ApiVersion", "2010-04-01"),
        ]
    body = urllib.parse.urlencode(params)
    validator = RequestValidator(args.auth_token)
    signature = validator.compute_signature(args.url, dict(params))
    # Validate the way a server would: from the form body as it arrives.
    received = dict(urllib.parse.parse_qsl(body, keep_blank_values=True, strict_parsing=True))
    require(received == dict(params), "form body does not parse back to the signed fields")
    require(
        validator.validate(args.url, received, signature),
        "twilio RequestValidator.validate rejected the signature",
    )
    require(
        not validator.validate(args.url + "x", received, signature),
        "twilio RequestValidator.validate accepted a different URL",
    )
    emit(
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
    )


def twiml_empty(_args: argparse.Namespace) -> None:
    from twilio.twiml.messaging_response import MessagingResponse

    emit(str(MessagingResponse()), {"Content-Type": "text/xml"})


# --------------------------------------------------------------------------- CLI


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sign.py",
        description="Build and sign webhook deliveries with each platform's own library.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("whatsapp", help="WhatsApp Cloud API webhook (pywa)")
    p.add_argument("--app-secret", required=True)
    p.add_argument("--phone-number-id", required=True)
    p.add_argument("--from", dest="from_", required=True, metavar="DIGITS")
    p.add_argument("--id", required=True, metavar="WAMID")
    p.add_argument("--text", help="message text (required for a text message)")
    p.add_argument("--button-title", help="make it an interactive button_reply")
    p.add_argument("--button-id", default="option-0")
    p.add_argument("--context-id", default="wamid.HBgLMTU1NTAwMDAwMDAVAgARGBI0QUJDRDEyMzQ1Njc4OTAA")
    p.add_argument("--status", help="make it a status notification (sent, delivered, read, failed)")
    p.add_argument("--timestamp", type=int, metavar="SECS")
    p.add_argument("--name", default="Test User", help="contact profile name")
    p.add_argument("--bsuid", help="contact user_id (default: derived from --from)")
    p.add_argument("--display-phone-number", default="15550000000")
    p.add_argument("--waba-id", default="102290129340398")
    p.set_defaults(func=whatsapp)

    p = sub.add_parser("telegram", help="Telegram Bot API webhook update (python-telegram-bot)")
    p.add_argument("--secret-token", required=True)
    p.add_argument("--update-id", type=int, required=True)
    p.add_argument("--chat-id", type=int, required=True)
    p.add_argument("--text", required=True)
    p.add_argument("--callback-data", help="make it a callback_query on the bot's message")
    p.add_argument("--message-id", type=int, default=1)
    p.add_argument("--user-id", type=int, help="sender id (default: --chat-id)")
    p.add_argument("--first-name", default="Test")
    p.add_argument("--username", default="test_user")
    p.add_argument("--chat-title", default="Test Group")
    p.add_argument("--date", type=int, metavar="SECS")
    p.add_argument("--bot-id", type=int, default=7000000001)
    p.add_argument("--bot-name", default="Switchboard")
    p.add_argument("--bot-username", default="switchboard_test_bot")
    p.add_argument("--callback-id", help="callback query id (default: --update-id)")
    p.add_argument("--chat-instance", default="-1234567890123456789")
    p.set_defaults(func=telegram)

    p = sub.add_parser("slack", help="Slack Events API event_callback (slack_sdk)")
    p.add_argument("--signing-secret", required=True)
    p.add_argument("--event-id", required=True)
    p.add_argument("--team", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--channel", required=True)
    p.add_argument("--text", required=True)
    p.add_argument("--thread-ts")
    p.add_argument("--timestamp", type=int, metavar="SECS", help="request time (default: now)")
    p.add_argument("--ts", help="message ts (default: <timestamp>.000100)")
    p.add_argument("--bot-id")
    p.add_argument("--retry-num", type=int)
    p.add_argument("--token", default="Jhj5dZrVaK7ZwHHjRyZWjbDl")
    p.add_argument("--api-app-id", default="A0KRD7HC3")
    p.add_argument("--bot-user-id", default="U0LAN0Z89")
    p.set_defaults(func=slack)

    p = sub.add_parser("slack-url-verification", help="Slack url_verification (slack_sdk)")
    p.add_argument("--signing-secret", required=True)
    p.add_argument("--challenge", required=True)
    p.add_argument("--timestamp", type=int, metavar="SECS", help="request time (default: now)")
    p.add_argument("--token", default="Jhj5dZrVaK7ZwHHjRyZWjbDl")
    p.set_defaults(func=slack_url_verification)

    p = sub.add_parser("twilio", help="Twilio inbound SMS or status callback (twilio)")
    p.add_argument("--auth-token", required=True)
    p.add_argument("--url", required=True, help="the full URL Twilio posts to")
    p.add_argument("--sid", required=True, metavar="SM...")
    p.add_argument("--from", dest="from_", required=True)
    p.add_argument("--to", required=True)
    p.add_argument("--text", help="SMS body (required unless --status)")
    p.add_argument("--status", help="make it a status callback (queued, sent, delivered, ...)")
    p.add_argument("--account-sid", default=TWILIO_ACCOUNT_SID)
    p.set_defaults(func=twilio_sms)

    p = sub.add_parser("twiml-empty", help="TwiML Twilio's library makes for 'no reply'")
    p.set_defaults(func=twiml_empty)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "twilio" and args.status is None and args.text is None:
        print("sign.py twilio: --text is required unless --status is given", file=sys.stderr)
        return 2
    try:
        args.func(args)
    except SignError as e:
        print(f"sign.py {args.command}: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 - any failure must be a clear non-zero exit
        print(f"sign.py {args.command}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
